package midtrain

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"tinystages/model"
	"tinystages/model/compute"
	"tinystages/model/tokenizer"
)

// DefaultViewLen is the width of a view's row: <|bos|> and up to 31 of the
// view's tokens. Most structured views are one line of 10–30 tokens.
const DefaultViewLen = 32

// JEPA is the embedding-space objective of mid-training, in the spirit of
// LLM-JEPA (Huang, LeCun, Balestriero, 2025): for a pair of views of one
// item it adds
//
//	λ · (1 − cos(pred(emb A), stop-grad emb B))
//
// to the step's next-token loss, averaged over the pairs of the step.
//
// Forward: the step's P pairs become one batch of 2P rows of ViewLen
// tokens, rows 0..P-1 the A views and P..2P-1 the B views, each <|bos|>
// then the view, padded, with no next-token target. The model runs it, and
// a pooling matrix times the last hidden state (Backend.MatMul) gives each
// row's embedding, the mean over its view's tokens (<|bos|> and padding
// left out), centred: minus the mean embedding of its set of views (the A
// views, or the B views) in the step:
//
//	emb [2P, C] = pool [2P, 2P·ViewLen] · hidden [2P·ViewLen, C]
//
// Centring is linear too, so it is folded into pool (each row minus the
// mean row of its set). Without it the loss has nothing to teach: the
// mean hidden states of any two texts share a large common component (the
// final LayerNorm's bias among it) and their cosine is 0.99 or more from
// the start. Centred, two views score high only if they stand out from
// the other views of the step in the same direction; a collapse to one
// embedding for everything scores 0, not 1.
//
// The embeddings are read back to the host, where the predictor (a linear
// C×C head) and the cosine run on these small matrices. On a GPU this is
// one read-back of 2P·C floats (8 KB for 8 pairs at C = 128) and one write
// of their gradient per step: a round trip the next-token step alone does
// not need.
//
// Backward: the gradient of the A embeddings (the B rows get none: the
// stop-gradient) goes back through the pooling as the transposed product,
// dHidden [2P·ViewLen, C] = poolᵀ · demb, into model.BackwardWith, and
// adds to the step's gradients before the shared update. The predictor
// has its own AdamW moments and is updated here, at the run's learning
// rate.
//
// JEPA implements train.Auxiliary and train.Reporter.
type JEPA struct {
	Lambda  float64
	Pairs   []Pair
	PerStep int        // pairs per step
	ViewLen int        // tokens per view row, <|bos|> included
	Pred    *Predictor // maps an A embedding towards its B

	loss, cos float64 // of the last step
	sc        *scratch
}

// ErrNoPairs is returned when JEPA has no pair to train on.
var ErrNoPairs = errors.New("no paired views")

// NewJEPA returns the objective of weight lambda over pairs, perStep pairs
// a step, for a model with C channels. Views longer than viewLen-1 tokens
// are cut.
func NewJEPA(lambda float64, pairs []Pair, perStep, viewLen, C int) (*JEPA, error) {
	if len(pairs) == 0 {
		return nil, fmt.Errorf("midtrain: %w", ErrNoPairs)
	}
	if perStep < 1 || viewLen < 2 {
		panic(fmt.Sprintf("midtrain: NewJEPA with %d pairs a step and views of %d tokens", perStep, viewLen))
	}
	return &JEPA{Lambda: lambda, Pairs: pairs, PerStep: perStep, ViewLen: viewLen, Pred: NewPredictor(C),
		loss: math.NaN(), cos: math.NaN()}, nil
}

// scratch is JEPA's memory on the model's backend for R view rows.
type scratch struct {
	be                compute.Backend
	R, C              int
	pool              compute.Buffer // [R, R·ViewLen]
	emb, demb         compute.Buffer // [R, C]
	dHidden           compute.Buffer // [R·ViewLen, C]
	hostPool, hostEmb []float32
	hostDEmb, dA      []float32
	dW, dB            []float32
	meanRow           []float32 // [R·ViewLen] centring scratch
	batch             *model.Batch
}

func (j *JEPA) scratchFor(m *model.GPT, R int) *scratch {
	be, C := m.Backend(), m.Config.NEmbd
	if s := j.sc; s != nil && s.be == be && s.R == R && s.C == C {
		return s
	}
	N := R * j.ViewLen
	s := &scratch{be: be, R: R, C: C,
		pool: be.NewBuffer(R * N), emb: be.NewBuffer(R * C), demb: be.NewBuffer(R * C),
		dHidden: be.NewBuffer(N * C), hostPool: make([]float32, R*N), hostEmb: make([]float32, R*C),
		hostDEmb: make([]float32, R*C), dA: make([]float32, R*C), dW: make([]float32, C*C), dB: make([]float32, C),
		meanRow: make([]float32, N),
		batch:   &model.Batch{B: R, T: j.ViewLen, Tokens: make([]int32, N), Targets: make([]int32, N)},
	}
	j.sc = s
	return s
}

// embed runs views (at most R of them; the remaining rows are padding)
// through m and pools the last hidden state: s.hostEmb [R, C] holds the
// embeddings. With centre, rows 0..R/2-1 and R/2..R-1 are two sets of
// views, each centred on its own mean. The batch has no target, so a
// BackwardWith after it carries only the embedding loss's gradient.
func (j *JEPA) embed(m *model.GPT, s *scratch, views [][]int32, centre bool) error {
	R, T := s.R, j.ViewLen
	b := s.batch
	clear(s.hostPool)
	for r := 0; r < R; r++ {
		row := b.Tokens[r*T : (r+1)*T]
		for t := range row {
			row[t] = tokenizer.Pad
			b.Targets[r*T+t] = -1
		}
		if r >= len(views) {
			continue
		}
		row[0] = tokenizer.BOS
		v := clip(views[r], T-1)
		copy(row[1:], v)
		for t := 1; t <= len(v); t++ {
			s.hostPool[r*R*T+r*T+t] = 1 / float32(len(v))
		}
	}
	if centre {
		// pool[r] -= mean of the pool rows of r's set (linear, so the
		// backward's transposed product carries it)
		N, half, mean := R*T, R/2, s.meanRow
		for _, set := range [2][2]int{{0, half}, {half, R}} {
			clear(mean)
			for r := set[0]; r < set[1]; r++ {
				for i, x := range s.hostPool[r*N : (r+1)*N] {
					mean[i] += x / float32(set[1]-set[0])
				}
			}
			for r := set[0]; r < set[1]; r++ {
				row := s.hostPool[r*N : (r+1)*N]
				for i := range row {
					row[i] -= mean[i]
				}
			}
		}
	}
	if err := m.Forward(b); err != nil {
		return err
	}
	be := s.be
	be.Write(s.pool, s.hostPool)
	be.MatMul(s.emb, s.pool, m.Hidden(), nil, R, s.C, R*T, false, false, false)
	be.Read(s.hostEmb, s.emb)
	return nil
}

// backward sends dA [P, C], the gradient of the A embeddings (rows 0..P-1),
// back into m's parameter gradients. The B rows get no gradient.
func (j *JEPA) backward(m *model.GPT, s *scratch, P int) {
	clear(s.hostDEmb)
	copy(s.hostDEmb, s.dA[:P*s.C])
	s.be.Write(s.demb, s.hostDEmb)
	// dHidden [R·T, C] = poolᵀ [R·T, R] · demb [R, C]
	s.be.MatMul(s.dHidden, s.pool, s.demb, nil, s.R*j.ViewLen, s.C, s.R, true, false, false)
	m.BackwardWith(s.dHidden)
}

// Accumulate implements train.Auxiliary: it draws PerStep pairs with rng,
// adds the gradient of the embedding loss into m's gradients, updates the
// predictor at learning rate lr, and returns the loss.
func (j *JEPA) Accumulate(m *model.GPT, lr float32, rng *rand.Rand) (float64, error) {
	P := j.PerStep
	s := j.scratchFor(m, 2*P)
	views := make([][]int32, 2*P)
	for p := 0; p < P; p++ {
		pr := j.Pairs[rng.IntN(len(j.Pairs))]
		views[p], views[P+p] = pr.A, pr.B
	}
	if err := j.embed(m, s, views, true); err != nil {
		return math.NaN(), err
	}
	C := s.C
	loss, cos := j.Pred.lossGrad(j.Lambda, s.hostEmb[:P*C], s.hostEmb[P*C:2*P*C], P, s.dA, s.dW, s.dB)
	j.backward(m, s, P)
	j.Pred.update(s.dW, s.dB, lr)
	j.loss, j.cos = loss, cos
	return loss, nil
}

// Report implements train.Reporter: "jepa_loss", the λ-weighted loss of
// the last step (what it added to the next-token loss), and "jepa_cos",
// the mean cosine between predicted and target embeddings.
func (j *JEPA) Report() map[string]float64 {
	return map[string]float64{"jepa_loss": j.loss, "jepa_cos": j.cos}
}

// Embed returns the embedding of each view ([len(views)][C]): the mean of
// m's last hidden state over the view's tokens, before the centring and
// the predictor. The stage page projects these to 2-D.
func (j *JEPA) Embed(m *model.GPT, views [][]int32) ([][]float32, error) {
	R := 2 * j.PerStep // the training shape: no new activations
	s := j.scratchFor(m, R)
	out := make([][]float32, 0, len(views))
	for lo := 0; lo < len(views); lo += R {
		chunk := views[lo:min(lo+R, len(views))]
		if err := j.embed(m, s, chunk, false); err != nil {
			return nil, err
		}
		for r := range chunk {
			out = append(out, append([]float32(nil), s.hostEmb[r*s.C:(r+1)*s.C]...))
		}
	}
	return out, nil
}

// Retrieval is the share of pairs whose B view is the nearest, by cosine,
// to the prediction from their A view among all the B views of pairs: how
// well the embedding space links two views of one item. As in training,
// the A and the B embeddings are each centred on their mean over pairs.
func (j *JEPA) Retrieval(m *model.GPT, pairs []Pair) (float64, error) {
	if len(pairs) == 0 {
		return math.NaN(), fmt.Errorf("midtrain: %w", ErrNoPairs)
	}
	emb, err := j.Embed(m, PairViews(pairs))
	if err != nil {
		return math.NaN(), err
	}
	CentrePairs(emb)
	return j.RetrievalCentred(emb), nil
}

// PairViews lists the A views of pairs, then their B views: the rows of
// the embeddings Retrieval and the projection of paired views read.
func PairViews(pairs []Pair) [][]int32 {
	views := make([][]int32, 0, 2*len(pairs))
	for _, p := range pairs {
		views = append(views, p.A)
	}
	for _, p := range pairs {
		views = append(views, p.B)
	}
	return views
}

// CentrePairs centres, in place, the A rows (the first half of emb) and
// the B rows (the second half), each on its own mean.
func CentrePairs(emb [][]float32) {
	n := len(emb) / 2
	centreRows(emb[:n])
	centreRows(emb[n:])
}

// RetrievalCentred is Retrieval on embeddings of PairViews already
// centred by CentrePairs.
func (j *JEPA) RetrievalCentred(emb [][]float32) float64 {
	n := len(emb) / 2
	pred := make([]float32, j.Pred.C)
	hits := 0
	for i := 0; i < n; i++ {
		j.Pred.Apply(pred, emb[i])
		best, bestCos := -1, math.Inf(-1)
		for k := 0; k < n; k++ {
			if c := cosine(pred, emb[n+k]); c > bestCos {
				best, bestCos = k, c
			}
		}
		if best == i {
			hits++
		}
	}
	return float64(hits) / float64(n)
}

// centreRows subtracts the mean row from each row of x.
func centreRows(x [][]float32) {
	mean := make([]float64, len(x[0]))
	for _, r := range x {
		for i, v := range r {
			mean[i] += float64(v) / float64(len(x))
		}
	}
	for _, r := range x {
		for i := range r {
			r[i] -= float32(mean[i])
		}
	}
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Max(math.Sqrt(aa*bb), 1e-12)
}

// Predictor is JEPA's linear head, pred(e) = e·W + b with W [C, C] and
// b [C], starting as the identity. It lives on the host with its own AdamW
// moments, apart from the GPT-2 tensors: a checkpoint does not carry it.
type Predictor struct {
	C              int
	W, B           []float32
	mW, vW, mB, vB []float32
	step           int
}

// NewPredictor returns the identity predictor for C channels.
func NewPredictor(C int) *Predictor {
	p := &Predictor{C: C, W: make([]float32, C*C), B: make([]float32, C),
		mW: make([]float32, C*C), vW: make([]float32, C*C), mB: make([]float32, C), vB: make([]float32, C)}
	for i := 0; i < C; i++ {
		p.W[i*C+i] = 1
	}
	return p
}

// Apply sets dst [C] = e [C]·W + b.
func (p *Predictor) Apply(dst, e []float32) {
	C := p.C
	for o := 0; o < C; o++ {
		s := float64(p.B[o])
		for i := 0; i < C; i++ {
			s += float64(e[i]) * float64(p.W[i*C+o])
		}
		dst[o] = float32(s)
	}
}

// lossGrad computes, for P pairs of embeddings a [P, C] and targets y
// [P, C],
//
//	L = λ/P · Σ_p (1 − cos(z_p, y_p)),  z_p = a_p·W + b
//
// and its gradients: dA [P, C] with respect to a, dW [C, C] and dB [C]
// (overwritten). y is a constant (the stop-gradient). With
// u = z/|z| and v = y/|y|, ∂cos/∂z = (v − cos·u)/|z|; then dz = −λ/P·∂cos/∂z,
// dW = Σ_p a_pᵀ dz_p, dB = Σ_p dz_p and da_p = dz_p Wᵀ. It returns L and
// the mean cosine.
func (p *Predictor) lossGrad(lambda float64, a, y []float32, P int, dA, dW, dB []float32) (loss, meanCos float64) {
	C := p.C
	clear(dW)
	clear(dB)
	z := make([]float32, C)
	dz := make([]float64, C)
	for k := 0; k < P; k++ {
		ak, yk := a[k*C:(k+1)*C], y[k*C:(k+1)*C]
		p.Apply(z, ak)
		var zy, zz, yy float64
		for i := 0; i < C; i++ {
			zy += float64(z[i]) * float64(yk[i])
			zz += float64(z[i]) * float64(z[i])
			yy += float64(yk[i]) * float64(yk[i])
		}
		nz, ny := math.Max(math.Sqrt(zz), 1e-12), math.Max(math.Sqrt(yy), 1e-12)
		cos := zy / (nz * ny)
		loss += lambda / float64(P) * (1 - cos)
		meanCos += cos / float64(P)
		scale := -lambda / float64(P)
		for i := 0; i < C; i++ {
			dz[i] = scale * (float64(yk[i])/(nz*ny) - cos*float64(z[i])/(nz*nz))
			dB[i] += float32(dz[i])
		}
		for i := 0; i < C; i++ {
			ai := float64(ak[i])
			var da float64
			for o := 0; o < C; o++ {
				dW[i*C+o] += float32(ai * dz[o])
				da += dz[o] * float64(p.W[i*C+o])
			}
			dA[k*C+i] = float32(da)
		}
	}
	return loss, meanCos
}

// Predictor AdamW settings: those of the model's runs, without weight
// decay (it would pull the head from the identity towards zero).
const (
	predBeta1 = 0.9
	predBeta2 = 0.95
	predEps   = 1e-8
)

// update applies one AdamW step with gradients dW, dB at learning rate lr.
func (p *Predictor) update(dW, dB []float32, lr float32) {
	p.step++
	c1 := 1 - math.Pow(predBeta1, float64(p.step))
	c2 := 1 - math.Pow(predBeta2, float64(p.step))
	adam := func(x, g, m, v []float32) {
		for i := range x {
			gi := float64(g[i])
			mi := predBeta1*float64(m[i]) + (1-predBeta1)*gi
			vi := predBeta2*float64(v[i]) + (1-predBeta2)*gi*gi
			m[i], v[i] = float32(mi), float32(vi)
			x[i] -= float32(float64(lr) * (mi / c1) / (math.Sqrt(vi/c2) + predEps))
		}
	}
	adam(p.W, dW, p.mW, p.vW)
	adam(p.B, dB, p.mB, p.vB)
}
