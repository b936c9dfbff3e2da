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
	// val holds a row per fact: the sentence, <|bos|> first, with weight
	// 1 on the answer's tokens; its sources are the facts' placements,
	// and its width the longest sentence's.
	val     train.MaskedValSet
	answers []string
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
		p.val.Rows = append(p.val.Rows, row)
		p.val.Masks = append(p.val.Masks, w)
		p.val.Sources = append(p.val.Sources, f.Seen)
		p.val.Width = max(p.val.Width, len(row)-1)
		p.answers = append(p.answers, f.Answer)
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
func (p *FactProbe) Len() int { return len(p.val.Rows) }

// Loss implements train.Validator: the mean loss per answer token over
// all facts, and by placement ("midtrain", "pretrain").
func (p *FactProbe) Loss(m *model.GPT, B int) (float64, map[string]float64, error) {
	if len(p.val.Rows) == 0 {
		return 0, nil, fmt.Errorf("eval: %w: no facts to probe", train.ErrCorpusTooSmall)
	}
	return p.val.Loss(m, B)
}

// Recall is the share of facts, by placement, whose answer the model
// completes exactly by greedy decoding after the sentence's prefix.
func (p *FactProbe) Recall(m *model.GPT, tok *tokenizer.Tokenizer) (map[string]float64, error) {
	hit, n := map[string]float64{}, map[string]float64{}
	for i, row := range p.val.Rows {
		w := p.val.Masks[i]
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
		n[p.val.Sources[i]]++
		if strings.EqualFold(got, p.answers[i]) {
			hit[p.val.Sources[i]]++
		}
	}
	by := map[string]float64{}
	for s := range n {
		by[s] = hit[s] / n[s]
	}
	return by, nil
}
