package eval

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// FactProbe measures what a model knows of the fictional world's facts
// without asking it a question: each fact's canonical sentence is cut
// before its answer ("Kevek Rivek is a" | " surveyor."), and the probe
// reads the model's loss on the answer's tokens (a cloze test). A base
// model that was never taught the chat template scores near zero on the
// report card's QA; the probe sees the knowledge itself, so it moves
// during mid-training. Facts are grouped by where they were placed
// (record.SeenMidtrain, record.SeenPretrain): mid-training should teach
// the first and, without replay, wear away the second.
type FactProbe struct {
	rows    [][]int32
	weights [][]float32
	answers []string
	seen    []string
	T       int // row width: the longest sentence, <|bos|> included
}

// NewFactProbe prepares the facts placed in any of seen for tok. Facts
// whose answer does not end their sentence (the answer is the subject)
// are left out.
func NewFactProbe(tok *tokenizer.Tokenizer, facts []record.Fact, seen ...string) *FactProbe {
	p := &FactProbe{}
	for _, f := range facts {
		if !contains(seen, f.Seen) {
			continue
		}
		prefix, ok := strings.CutSuffix(f.Sentence, f.Answer+".")
		if !ok || strings.TrimSpace(prefix) == "" {
			continue
		}
		prefix = strings.TrimRight(prefix, " ")
		row := append([]int32{tokenizer.BOS}, tok.EncodeString(prefix)...)
		ans := tok.EncodeString(" " + f.Answer)
		w := make([]float32, len(row)+len(ans))
		for i := len(row); i < len(w); i++ {
			w[i] = 1 // the weight of the token at i, predicted from i-1
		}
		row = append(row, ans...)
		p.rows = append(p.rows, row)
		p.weights = append(p.weights, w)
		p.answers = append(p.answers, f.Answer)
		p.seen = append(p.seen, f.Seen)
		p.T = max(p.T, len(row))
	}
	return p
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Len is the number of facts probed.
func (p *FactProbe) Len() int { return len(p.rows) }

// Loss implements train.Validator: the mean loss per answer token over
// all facts, and by placement ("midtrain", "pretrain").
func (p *FactProbe) Loss(m *model.GPT, B int) (float64, map[string]float64, error) {
	if len(p.rows) == 0 {
		return 0, nil, fmt.Errorf("eval: %w: no facts to probe", train.ErrCorpusTooSmall)
	}
	T := min(p.T, m.Config.MaxSeqLen) - 1
	sum, n := map[string]float64{}, map[string]float64{}
	losses := make([]float32, B*T)
	for lo := 0; lo < len(p.rows); lo += B {
		rows, ws := make([][]int32, B), make([][]float32, B)
		for b := range rows {
			if i := lo + b; i < len(p.rows) {
				rows[b], ws[b] = clip(p.rows[i], T+1), clipF(p.weights[i], T+1)
			}
		}
		batch := train.PackSequences(rows, ws, T)
		if err := m.Forward(batch); err != nil {
			return 0, nil, err
		}
		m.TokenLosses(losses)
		for b := 0; b < B && lo+b < len(p.rows); b++ {
			src := p.seen[lo+b]
			for t := 0; t < T; t++ {
				w := float64(batch.Weights[b*T+t])
				sum[src] += w * float64(losses[b*T+t])
				n[src] += w
			}
		}
	}
	by := map[string]float64{}
	var s, w float64
	for src := range sum {
		by[src] = sum[src] / max(n[src], 1)
		s += sum[src]
		w += n[src]
	}
	return s / max(w, 1), by, nil
}

func clip(x []int32, n int) []int32 {
	if len(x) > n {
		return x[:n]
	}
	return x
}

func clipF(x []float32, n int) []float32 {
	if len(x) > n {
		return x[:n]
	}
	return x
}

// Recall is the share of facts, by placement, whose answer the model
// completes exactly by greedy decoding after the sentence's prefix.
func (p *FactProbe) Recall(m *model.GPT, tok *tokenizer.Tokenizer) (map[string]float64, error) {
	hit, n := map[string]float64{}, map[string]float64{}
	for i, row := range p.rows {
		w := p.weights[i]
		k := 0
		for k < len(w) && w[k] == 0 {
			k++
		}
		want := len(row) - k
		out, err := m.Generate(row[:k], 1, model.SampleOptions{MaxTokens: want}, rand.New(rand.NewPCG(0, 0)))
		if err != nil {
			return nil, err
		}
		got := strings.TrimSpace(string(tok.Decode(out[0].Tokens)))
		n[p.seen[i]]++
		if strings.EqualFold(got, p.answers[i]) {
			hit[p.seen[i]]++
		}
	}
	by := map[string]float64{}
	for s := range n {
		by[s] = hit[s] / n[s]
	}
	return by, nil
}
