//go:build !wasm

package cpu

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// GonumGemm is gonum's Sgemm: blocked, parallel over output blocks, each
// block summed in a fixed order (so results are deterministic). It is the
// kernel of natively built code.
type GonumGemm struct{}

// Name implements Gemm.
func (GonumGemm) Name() string { return "gonum" }

// Gemm implements Gemm.
func (GonumGemm) Gemm(transA, transB bool, m, n, k int, a, b []float32, beta float32, c []float32) {
	checkGemm(m, n, k, a, b, c)
	if m == 0 || n == 0 {
		return
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	lda, ldb := max(k, 1), max(n, 1)
	if transA {
		ta, lda = blas.Trans, max(m, 1)
	}
	if transB {
		tb, ldb = blas.Trans, max(k, 1)
	}
	if k == 0 {
		if beta == 0 {
			clear(c[:m*n])
		}
		return
	}
	gonum.Implementation{}.Sgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, beta, c, max(n, 1))
}

// DefaultGemm is the fastest kernel available to this build.
func DefaultGemm() Gemm { return GonumGemm{} }
