package model

import (
	"errors"
	"fmt"
	"math"
)

// Batch is what every training stage produces: B sequences of T tokens,
// the target of each position and a weight per target. The model's one
// loss is
//
//	sum_t Weights[t] · CE(logits_t, Targets[t]) / Norm
//
// Pre-training sets every weight to 1; SFT sets 1 on assistant tokens and 0
// on the prompt; RL, DPO and distillation put advantages, ±DPO weights and
// reverse-KL advantages there. Only the producer of batches changes.
type Batch struct {
	B, T    int
	Tokens  []int32   // [B*T] input token ids
	Targets []int32   // [B*T] token to predict at each position; < 0 for none
	Weights []float32 // [B*T] loss weight of each target; nil means 1
	// Norm divides the weighted sum. 0 means the number of positions with
	// a target and a nonzero weight (a mean over trained tokens).
	Norm float64
}

// ErrBadBatch is wrapped by every error of Batch.Validate.
var ErrBadBatch = errors.New("invalid batch")

// Validate checks b against the model config c.
func (b *Batch) Validate(c Config) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("model: %w: %s", ErrBadBatch, fmt.Sprintf(format, args...))
	}
	n := b.B * b.T
	switch {
	case b.B < 1 || b.T < 1:
		return bad("shape %dx%d, want at least 1x1", b.B, b.T)
	case b.T > c.MaxSeqLen:
		return bad("T = %d exceeds the model's context of %d", b.T, c.MaxSeqLen)
	case len(b.Tokens) != n:
		return bad("%d tokens for a %dx%d batch", len(b.Tokens), b.B, b.T)
	case len(b.Targets) != n:
		return bad("%d targets for a %dx%d batch", len(b.Targets), b.B, b.T)
	case b.Weights != nil && len(b.Weights) != n:
		return bad("%d weights for a %dx%d batch", len(b.Weights), b.B, b.T)
	case b.Norm < 0 || math.IsNaN(b.Norm) || math.IsInf(b.Norm, 0):
		return bad("normaliser %v", b.Norm)
	}
	for i, t := range b.Tokens {
		if t < 0 || int(t) >= c.VocabSize {
			return bad("token %d at position %d outside vocabulary of %d", t, i, c.VocabSize)
		}
	}
	for i, t := range b.Targets {
		if int(t) >= c.VocabSize {
			return bad("target %d at position %d outside vocabulary of %d", t, i, c.VocabSize)
		}
	}
	for i, w := range b.Weights {
		if math.IsNaN(float64(w)) || math.IsInf(float64(w), 0) {
			return bad("weight %v at position %d", w, i)
		}
	}
	return nil
}

// weights returns the per-target weights with targetless positions at 0.
func (b *Batch) weights(dst []float32) []float32 {
	dst = growF(dst, b.B*b.T)
	for i, t := range b.Targets {
		switch {
		case t < 0:
			dst[i] = 0
		case b.Weights == nil:
			dst[i] = 1
		default:
			dst[i] = b.Weights[i]
		}
	}
	return dst
}

// normaliser returns b.Norm or, when 0, the count of weighted targets
// (at least 1).
func (b *Batch) normaliser(w []float32) float64 {
	if b.Norm > 0 {
		return b.Norm
	}
	n := 0
	for _, x := range w {
		if x != 0 {
			n++
		}
	}
	return float64(max(n, 1))
}

// NextTokenBatch builds a pre-training batch from B windows of T+1 tokens
// each (rows of windows, [B][T+1]): inputs are a window's first T tokens,
// targets its last T, every weight 1.
func NextTokenBatch(windows [][]int32) *Batch {
	B := len(windows)
	if B == 0 {
		return &Batch{}
	}
	T := len(windows[0]) - 1
	b := &Batch{B: B, T: T, Tokens: make([]int32, B*T), Targets: make([]int32, B*T)}
	for i, w := range windows {
		if len(w) != T+1 {
			panic(fmt.Sprintf("model: window %d has %d tokens, want %d", i, len(w), T+1))
		}
		copy(b.Tokens[i*T:], w[:T])
		copy(b.Targets[i*T:], w[1:])
	}
	return b
}
