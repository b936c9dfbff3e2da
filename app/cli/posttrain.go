package cli

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/checkpoint"
	"tinystages/model/cpu"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// loadModel loads a frozen copy of a checkpoint; with want set, its
// tokenizer must be the same.
func loadModel(path string, want *tokenizer.Tokenizer) (*model.GPT, error) {
	ck, err := loadCheckpoint(path)
	if err != nil {
		return nil, err
	}
	if want != nil && !sameTokenizer(ck, want) {
		return nil, fmt.Errorf("%s: its tokenizer differs from the model's: distillation compares token by token, so both must share one", path)
	}
	return ck.Model(cpu.New(nil))
}

func sameTokenizer(ck *checkpoint.Checkpoint, tok *tokenizer.Tokenizer) bool {
	a, err1 := ck.Tokenizer.MarshalJSON()
	b, err2 := tok.MarshalJSON()
	return err1 == nil && err2 == nil && bytes.Equal(a, b)
}

// chatSample is the model's greedy reply to question, for the end of a
// post-training run's log.
func chatSample(run *train.Run, question string) (string, error) {
	out, err := run.Model.Generate(chat.UserPrompt(run.Tok, question), 1,
		model.SampleOptions{MaxTokens: 40, Stop: []int32{tokenizer.End}}, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return "", err
	}
	reply, done := chat.Reply(run.Tok, out[0].Tokens)
	if done {
		reply += "<|end|>"
	}
	return question + " → " + reply, nil
}

// postSettings records a post-training run's settings in its checkpoint.
func postSettings(f trainFlags) map[string]any {
	s, o := f.settings, f.post
	out := map[string]any{"lr": s.LR, "batch": s.Batch}
	switch s.Stage {
	case train.StageSFT:
		out["drop_end"], out["replay"] = o.DropEnd, o.Replay
		if len(f.skipKinds) > 0 {
			out["skip_kinds"] = strings.Join(f.skipKinds, ",")
		}
	case train.StageRL:
		out["group"], out["temperature"], out["max_tokens"], out["format_reward"], out["kl"] = o.Group, o.Temperature, o.MaxTokens, o.FormatReward, o.KL
	case train.StageDistill:
		out["group"], out["temperature"], out["max_tokens"], out["teacher"] = o.Group, o.Temperature, o.MaxTokens, f.teacher
	case train.StageDPO:
		out["beta"] = o.Beta
	}
	if f.data != "" {
		out["data"] = f.data
	}
	return out
}

// formatMetrics prints a metrics map as "a 0.123 b 4.56", keys sorted.
func formatMetrics(m map[string]float64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s %.3g", k, m[k])
	}
	return b.String()
}
