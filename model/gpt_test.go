package model

import (
	"math"
	"math/rand/v2"
	"testing"

	"tinystages/model/cpu"
)

// testConfig is a model small enough to check gradients element by element.
var testConfig = Config{VocabSize: 23, MaxSeqLen: 8, NLayer: 2, NHead: 2, NEmbd: 8}

func randomBatch(rng *rand.Rand, c Config, B, T int, weighted bool) *Batch {
	b := &Batch{B: B, T: T, Tokens: make([]int32, B*T), Targets: make([]int32, B*T)}
	for i := range b.Tokens {
		b.Tokens[i] = int32(rng.IntN(c.VocabSize))
		b.Targets[i] = int32(rng.IntN(c.VocabSize))
	}
	if weighted {
		b.Weights = make([]float32, B*T)
		for i := range b.Weights {
			b.Weights[i] = float32(rng.NormFloat64())
		}
		b.Targets[1] = -1
		b.Weights[2] = 0
		b.Norm = 3
	}
	return b
}

// TestModelGradient checks the whole model's gradient, every parameter,
// against central finite differences of the weighted loss. float32
// throughout: the relative error of each tensor's gradient vector must be
// below 2e-3 (measured: at most 4e-4, see -v).
func TestModelGradient(t *testing.T) {
	for _, weighted := range []bool{false, true} {
		name := map[bool]string{false: "uniform", true: "weighted"}[weighted]
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 1))
			m, err := New(testConfig, cpu.New(nil), 7)
			if err != nil {
				t.Fatal(err)
			}
			// larger weights than GPT-2's init so every path carries signal
			p := m.Params()
			for i := range p {
				p[i] += float32(rng.NormFloat64() * 0.3)
			}
			m.SetParams(p)
			b := randomBatch(rng, testConfig, 2, 7, weighted)
			m.ZeroGrad()
			if err := m.Forward(b); err != nil {
				t.Fatal(err)
			}
			m.Backward()
			g := m.Grads()
			loss := func() float64 {
				m.SetParams(p)
				if err := m.Forward(b); err != nil {
					t.Fatal(err)
				}
				return m.Loss()
			}
			checkTensorGrads(t, m, p, g, loss)
		})
	}
}

func TestPresetSizes(t *testing.T) {
	want := map[string][2]int{"nano": {200_000, 500_000}, "tiny": {800_000, 1_300_000}, "small": {4_000_000, 6_000_000}}
	for _, p := range Presets {
		n := p.Config.NumParams()
		r := want[p.Name]
		t.Logf("%s: %d parameters", p.Name, n)
		if n < r[0] || n > r[1] {
			t.Errorf("%s has %d parameters, want %d..%d", p.Name, n, r[0], r[1])
		}
		if err := p.Config.Validate(); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
	}
}

// TestGenerateMatchesFullForward checks KV-cached greedy decoding against
// recomputing the whole sequence with Forward at every step.
func TestGenerateMatchesFullForward(t *testing.T) {
	c := Config{VocabSize: 40, MaxSeqLen: 16, NLayer: 2, NHead: 2, NEmbd: 16}
	m, err := New(c, cpu.New(nil), 11)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params()
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range p {
		p[i] += float32(rng.NormFloat64() * 0.5)
	}
	m.SetParams(p)
	prompt := []int32{1, 5, 7}
	got, err := m.Generate(prompt, 2, SampleOptions{MaxTokens: 10}, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		t.Fatal(err)
	}
	seq := append([]int32(nil), prompt...)
	for k := 0; k < 10; k++ {
		b := &Batch{B: 1, T: len(seq), Tokens: seq, Targets: make([]int32, len(seq))}
		if err := m.Forward(b); err != nil {
			t.Fatal(err)
		}
		logits := make([]float32, c.VocabSize)
		m.be.Read(logits, m.cur.logits.Slice((len(seq)-1)*c.VocabSize, c.VocabSize))
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		seq = append(seq, int32(best))
	}
	for s := range got {
		for k, tok := range got[s].Tokens {
			if tok != seq[len(prompt)+k] {
				t.Fatalf("sample %d token %d: cached %d, full forward %d", s, k, tok, seq[len(prompt)+k])
			}
		}
		if len(got[s].Tokens) != 10 || got[s].Stopped {
			t.Errorf("sample %d: %d tokens, stopped %v", s, len(got[s].Tokens), got[s].Stopped)
		}
	}
	// the log-probs reported with the samples are those of a full forward
	// pass: -CE of each generated token
	n := len(seq) - 1
	b := &Batch{B: 1, T: n, Tokens: seq[:n], Targets: append([]int32(nil), seq[1:]...)}
	if err := m.Forward(b); err != nil {
		t.Fatal(err)
	}
	losses := make([]float32, n)
	m.TokenLosses(losses)
	for k, lp := range got[0].LogProbs {
		want := -losses[len(prompt)-1+k]
		if d := lp - want; d > 1e-4 || d < -1e-4 {
			t.Errorf("token %d: log-prob %v while sampling, %v by Forward", k, lp, want)
		}
	}
	if len(got[0].LogProbs) != len(got[0].Tokens) {
		t.Errorf("%d log-probs for %d tokens", len(got[0].LogProbs), len(got[0].Tokens))
	}
}

// TestBackwardWithHiddenGradient checks the hook an embedding-space
// objective uses: the loss is the weighted next-token loss plus
// sum(Hidden ⊙ R) for a fixed random R, whose gradient with respect to
// Hidden is R, handed to BackwardWith. Same float32 tolerance as
// TestModelGradient: relative error of each tensor's gradient below 2e-3.
func TestBackwardWithHiddenGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	m, err := New(testConfig, cpu.New(nil), 9)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params()
	for i := range p {
		p[i] += float32(rng.NormFloat64() * 0.3)
	}
	m.SetParams(p)
	b := randomBatch(rng, testConfig, 2, 5, true)
	N, C := b.B*b.T, testConfig.NEmbd
	R := make([]float32, N*C)
	for i := range R {
		R[i] = float32(rng.NormFloat64())
	}
	dH := m.Backend().NewBuffer(N * C)
	m.Backend().Write(dH, R)
	hidden := make([]float32, N*C)
	loss := func() float64 {
		m.SetParams(p)
		if err := m.Forward(b); err != nil {
			t.Fatal(err)
		}
		m.Backend().Read(hidden, m.Hidden())
		s := m.Loss()
		for i, h := range hidden {
			s += float64(h) * float64(R[i])
		}
		return s
	}
	loss()
	m.ZeroGrad()
	m.BackwardWith(dH)
	g := m.Grads()
	checkTensorGrads(t, m, p, g, loss)
}

// checkTensorGrads compares the gradient g of the model's parameters p
// with central finite differences of loss, tensor by tensor: the relative
// error of each tensor's gradient must stay under 2e-3 (float32).
func checkTensorGrads(t *testing.T, m *GPT, p, g []float32, loss func() float64) {
	t.Helper()
	const h = 1e-2
	worst := 0.0
	for _, ten := range m.Layout.Tensors {
		var diff, nn, na float64
		for i := ten.Offset; i < ten.Offset+ten.Size(); i++ {
			old := p[i]
			p[i] = old + h
			lp := loss()
			p[i] = old - h
			lm := loss()
			p[i] = old
			num := (lp - lm) / (2 * h)
			d := num - float64(g[i])
			diff += d * d
			nn += num * num
			na += float64(g[i]) * float64(g[i])
		}
		rel := math.Sqrt(diff) / math.Max(math.Max(math.Sqrt(nn), math.Sqrt(na)), 1e-12)
		worst = max(worst, rel)
		if rel > 2e-3 || math.IsNaN(rel) {
			t.Errorf("%s: relative error %.2e (|g| = %.3g, |fd| = %.3g)", ten.Name, rel, math.Sqrt(na), math.Sqrt(nn))
		}
	}
	t.Logf("worst relative error over %d tensors: %.2e", len(m.Layout.Tensors), worst)
}
