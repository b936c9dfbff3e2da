package cpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"tinystages/model/compute"
)

// Finite-difference gradient checks for every op with a backward.
//
// Each op's output is reduced to a scalar loss L = sum(out ⊙ R) with a
// fixed random R, so dL/dout = R is what the backward op receives. Every
// input element is perturbed by ±h and (L(x+h) - L(x-h)) / 2h compared
// with the analytic gradient. Everything is float32, so the tolerance is
// a float32 one: the relative error of the whole gradient vector,
// |g_fd - g| / max(|g_fd|, |g|), must be below gradTol.
const (
	fdStep  = 1e-2
	gradTol = 2e-4
)

func randn(rng *rand.Rand, n int, std float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * std)
	}
	return x
}

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// checkGrad perturbs each element of x, recomputes loss, and compares the
// numerical gradient with analytic.
func checkGrad(t *testing.T, name string, x []float32, loss func() float64, analytic []float32) {
	t.Helper()
	num := make([]float64, len(x))
	for i := range x {
		old := x[i]
		x[i] = old + fdStep
		lp := loss()
		x[i] = old - fdStep
		lm := loss()
		x[i] = old
		num[i] = (lp - lm) / (2 * fdStep)
	}
	var diff, nn, na float64
	for i := range x {
		d := num[i] - float64(analytic[i])
		diff += d * d
		nn += num[i] * num[i]
		na += float64(analytic[i]) * float64(analytic[i])
	}
	rel := math.Sqrt(diff) / math.Max(math.Max(math.Sqrt(nn), math.Sqrt(na)), 1e-12)
	t.Logf("%s: relative error %.2e over %d elements (|g| = %.3g)", name, rel, len(x), math.Sqrt(na))
	if rel > gradTol || math.IsNaN(rel) {
		t.Errorf("%s: relative error %.2e > %.0e", name, rel, gradTol)
	}
	if na == 0 {
		t.Errorf("%s: analytic gradient is all zero: the check proves nothing", name)
	}
}

func TestLayerNormGrad(t *testing.T) {
	be := New(nil)
	rng := rand.New(rand.NewPCG(1, 2))
	N, C := 5, 12
	x, w, b := randn(rng, N*C, 1), randn(rng, C, 1), randn(rng, C, 1)
	R := randn(rng, N*C, 1)
	out, mean, rstd := make([]float32, N*C), make([]float32, N), make([]float32, N)
	loss := func() float64 {
		be.LayerNormForward(Floats(out), Floats(mean), Floats(rstd), Floats(x), Floats(w), Floats(b), N, C)
		return dot64(out, R)
	}
	loss()
	dx, dw, db := make([]float32, N*C), make([]float32, C), make([]float32, C)
	be.LayerNormBackward(Floats(dx), Floats(dw), Floats(db), Floats(R), Floats(x), Floats(w), Floats(mean), Floats(rstd), N, C)
	checkGrad(t, "dinp", x, loss, dx)
	checkGrad(t, "dweight", w, loss, dw)
	checkGrad(t, "dbias", b, loss, db)
}

// TestLinearGrad checks the three products of a linear layer y = x W + b
// (W [in,out], Hugging Face Conv1D layout) and of the tied LM head
// logits = x wteᵀ, composed from MatMul as the model composes them.
func TestLinearGrad(t *testing.T) {
	be := New(nil)
	rng := rand.New(rand.NewPCG(3, 4))
	N, In, Out := 6, 7, 5
	x, W, bias := randn(rng, N*In, 1), randn(rng, In*Out, 1), randn(rng, Out, 1)
	R := randn(rng, N*Out, 1)
	y := make([]float32, N*Out)
	loss := func() float64 {
		be.MatMul(Floats(y), Floats(x), Floats(W), Floats(bias), N, Out, In, false, false, false)
		return dot64(y, R)
	}
	loss()
	dx, dW, db := make([]float32, N*In), make([]float32, In*Out), make([]float32, Out)
	be.MatMul(Floats(dx), Floats(R), Floats(W), nil, N, In, Out, false, true, true)
	be.MatMul(Floats(dW), Floats(x), Floats(R), nil, In, Out, N, true, false, true)
	be.BiasBackward(Floats(db), Floats(R), N, Out)
	checkGrad(t, "linear dx", x, loss, dx)
	checkGrad(t, "linear dW", W, loss, dW)
	checkGrad(t, "linear dbias", bias, loss, db)

	// tied head: logits [N,V] = x [N,C] wteᵀ, wte [V,C]
	V, C := 9, In
	wte := randn(rng, V*C, 1)
	R2 := randn(rng, N*V, 1)
	logits := make([]float32, N*V)
	loss2 := func() float64 {
		be.MatMul(Floats(logits), Floats(x), Floats(wte), nil, N, V, C, false, true, false)
		return dot64(logits, R2)
	}
	loss2()
	dx2, dwte := make([]float32, N*C), make([]float32, V*C)
	be.MatMul(Floats(dx2), Floats(R2), Floats(wte), nil, N, C, V, false, false, false)
	be.MatMul(Floats(dwte), Floats(R2), Floats(x), nil, V, C, N, true, false, true)
	checkGrad(t, "head dx", x, loss2, dx2)
	checkGrad(t, "head dwte", wte, loss2, dwte)
}

func TestAttentionGrad(t *testing.T) {
	be := New(nil)
	rng := rand.New(rand.NewPCG(5, 6))
	B, T, C, NH := 2, 5, 8, 2
	qkv := randn(rng, B*T*3*C, 1)
	R := randn(rng, B*T*C, 1)
	out, att := make([]float32, B*T*C), make([]float32, B*NH*T*T)
	loss := func() float64 {
		be.AttentionForward(Floats(out), Floats(att), Floats(qkv), Floats(qkv), B, T, T, 0, C, NH)
		return dot64(out, R)
	}
	loss()
	dqkv, datt := make([]float32, len(qkv)), make([]float32, len(att))
	be.AttentionBackward(Floats(dqkv), Floats(datt), Floats(R), Floats(qkv), Floats(att), B, T, C, NH)
	checkGrad(t, "dqkv", qkv, loss, dqkv)
}

func TestGeluGrad(t *testing.T) {
	be := New(nil)
	rng := rand.New(rand.NewPCG(7, 8))
	x, R := randn(rng, 40, 2), randn(rng, 40, 1)
	out := make([]float32, 40)
	loss := func() float64 {
		be.GeluForward(Floats(out), Floats(x))
		return dot64(out, R)
	}
	loss()
	dx := make([]float32, 40)
	be.GeluBackward(Floats(dx), Floats(x), Floats(R))
	checkGrad(t, "gelu", x, loss, dx)
}

func TestCrossEntropyGrad(t *testing.T) {
	be := New(nil)
	rng := rand.New(rand.NewPCG(9, 10))
	N, V := 6, 11
	logits := randn(rng, N*V, 2)
	targets := Ints{3, 0, -1, 10, 5, 5}
	weights := []float32{1, 0.5, 1, -2, 0, 1.5}
	scale := float32(0.25)
	losses := make([]float32, N)
	loss := func() float64 {
		be.CrossEntropy(Floats(losses), nil, Floats(logits), targets, nil, N, V, 0)
		return dot64(losses, weights) * float64(scale)
	}
	loss()
	dl := make([]float32, N*V)
	be.CrossEntropy(Floats(losses), Floats(dl), Floats(logits), targets, Floats(weights), N, V, scale)
	checkGrad(t, "dlogits", logits, loss, dl)
	if losses[2] != 0 {
		t.Errorf("loss at an ignored target = %v, want 0", losses[2])
	}
	// the loss itself against a direct computation
	row := logits[0:V]
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v))
	}
	want := math.Log(s) - float64(row[3])
	if math.Abs(float64(losses[0])-want) > 1e-5 {
		t.Errorf("CE = %v, want %v", losses[0], want)
	}
}

func TestEncoderGrad(t *testing.T) {
	be := New(nil)
	rng := rand.New(rand.NewPCG(11, 12))
	B, T, C, V, maxT := 2, 3, 4, 5, 6
	wte, wpe := randn(rng, V*C, 1), randn(rng, maxT*C, 1)
	tokens := Ints{1, 4, 1, 0, 2, 1}
	R := randn(rng, B*T*C, 1)
	out := make([]float32, B*T*C)
	loss := func() float64 {
		be.EncoderForward(Floats(out), tokens, Floats(wte), Floats(wpe), B, T, C, 0)
		return dot64(out, R)
	}
	loss()
	dwte, dwpe := make([]float32, V*C), make([]float32, maxT*C)
	be.EncoderBackward(Floats(dwte), Floats(dwpe), Floats(R), tokens, B, T, C)
	checkGrad(t, "dwte", wte, loss, dwte)
	checkGrad(t, "dwpe", wpe, loss, dwpe)
}

// TestAttentionKVCache checks that attending from a KV cache one position
// at a time gives the outputs of the full causal pass.
func TestAttentionKVCache(t *testing.T) {
	be := New(nil)
	rng := rand.New(rand.NewPCG(13, 14))
	B, T, C, NH, Tk := 2, 5, 8, 2, 7
	qkv := randn(rng, B*T*3*C, 1)
	full, att := make([]float32, B*T*C), make([]float32, B*NH*T*T)
	be.AttentionForward(Floats(full), Floats(att), Floats(qkv), Floats(qkv), B, T, T, 0, C, NH)
	cache := make([]float32, B*Tk*3*C)
	for p := 0; p < T; p++ {
		row := make([]float32, B*3*C)
		for b := 0; b < B; b++ {
			copy(row[b*3*C:], qkv[(b*T+p)*3*C:(b*T+p+1)*3*C])
		}
		be.KVStore(Floats(cache), Floats(row), B, 1, Tk, p, C)
		out, a := make([]float32, B*C), make([]float32, B*NH*Tk)
		be.AttentionForward(Floats(out), Floats(a), Floats(row), Floats(cache), B, 1, Tk, p, C, NH)
		for b := 0; b < B; b++ {
			for c := 0; c < C; c++ {
				got, want := out[b*C+c], full[(b*T+p)*C+c]
				if math.Abs(float64(got-want)) > 1e-6 {
					t.Fatalf("pos %d b %d c %d: cached %v, full %v", p, b, c, got, want)
				}
			}
		}
	}
}

func TestAdamW(t *testing.T) {
	be := New(nil)
	p := []float32{1, -2, 0.5, 3}
	g := []float32{0.1, -0.2, 0, 4}
	m, v := make([]float32, 4), make([]float32, 4)
	sum := make([]float32, 1)
	be.SumSquares(Floats(sum), Floats(g))
	if want := float32(0.01 + 0.04 + 16); math.Abs(float64(sum[0]-want)) > 1e-5 {
		t.Fatalf("SumSquares = %v, want %v", sum[0], want)
	}
	hp := compute.AdamW{LR: 0.1, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, Step: 1, ClipNorm: 1}
	want := make([]float32, 4)
	norm := math.Sqrt(float64(sum[0]))
	for i := range p {
		gi := float64(g[i]) * 1 / (norm + 1e-6)
		mi := 0.1 * gi
		vi := 0.05 * gi * gi
		mhat, vhat := mi/0.1, vi/0.05
		want[i] = float32(float64(p[i]) - 0.1*(mhat/(math.Sqrt(vhat)+1e-8)+0.1*float64(p[i])))
	}
	be.AdamWUpdate(Floats(p), Floats(g), Floats(m), Floats(v), Floats(sum), hp)
	for i := range p {
		if math.Abs(float64(p[i]-want[i])) > 1e-5 {
			t.Errorf("param %d = %v, want %v", i, p[i], want[i])
		}
	}
}

// TestGemmKernels compares every kernel with a float64 triple loop on
// shapes that include edge tiles, for all four transpose combinations.
func TestGemmKernels(t *testing.T) {
	kernels := []Gemm{new(GoGemm), DefaultGemm()}
	shapes := [][3]int{{1, 1, 1}, {3, 5, 7}, {4, 4, 4}, {17, 9, 33}, {64, 192, 64}, {65, 63, 130}, {0, 3, 2}, {2, 3, 0}}
	rng := rand.New(rand.NewPCG(15, 16))
	for _, k := range kernels {
		for _, s := range shapes {
			for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
				M, N, K := s[0], s[1], s[2]
				t.Run(fmt.Sprintf("%s/%dx%dx%d/tA=%v/tB=%v", k.Name(), M, N, K, tr[0], tr[1]), func(t *testing.T) {
					a, b := randn(rng, M*K, 1), randn(rng, K*N, 1)
					c0 := randn(rng, M*N, 1)
					for _, beta := range []float32{0, 1} {
						c := append([]float32(nil), c0...)
						k.Gemm(tr[0], tr[1], M, N, K, a, b, beta, c)
						for i := 0; i < M; i++ {
							for j := 0; j < N; j++ {
								want := float64(beta) * float64(c0[i*N+j])
								for p := 0; p < K; p++ {
									av, bv := a[i*K+p], b[p*N+j]
									if tr[0] {
										av = a[p*M+i]
									}
									if tr[1] {
										bv = b[j*K+p]
									}
									want += float64(av) * float64(bv)
								}
								if d := math.Abs(float64(c[i*N+j]) - want); d > 1e-4*math.Max(1, math.Abs(want))*math.Sqrt(float64(K+1)) {
									t.Fatalf("beta %v: c[%d,%d] = %v, want %v", beta, i, j, c[i*N+j], want)
								}
							}
						}
					}
				})
			}
		}
	}
}
