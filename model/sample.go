package model

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// SampleOptions control Generate.
type SampleOptions struct {
	// Temperature divides the logits; 0 means greedy (argmax).
	Temperature float32
	// TopK keeps only the K most likely tokens; 0 keeps all.
	TopK int
	// MaxTokens bounds the completion length (the context bounds it too).
	MaxTokens int
	// Stop ends a completion after it emits one of these tokens (the stop
	// token is part of the completion).
	Stop []int32
}

// Completion is one sampled continuation.
type Completion struct {
	Tokens []int32 // generated tokens, the stop token included if one ended it
	// Stopped is true when a stop token ended the completion, false when
	// it hit MaxTokens or the context limit (a cut-off completion).
	Stopped bool
	// LogProbs[i] is the log-probability the model gave Tokens[i]: the log
	// softmax of its logits over the whole vocabulary, before temperature
	// and top-k. Post-training reads the policy's log-probs here (for a KL
	// to a reference, or the student's side of distillation) instead of
	// running the sequence through the model again.
	LogProbs []float32
}

// ErrBadPrompt is returned by Generate for a prompt it cannot continue.
var ErrBadPrompt = errors.New("invalid prompt")

// Generate samples n completions of prompt, one per sequence of a batch of
// n, with a KV cache: the prompt is run once (prefill), then each new token
// costs one position of forward pass. rng drives the sampling, so the
// same seed gives the same completions.
func (m *GPT) Generate(prompt []int32, n int, opt SampleOptions, rng *rand.Rand) ([]Completion, error) {
	c := m.Config
	switch {
	case len(prompt) == 0:
		return nil, fmt.Errorf("model: %w: empty (start it with the <|bos|> token)", ErrBadPrompt)
	case len(prompt) >= c.MaxSeqLen:
		return nil, fmt.Errorf("model: %w: %d tokens leave no room in a context of %d", ErrBadPrompt, len(prompt), c.MaxSeqLen)
	case n < 1:
		return nil, fmt.Errorf("model: %w: %d samples requested", ErrBadPrompt, n)
	}
	for i, t := range prompt {
		if t < 0 || int(t) >= c.VocabSize {
			return nil, fmt.Errorf("model: %w: token %d at %d outside vocabulary of %d", ErrBadPrompt, t, i, c.VocabSize)
		}
	}
	maxNew := c.MaxSeqLen - len(prompt)
	if opt.MaxTokens > 0 {
		maxNew = min(maxNew, opt.MaxTokens)
	}
	V, P := c.VocabSize, len(prompt)
	out := make([]Completion, n)
	done := make([]bool, n)
	// Prefill: all prompt positions at once, padded to a power of two so
	// that prompts of many lengths share a few activation shapes. The
	// padding comes after the prompt, so causal attention keeps it out of
	// the prompt's logits, and its cache rows are overwritten by the
	// tokens generated at those positions before anything reads them.
	Pb := min(nextPow2(P), c.MaxSeqLen)
	ids := make([]int32, n*Pb)
	for b := 0; b < n; b++ {
		copy(ids[b*Pb:], prompt)
	}
	pre := m.activationsFor(actKey{B: n, T: Pb})
	m.be.WriteIndex(pre.tokens, ids)
	m.forward(pre, 0)
	rows := make([]float32, n*V)
	for b := 0; b < n; b++ {
		m.be.Read(rows[b*V:(b+1)*V], pre.logits.Slice((b*Pb+P-1)*V, V))
	}
	step := m.activationsFor(actKey{B: n, T: 1})
	next := make([]int32, n)
	scratch := make([]probIndex, V)
	for k := 0; k < maxNew; k++ {
		live := false
		for b := 0; b < n; b++ {
			if done[b] {
				next[b] = 0
				continue
			}
			row := rows[b*V : (b+1)*V]
			tok := sampleRow(row, opt, rng, scratch)
			next[b] = tok
			out[b].Tokens = append(out[b].Tokens, tok)
			out[b].LogProbs = append(out[b].LogProbs, logProb(row, tok))
			for _, s := range opt.Stop {
				if tok == s {
					done[b], out[b].Stopped = true, true
				}
			}
			live = live || !done[b]
		}
		if !live || k == maxNew-1 {
			break
		}
		m.be.WriteIndex(step.tokens, next)
		m.forward(step, P+k)
		m.be.Read(rows, step.logits)
	}
	return out, nil
}

// logProb is log softmax(logits)[tok], computed in float64.
func logProb(logits []float32, tok int32) float32 {
	maxv := logits[0]
	for _, v := range logits {
		maxv = max(maxv, v)
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v - maxv))
	}
	return float32(float64(logits[tok]-maxv) - math.Log(sum))
}

func nextPow2(n int) int {
	p := 1
	for p < n {
		p *= 2
	}
	return p
}

type probIndex struct {
	p  float32
	id int32
}

// sampleRow draws a token from logits under opt.
func sampleRow(logits []float32, opt SampleOptions, rng *rand.Rand, scratch []probIndex) int32 {
	if opt.Temperature <= 0 {
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		return int32(best)
	}
	cand := scratch[:len(logits)]
	for i, v := range logits {
		cand[i] = probIndex{v, int32(i)}
	}
	if opt.TopK > 0 && opt.TopK < len(cand) {
		sort.Slice(cand, func(i, j int) bool {
			if cand[i].p != cand[j].p {
				return cand[i].p > cand[j].p
			}
			return cand[i].id < cand[j].id
		})
		cand = cand[:opt.TopK]
	}
	maxv := float32(math.Inf(-1))
	for _, c := range cand {
		maxv = max(maxv, c.p)
	}
	var sum float64
	for i := range cand {
		e := math.Exp(float64((cand[i].p - maxv) / opt.Temperature))
		cand[i].p = float32(e)
		sum += e
	}
	r := rng.Float64() * sum
	for _, c := range cand {
		r -= float64(c.p)
		if r <= 0 {
			return c.id
		}
	}
	return cand[len(cand)-1].id
}
