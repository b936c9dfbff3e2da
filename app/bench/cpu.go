//go:build js && wasm

package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"tinystages/model"
	"tinystages/model/compute"
	"tinystages/model/cpu"
	"tinystages/model/simd"
)

// The CPU benchmarks: both matrix multiply kernels at every product of a
// training step (model.MatMulShapes), and training throughput of the nano
// and tiny presets on the CPU backend with each kernel, with a per-op
// profile of the step.

// cpuKernel is a matrix multiply kernel the CPU backend can use.
type cpuKernel struct {
	name string
	new  func() (cpu.Gemm, error)
}

var cpuKernels = []cpuKernel{
	{simd.Name, simd.New},
	{"pure Go", func() (cpu.Gemm, error) { return new(cpu.GoGemm), nil }},
}

// cpuBackend is a CPU backend to train on.
type cpuBackend struct {
	name string
	new  func() (compute.Backend, error)
}

var cpuBackends = []cpuBackend{
	// every hot op in SIMD: what the engine runs
	{simd.Name, func() (compute.Backend, error) { return simd.NewBackend() }},
	// only the matrix multiplies in SIMD, to show what the other kernels add
	{simd.Name + " matmul only", func() (compute.Backend, error) {
		g, err := simd.New()
		if err != nil {
			return nil, err
		}
		return cpu.New(g), nil
	}},
	// the fallback
	{"pure Go", func() (compute.Backend, error) { return cpu.New(new(cpu.GoGemm)), nil }},
}

func init() {
	for _, s := range model.MatMulShapes() {
		Register(Benchmark{Name: "gemm/" + s.Name + "/CPU", Run: gemmBench(s)})
	}
	for _, preset := range []string{"nano", "tiny"} {
		Register(Benchmark{Name: "train/" + preset + "/CPU", Run: trainBench(preset)})
	}
}

// cpuEnvironment reports whether the SIMD kernel can run, and why not.
func cpuEnvironment() map[string]any {
	env := map[string]any{"wasm_simd": simd.Available()}
	if _, err := simd.New(); err != nil {
		env["wasm_simd_error"] = err.Error()
	}
	return env
}

func randFloats(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// gemmBench times every CPU kernel on one product, interleaved.
func gemmBench(s model.MatMulShape) func(*Env) ([]Result, error) {
	return func(env *Env) ([]Result, error) {
		r := rand.New(rand.NewPCG(1, 2))
		a, b, c := randFloats(r, s.M*s.K), randFloats(r, s.K*s.N), make([]float32, s.M*s.N)
		var gs []cpu.Gemm
		var fns []func()
		for _, k := range cpuKernels {
			g, err := k.new()
			if err != nil {
				env.Logf("%s: %v", k.name, err)
				continue
			}
			gs = append(gs, g)
			fns = append(fns, func() { g.Gemm(s.TransA, s.TransB, s.M, s.N, s.K, a, b, 0, c) })
		}
		t := Timing{Round: 100 * time.Millisecond, MinRounds: 5, MinTime: time.Second}
		if env.Quick {
			t = Timing{Round: 10 * time.Millisecond, MinRounds: 1}
		}
		var out []Result
		for i, sec := range Interleave(t, fns...) {
			out = append(out, Result{
				Name: "gemm/" + s.Name + "/" + gs[i].Name(), Kind: "gemm", Backend: "CPU (" + gs[i].Name() + ")",
				Metrics: map[string]float64{
					"GFLOP/s": s.FLOPs() / sec.Median / 1e9, "best GFLOP/s": s.FLOPs() / sec.Best / 1e9,
					"ms": sec.Median * 1e3,
				},
				Info: map[string]string{"shape": fmt.Sprintf("%dx%dx%d", s.M, s.N, s.K)},
			})
		}
		return out, nil
	}
}

// randomBatch is a pre-training batch of uniformly random tokens: the
// step's cost does not depend on the text.
func randomBatch(B, T, V int, seed uint64) *model.Batch {
	r := rand.New(rand.NewPCG(seed, 7))
	windows := make([][]int32, B)
	for i := range windows {
		windows[i] = make([]int32, T+1)
		for j := range windows[i] {
			windows[i][j] = int32(r.IntN(V))
		}
	}
	return model.NextTokenBatch(windows)
}

// trainBench measures training throughput of a preset on every CPU
// backend, interleaved, then profiles a few steps of each op by op.
func trainBench(preset string) func(*Env) ([]Result, error) {
	return func(env *Env) ([]Result, error) {
		p, err := model.PresetByName(preset)
		if err != nil {
			return nil, err
		}
		cfg := p.Config
		B, T := p.Batch, cfg.MaxSeqLen
		batch := randomBatch(B, T, cfg.VocabSize, 1)
		o := model.DefaultOptim(p.LR, 1000)
		t := Timing{Round: 250 * time.Millisecond, MinRounds: 3, MinTime: 6 * time.Second}
		profSteps := 3
		if env.Quick {
			t, profSteps = Timing{MinRounds: 1}, 1
		}

		type run struct {
			name  string
			be    compute.Backend
			m     *model.GPT
			first float64
			err   error
		}
		var runs []*run
		var fns []func()
		for _, k := range cpuBackends {
			be, err := k.new()
			if err != nil {
				env.Logf("%s: %v", k.name, err)
				continue
			}
			m, err := model.New(cfg, be, 1)
			if err != nil {
				return nil, err
			}
			r := &run{name: k.name, be: be, m: m}
			if r.first, err = m.TrainStep(batch, o, p.LR, true); err != nil {
				return nil, err
			}
			runs = append(runs, r)
			fns = append(fns, func() {
				if _, err := r.m.TrainStep(batch, o, p.LR, false); err != nil && r.err == nil {
					r.err = err
				}
			})
		}
		secs := Interleave(t, fns...)

		var out []Result
		for i, r := range runs {
			if r.err != nil {
				return nil, r.err
			}
			tokS := float64(B*T) / secs[i].Median
			out = append(out, Result{
				Name: "train/" + preset + "/" + r.name, Kind: "train", Backend: r.be.Name(),
				Metrics: map[string]float64{
					"tokens/s": tokS, "best tokens/s": float64(B*T) / secs[i].Best,
					"ms/step": secs[i].Median * 1e3, "steps": float64(r.m.Step()),
					"GFLOP/s":    cfg.FLOPsPerToken(T) * tokS / 1e9,
					"loss_first": r.first, "loss_last": r.m.Loss(),
				},
				Info: map[string]string{"batch": fmt.Sprintf("B=%d T=%d", B, T)},
			})
		}

		// profile: a few steps of each backend on a timed wrapper
		for _, k := range cpuBackends {
			be, err := k.new()
			if err != nil {
				continue
			}
			prof := NewProfile(be)
			pm, err := model.New(cfg, prof, 1)
			if err != nil {
				return nil, err
			}
			if _, err := pm.TrainStep(batch, o, p.LR, true); err != nil {
				return nil, err
			}
			prof.Reset()
			for i := 0; i < profSteps; i++ {
				if _, err := pm.TrainStep(batch, o, p.LR, true); err != nil {
					return nil, err
				}
			}
			total, mm := prof.Total().Seconds(), prof.Time["MatMul"].Seconds()
			ps := float64(profSteps)
			pr := Result{
				Name: "profile/" + preset + "/" + k.name, Kind: "profile", Backend: be.Name(),
				Metrics: map[string]float64{
					"ms/step":                1e3 * total / ps,
					"matmul ms/step":         1e3 * mm / ps,
					"outside matmul ms/step": 1e3 * (total - mm) / ps,
					"outside matmul share":   (total - mm) / total,
				},
			}
			for _, op := range prof.Ops() {
				pr.Metrics["op ms/step: "+op.Op] = 1e3 * op.Time.Seconds() / ps
			}
			out = append(out, pr)
		}
		return out, nil
	}
}
