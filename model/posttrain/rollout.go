package posttrain

import (
	"fmt"
	"math/rand/v2"

	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// rollouts are G sampled completions of each of P prompts, packed as the
// rows of a training batch: row i = P·g + k is the k-th completion of
// prompt g, its tokens the prompt followed by the completion, weight 1 on
// the completion's targets (its <|end|> included) and 0 elsewhere. The
// objectives then scale those weights.
type rollouts struct {
	G        int
	problems []record.MathProblem // [P]
	prompts  [][]int32            // [P] prompt tokens, ending with the reply cue "A:"
	comps    []model.Completion   // [P*G]
	batch    *model.Batch         // [P*G, W]
	tokens   int                  // completion tokens in the batch
}

// rollout draws P problems from src and samples G completions of each from
// m (KV-cached, one Generate per prompt), at most T positions wide.
func rollout(m *model.GPT, tok *tokenizer.Tokenizer, src Prompts, P int, opt Options, T int, rng *rand.Rand) *rollouts {
	T = min(T, m.Config.MaxSeqLen)
	r := &rollouts{G: opt.Group}
	sopt := model.SampleOptions{Temperature: opt.Temperature, MaxTokens: opt.MaxTokens, Stop: []int32{tokenizer.End}}
	for range P {
		var prob record.MathProblem
		var prompt []int32
		for try := 0; ; try++ {
			prob = src.Next(rng)
			prompt = chat.UserPrompt(tok, prob.Prompt)
			if len(prompt)+min(opt.MaxTokens, 8) <= T {
				break
			}
			if try == 1000 {
				panic(fmt.Sprintf("posttrain: no prompt leaves room for a completion in a context of %d tokens", T))
			}
		}
		comps, err := m.Generate(prompt, opt.Group, sopt, rng)
		if err != nil {
			panic("posttrain: " + err.Error()) // prompts are checked above
		}
		r.problems = append(r.problems, prob)
		r.prompts = append(r.prompts, prompt)
		r.comps = append(r.comps, comps...)
	}
	seqs := make([][]int32, len(r.comps))
	masks := make([][]float32, len(r.comps))
	for i, c := range r.comps {
		p := r.prompts[i/r.G]
		seq := make([]int32, 0, len(p)+len(c.Tokens))
		seq = append(append(seq, p...), c.Tokens...)
		mask := make([]float32, len(seq))
		for j := len(p); j < len(seq); j++ {
			mask[j] = 1
		}
		seqs[i], masks[i] = seq, mask
		r.tokens += len(c.Tokens)
	}
	r.batch = train.PackSequences(seqs, masks, fitWidth(seqs, T))
	r.batch.Norm = float64(max(r.tokens, 1))
	return r
}

// pos is the batch position whose target is token j of completion i.
func (r *rollouts) pos(i, j int) int {
	return i*r.batch.T + len(r.prompts[i/r.G]) - 1 + j
}

// reply decodes completion i: its text before <|end|> and whether it
// ended there.
func (r *rollouts) reply(tok *tokenizer.Tokenizer, i int) (string, bool) {
	return chat.Reply(tok, r.comps[i].Tokens)
}

// fitWidth is the batch width for seqs: the positions the longest needs,
// rounded up to 16, 32 or a multiple of 32 (at most T), so that short
// post-training rows do not pay for the whole context and a few widths
// cover every batch.
func fitWidth(seqs [][]int32, T int) int {
	need := 1
	for _, s := range seqs {
		need = max(need, len(s)-1)
	}
	w := 16
	if need > 16 {
		w = (need + 31) / 32 * 32
	}
	return min(w, T)
}

// scoreTokens runs m (a reference or a teacher) on b and writes the
// log-probability it gives every target into dst [B*T].
func scoreTokens(m *model.GPT, b *model.Batch, dst []float32) []float32 {
	if err := m.Forward(b); err != nil {
		panic("posttrain: " + err.Error()) // shapes were checked when the producer was made
	}
	if cap(dst) < b.B*b.T {
		dst = make([]float32, b.B*b.T)
	}
	dst = dst[:b.B*b.T]
	m.TokenLosses(dst)
	for i := range dst {
		dst[i] = -dst[i]
	}
	return dst
}

// checkPair reports whether other can score batches of m: same
// vocabulary, at least m's context.
func checkPair(role string, m, other *model.GPT) error {
	switch {
	case other == nil:
		return fmt.Errorf("posttrain: no %s model", role)
	case other == m:
		return fmt.Errorf("posttrain: the %s must be a separate, frozen model, not the one being trained", role)
	case other.Config.VocabSize != m.Config.VocabSize:
		return fmt.Errorf("posttrain: the %s has a vocabulary of %d tokens, the model %d: they must share the tokenizer", role, other.Config.VocabSize, m.Config.VocabSize)
	case other.Config.MaxSeqLen < m.Config.MaxSeqLen:
		return fmt.Errorf("posttrain: the %s's context of %d is shorter than the model's %d", role, other.Config.MaxSeqLen, m.Config.MaxSeqLen)
	}
	return nil
}

// Sample is one sampled completion of the last batch, for the UI's list
// of samples with what each earned.
type Sample struct {
	Prompt     string  `json:"prompt"`
	Completion string  `json:"completion"`
	Answer     string  `json:"answer"`
	Reward     float64 `json:"reward"`     // the verifiable reward: 1 if the \boxed{} answer is right
	Format     float64 `json:"format"`     // the format reward
	Advantage  float64 `json:"advantage"`  // RL: the group-normalised advantage
	ReverseKL  float64 `json:"reverse_kl"` // distillation: mean per-token log p_student − log p_teacher
	Tokens     int     `json:"tokens"`     // completion length
	Terminated bool    `json:"terminated"` // ended with <|end|>
}
