//go:build js && wasm

package simd

import (
	"math/rand/v2"
	"testing"

	"tinystages/model"
	"tinystages/model/cpu"
)

// BenchmarkGemm measures the SIMD and the pure-Go kernel at the products
// of a training step of each preset (model.MatMulShapes), in GFLOP/s.
func BenchmarkGemm(b *testing.B) {
	k := newTestKernel(b)
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range model.MatMulShapes() {
		x, y, c := randSlice(r, s.M*s.K), randSlice(r, s.K*s.N), make([]float32, s.M*s.N)
		for _, g := range []cpu.Gemm{k, new(cpu.GoGemm)} {
			b.Run(s.Name+"/"+g.Name(), func(b *testing.B) {
				for b.Loop() {
					g.Gemm(s.TransA, s.TransB, s.M, s.N, s.K, x, y, 0, c)
				}
				b.ReportMetric(s.FLOPs()*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
