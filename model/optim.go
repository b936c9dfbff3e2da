package model

import (
	"errors"
	"fmt"
	"math"

	"tinystages/model/compute"
)

// Optim holds the optimizer settings of a run: AdamW with decoupled weight
// decay on the matrices only, a linear warm-up then cosine decay of the
// learning rate, and global-norm gradient clipping.
type Optim struct {
	LR          float32 // peak learning rate
	MinLRFrac   float32 // the cosine decays to LR*MinLRFrac
	Warmup      int     // steps of linear warm-up from 0
	Steps       int     // total steps of the schedule; 0 means constant after warm-up
	Beta1       float32
	Beta2       float32
	Eps         float32
	WeightDecay float32
	ClipNorm    float32 // 0 disables clipping
}

// DefaultOptim returns the settings used across tinystages for a run of
// steps steps at peak learning rate lr: betas (0.9, 0.95), weight decay 0.1,
// clipping at 1.0, warm-up over the first 5% of steps (at least 1), decay to
// 10% of the peak.
func DefaultOptim(lr float32, steps int) Optim {
	return Optim{
		LR: lr, MinLRFrac: 0.1, Warmup: max(1, steps/20), Steps: steps,
		Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, ClipNorm: 1,
	}
}

// ErrBadOptim is wrapped by every error of Optim.Validate.
var ErrBadOptim = errors.New("invalid optimizer settings")

// Validate reports settings that cannot train.
func (o Optim) Validate() error {
	bad := func(field string, v any, want string) error {
		return fmt.Errorf("model: %w: %s = %v, want %s", ErrBadOptim, field, v, want)
	}
	switch {
	case !(o.LR > 0 && o.LR <= 1):
		return bad("learning rate", o.LR, "in (0, 1]")
	case !(o.MinLRFrac >= 0 && o.MinLRFrac <= 1):
		return bad("min LR fraction", o.MinLRFrac, "in [0, 1]")
	case o.Warmup < 0 || o.Steps < 0:
		return bad("warm-up/steps", fmt.Sprint(o.Warmup, "/", o.Steps), "non-negative")
	case !(o.Beta1 >= 0 && o.Beta1 < 1) || !(o.Beta2 >= 0 && o.Beta2 < 1):
		return bad("betas", fmt.Sprint(o.Beta1, ",", o.Beta2), "in [0, 1)")
	case !(o.Eps > 0):
		return bad("epsilon", o.Eps, "> 0")
	case !(o.WeightDecay >= 0 && o.WeightDecay < 1):
		return bad("weight decay", o.WeightDecay, "in [0, 1)")
	case !(o.ClipNorm >= 0):
		return bad("clip norm", o.ClipNorm, ">= 0")
	}
	return nil
}

// LRAt is the learning rate of step (0-based): linear warm-up over Warmup
// steps, then cosine decay from LR to LR*MinLRFrac at Steps.
func (o Optim) LRAt(step int) float32 {
	if step < o.Warmup {
		return o.LR * float32(step+1) / float32(o.Warmup)
	}
	if o.Steps <= o.Warmup {
		return o.LR
	}
	frac := float64(step-o.Warmup) / float64(o.Steps-o.Warmup)
	frac = min(frac, 1)
	cos := 0.5 * (1 + math.Cos(math.Pi*frac))
	minLR := float64(o.LR * o.MinLRFrac)
	return float32(minLR + cos*(float64(o.LR)-minLR))
}

// Update applies one AdamW step to the parameters from the accumulated
// gradients, at learning rate lr, clipping the global gradient norm.
func (m *GPT) Update(o Optim, lr float32) {
	m.step++
	m.be.SumSquares(m.sumSq, m.grads)
	hp := compute.AdamW{
		LR: lr, Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps,
		WeightDecay: o.WeightDecay, Step: m.step, ClipNorm: o.ClipNorm,
	}
	d, n := m.Layout.DecayEnd, m.Layout.Size
	m.be.AdamWUpdate(m.params.Slice(0, d), m.grads.Slice(0, d), m.m.Slice(0, d), m.v.Slice(0, d), m.sumSq, hp)
	hp.WeightDecay = 0
	m.be.AdamWUpdate(m.params.Slice(d, n-d), m.grads.Slice(d, n-d), m.m.Slice(d, n-d), m.v.Slice(d, n-d), m.sumSq, hp)
}

// GradNorm reads back the global gradient norm computed by the last
// Update (before clipping).
func (m *GPT) GradNorm() float64 {
	var s [1]float32
	m.be.Read(s[:], m.sumSq.Slice(0, 1))
	return math.Sqrt(float64(s[0]))
}

// TrainStep is one optimizer step on batch b at learning rate lr:
// ZeroGrad, Forward, Backward, Update. When readLoss is true it returns the
// batch's loss (a read-back, which a GPU backend pays for in latency);
// otherwise it returns NaN and the work may still be in flight.
func (m *GPT) TrainStep(b *Batch, o Optim, lr float32, readLoss bool) (float64, error) {
	return m.TrainStepWith(b, o, lr, readLoss, nil)
}

// TrainStepWith is TrainStep with extra, when not nil, called between the
// backward pass and the update: it may run more forward and backward
// passes (an auxiliary objective, such as JEPA's loss on paired views)
// whose gradients add to the step's, and so share its update and gradient
// clipping. An extra pass may reuse b's activations, so with extra the
// loss is read back before it runs (on a GPU, a wait in mid-step).
func (m *GPT) TrainStepWith(b *Batch, o Optim, lr float32, readLoss bool, extra func() error) (float64, error) {
	m.ZeroGrad()
	if err := m.Forward(b); err != nil {
		return math.NaN(), err
	}
	m.Backward()
	loss := math.NaN()
	if extra != nil {
		if readLoss {
			loss = m.Loss()
		}
		if err := extra(); err != nil {
			return math.NaN(), err
		}
	}
	m.Update(o, lr)
	if !readLoss {
		m.be.Flush()
		return math.NaN(), nil
	}
	if extra == nil {
		loss = m.Loss()
	}
	return loss, nil
}
