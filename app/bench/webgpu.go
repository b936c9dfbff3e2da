//go:build js && wasm

package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"tinystages/model"
	"tinystages/model/train"
	"tinystages/model/webgpu"
)

// The WebGPU benchmarks: matrix multiply GFLOP/s at every product of a
// training step (model.MatMulShapes), training tokens/s per preset with
// the dispatches and submits of a step, and sampling (Generate reads a
// row of logits back per token) with the time spent in those reads (the
// wait for the token's forward pass included) and the bare round trip of
// a read from an idle GPU (what each token pays beyond its compute).
//
// GPU work is asynchronous, so a measurement records reps calls, then
// waits for the queue (Backend.Sync) and divides. On a software adapter
// (SwiftShader, where the project's machine has no GPU) the numbers are
// for the record only: each measurement is one timed call after one
// warm-up, and the small preset, whose step takes minutes there, is
// skipped.

func init() {
	for _, s := range model.MatMulShapes() {
		Register(Benchmark{Name: "gemm/" + s.Name + "/WebGPU", Run: webgpuGemm(s, false)})
	}
	// the kernel's ceiling, on a product big enough to fill a real GPU
	// (the presets' products are far too small to); skipped on software
	// adapters, where it would take minutes
	for _, s := range peakShapes {
		Register(Benchmark{Name: "gemm/" + s.Name + "/WebGPU", Run: webgpuGemm(s, true)})
	}
	for _, p := range model.Presets {
		Register(Benchmark{Name: "train/" + p.Name + "/WebGPU", Run: webgpuTrain(p)})
	}
	Register(Benchmark{Name: "generate/nano/WebGPU", Run: webgpuGenerate("nano")})
}

var (
	gpuBackend *webgpu.Backend
	gpuErr     error
)

// gpu returns the benchmarks' shared WebGPU backend, created on first use
// (it compiles every kernel), software adapters allowed.
func gpu() (*webgpu.Backend, error) {
	if gpuBackend == nil && gpuErr == nil {
		gpuBackend, gpuErr = webgpu.New(webgpu.Options{AllowSoftware: true})
	}
	return gpuBackend, gpuErr
}

// gpuTime returns the seconds per call of fn, measured on the GPU's
// queue: after a warm-up call, reps calls are recorded and waited for,
// reps growing until a round lasts minRound or reaches maxReps.
func gpuTime(g *webgpu.Backend, fn func(), minRound time.Duration, maxReps int) (float64, error) {
	fn()
	if err := g.Sync(); err != nil {
		return 0, err
	}
	reps := 1
	for {
		start := time.Now()
		for i := 0; i < reps; i++ {
			fn()
		}
		if err := g.Sync(); err != nil {
			return 0, err
		}
		el := time.Since(start)
		if el >= minRound || reps >= maxReps {
			return el.Seconds() / float64(reps), nil
		}
		reps = min(maxReps, reps*max(2, int(minRound/max(el, time.Microsecond))+1))
	}
}

// budget is how long and how often to measure on this adapter.
func budget(env *Env, g *webgpu.Backend) (minRound time.Duration, maxReps int) {
	switch {
	case g.Adapter().Software:
		return 0, 1
	case env.Quick:
		return 20 * time.Millisecond, 100
	}
	return 300 * time.Millisecond, 10000
}

func adapterInfo(g *webgpu.Backend) map[string]string {
	a := g.Adapter()
	return map[string]string{"adapter": a.Label(), "vendor": a.Vendor, "architecture": a.Architecture,
		"description": a.Description, "software": fmt.Sprint(a.Software)}
}

// peakShapes are the large products measured on real GPUs only.
var peakShapes = []model.MatMulShape{
	{Name: "peak/2048/NN", M: 2048, N: 2048, K: 2048},
	{Name: "peak/2048/NT", M: 2048, N: 2048, K: 2048, TransB: true},
	{Name: "peak/2048/TN", M: 2048, N: 2048, K: 2048, TransA: true},
}

// webgpuGemm measures the product s; realOnly skips it on a software
// adapter.
func webgpuGemm(s model.MatMulShape, realOnly bool) func(*Env) ([]Result, error) {
	return func(env *Env) ([]Result, error) {
		g, err := gpu()
		if err != nil {
			return nil, err
		}
		name := "gemm/" + s.Name + "/WebGPU"
		if g.Adapter().Software && realOnly {
			env.Logf("%s: skipped on a software adapter (%s)", name, g.Adapter().Label())
			return []Result{{Name: name, Kind: "gemm", Backend: g.Name(), Metrics: map[string]float64{},
				Info: map[string]string{"skipped": "software adapter"}}}, nil
		}
		r := rand.New(rand.NewPCG(1, 2))
		a, b, c := g.NewBuffer(s.M*s.K), g.NewBuffer(s.K*s.N), g.NewBuffer(s.M*s.N)
		g.Write(a, randFloats(r, s.M*s.K))
		g.Write(b, randFloats(r, s.K*s.N))
		minRound, maxReps := budget(env, g)
		sec, err := gpuTime(g, func() { g.MatMul(c, a, b, nil, s.M, s.N, s.K, s.TransA, s.TransB, false) }, minRound, maxReps)
		if err != nil {
			return nil, err
		}
		info := adapterInfo(g)
		info["shape"] = fmt.Sprintf("%dx%dx%d", s.M, s.N, s.K)
		return []Result{{
			Name: name, Kind: "gemm", Backend: g.Name(),
			Metrics: map[string]float64{"GFLOP/s": s.FLOPs() / sec / 1e9, "ms": sec * 1e3},
			Info:    info,
		}}, nil
	}
}

func webgpuTrain(p model.Preset) func(*Env) ([]Result, error) {
	return func(env *Env) ([]Result, error) {
		g, err := gpu()
		if err != nil {
			return nil, err
		}
		name := "train/" + p.Name + "/WebGPU"
		if g.Adapter().Software && p.Name == "small" {
			env.Logf("%s: skipped on a software adapter (%s): a step takes minutes", name, g.Adapter().Label())
			return []Result{{Name: name, Kind: "train", Backend: g.Name(), Metrics: map[string]float64{},
				Info: map[string]string{"skipped": "software adapter"}}}, nil
		}
		cfg := p.Config
		B, T := p.Batch, cfg.MaxSeqLen
		batch := randomBatch(B, T, cfg.VocabSize, 1)
		o := model.DefaultOptim(p.LR, 1000)
		m, err := model.New(cfg, g, 1)
		if err != nil {
			return nil, err
		}
		first, err := m.TrainStep(batch, o, p.LR, true) // warm-up: buffers, bind groups
		if err != nil {
			return nil, err
		}
		minRound, maxReps := budget(env, g)
		if minRound > 0 {
			minRound *= 10 // whole steps: a longer round
		}
		var record time.Duration // time to record and submit a step, CPU side
		s0 := g.Stats()
		steps := 0
		sec, err := gpuTime(g, func() {
			start := time.Now()
			m.TrainStep(batch, o, p.LR, false)
			record += time.Since(start)
			steps++
		}, minRound, maxReps)
		if err != nil {
			return nil, err
		}
		d := g.Stats().Sub(s0)
		last := m.Loss()

		// the same step reading the loss back each time (as train.Run does)
		withLoss, err := gpuTime(g, func() { m.TrainStep(batch, o, p.LR, true) }, minRound/2, max(1, maxReps/4))
		if err != nil {
			return nil, err
		}
		// the run loop as the engine drives it (train.Run: the loss and the
		// gradient norm read back), every step and at the engine's pace
		runEvery, err := runLoop(g, m, p, batch, 0, minRound)
		if err != nil {
			return nil, err
		}
		runPaced, err := runLoop(g, m, p, batch, train.GPUReadEvery, minRound)
		if err != nil {
			return nil, err
		}
		tokS := float64(B*T) / sec
		return []Result{{
			Name: name, Kind: "train", Backend: g.Name(),
			Metrics: map[string]float64{
				"run ms/step, reading every step": runEvery * 1e3,
				"run ms/step, paced reads":        runPaced * 1e3,
				"run tokens/s, paced reads":       float64(B*T) / runPaced,
				"tokens/s":                        tokS, "ms/step": sec * 1e3,
				"GFLOP/s":              cfg.FLOPsPerToken(T) * tokS / 1e9,
				"record ms/step":       record.Seconds() * 1e3 / float64(steps),
				"ms/step reading loss": withLoss * 1e3,
				"dispatches/step":      float64(d.Dispatches) / float64(steps),
				"submits/step":         float64(d.Submits) / float64(steps),
				"steps":                float64(steps), "loss_first": first, "loss_last": last,
			},
			Info: map[string]string{"batch": fmt.Sprintf("B=%d T=%d", B, T), "adapter": g.Adapter().Label()},
		}}, nil
	}
}

// fixedBatch is a producer that gives the same batch every step.
type fixedBatch struct{ b *model.Batch }

func (f fixedBatch) Next(B, T int, rng *rand.Rand) *model.Batch { return f.b }

// runLoop returns the seconds per step of a train.Run on m reading back
// at the pace readEvery (0: every step), stepping for at least minRound
// (two steps when minRound is 0) and ending on a read.
func runLoop(g *webgpu.Backend, m *model.GPT, p model.Preset, b *model.Batch, readEvery, minRound time.Duration) (float64, error) {
	st := train.DefaultSettings(train.StagePretrain, p.Name)
	st.Steps, st.Batch, st.EvalEvery = train.MaxSteps, b.B, 0
	run, err := train.NewRun(st, m, nil, fixedBatch{b}, nil)
	if err != nil {
		return 0, err
	}
	run.ReadEvery = readEvery
	if _, err := run.Step(); err != nil { // warm-up, read back
		return 0, err
	}
	start, steps := time.Now(), 0
	for {
		mt, err := run.Step()
		if err != nil {
			return 0, err
		}
		steps++
		if !mt.Unread && (time.Since(start) >= minRound && steps >= 2) {
			break
		}
	}
	return time.Since(start).Seconds() / float64(steps), g.Sync()
}

func webgpuGenerate(preset string) func(*Env) ([]Result, error) {
	return func(env *Env) ([]Result, error) {
		g, err := gpu()
		if err != nil {
			return nil, err
		}
		p, err := model.PresetByName(preset)
		if err != nil {
			return nil, err
		}
		prof := NewProfile(g) // times Read: the wait for each row of logits
		m, err := model.New(p.Config, prof, 1)
		if err != nil {
			return nil, err
		}
		tokens := 32
		if g.Adapter().Software || env.Quick {
			tokens = 8
		}
		opt := model.SampleOptions{Temperature: 0.8, TopK: 40, MaxTokens: tokens}
		gen := func() error {
			_, err := m.Generate([]int32{1, 2, 3, 4}, 1, opt, rand.New(rand.NewPCG(1, 1)))
			return err
		}
		if err := gen(); err != nil { // warm-up
			return nil, err
		}
		prof.Reset()
		start := time.Now()
		if err := gen(); err != nil {
			return nil, err
		}
		total := time.Since(start).Seconds()
		read := prof.Time["Read"].Seconds()
		// the round trip alone: one float read back from an idle GPU
		one, host := g.NewBuffer(1), make([]float32, 1)
		if err := g.Sync(); err != nil {
			return nil, err
		}
		rt := time.Now()
		for i := 0; i < 10; i++ {
			g.Read(host, one)
		}
		roundTrip := time.Since(rt).Seconds() / 10
		return []Result{{
			Name: "generate/" + preset + "/WebGPU", Kind: "generate", Backend: g.Name(),
			Metrics: map[string]float64{
				"ms/token":      1e3 * total / float64(tokens),
				"read ms/token": 1e3 * read / float64(prof.Calls["Read"]),
				"read share":    read / total,
				"reads":         float64(prof.Calls["Read"]),
				// what a read costs beyond the compute it waits for
				"read round trip ms": 1e3 * roundTrip,
			},
			Info: map[string]string{"prompt": "4 tokens", "tokens": fmt.Sprint(tokens),
				"read per token": fmt.Sprintf("%d bytes (a row of logits)", 4*p.Config.VocabSize)},
		}}, nil
	}
}
