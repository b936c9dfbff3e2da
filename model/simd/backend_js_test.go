//go:build js && wasm

package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"tinystages/model"
	"tinystages/model/compute"
	"tinystages/model/cpu"
)

func newTestBackend(t testing.TB) *Backend {
	t.Helper()
	be, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	return be
}

// ref is the pure-Go CPU backend the SIMD backend is checked against.
func ref() *cpu.Backend { return cpu.New(new(cpu.GoGemm)) }

func randBuf(r *rand.Rand, n int, lo, hi float32) cpu.Floats {
	s := make(cpu.Floats, n)
	for i := range s {
		s[i] = lo + (hi-lo)*r.Float32()
	}
	return s
}

func clone(s cpu.Floats) cpu.Floats { return append(cpu.Floats(nil), s...) }

// near fails unless |got-want| <= tol·(1+|want|) everywhere: an absolute
// tolerance for values below 1, a relative one above.
func near(t *testing.T, what string, got, want []float32, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if !(math.Abs(g-w) <= tol*(1+math.Abs(w))) {
			if bad++; bad <= 3 {
				t.Errorf("%s[%d] = %v, want %v (tolerance %.0e)", what, i, g, w, tol)
			}
		}
	}
}

// TestCrossEntropy: losses within 2e-6 (relative above 1), gradients
// within 1e-6, for vocabularies that are and are not a multiple of 4,
// targets missing (-1), and large logits.
func TestCrossEntropy(t *testing.T) {
	be, rb := newTestBackend(t), ref()
	r := rand.New(rand.NewPCG(1, 1))
	for _, V := range []int{1, 5, 37, 1024} {
		for _, withGrad := range []bool{false, true} {
			t.Run(fmt.Sprintf("V=%d/grad=%v", V, withGrad), func(t *testing.T) {
				N := 9
				logits := randBuf(r, N*V, -8, 8)
				logits[3] = 60 // a dominant logit
				tg := make(cpu.Ints, N)
				for i := range tg {
					tg[i] = int32(r.IntN(V))
				}
				tg[2] = -1
				w := randBuf(r, N, 0, 2)
				l1, l2 := make(cpu.Floats, N), make(cpu.Floats, N)
				var d1, d2 compute.Buffer
				if withGrad {
					d1, d2 = randBuf(r, N*V, -1, 1), randBuf(r, N*V, -1, 1)
				}
				be.CrossEntropy(l1, d1, logits, tg, w, N, V, 0.25)
				rb.CrossEntropy(l2, d2, logits, tg, w, N, V, 0.25)
				near(t, "losses", l1, l2, 2e-6)
				if withGrad {
					near(t, "dlogits", d1.(cpu.Floats), d2.(cpu.Floats), 1e-6)
				}
			})
		}
	}
}

// TestGelu: forward and backward within 1e-6 over [-8, 8], lengths that
// are and are not multiples of 4, the backward adding into dinp.
func TestGelu(t *testing.T) {
	be, rb := newTestBackend(t), ref()
	r := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{1, 4, 7, 1000, 1027} {
		x := randBuf(r, n, -8, 8)
		o1, o2 := make(cpu.Floats, n), make(cpu.Floats, n)
		be.GeluForward(o1, x)
		rb.GeluForward(o2, x)
		near(t, fmt.Sprint("gelu n=", n), o1, o2, 1e-6)
		dout := randBuf(r, n, -1, 1)
		d1 := randBuf(r, n, -1, 1)
		d2 := clone(d1)
		be.GeluBackward(d1, x, dout)
		rb.GeluBackward(d2, x, dout)
		near(t, fmt.Sprint("gelu backward n=", n), d1, d2, 1e-6)
	}
}

// TestAttention: forward (training form and with a KV cache) and backward
// within 2e-6, head sizes 4 to 32 and one the kernel does not take (3,
// the Go fallback).
func TestAttention(t *testing.T) {
	be, rb := newTestBackend(t), ref()
	r := rand.New(rand.NewPCG(3, 3))
	for _, s := range []struct{ B, T, C, NH int }{
		{2, 5, 8, 2}, {1, 9, 32, 2}, {2, 64, 64, 4}, {1, 3, 12, 1}, {1, 7, 128, 4}, {1, 4, 6, 2},
	} {
		t.Run(fmt.Sprintf("B=%d,T=%d,C=%d,NH=%d", s.B, s.T, s.C, s.NH), func(t *testing.T) {
			B, T, C, NH := s.B, s.T, s.C, s.NH
			qkv := randBuf(r, B*T*3*C, -2, 2)
			o1, o2 := make(cpu.Floats, B*T*C), make(cpu.Floats, B*T*C)
			a1, a2 := make(cpu.Floats, B*NH*T*T), make(cpu.Floats, B*NH*T*T)
			be.AttentionForward(o1, a1, qkv, qkv, B, T, T, 0, C, NH)
			rb.AttentionForward(o2, a2, qkv, qkv, B, T, T, 0, C, NH)
			near(t, "att", a1, a2, 2e-6)
			near(t, "out", o1, o2, 2e-6)

			dout := randBuf(r, B*T*C, -1, 1)
			dq1 := randBuf(r, B*T*3*C, -1, 1)
			dq2 := clone(dq1)
			be.AttentionBackward(dq1, make(cpu.Floats, B*NH*T*T), dout, qkv, a2, B, T, C, NH)
			rb.AttentionBackward(dq2, make(cpu.Floats, B*NH*T*T), dout, qkv, a2, B, T, C, NH)
			near(t, "dqkv", dq1, dq2, 2e-6)

			// KV-cache form: Tq queries at pos0 against a cache of Tk
			Tq, Tk, pos0 := 2, T+3, T
			q := randBuf(r, B*Tq*3*C, -2, 2)
			kv := randBuf(r, B*Tk*3*C, -2, 2)
			o1, o2 = make(cpu.Floats, B*Tq*C), make(cpu.Floats, B*Tq*C)
			a1, a2 = randBuf(r, B*NH*Tq*Tk, 5, 6), make(cpu.Floats, B*NH*Tq*Tk)
			be.AttentionForward(o1, a1, q, kv, B, Tq, Tk, pos0, C, NH)
			rb.AttentionForward(o2, a2, q, kv, B, Tq, Tk, pos0, C, NH)
			near(t, "cached att", a1, a2, 2e-6)
			near(t, "cached out", o1, o2, 2e-6)
		})
	}
}

// TestLayerNorm: forward and backward within 2e-6 (outputs are O(1) by
// construction), widths that are and are not multiples of 4.
func TestLayerNorm(t *testing.T) {
	be, rb := newTestBackend(t), ref()
	r := rand.New(rand.NewPCG(4, 4))
	for _, s := range []struct{ N, C int }{{1, 4}, {9, 64}, {5, 256}, {3, 6}} {
		N, C := s.N, s.C
		x := randBuf(r, N*C, -3, 5)
		w, b := randBuf(r, C, 0.5, 1.5), randBuf(r, C, -0.5, 0.5)
		o1, o2 := make(cpu.Floats, N*C), make(cpu.Floats, N*C)
		m1, m2 := make(cpu.Floats, N), make(cpu.Floats, N)
		r1, r2 := make(cpu.Floats, N), make(cpu.Floats, N)
		be.LayerNormForward(o1, m1, r1, x, w, b, N, C)
		rb.LayerNormForward(o2, m2, r2, x, w, b, N, C)
		near(t, fmt.Sprint("ln out ", s), o1, o2, 2e-6)
		near(t, fmt.Sprint("ln mean ", s), m1, m2, 2e-6)
		near(t, fmt.Sprint("ln rstd ", s), r1, r2, 2e-6)

		dout := randBuf(r, N*C, -1, 1)
		dx1, dw1, db1 := randBuf(r, N*C, -1, 1), randBuf(r, C, -1, 1), randBuf(r, C, -1, 1)
		dx2, dw2, db2 := clone(dx1), clone(dw1), clone(db1)
		be.LayerNormBackward(dx1, dw1, db1, dout, x, w, m2, r2, N, C)
		rb.LayerNormBackward(dx2, dw2, db2, dout, x, w, m2, r2, N, C)
		near(t, fmt.Sprint("ln dinp ", s), dx1, dx2, 2e-6)
		near(t, fmt.Sprint("ln dw ", s), dw1, dw2, 2e-6)
		near(t, fmt.Sprint("ln db ", s), db1, db2, 2e-6)
	}
}

// TestMatMulBias: the bias is added to every row, for N a multiple of 4
// and not, with and without accumulation.
func TestMatMulBias(t *testing.T) {
	be, rb := newTestBackend(t), ref()
	r := rand.New(rand.NewPCG(8, 8))
	for _, s := range []struct{ M, N, K int }{{5, 12, 7}, {33, 9, 64}} {
		for _, acc := range []bool{false, true} {
			a, b, bias := randBuf(r, s.M*s.K, -1, 1), randBuf(r, s.K*s.N, -1, 1), randBuf(r, s.N, -1, 1)
			c1 := randBuf(r, s.M*s.N, -1, 1)
			c2 := clone(c1)
			be.MatMul(c1, a, b, bias, s.M, s.N, s.K, false, false, acc)
			rb.MatMul(c2, a, b, bias, s.M, s.N, s.K, false, false, acc)
			near(t, fmt.Sprint("matmul+bias ", s, acc), c1, c2, 1e-5)
		}
	}
}

func TestBiasBackward(t *testing.T) {
	be, rb := newTestBackend(t), ref()
	r := rand.New(rand.NewPCG(5, 5))
	for _, s := range []struct{ N, C int }{{13, 12}, {512, 256}, {3, 5}} {
		dout := randBuf(r, s.N*s.C, -1, 1)
		d1 := randBuf(r, s.C, -1, 1)
		d2 := clone(d1)
		be.BiasBackward(d1, dout, s.N, s.C)
		rb.BiasBackward(d2, dout, s.N, s.C)
		near(t, fmt.Sprint("dbias ", s), d1, d2, 1e-6)
	}
}

// TestAdamW: parameters and moments within 1e-6 relative, with and
// without clipping, lengths not a multiple of 4.
func TestAdamW(t *testing.T) {
	be, rb := newTestBackend(t), ref()
	r := rand.New(rand.NewPCG(6, 6))
	for _, clip := range []float32{0, 0.5} {
		n := 1003
		p1, g := randBuf(r, n, -1, 1), randBuf(r, n, -0.1, 0.1)
		m1, v1 := randBuf(r, n, -0.01, 0.01), randBuf(r, n, 0, 1e-4)
		p2, m2, v2 := clone(p1), clone(m1), clone(v1)
		sumSq := cpu.Floats{4}
		hp := compute.AdamW{LR: 1e-3, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, Step: 7, ClipNorm: clip}
		be.AdamWUpdate(p1, g, m1, v1, sumSq, hp)
		rb.AdamWUpdate(p2, g, m2, v2, sumSq, hp)
		near(t, "params", p1, p2, 1e-6)
		near(t, "m", m1, m2, 1e-6)
		near(t, "v", v1, v2, 1e-6)
	}
}

// TestTrainingMatchesCPU trains the same model from the same seed on both
// backends: the loss curves agree to 1e-4 over ten steps, and the loss
// falls.
func TestTrainingMatchesCPU(t *testing.T) {
	be := newTestBackend(t)
	if got := be.Name(); got != "CPU (WASM SIMD)" {
		t.Errorf("Name() = %q, want CPU (WASM SIMD)", got)
	}
	cfg := model.Config{VocabSize: 67, MaxSeqLen: 16, NLayer: 2, NHead: 2, NEmbd: 32}
	r := rand.New(rand.NewPCG(7, 7))
	windows := make([][]int32, 4)
	for i := range windows {
		windows[i] = make([]int32, cfg.MaxSeqLen+1)
		for j := range windows[i] {
			windows[i][j] = int32((i*5 + j*j) % 11) // learnable pattern
			if r.IntN(8) == 0 {
				windows[i][j] = int32(r.IntN(cfg.VocabSize))
			}
		}
	}
	batch := model.NextTokenBatch(windows)
	o := model.DefaultOptim(3e-3, 10)
	m1, err := model.New(cfg, be, 42)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := model.New(cfg, ref(), 42)
	if err != nil {
		t.Fatal(err)
	}
	var first, last float64
	for step := 1; step <= 10; step++ {
		l1, err := m1.TrainStep(batch, o, o.LRAt(step), true)
		if err != nil {
			t.Fatal(err)
		}
		l2, _ := m2.TrainStep(batch, o, o.LRAt(step), true)
		if math.Abs(l1-l2) > 1e-4*math.Abs(l2) {
			t.Errorf("step %d: loss %v, CPU backend %v", step, l1, l2)
		}
		if step == 1 {
			first = l1
		}
		last = l1
	}
	if !(last < first-0.5) {
		t.Errorf("loss went from %.3f to %.3f in 10 steps; want a drop of at least 0.5", first, last)
	}
}
