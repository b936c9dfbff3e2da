package model

import (
	"fmt"

	"tinystages/model/compute"
)

// GPT is a GPT-2 language model whose tensors live on a Backend.
//
// Parameters, their gradients and the two AdamW moments are four flat
// buffers with the same Layout. Activations are allocated per batch shape
// on first use and kept, so a training loop allocates nothing after its
// first step.
type GPT struct {
	Config Config
	Layout *Layout

	be                  compute.Backend
	params, grads, m, v compute.Buffer // flat, [Layout.Size]
	P, G                paramViews     // named views of params and grads
	sumSq               compute.Buffer // [Align]; [0] is the squared grad norm
	step                int            // AdamW steps taken

	acts map[actKey]*activations
	kv   map[int][]compute.Buffer // KV caches by batch size: per layer [B,maxT,3C]
	cur  *activations             // of the last Forward
}

// New allocates a model of config c on backend be with GPT-2's
// initialisation drawn from seed.
func New(c Config, be compute.Backend, seed uint64) (*GPT, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	m := newGPT(c, be)
	be.Write(m.params, InitParams(c, seed))
	return m, nil
}

func newGPT(c Config, be compute.Backend) *GPT {
	lay := NewLayout(c)
	m := &GPT{
		Config: c, Layout: lay, be: be,
		params: be.NewBuffer(lay.Size),
		grads:  be.NewBuffer(lay.Size),
		m:      be.NewBuffer(lay.Size),
		v:      be.NewBuffer(lay.Size),
		sumSq:  be.NewBuffer(compute.Align),
		acts:   map[actKey]*activations{},
		kv:     map[int][]compute.Buffer{},
	}
	m.P = lay.views(m.params, c.NLayer)
	m.G = lay.views(m.grads, c.NLayer)
	return m
}

// Backend returns the backend the model lives on.
func (m *GPT) Backend() compute.Backend { return m.be }

// Params copies the flat parameter buffer (laid out by m.Layout) to the host.
func (m *GPT) Params() []float32 {
	out := make([]float32, m.Layout.Size)
	m.be.Read(out, m.params)
	return out
}

// SetParams replaces all parameters with p, a flat buffer laid out by
// m.Layout, and resets the optimizer.
func (m *GPT) SetParams(p []float32) {
	if len(p) != m.Layout.Size {
		panic(fmt.Sprintf("model: SetParams got %d values, layout has %d", len(p), m.Layout.Size))
	}
	m.be.Write(m.params, p)
	m.ResetOptimizer()
}

// Grads copies the flat gradient buffer to the host.
func (m *GPT) Grads() []float32 {
	out := make([]float32, m.Layout.Size)
	m.be.Read(out, m.grads)
	return out
}

// ResetOptimizer zeroes the AdamW moments and step count.
func (m *GPT) ResetOptimizer() {
	m.be.Zero(m.m)
	m.be.Zero(m.v)
	m.step = 0
}

// Step is the number of optimizer updates applied.
func (m *GPT) Step() int { return m.step }

// maxShapes bounds how many batch shapes keep their activations.
const maxShapes = 12

type actKey struct {
	B, T  int
	train bool // training form: gradient scratch, no KV cache
}

// activations of one batch shape: per layer, what the backward pass needs.
// Shapes: B sequences, T positions, C channels, NH heads, V vocabulary;
// Tk is the attention's key count (T when training, maxT with a KV cache).
type activations struct {
	actKey
	Tk int

	tokens, targets compute.Index  // [B,T]
	weights         compute.Buffer // [B,T]
	hostWeights     []float32      // the weights as written, for Loss
	norm            float64        // loss normaliser of the batch

	encoded          compute.Buffer // [B,T,C] token + position embedding
	layers           []layerActs
	lnf              compute.Buffer // [B,T,C]
	lnfMean, lnfRstd compute.Buffer // [B,T]
	logits           compute.Buffer // [B,T,V]
	losses           compute.Buffer // [B,T] unweighted CE per target

	// gradient scratch (train only), reused by every layer
	dlogits         compute.Buffer // [B,T,V]
	dres            compute.Buffer // [B,T,C] gradient of the residual stream
	dln             compute.Buffer // [B,T,C] gradient of a LayerNorm output
	dqkv            compute.Buffer // [B,T,3C]
	datty           compute.Buffer // [B,T,C]
	datt            compute.Buffer // [B,NH,T,T]
	dfch, dfchGelu  compute.Buffer // [B,T,4C]
	kvCache         []compute.Buffer
	hostLosses      []float32
	hostLossesValid bool
}

// layerActs are one block's saved activations.
type layerActs struct {
	ln1              compute.Buffer // [B,T,C] LayerNorm 1 output
	ln1Mean, ln1Rstd compute.Buffer // [B,T]
	qkv              compute.Buffer // [B,T,3C]
	att              compute.Buffer // [B,NH,T,Tk] attention probabilities
	atty             compute.Buffer // [B,T,C] attention output, heads concatenated
	attproj          compute.Buffer // [B,T,C] after the output projection
	res2             compute.Buffer // [B,T,C] residual after attention
	ln2              compute.Buffer // [B,T,C]
	ln2Mean, ln2Rstd compute.Buffer // [B,T]
	fch              compute.Buffer // [B,T,4C] MLP hidden, before GELU
	fchGelu          compute.Buffer // [B,T,4C] after GELU
	fcproj           compute.Buffer // [B,T,C] MLP output
	res3             compute.Buffer // [B,T,C] block output
}

func (m *GPT) activationsFor(k actKey) *activations {
	if a, ok := m.acts[k]; ok {
		return a
	}
	if len(m.acts) >= maxShapes {
		// Too many batch shapes: let the old ones go (the next use of a
		// dropped shape allocates it again).
		clear(m.acts)
		m.cur = nil
	}
	c, be := m.Config, m.be
	B, T, C, NH, V := k.B, k.T, c.NEmbd, c.NHead, c.VocabSize
	Tk := T
	if !k.train {
		Tk = c.MaxSeqLen
	}
	N := B * T
	nb := be.NewBuffer
	a := &activations{
		actKey:  k,
		Tk:      Tk,
		tokens:  be.NewIndex(N),
		targets: be.NewIndex(N),
		weights: nb(N),
		encoded: nb(N * C),
		lnf:     nb(N * C), lnfMean: nb(N), lnfRstd: nb(N),
		logits: nb(N * V),
		losses: nb(N),
	}
	for l := 0; l < c.NLayer; l++ {
		a.layers = append(a.layers, layerActs{
			ln1: nb(N * C), ln1Mean: nb(N), ln1Rstd: nb(N),
			qkv: nb(N * 3 * C), att: nb(B * NH * T * Tk), atty: nb(N * C),
			attproj: nb(N * C), res2: nb(N * C),
			ln2: nb(N * C), ln2Mean: nb(N), ln2Rstd: nb(N),
			fch: nb(N * 4 * C), fchGelu: nb(N * 4 * C),
			fcproj: nb(N * C), res3: nb(N * C),
		})
	}
	if k.train {
		a.dlogits = nb(N * V)
		a.dres, a.dln, a.datty = nb(N*C), nb(N*C), nb(N*C)
		a.dqkv = nb(N * 3 * C)
		a.datt = nb(B * NH * T * T)
		a.dfch, a.dfchGelu = nb(N*4*C), nb(N*4*C)
	} else {
		a.kvCache = m.kvCacheFor(B)
	}
	m.acts[k] = a
	return a
}

// kvCacheFor returns the KV cache for B sequences: per layer [B,maxT,3C].
func (m *GPT) kvCacheFor(B int) []compute.Buffer {
	if kv, ok := m.kv[B]; ok {
		return kv
	}
	kv := make([]compute.Buffer, m.Config.NLayer)
	for l := range kv {
		kv[l] = m.be.NewBuffer(B * m.Config.MaxSeqLen * 3 * m.Config.NEmbd)
	}
	m.kv[B] = kv
	return kv
}

// Forward runs the model on batch b: logits and the unweighted
// cross-entropy of every target. It does not touch gradients.
func (m *GPT) Forward(b *Batch) error {
	if err := b.Validate(m.Config); err != nil {
		return err
	}
	a := m.activationsFor(actKey{B: b.B, T: b.T, train: true})
	m.be.WriteIndex(a.tokens, b.Tokens)
	m.be.WriteIndex(a.targets, b.Targets)
	a.hostWeights = b.weights(a.hostWeights)
	m.be.Write(a.weights, a.hostWeights)
	a.norm = b.normaliser(a.hostWeights)
	a.hostLossesValid = false
	m.forward(a, 0)
	m.be.CrossEntropy(a.losses, nil, a.logits, a.targets, nil, b.B*b.T, m.Config.VocabSize, 0)
	m.cur = a
	return nil
}

// forward runs the blocks on a.tokens at positions pos0..pos0+T-1 and
// leaves the logits in a.logits. With a KV cache (inference form) the keys
// and values of these positions are stored in it and attention reads the
// cache; when training, attention reads the batch's own qkv.
func (m *GPT) forward(a *activations, pos0 int) {
	be, c := m.be, m.Config
	B, T, C, NH, V := a.B, a.T, c.NEmbd, c.NHead, c.VocabSize
	N := B * T
	be.EncoderForward(a.encoded, a.tokens, m.P.wte, m.P.wpe, B, T, C, pos0)
	res := a.encoded // [B,T,C] the residual stream entering the block
	for l := range a.layers {
		p, la := &m.P.layers[l], &a.layers[l]
		// attention: res2 = res + proj(attention(ln1(res)))
		be.LayerNormForward(la.ln1, la.ln1Mean, la.ln1Rstd, res, p.ln1w, p.ln1b, N, C)
		be.MatMul(la.qkv, la.ln1, p.qkvw, p.qkvb, N, 3*C, C, false, false, false)
		kv := la.qkv
		if a.kvCache != nil {
			be.KVStore(a.kvCache[l], la.qkv, B, T, a.Tk, pos0, C)
			kv = a.kvCache[l]
		}
		be.AttentionForward(la.atty, la.att, la.qkv, kv, B, T, a.Tk, pos0, C, NH)
		be.MatMul(la.attproj, la.atty, p.attprojw, p.attprojb, N, C, C, false, false, false)
		be.Add(la.res2, res, la.attproj)
		// MLP: res3 = res2 + proj(gelu(fc(ln2(res2))))
		be.LayerNormForward(la.ln2, la.ln2Mean, la.ln2Rstd, la.res2, p.ln2w, p.ln2b, N, C)
		be.MatMul(la.fch, la.ln2, p.fcw, p.fcb, N, 4*C, C, false, false, false)
		be.GeluForward(la.fchGelu, la.fch)
		be.MatMul(la.fcproj, la.fchGelu, p.fcprojw, p.fcprojb, N, C, 4*C, false, false, false)
		be.Add(la.res3, la.res2, la.fcproj)
		res = la.res3
	}
	be.LayerNormForward(a.lnf, a.lnfMean, a.lnfRstd, res, m.P.lnfw, m.P.lnfb, N, C)
	// LM head tied to the token embedding: logits [N,V] = lnf [N,C] wteᵀ
	be.MatMul(a.logits, a.lnf, m.P.wte, nil, N, V, C, false, true, false)
}

// ZeroGrad clears the parameter gradients.
func (m *GPT) ZeroGrad() { m.be.Zero(m.grads) }

// Backward adds the gradient of the loss of the last Forward,
// sum_t w_t·CE_t / norm, into the parameter gradients. Call ZeroGrad
// first unless accumulating over several batches.
func (m *GPT) Backward() { m.BackwardWith(nil) }

// Hidden is the last hidden state of the last Forward: the final
// LayerNorm's output, [B*T, C] on the backend, that the tied LM head reads
// the logits from. An objective in embedding space (JEPA's, see package
// midtrain) pools it into one vector per sequence; it is valid until the
// next Forward of the same batch shape.
func (m *GPT) Hidden() compute.Buffer {
	if m.cur == nil {
		panic("model: Hidden before Forward")
	}
	return m.cur.lnf
}

// BackwardWith is Backward for the loss of the last Forward plus an extra
// loss of Hidden: dHidden [B*T, C] is that loss's gradient with respect to
// Hidden, added to the LM head's before the final LayerNorm's backward.
// nil adds nothing (Backward). A batch whose weights are all 0 makes the
// extra loss the only one.
func (m *GPT) BackwardWith(dHidden compute.Buffer) {
	a := m.cur
	if a == nil || !a.train {
		panic("model: Backward without a training Forward")
	}
	be, c := m.be, m.Config
	B, T, C, NH, V := a.B, a.T, c.NEmbd, c.NHead, c.VocabSize
	N := B * T
	G := &m.G
	if dHidden != nil && dHidden.Len() != N*C {
		panic(fmt.Sprintf("model: BackwardWith got a gradient of %d values for a hidden state of %d×%d", dHidden.Len(), N, C))
	}
	// loss -> logits: dlogits = (softmax - onehot) * w / norm
	be.CrossEntropy(a.losses, a.dlogits, a.logits, a.targets, a.weights, N, V, float32(1/a.norm))
	// LM head: dlnf = dlogits wte; dwte += dlogitsᵀ lnf
	be.MatMul(a.dln, a.dlogits, m.P.wte, nil, N, C, V, false, false, false)
	be.MatMul(G.wte, a.dlogits, a.lnf, nil, V, C, N, true, false, true)
	if dHidden != nil {
		// the extra loss's gradient joins the LM head's at lnf
		be.Accumulate(a.dln, dHidden)
	}
	// final LayerNorm; dres becomes the gradient of the last block's output
	last := a.encoded
	if len(a.layers) > 0 {
		last = a.layers[len(a.layers)-1].res3
	}
	be.Zero(a.dres)
	be.LayerNormBackward(a.dres, G.lnfw, G.lnfb, a.dln, last, m.P.lnfw, a.lnfMean, a.lnfRstd, N, C)
	for l := len(a.layers) - 1; l >= 0; l-- {
		p, g, la := &m.P.layers[l], &G.layers[l], &a.layers[l]
		res := a.encoded
		if l > 0 {
			res = a.layers[l-1].res3
		}
		// MLP backward; dres holds d(res3) and the branch adds into it,
		// leaving d(res2).
		be.BiasBackward(g.fcprojb, a.dres, N, C)
		be.MatMul(g.fcprojw, la.fchGelu, a.dres, nil, 4*C, C, N, true, false, true)
		be.MatMul(a.dfchGelu, a.dres, p.fcprojw, nil, N, 4*C, C, false, true, false)
		be.Zero(a.dfch)
		be.GeluBackward(a.dfch, la.fch, a.dfchGelu)
		be.BiasBackward(g.fcb, a.dfch, N, 4*C)
		be.MatMul(g.fcw, la.ln2, a.dfch, nil, C, 4*C, N, true, false, true)
		be.MatMul(a.dln, a.dfch, p.fcw, nil, N, C, 4*C, false, true, false)
		be.LayerNormBackward(a.dres, g.ln2w, g.ln2b, a.dln, la.res2, p.ln2w, la.ln2Mean, la.ln2Rstd, N, C)
		// attention backward; dres goes from d(res2) to d(res).
		be.BiasBackward(g.attprojb, a.dres, N, C)
		be.MatMul(g.attprojw, la.atty, a.dres, nil, C, C, N, true, false, true)
		be.MatMul(a.datty, a.dres, p.attprojw, nil, N, C, C, false, true, false)
		be.Zero(a.dqkv)
		be.AttentionBackward(a.dqkv, a.datt, a.datty, la.qkv, la.att, B, T, C, NH)
		be.BiasBackward(g.qkvb, a.dqkv, N, 3*C)
		be.MatMul(g.qkvw, la.ln1, a.dqkv, nil, C, 3*C, N, true, false, true)
		be.MatMul(a.dln, a.dqkv, p.qkvw, nil, N, C, 3*C, false, true, false)
		be.LayerNormBackward(a.dres, g.ln1w, g.ln1b, a.dln, res, p.ln1w, la.ln1Mean, la.ln1Rstd, N, C)
	}
	be.EncoderBackward(G.wte, G.wpe, a.dres, a.tokens, B, T, C)
}

// TokenLosses copies the unweighted cross-entropy of every target of the
// last Forward into dst [B*T] (0 where there is no target). The
// log-probability of target t is -dst[t].
func (m *GPT) TokenLosses(dst []float32) {
	a := m.cur
	if a == nil {
		panic("model: TokenLosses before Forward")
	}
	m.be.Read(dst[:a.B*a.T], a.losses)
}

// Loss reads back the weighted loss of the last Forward:
// sum_t w_t·CE_t / norm, summed in float64.
func (m *GPT) Loss() float64 {
	a := m.cur
	if a == nil {
		panic("model: Loss before Forward")
	}
	if !a.hostLossesValid {
		a.hostLosses = growF(a.hostLosses, a.B*a.T)
		m.be.Read(a.hostLosses, a.losses)
		a.hostLossesValid = true
	}
	var s float64
	for i, l := range a.hostLosses {
		s += float64(a.hostWeights[i]) * float64(l)
	}
	return s / a.norm
}

func growF(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
