package train

import (
	"fmt"

	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/tokenizer"
)

// PackSequences packs token sequences (each at most T+1 long) into one
// batch of width T padded with <|pad|>: inputs are a sequence's tokens,
// targets the next tokens, and the weight of the target at position t is
// mask[t+1] (the weight of the token being predicted). Padding has no
// target. The width is always T, so batches of any lengths share one
// activation shape.
func PackSequences(seqs [][]int32, masks [][]float32, T int) *model.Batch {
	B := len(seqs)
	b := &model.Batch{B: B, T: T, Tokens: make([]int32, B*T), Targets: make([]int32, B*T), Weights: make([]float32, B*T)}
	for i, s := range seqs {
		for t := 0; t < T; t++ {
			k := i*T + t
			b.Tokens[k], b.Targets[k] = tokenizer.Pad, -1
			if t < len(s) {
				b.Tokens[k] = s[t]
			}
			if t+1 < len(s) {
				b.Targets[k] = s[t+1]
				b.Weights[k] = masks[i][t+1]
			}
		}
	}
	return b
}

// MaskedValSet is a fixed set of evaluation sequences with per-token
// weights (for SFT: the assistant mask), measured as the weighted mean
// loss. It implements Validator.
type MaskedValSet struct {
	Rows    [][]int32
	Masks   [][]float32
	Sources []string
	// Width is the positions measured per row (rows are cut to Width+1
	// tokens); 0 or more than the model's context: the context.
	Width int
}

// NewMaskedValSet renders convs like NewSFT, tagging each with its source.
func NewMaskedValSet(tok *tokenizer.Tokenizer, convs [][]chat.Message, sources []string, T int) (*MaskedValSet, error) {
	v := &MaskedValSet{}
	for i, c := range convs {
		toks, mask, err := chat.Render(tok, c)
		if err != nil {
			return nil, fmt.Errorf("train: conversation %d: %w", i, err)
		}
		if len(toks) > T+1 {
			continue
		}
		v.Rows, v.Masks = append(v.Rows, toks), append(v.Masks, mask)
		src := ""
		if i < len(sources) {
			src = sources[i]
		}
		v.Sources = append(v.Sources, src)
	}
	return v, nil
}

// Loss implements Validator: the mean over weighted tokens, overall and
// by source.
func (v *MaskedValSet) Loss(m *model.GPT, B int) (float64, map[string]float64, error) {
	if len(v.Rows) == 0 {
		return 0, nil, fmt.Errorf("train: %w: no validation sequences", ErrCorpusTooSmall)
	}
	T := m.Config.MaxSeqLen
	if v.Width > 0 {
		T = min(T, v.Width)
	}
	sum, wsum := map[string]float64{}, map[string]float64{}
	losses := make([]float32, B*T)
	for lo := 0; lo < len(v.Rows); lo += B {
		rows, masks := make([][]int32, B), make([][]float32, B)
		for b := range rows {
			if lo+b < len(v.Rows) {
				rows[b], masks[b] = v.Rows[lo+b], v.Masks[lo+b]
				if len(rows[b]) > T+1 {
					rows[b], masks[b] = rows[b][:T+1], masks[b][:T+1]
				}
			}
		}
		batch := PackSequences(rows, masks, T)
		if err := m.Forward(batch); err != nil {
			return 0, nil, err
		}
		m.TokenLosses(losses)
		for b := 0; b < B && lo+b < len(v.Rows); b++ {
			src := v.Sources[lo+b]
			for t := 0; t < T; t++ {
				w := float64(batch.Weights[b*T+t])
				sum[src] += w * float64(losses[b*T+t])
				wsum[src] += w
			}
		}
	}
	by := map[string]float64{}
	var s, w float64
	for src := range sum {
		if wsum[src] > 0 {
			by[src] = sum[src] / wsum[src]
		}
		s += sum[src]
		w += wsum[src]
	}
	return s / max(w, 1), by, nil
}
