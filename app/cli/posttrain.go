package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/checkpoint"
	"tinystages/model/cpu"
	"tinystages/model/eval"
	"tinystages/model/posttrain"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

func isPostTraining(stage string) bool {
	switch stage {
	case train.StageSFT, train.StageRL, train.StageDPO, train.StageDistill:
		return true
	}
	return false
}

// sftData is supervised fine-tuning on sft.train.jsonl (or -data: an SFT
// file, or a math file answered with reference solutions), validated on
// the masked loss of sft.eval.jsonl by kind.
func sftData(f trainFlags, tok *tokenizer.Tokenizer, T int) (stageData, error) {
	trainConvs, _, err := readConversations(f, "sft.train.jsonl")
	if err != nil {
		return stageData{}, err
	}
	evalConvs, evalKinds, err := readConversations(f, "sft.eval.jsonl")
	if err != nil {
		return stageData{}, err
	}
	prod, err := posttrain.NewSFT(tok, trainConvs, T, f.post)
	if err != nil {
		return stageData{}, err
	}
	val, err := train.NewMaskedValSet(tok, evalConvs, evalKinds, T)
	if err != nil {
		return stageData{}, err
	}
	about := fmt.Sprintf("%d conversations", prod.Len())
	if prod.Skipped > 0 {
		about += fmt.Sprintf(" (%d longer than the context left out)", prod.Skipped)
	}
	if f.post.DropEnd {
		about += ", <|end|> left out of the mask (-drop-end)"
	}
	return stageData{producer: prod, val: val, about: about}, nil
}

// postData builds the producers of rl, distill and dpo for the policy m:
// a frozen reference (the -init checkpoint loaded a second time), the
// teacher, and the prompts or pairs (shipped, or -data), with held-out
// math or preference accuracy as the measurement.
func postData(f trainFlags, m *model.GPT, tok *tokenizer.Tokenizer, log *progress) (stageData, error) {
	var d posttrain.Data
	readShipped := func(kind, name string) error {
		b, err := os.ReadFile(filepath.Join(f.datasets, name))
		if err != nil {
			return fmt.Errorf("train: %w (build the datasets first: make datasets)", err)
		}
		return d.Load(kind, name, b)
	}
	readUser := func(kind string) error {
		b, err := os.ReadFile(f.data)
		if err != nil {
			return err
		}
		return d.Load(kind, filepath.Base(f.data), b)
	}
	T := m.Config.MaxSeqLen
	s := f.settings
	switch s.Stage {
	case train.StageRL, train.StageDistill:
		var prompts posttrain.Prompts = posttrain.NewMathStream(s.Seed)
		about := "fresh generated math problems"
		if f.data != "" {
			if err := readUser(posttrain.KindPrompts); err != nil {
				return stageData{}, err
			}
			prompts, about = posttrain.PromptSet(d.Prompts), fmt.Sprintf("%d problems of %s", len(d.Prompts), f.data)
		}
		if err := readShipped(posttrain.KindPrompts, eval.Files.Math); err != nil {
			return stageData{}, err
		}
		heldout := mathHeldout(tok, T, d.Prompts, f.heldout)
		about = fmt.Sprintf("%s, %d completions per prompt, %d prompts per step", about, f.post.Group, max(1, s.Batch/f.post.Group))
		if s.Stage == train.StageRL {
			ref, err := loadModel(f.init, nil)
			if err != nil {
				return stageData{}, err
			}
			prod, err := posttrain.NewGRPO(m, ref, tok, prompts, f.post)
			if err != nil {
				return stageData{}, err
			}
			return stageData{producer: prod, about: about, heldout: heldout}, nil
		}
		if f.teacher == "" {
			return stageData{}, fmt.Errorf("%w: -stage distill needs -teacher <checkpoint.safetensors> (make checkpoints writes web/checkpoints/teacher.safetensors)", ErrUsage)
		}
		teacher, err := loadModel(f.teacher, tok)
		if err != nil {
			return stageData{}, err
		}
		prod, err := posttrain.NewDistill(m, teacher, tok, prompts, f.post)
		if err != nil {
			return stageData{}, err
		}
		if h, err := heldout(teacher); err == nil {
			log.phase("teacher %s held-out: %s", f.teacher, formatMetrics(h))
		}
		return stageData{producer: prod, about: about, heldout: heldout}, nil
	case train.StageDPO:
		name := "preference.train.jsonl"
		if f.data != "" {
			if err := readUser(posttrain.KindPreference); err != nil {
				return stageData{}, err
			}
			name = f.data
		} else if err := readShipped(posttrain.KindPreference, name); err != nil {
			return stageData{}, err
		}
		pairs := d.Pairs
		if err := readShipped(posttrain.KindPreference, eval.Files.Prefs); err != nil {
			return stageData{}, err
		}
		ref, err := loadModel(f.init, nil)
		if err != nil {
			return stageData{}, err
		}
		prod, err := posttrain.NewDPO(m, ref, tok, pairs, f.post)
		if err != nil {
			return stageData{}, err
		}
		about := fmt.Sprintf("%d pairs of %s, β %g, %d pairs per step", prod.Len(), name, f.post.Beta, max(1, s.Batch/2))
		return stageData{producer: prod, about: about, heldout: prefHeldout(tok, T, d.Pairs, f.heldout)}, nil
	}
	return stageData{}, fmt.Errorf("%w: -stage %s is not a post-training stage", ErrUsage, s.Stage)
}

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

// mathHeldout measures math accuracy and format compliance on n
// held-out problems spread over the file (all when n is 0), greedy as the report card does,
// and the accuracy of 4 samples per problem at temperature 1.
func mathHeldout(tok *tokenizer.Tokenizer, T int, probs []record.MathProblem, n int) func(*model.GPT) (map[string]float64, error) {
	probs = spread(probs, n)
	suite := eval.NewSuite(tok, T, eval.Data{Math: probs}, eval.Limits{})
	return func(m *model.GPT) (map[string]float64, error) {
		r, err := suite.Evaluate("", m, nil)
		if err != nil {
			return nil, err
		}
		sampled, err := posttrain.SampledAccuracy(m, tok, probs, 4, 40, 1)
		if err != nil {
			return nil, err
		}
		return map[string]float64{"math_accuracy": r.MathAccuracy, "math_sampled": sampled, "format": r.Format}, nil
	}
}

// prefHeldout measures preference accuracy (chosen more likely than
// rejected) on n held-out pairs spread over the file (all when n is 0).
func prefHeldout(tok *tokenizer.Tokenizer, T int, pairs []record.Preference, n int) func(*model.GPT) (map[string]float64, error) {
	suite := eval.NewSuite(tok, T, eval.Data{Prefs: spread(pairs, n)}, eval.Limits{})
	return func(m *model.GPT) (map[string]float64, error) {
		r, err := suite.Evaluate("", m, nil)
		if err != nil {
			return nil, err
		}
		return map[string]float64{"preference_accuracy": r.PrefAccuracy}, nil
	}
}

// isMathFile tells a math file ({"prompt","answer"} lines) from an SFT
// file ({"messages"} lines) by the keys of its first line.
func isMathFile(data []byte) bool {
	line, _, _ := bytes.Cut(bytes.TrimSpace(data), []byte("\n"))
	var keys map[string]json.RawMessage
	if json.Unmarshal(line, &keys) != nil {
		return false
	}
	_, msgs := keys["messages"]
	_, answer := keys["answer"]
	return answer && !msgs
}

// spread returns n items of x taken at even strides (all when n is 0 or
// at least len(x)), so that a subset of a file sorted by level or kind
// still covers every level and kind.
func spread[T any](x []T, n int) []T {
	if n <= 0 || n >= len(x) {
		return x
	}
	out := make([]T, n)
	for i := range out {
		out[i] = x[i*len(x)/n]
	}
	return out
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
		out["drop_end"] = o.DropEnd
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
