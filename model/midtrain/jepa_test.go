package midtrain

import (
	"math"
	"math/rand/v2"
	"testing"

	"tinystages/model"
	"tinystages/model/cpu"
)

// Gradient checks of the JEPA objective by central finite differences,
// float32 storage throughout (the host math sums in float64). As in
// model/gpt_test.go, the relative error of each gradient vector,
// |g_fd − g| / max(|g_fd|, |g|), must be below gradTol. The step is
// 5e-3, not 1e-2: the cosine of centred embeddings curves more than the
// next-token loss, and at 1e-2 the truncation error of the difference
// reaches 1.6e-3 (at 5e-3: 4e-4, still well above float32 rounding).
const (
	gradTol = 2e-3
	fdStep  = 5e-3
)

// relErr compares a numerical and an analytic gradient.
func relErr(num []float64, g []float32) (rel, norm float64) {
	var diff, nn, na float64
	for i := range num {
		d := num[i] - float64(g[i])
		diff += d * d
		nn += num[i] * num[i]
		na += float64(g[i]) * float64(g[i])
	}
	return math.Sqrt(diff) / math.Max(math.Max(math.Sqrt(nn), math.Sqrt(na)), 1e-12), math.Sqrt(na)
}

func randn(rng *rand.Rand, n int, std float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * std)
	}
	return x
}

// TestPredictorGradient checks the host side: the cosine loss through the
// predictor, with respect to the A embeddings, W and b (measured: relative
// errors 1e-5 to 4e-5, see -v).
func TestPredictorGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	const C, P, lambda = 6, 3, 0.7
	pr := NewPredictor(C)
	copy(pr.W, randn(rng, C*C, 0.5))
	copy(pr.B, randn(rng, C, 0.5))
	a, y := randn(rng, P*C, 1), randn(rng, P*C, 1)
	dA, dW, dB := make([]float32, P*C), make([]float32, C*C), make([]float32, C)
	sA, sW, sB := make([]float32, P*C), make([]float32, C*C), make([]float32, C)
	loss := func() float64 {
		l, _ := pr.lossGrad(lambda, a, y, P, sA, sW, sB)
		return l
	}
	pr.lossGrad(lambda, a, y, P, dA, dW, dB)
	const h = 1e-3
	for _, tc := range []struct {
		name string
		x    []float32
		g    []float32
	}{{"A embeddings", a, dA}, {"W", pr.W, dW}, {"b", pr.B, dB}} {
		num := make([]float64, len(tc.x))
		for i := range tc.x {
			old := tc.x[i]
			tc.x[i] = old + h
			lp := loss()
			tc.x[i] = old - h
			lm := loss()
			tc.x[i] = old
			num[i] = (lp - lm) / (2 * h)
		}
		rel, norm := relErr(num, tc.g)
		t.Logf("%s: relative error %.2e (|g| = %.3g)", tc.name, rel, norm)
		if rel > gradTol || math.IsNaN(rel) || norm == 0 {
			t.Errorf("%s: relative error %.2e > %.0e (|g| = %.3g)", tc.name, rel, gradTol, norm)
		}
	}
}

// TestJEPAGradient checks the whole objective's gradient with respect to
// every GPT-2 parameter: views run through the model, pooled by the
// pooling MatMul, through the predictor to the cosine, and back through
// the transposed MatMul and model.BackwardWith. The targets (B views) are
// embedded once at the starting parameters and held fixed, which is what
// the stop-gradient means. Measured: worst relative error 4.2e-4 over the
// tensors (float32); the bound is gradTol.
func TestJEPAGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	cfg := model.Config{VocabSize: 23, MaxSeqLen: 8, NLayer: 2, NHead: 2, NEmbd: 8}
	m, err := model.New(cfg, cpu.New(nil), 3)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params()
	for i := range p {
		p[i] += float32(rng.NormFloat64() * 0.3)
	}
	m.SetParams(p)
	var pairs []Pair
	for k := 0; k < 3; k++ {
		view := func() []int32 {
			v := make([]int32, 2+rng.IntN(4))
			for i := range v {
				v[i] = int32(3 + rng.IntN(cfg.VocabSize-3))
			}
			return v
		}
		pairs = append(pairs, Pair{A: view(), B: view()})
	}
	const P, viewLen, lambda = 3, 6, 1.5
	j, err := NewJEPA(lambda, pairs, P, viewLen, cfg.NEmbd)
	if err != nil {
		t.Fatal(err)
	}
	copy(j.Pred.W, randn(rng, cfg.NEmbd*cfg.NEmbd, 0.5)) // not the identity
	views := make([][]int32, 2*P)
	for k, pr := range pairs {
		views[k], views[P+k] = pr.A, pr.B
	}
	s := j.scratchFor(m, 2*P)
	C := cfg.NEmbd
	if err := j.embed(m, s, views, true); err != nil {
		t.Fatal(err)
	}
	target := append([]float32(nil), s.hostEmb[P*C:2*P*C]...)
	dA, dW, dB := make([]float32, P*C), make([]float32, C*C), make([]float32, C)
	loss := func() float64 {
		m.SetParams(p)
		if err := j.embed(m, s, views, true); err != nil {
			t.Fatal(err)
		}
		l, _ := j.Pred.lossGrad(lambda, s.hostEmb[:P*C], target, P, dA, dW, dB)
		return l
	}
	loss()
	m.ZeroGrad()
	j.Pred.lossGrad(lambda, s.hostEmb[:P*C], target, P, s.dA, s.dW, s.dB)
	j.backward(m, s, P)
	g := m.Grads()
	worst := 0.0
	for _, ten := range m.Layout.Tensors {
		num := make([]float64, ten.Size())
		for i := range num {
			k := ten.Offset + i
			old := p[k]
			p[k] = old + fdStep
			lp := loss()
			p[k] = old - fdStep
			lm := loss()
			p[k] = old
			num[i] = (lp - lm) / (2 * fdStep)
		}
		rel, norm := relErr(num, g[ten.Offset:ten.Offset+ten.Size()])
		if ten.Name == "ln_f.bias" {
			// Centring cancels a bias shared by every row: both gradients
			// are 0 up to rounding (|g| ~ 1e-8), and so is their ratio's
			// meaning.
			if norm > 1e-6 {
				t.Errorf("ln_f.bias: |g| = %.3g, want 0 (centring cancels it)", norm)
			}
			continue
		}
		worst = max(worst, rel)
		if rel > gradTol || math.IsNaN(rel) {
			t.Errorf("%s: relative error %.2e (|g| = %.3g)", ten.Name, rel, norm)
		}
	}
	t.Logf("worst relative error over %d tensors: %.2e", len(m.Layout.Tensors), worst)
}

// TestPredictorStartsAsIdentity: before training, the predicted embedding
// is the embedding itself, so the loss starts at 1 − cos(emb A, emb B).
func TestPredictorStartsAsIdentity(t *testing.T) {
	p := NewPredictor(4)
	e := []float32{1, -2, 3, 0.5}
	got := make([]float32, 4)
	p.Apply(got, e)
	for i := range e {
		if got[i] != e[i] {
			t.Fatalf("pred(e) = %v, want %v", got, e)
		}
	}
}
