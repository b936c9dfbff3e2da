package model

// MatMulShape is one matrix product of a training step: c [M,N] =
// op(a) [M,K] op(b) [K,N].
type MatMulShape struct {
	Name           string // preset/layer/form, e.g. "nano/fc/NT"
	M, N, K        int
	TransA, TransB bool
}

// FLOPs is the floating point operations of the product (2·M·N·K).
func (s MatMulShape) FLOPs() float64 { return 2 * float64(s.M) * float64(s.N) * float64(s.K) }

// MatMulShapes lists representative products of one training step of each
// preset at its default batch: the attention input projection and the MLP
// in the three forms the model uses (NN forward, NT input gradient, TN
// weight gradient), and the tied LM head. Benchmarks of every matmul
// kernel use these shapes, so their GFLOP/s compare.
func MatMulShapes() []MatMulShape {
	var out []MatMulShape
	for _, p := range Presets {
		c := p.Config
		N, C, V := p.Batch*c.MaxSeqLen, c.NEmbd, c.VocabSize
		out = append(out,
			MatMulShape{p.Name + "/qkv/NN", N, 3 * C, C, false, false},
			MatMulShape{p.Name + "/fc/NN", N, 4 * C, C, false, false},
			MatMulShape{p.Name + "/fc/NT", N, C, 4 * C, false, true},
			MatMulShape{p.Name + "/fc/TN", C, 4 * C, N, true, false},
			MatMulShape{p.Name + "/head/NT", N, V, C, false, true},
		)
	}
	return out
}
