package posttrain

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// DPO is direct preference optimisation against a frozen reference. For
// a pair (prompt, chosen, rejected) it measures the sequence
// log-probabilities of both replies (their tokens and closing <|end|>, in
// the chat template) under the policy and the reference, and weights
// every token of the chosen reply by +w and every token of the rejected
// reply by −w, with w = β·σ(−β·margin) (DPOLoss): one
// weighted cross-entropy whose gradient is exactly DPO's. Pairs the
// policy already separates by much more than the reference did get
// little weight; pairs it gets wrong get up to β.
//
// A batch of B rows holds B/2 pairs (at least one), normalised by the
// number of pairs, so the loss's gradient is that of the mean DPO loss.
// The reference's log-probabilities of a pair are computed once, the
// first time the pair is drawn, and kept.
type DPO struct {
	Policy *model.GPT
	Ref    *model.GPT
	Beta   float64
	// Skipped counts pairs left out because a reply does not fit the
	// context.
	Skipped int

	pairs   []renderedPair
	refLP   [][2]float64
	refDone []bool
	lp      []float32
	report  map[string]float64
}

type renderedPair struct {
	rows  [2][]int32 // chosen, rejected: prompt and reply in the chat template
	masks [2][]float32
}

// ErrNoPairs is returned by NewDPO when no pair fits the context.
var ErrNoPairs = errors.New("no usable preference pairs")

// NewDPO renders pairs for policy (context T = its MaxSeqLen); ref must
// be a separate, frozen model with the same tokenizer (usually the
// policy's starting checkpoint loaded a second time).
func NewDPO(policy, ref *model.GPT, tok *tokenizer.Tokenizer, pairs []record.Preference, opt Options) (*DPO, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if err := checkPair("reference", policy, ref); err != nil {
		return nil, err
	}
	d := &DPO{Policy: policy, Ref: ref, Beta: opt.Beta}
	T := policy.Config.MaxSeqLen
	for i, p := range pairs {
		var rp renderedPair
		fits := true
		for k, reply := range []string{p.Chosen, p.Rejected} {
			toks, mask, err := chat.Render(tok, []chat.Message{{Role: chat.RoleUser, Content: p.Prompt}, {Role: chat.RoleAssistant, Content: reply}})
			if err != nil {
				return nil, fmt.Errorf("posttrain: pair %d: %w", i, err)
			}
			if len(toks) > T+1 {
				fits = false
			}
			rp.rows[k], rp.masks[k] = toks, mask
		}
		if !fits {
			d.Skipped++
			continue
		}
		d.pairs = append(d.pairs, rp)
	}
	if len(d.pairs) == 0 {
		return nil, fmt.Errorf("posttrain: %w: all %d pairs exceed the context of %d tokens", ErrNoPairs, len(pairs), T)
	}
	d.refLP = make([][2]float64, len(d.pairs))
	d.refDone = make([]bool, len(d.pairs))
	return d, nil
}

// Len is the number of usable pairs.
func (d *DPO) Len() int { return len(d.pairs) }

// Next implements train.Producer: max(1, B/2) pairs drawn at random, the
// chosen reply of pair p in row 2p and the rejected one in row 2p+1.
func (d *DPO) Next(B, T int, rng *rand.Rand) *model.Batch {
	P := max(1, B/2)
	idx := make([]int, P)
	rows := make([][]int32, 2*P)
	masks := make([][]float32, 2*P)
	needRef := false
	for p := range idx {
		i := rng.IntN(len(d.pairs))
		idx[p] = i
		rows[2*p], rows[2*p+1] = d.pairs[i].rows[0], d.pairs[i].rows[1]
		masks[2*p], masks[2*p+1] = d.pairs[i].masks[0], d.pairs[i].masks[1]
		needRef = needRef || !d.refDone[i]
	}
	b := train.PackSequences(rows, masks, fitWidth(rows, min(T, d.Policy.Config.MaxSeqLen)))
	W := b.T
	seqLP := func(lp []float32, row int) float64 {
		var s float64
		for t := row * W; t < (row+1)*W; t++ {
			s += float64(b.Weights[t]) * float64(lp[t])
		}
		return s
	}
	if needRef {
		d.lp = scoreTokens(d.Ref, b, d.lp)
		for p, i := range idx {
			if !d.refDone[i] {
				d.refLP[i] = [2]float64{seqLP(d.lp, 2*p), seqLP(d.lp, 2*p+1)}
				d.refDone[i] = true
			}
		}
	}
	d.lp = scoreTokens(d.Policy, b, d.lp)
	var loss, margin, acc, chosen, rejected float64
	for p, i := range idx {
		c := seqLP(d.lp, 2*p) - d.refLP[i][0]
		r := seqLP(d.lp, 2*p+1) - d.refLP[i][1]
		l, w := DPOLoss(d.Beta, c-r)
		for k, sign := range [2]float32{1, -1} {
			row := b.Weights[(2*p+k)*W : (2*p+k+1)*W]
			for t := range row {
				row[t] *= sign * float32(w)
			}
		}
		loss += l
		margin += d.Beta * (c - r)
		chosen += d.Beta * c
		rejected += d.Beta * r
		if c > r {
			acc++
		}
	}
	b.Norm = float64(P)
	n := float64(P)
	d.report = map[string]float64{
		MetricDPOLoss:        loss / n,
		MetricRewardMargin:   margin / n,
		MetricRewardAcc:      acc / n,
		MetricChosenReward:   chosen / n,
		MetricRejectedReward: rejected / n,
	}
	return b
}

// Report implements train.Reporter with the metrics of the last batch.
func (d *DPO) Report() map[string]float64 { return d.report }
