package model

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"tinystages/model/cpu"
)

// BenchmarkMatMul reports GFLOP/s of the default CPU kernel and of the
// pure-Go kernel at the preset shapes:
//
//	go test ./model -run '^$' -bench MatMul
func BenchmarkMatMul(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []cpu.Gemm{cpu.DefaultGemm(), new(cpu.GoGemm)} {
		for _, s := range MatMulShapes() {
			b.Run(fmt.Sprintf("%s/%s", k.Name(), s.Name), func(b *testing.B) {
				a := make([]float32, s.M*s.K)
				bb := make([]float32, s.K*s.N)
				c := make([]float32, s.M*s.N)
				for i := range a {
					a[i] = rng.Float32()
				}
				for i := range bb {
					bb[i] = rng.Float32()
				}
				for b.Loop() {
					k.Gemm(s.TransA, s.TransB, s.M, s.N, s.K, a, bb, 0, c)
				}
				flops := 2 * float64(s.M) * float64(s.N) * float64(s.K)
				b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkTrainStep reports training tokens/s and the achieved GFLOP/s
// of a whole step (model FLOPs per token, see Config.FLOPsPerToken) for
// each preset at its default batch on the default CPU backend:
//
//	go test ./model -run '^$' -bench TrainStep
func BenchmarkTrainStep(b *testing.B) {
	for _, p := range Presets {
		b.Run(p.Name, func(b *testing.B) {
			c := p.Config
			m, err := New(c, cpu.New(nil), 1)
			if err != nil {
				b.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(3, 4))
			batch := randomBatch(rng, c, p.Batch, c.MaxSeqLen, false)
			o := DefaultOptim(p.LR, 1000)
			for b.Loop() {
				if _, err := m.TrainStep(batch, o, p.LR, true); err != nil {
					b.Fatal(err)
				}
			}
			tokens := float64(p.Batch*c.MaxSeqLen) * float64(b.N)
			sec := b.Elapsed().Seconds()
			b.ReportMetric(tokens/sec, "tokens/s")
			b.ReportMetric(tokens*c.FLOPsPerToken(c.MaxSeqLen)/sec/1e9, "GFLOP/s")
		})
	}
}
