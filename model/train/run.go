package train

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"tinystages/model"
	"tinystages/model/compute"
	"tinystages/model/tokenizer"
)

// Stage names, the same in the CLI (-stage), the UI and URLs.
const (
	StagePretrain = "pretrain"
	StageMidtrain = "midtrain"
	StageSFT      = "sft"
	StageRL       = "rl"
	StageDPO      = "dpo"
	StageDistill  = "distill"
)

// Stages lists every stage name, in pipeline order.
var Stages = []string{StagePretrain, StageMidtrain, StageSFT, StageRL, StageDPO, StageDistill}

// Settings are the knobs of a run, as the CLI flags and the page URLs
// carry them.
type Settings struct {
	Stage      string  `json:"stage"`
	Preset     string  `json:"preset"`
	Steps      int     `json:"steps"`
	Batch      int     `json:"batch"`
	LR         float32 `json:"lr"`
	Seed       uint64  `json:"seed"`
	MinQuality float64 `json:"min_quality"` // pre-training curation filter
	// EvalEvery is the number of steps between validation measurements
	// (0: only at the end).
	EvalEvery int `json:"eval_every"`
}

// DefaultSettings returns the settings a run of stage on preset starts
// with.
func DefaultSettings(stage, preset string) Settings {
	p, err := model.PresetByName(preset)
	if err != nil {
		p = model.Presets[0]
	}
	return Settings{
		Stage: stage, Preset: p.Name, Steps: 300, Batch: p.Batch, LR: p.LR,
		Seed: 1, EvalEvery: 25,
	}
}

// Limits on Settings.
const (
	MaxSteps = 100_000
	MaxBatch = 256
)

// ErrBadSettings is wrapped by every error of Settings.Validate.
var ErrBadSettings = errors.New("invalid settings")

// Validate reports the first setting out of range, with what is allowed.
func (s Settings) Validate() error {
	bad := func(name string, v any, want string) error {
		return fmt.Errorf("train: %w: %s = %v, want %s", ErrBadSettings, name, v, want)
	}
	known := false
	for _, st := range Stages {
		known = known || st == s.Stage
	}
	if !known {
		return bad("stage", s.Stage, "one of "+strings.Join(Stages, ", "))
	}
	if _, err := model.PresetByName(s.Preset); err != nil {
		return err
	}
	switch {
	case s.Steps < 1 || s.Steps > MaxSteps:
		return bad("steps", s.Steps, fmt.Sprintf("1..%d", MaxSteps))
	case s.Batch < 1 || s.Batch > MaxBatch:
		return bad("batch", s.Batch, fmt.Sprintf("1..%d", MaxBatch))
	case !(s.LR > 0 && s.LR <= 1):
		return bad("lr", s.LR, "in (0, 1]")
	case !(s.MinQuality >= 0 && s.MinQuality <= 1):
		return bad("min_quality", s.MinQuality, "in [0, 1]")
	case s.EvalEvery < 0:
		return bad("eval_every", s.EvalEvery, ">= 0")
	}
	return nil
}

// Metrics is what one step reports.
type Metrics struct {
	Step        int                `json:"step"` // steps done, 1-based
	Steps       int                `json:"steps"`
	Loss        float64            `json:"loss"`
	ValLoss     float64            `json:"val_loss"` // NaN when not measured at this step
	ValBySource map[string]float64 `json:"val_by_source,omitempty"`
	LR          float32            `json:"lr"`
	GradNorm    float64            `json:"grad_norm"`
	TokensPerS  float64            `json:"tokens_per_s"` // over the steps since the last read-back (this step, when each is read)
	Tokens      int                `json:"tokens"`       // trained so far
	Elapsed     time.Duration      `json:"elapsed_ns"`   // training time so far
	// Extra holds the producer's own metrics (see Reporter): mean reward,
	// KL to the reference, preference accuracy...
	Extra map[string]float64 `json:"extra,omitempty"`
	// Unread is true when the step's loss and gradient norm were not read
	// back (Run.LossEvery, Run.ReadEvery): they are NaN, not a divergence.
	Unread bool `json:"unread,omitempty"`
}

// Reporter is implemented by producers that measure something of their
// own while making batches (RL rewards, DPO margins). Run.Step copies the
// report into Metrics.Extra after each step.
type Reporter interface {
	Report() map[string]float64
}

// Auxiliary is an extra objective trained alongside a stage's next-token
// loss: mid-training's JEPA-style embedding loss on paired views. Run.Step
// calls Accumulate between the backward pass of its batch and the update,
// so the two losses share one optimizer step (and its gradient clipping).
// If it also implements Reporter, its report joins Metrics.Extra.
type Auxiliary interface {
	// Accumulate runs the objective's own forward and backward passes on m
	// at learning rate lr (for any parameters of its own), adding its
	// gradient into m's, and returns its loss.
	Accumulate(m *model.GPT, lr float32, rng *rand.Rand) (float64, error)
}

// Validator measures a held-out loss, overall and by source.
type Validator interface {
	Loss(m *model.GPT, B int) (mean float64, bySource map[string]float64, err error)
}

// GPUReadEvery is the Run.ReadEvery for runs on a GPU. A GPU trains
// asynchronously and each read-back of the loss waits for a round trip
// (about 11 ms measured through wgpu on an H100, where a nano step takes
// 2.4 ms): reading every step made steps several times slower. A chart
// that redraws at most four times a second loses nothing at ten reads a
// second. Slow adapters (SwiftShader) take longer than this per step, and
// still read every step.
const GPUReadEvery = 100 * time.Millisecond

// PaceReads sets r.ReadEvery for the backend r trains on: GPUReadEvery
// on a GPU (a compute.Losable backend, as model/webgpu's), 0 (every step)
// on the CPU, where reading costs nothing. Call it again when the run
// moves to another backend.
func (r *Run) PaceReads(be compute.Backend) {
	r.ReadEvery = 0
	if _, gpu := be.(compute.Losable); gpu {
		r.ReadEvery = GPUReadEvery
	}
}

// Run is a training run: a model, a producer of batches, an optimizer
// schedule and a validation set, stepped by the caller (the CLI's loop, or
// the browser engine between yields to the event loop).
type Run struct {
	Settings Settings
	Model    *model.GPT
	Tok      *tokenizer.Tokenizer
	Optim    model.Optim
	Producer Producer
	Val      Validator // may be nil
	// Aux, if not nil, adds an auxiliary objective to every step; set it
	// before the first Step.
	Aux Auxiliary

	// LossEvery reads the training loss and gradient norm back every
	// LossEvery steps (and at the last); other steps report NaN. 0 or 1
	// reads every step, which costs nothing on the CPU but stalls a GPU's
	// pipeline for a round trip.
	LossEvery int
	// ReadEvery, when positive, replaces LossEvery with a pace in time:
	// the loss and gradient norm are read back at the first and last
	// steps and at the first step that starts ReadEvery or more after the
	// last read. A GPU steps asynchronously, so the steps in between are
	// only recorded and submitted; each read waits for them all.
	ReadEvery time.Duration

	T          int
	rng        *rand.Rand // batches
	sampleRNG  *rand.Rand // samples
	auxRNG     *rand.Rand // the auxiliary objective's draws, apart so that it leaves the batches as they were
	step       int
	tokens     int
	elapsed    time.Duration
	lastLoss   float64
	lastVal    float64
	lastBySrc  map[string]float64
	lastTokPer float64
	lastBatch  *model.Batch
	lastRead   time.Time     // when the last read-back finished
	window     int           // tokens trained since the last read-back
	windowTime time.Duration // and the time they took
}

// NewRun starts a run of s on m. Batches come from prod; val, if not nil,
// is measured every s.EvalEvery steps and at the end.
func NewRun(s Settings, m *model.GPT, tok *tokenizer.Tokenizer, prod Producer, val Validator) (*Run, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	o := model.DefaultOptim(s.LR, s.Steps)
	return &Run{
		Settings: s, Model: m, Tok: tok, Optim: o, Producer: prod, Val: val,
		T:         m.Config.MaxSeqLen,
		rng:       rand.New(rand.NewPCG(s.Seed, 1)),
		sampleRNG: rand.New(rand.NewPCG(s.Seed, 2)),
		auxRNG:    rand.New(rand.NewPCG(s.Seed, 3)),
		lastLoss:  math.NaN(), lastVal: math.NaN(),
	}, nil
}

// Done reports whether all steps have run.
func (r *Run) Done() bool { return r.step >= r.Settings.Steps }

// StepsDone is the number of steps run.
func (r *Run) StepsDone() int { return r.step }

// Step runs one training step and, when due, a validation measurement.
func (r *Run) Step() (Metrics, error) {
	if r.Done() {
		return Metrics{}, errors.New("train: run is complete")
	}
	B, T := r.Settings.Batch, r.T
	start := time.Now()
	batch := r.Producer.Next(B, T, r.rng)
	r.lastBatch = batch
	lr := r.Optim.LRAt(r.step)
	var extra func() error
	if r.Aux != nil {
		extra = func() error {
			_, err := r.Aux.Accumulate(r.Model, lr, r.auxRNG)
			return err
		}
	}
	read := r.LossEvery <= 1 || (r.step+1)%r.LossEvery == 0
	if r.ReadEvery > 0 {
		read = time.Since(r.lastRead) >= r.ReadEvery
	}
	read = read || r.step == 0 || r.step+1 == r.Settings.Steps
	loss, err := r.Model.TrainStepWith(batch, r.Optim, lr, read, extra)
	if err != nil {
		return Metrics{}, err
	}
	gradNorm := math.NaN()
	if read {
		gradNorm = r.Model.GradNorm()
	}
	dt := time.Since(start)
	r.step++
	n := batch.B * batch.T // a producer may pack fewer positions than B×T
	r.tokens += n
	r.elapsed += dt
	r.lastLoss = loss
	// tokens/s over the steps since the last read: a step that is not read
	// back may still be running on a GPU, so its own time means little
	r.window += n
	r.windowTime += dt
	if read {
		r.lastTokPer = float64(r.window) / max(r.windowTime.Seconds(), 1e-9)
		r.window, r.windowTime, r.lastRead = 0, 0, time.Now()
	}
	mt := Metrics{
		Step: r.step, Steps: r.Settings.Steps, Loss: loss, ValLoss: math.NaN(),
		LR: lr, GradNorm: gradNorm, TokensPerS: r.lastTokPer,
		Tokens: r.tokens, Elapsed: r.elapsed, Unread: !read,
	}
	for _, x := range []any{r.Producer, r.Aux} {
		if rep, ok := x.(Reporter); ok {
			if mt.Extra == nil {
				mt.Extra = map[string]float64{}
			}
			maps.Copy(mt.Extra, rep.Report())
		}
	}
	if r.Val != nil && (r.Done() || (r.Settings.EvalEvery > 0 && r.step%r.Settings.EvalEvery == 0) || r.step == 1) {
		v, by, err := r.Val.Loss(r.Model, B)
		if err != nil {
			return Metrics{}, err
		}
		mt.ValLoss, mt.ValBySource = v, by
		r.lastVal, r.lastBySrc = v, by
	}
	return mt, nil
}

// LastBatch is the batch of the last step: its tokens, targets and
// per-token weights are what the UI paints as the weight heatmap.
func (r *Run) LastBatch() *model.Batch { return r.lastBatch }

// Sample continues prompt (plain text, after a <|bos|>) by up to
// maxTokens tokens at temperature temp with top-k 40, and returns the
// decoded continuation. The run's own sampling stream makes samples
// reproducible for a given seed and sequence of calls.
func (r *Run) Sample(prompt string, maxTokens int, temp float32) (string, error) {
	ids := append([]int32{tokenizer.BOS}, r.Tok.EncodeString(prompt)...)
	if over := len(ids) - (r.T - 1); over > 0 {
		ids = append([]int32{tokenizer.BOS}, ids[1+over:]...)
	}
	out, err := r.Model.Generate(ids, 1, model.SampleOptions{
		Temperature: temp, TopK: 40, MaxTokens: maxTokens,
		Stop: []int32{tokenizer.BOS, tokenizer.End},
	}, r.sampleRNG)
	if err != nil {
		return "", err
	}
	toks := out[0].Tokens
	if out[0].Stopped {
		toks = toks[:len(toks)-1]
	}
	return string(r.Tok.Decode(toks)), nil
}
