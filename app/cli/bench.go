package cli

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"tinystages/model"
	"tinystages/model/cpu"
)

// benchResult is one measurement of `bench`.
type benchResult struct {
	Name       string  `json:"name"`
	Kernel     string  `json:"kernel"`
	GFLOPs     float64 `json:"gflop_per_s"`
	TokensPerS float64 `json:"tokens_per_s,omitempty"`
	StepMS     float64 `json:"step_ms,omitempty"`
	// StepVsMatMul is a whole step's achieved GFLOP/s over the bare matmul
	// GFLOP/s of its preset's shapes: 1 would be no overhead at all.
	StepVsMatMul float64 `json:"step_vs_matmul,omitempty"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	preset := fs.String("preset", "", "only this preset (default: all)")
	dur := fs.Duration("time", 500*time.Millisecond, "time per measurement")
	jsonOut := fs.Bool("json", false, "one JSON object per line")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *preset != "" {
		if _, err := model.PresetByName(*preset); err != nil {
			return fmt.Errorf("%w: -preset: %v", ErrUsage, err)
		}
	}
	emit := func(r benchResult) error {
		if *jsonOut {
			return writeJSON(stdout, r)
		}
		if r.TokensPerS > 0 {
			_, err := fmt.Fprintf(stdout, "%-22s %-8s %7.2f GFLOP/s %9.0f tokens/s %8.1f ms/step  step/matmul %.2f\n",
				r.Name, r.Kernel, r.GFLOPs, r.TokensPerS, r.StepMS, r.StepVsMatMul)
			return err
		}
		_, err := fmt.Fprintf(stdout, "%-22s %-8s %7.2f GFLOP/s\n", r.Name, r.Kernel, r.GFLOPs)
		return err
	}
	kernel := cpu.DefaultGemm()
	rng := rand.New(rand.NewPCG(1, 2))
	matmulRate := map[string][2]float64{} // preset -> flops, seconds
	for _, s := range model.MatMulShapes() {
		p := s.Name[:indexByte(s.Name, '/')]
		if *preset != "" && p != *preset {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		a, b, c := randSlice(rng, s.M*s.K), randSlice(rng, s.K*s.N), make([]float32, s.M*s.N)
		n, el := timeIt(*dur, func() { kernel.Gemm(s.TransA, s.TransB, s.M, s.N, s.K, a, b, 0, c) })
		r := matmulRate[p]
		matmulRate[p] = [2]float64{r[0] + s.FLOPs()*float64(n), r[1] + el.Seconds()}
		if err := emit(benchResult{Name: "matmul/" + s.Name, Kernel: kernel.Name(), GFLOPs: s.FLOPs() * float64(n) / el.Seconds() / 1e9}); err != nil {
			return err
		}
	}
	for _, p := range model.Presets {
		if *preset != "" && p.Name != *preset {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		c := p.Config
		m, err := model.New(c, cpu.New(kernel), 1)
		if err != nil {
			return err
		}
		T := c.MaxSeqLen
		batch := &model.Batch{B: p.Batch, T: T, Tokens: make([]int32, p.Batch*T), Targets: make([]int32, p.Batch*T)}
		for i := range batch.Tokens {
			batch.Tokens[i], batch.Targets[i] = int32(rng.IntN(c.VocabSize)), int32(rng.IntN(c.VocabSize))
		}
		o := model.DefaultOptim(p.LR, 1000)
		var stepErr error
		step := func() {
			if _, err := m.TrainStep(batch, o, p.LR, true); err != nil {
				stepErr = err
			}
		}
		step() // allocate activations outside the timing
		n, el := timeIt(*dur, step)
		if stepErr != nil {
			return stepErr
		}
		tps := float64(p.Batch*T*n) / el.Seconds()
		gf := tps * c.FLOPsPerToken(T) / 1e9
		mm := matmulRate[p.Name]
		ratio := 0.0
		if mm[1] > 0 {
			ratio = gf / (mm[0] / mm[1] / 1e9)
		}
		if err := emit(benchResult{Name: "train/" + p.Name, Kernel: kernel.Name(), GFLOPs: gf, TokensPerS: tps,
			StepMS: el.Seconds() * 1000 / float64(n), StepVsMatMul: ratio}); err != nil {
			return err
		}
	}
	return nil
}

// timeIt runs f until d has passed (at least twice) and returns the count
// and the time taken.
func timeIt(d time.Duration, f func()) (int, time.Duration) {
	start := time.Now()
	n := 0
	for n < 2 || time.Since(start) < d {
		f()
		n++
	}
	return n, time.Since(start)
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

func indexByte(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return len(s)
}
