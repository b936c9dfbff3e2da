//go:build js && wasm

// Command paritytest checks the WebGPU backend against the CPU backend in
// a browser. It runs in a dedicated Web Worker (as the engine does), and
// posts JSON messages to the page: {"log": "..."} while it works and
// {"result": {...}} at the end. The native test parity_test.go builds it,
// serves it, drives Chromium and asserts on the result; the tolerances
// live there.
//
// Its first argument (go.argv[1], set by worker.js from the page's
// ?mode=) selects what it does:
//
//	parity       every op forward and backward, a whole training step, a
//	             short loss curve, greedy sampling, dispatch/submit counts,
//	             and a simulated device loss with recovery on the CPU
//	detect       only webgpu.New, to see the fallback reason (worker.js
//	             hides navigator.gpu or stubs requestAdapter for this)
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"syscall/js"
	"time"

	"tinystages/model"
	"tinystages/model/compute"
	"tinystages/model/cpu"
	"tinystages/model/webgpu"
)

// Result is the report posted to the page.
type Result struct {
	Mode        string             `json:"mode"`
	Adapter     webgpu.AdapterInfo `json:"adapter"`
	Backend     string             `json:"backend"`
	AutoError   string             `json:"auto_error"`  // webgpu.New without AllowSoftware
	NewError    string             `json:"new_error"`   // webgpu.New with AllowSoftware
	Unavailable bool               `json:"unavailable"` // NewError wraps ErrUnavailable
	Ops         []OpResult         `json:"ops"`
	Step        StepResult         `json:"step"`
	Curve       CurveResult        `json:"curve"`
	Generate    GenerateResult     `json:"generate"`
	Counts      []CountResult      `json:"counts"`
	Lost        LostResult         `json:"lost"`
	DeviceError string             `json:"device_error"` // Err() before the simulated loss
	Seconds     map[string]float64 `json:"seconds"`
}

// OpResult compares one output tensor of one op case: Rel is the largest
// absolute difference divided by the largest CPU magnitude.
type OpResult struct {
	Op     string  `json:"op"`
	Tensor string  `json:"tensor"`
	N      int     `json:"n"`
	MaxAbs float64 `json:"max_abs"`
	Scale  float64 `json:"scale"`
	Rel    float64 `json:"rel"`
	NaNs   int     `json:"nans"`
}

// StepResult compares one whole training step.
type StepResult struct {
	LossCPU, LossGPU float64
	Grads, Params    OpResult
	GradNormCPU      float64
	GradNormGPU      float64
}

// CurveResult compares a few steps of training.
type CurveResult struct {
	CPU, GPU   []float64
	MaxAbsDiff float64
	Params     OpResult
}

// GenerateResult compares greedy sampling with the KV cache.
type GenerateResult struct {
	CPU, GPU [][]int32
	Equal    bool
}

// CountResult is the work of one training step (TrainStep without
// reading the loss) for a model of NLayer blocks.
type CountResult struct {
	NLayer     int `json:"n_layer"`
	Dispatches int `json:"dispatches"`
	Submits    int `json:"submits"`
	Reads      int `json:"reads"`
	Writes     int `json:"writes"`
	// WithLoss is the same step when the loss is read back.
	WithLossSubmits int `json:"with_loss_submits"`
	WithLossReads   int `json:"with_loss_reads"`
}

// LostResult is the simulated device loss: train on the GPU, snapshot,
// train on, destroy the device, resume from the snapshot on the CPU.
type LostResult struct {
	Err          string    `json:"err"`
	IsLost       bool      `json:"is_lost"`      // errors.Is(Err, ErrDeviceLost)
	LostClosed   bool      `json:"lost_closed"`  // Lost() was closed
	ReadIsNaN    bool      `json:"read_is_nan"`  // Read after the loss gives NaN
	Resumed      []float64 `json:"resumed"`      // losses after resuming on the CPU
	Reference    []float64 `json:"reference"`    // a CPU-only run of the same steps
	MaxAbsDiff   float64   `json:"max_abs_diff"` // between the two
	SnapshotStep int       `json:"snapshot_step"`
}

func post(key string, v any) {
	b, err := json.Marshal(map[string]any{key: v})
	if err != nil {
		b, _ = json.Marshal(map[string]any{"result": map[string]string{"fatal": err.Error()}})
	}
	js.Global().Call("postMessage", string(b))
}

func logf(format string, args ...any) { post("log", fmt.Sprintf(format, args...)) }

func main() {
	mode := "parity"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	res := &Result{Mode: mode, Seconds: map[string]float64{}}
	defer func() {
		if r := recover(); r != nil {
			post("result", map[string]any{"fatal": fmt.Sprint(r), "partial": res})
			return
		}
		post("result", res)
	}()
	if _, err := webgpu.New(webgpu.Options{}); err != nil {
		res.AutoError = err.Error()
	}
	t0 := time.Now()
	g, err := webgpu.New(webgpu.Options{AllowSoftware: true})
	res.Seconds["new"] = time.Since(t0).Seconds()
	if err != nil {
		res.NewError = err.Error()
		res.Unavailable = errors.Is(err, webgpu.ErrUnavailable)
		return
	}
	res.Adapter, res.Backend = g.Adapter(), g.Name()
	if mode != "parity" {
		return
	}
	p := &pair{c: cpu.New(nil), g: g, rng: rand.New(rand.NewPCG(1, 2))}
	timed(res, "ops", func() { res.Ops = p.ops() })
	timed(res, "step", func() { res.Step = p.step() })
	timed(res, "curve", func() { res.Curve = p.curve(8) })
	timed(res, "generate", func() { res.Generate = p.generate() })
	timed(res, "counts", func() { res.Counts = p.counts() })
	if err := g.Err(); err != nil {
		res.DeviceError = err.Error()
	}
	timed(res, "lost", func() { res.Lost = p.lost() })
}

func timed(res *Result, name string, fn func()) {
	t0 := time.Now()
	fn()
	res.Seconds[name] = time.Since(t0).Seconds()
	logf("%s: %.2fs", name, res.Seconds[name])
}

// pair runs the same ops on the CPU backend and the WebGPU backend.
type pair struct {
	c   *cpu.Backend
	g   *webgpu.Backend
	rng *rand.Rand
	out []OpResult
}

// buf is a tensor on both backends with the same contents.
type buf struct{ c, g compute.Buffer }

type ibuf struct{ c, g compute.Index }

func (b buf) on(gpu bool) compute.Buffer {
	if gpu {
		return b.g
	}
	return b.c
}

func (b ibuf) on(gpu bool) compute.Index {
	if gpu {
		return b.g
	}
	return b.c
}

func (p *pair) be(gpu bool) compute.Backend {
	if gpu {
		return p.g
	}
	return p.c
}

func (p *pair) randn(n int, std float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(p.rng.NormFloat64() * std)
	}
	return x
}

// newBuf allocates n elements on both backends and writes vals (or
// random numbers when vals is nil, so that an op that should overwrite
// its output is seen to).
func (p *pair) newBuf(n int, vals []float32) buf {
	if vals == nil {
		vals = p.randn(n, 1)
	}
	b := buf{p.c.NewBuffer(n), p.g.NewBuffer(n)}
	p.c.Write(b.c, vals)
	p.g.Write(b.g, vals)
	return b
}

func (p *pair) newIdx(vals []int32) ibuf {
	b := ibuf{p.c.NewIndex(len(vals)), p.g.NewIndex(len(vals))}
	p.c.WriteIndex(b.c, vals)
	p.g.WriteIndex(b.g, vals)
	return b
}

// both runs fn on the CPU, then on the GPU.
func (p *pair) both(fn func(be compute.Backend, gpu bool)) {
	fn(p.c, false)
	fn(p.g, true)
}

// check compares b on the two backends and records the result.
func (p *pair) check(op, tensor string, b buf) {
	n := b.c.Len()
	c, g := make([]float32, n), make([]float32, n)
	p.c.Read(c, b.c)
	p.g.Read(g, b.g)
	p.out = append(p.out, compare(op, tensor, c, g))
}

func compare(op, tensor string, c, g []float32) OpResult {
	r := OpResult{Op: op, Tensor: tensor, N: len(c)}
	for i := range c {
		d := math.Abs(float64(c[i]) - float64(g[i]))
		if math.IsNaN(float64(g[i])) != math.IsNaN(float64(c[i])) || math.IsInf(float64(g[i]), 0) {
			r.NaNs++
			continue
		}
		r.MaxAbs = max(r.MaxAbs, d)
		r.Scale = max(r.Scale, math.Abs(float64(c[i])))
	}
	r.Rel = r.MaxAbs / max(r.Scale, 1e-30)
	return r
}

// ops runs every op of compute.Backend on small shapes, forward and
// backward, and compares every output.
func (p *pair) ops() []OpResult {
	p.out = nil
	p.elementwise()
	p.matmul()
	p.layernorm()
	p.encoder()
	p.attention()
	p.crossEntropy()
	p.optimizer()
	return p.out
}

func (p *pair) elementwise() {
	// views at aligned offsets inside larger buffers, as the model uses
	big := p.newBuf(3*compute.Align+50, nil)
	src := p.newBuf(200, nil)
	p.both(func(be compute.Backend, gpu bool) { be.Zero(big.on(gpu).Slice(compute.Align, 70)) })
	p.check("Zero", "x", big)
	p.both(func(be compute.Backend, gpu bool) {
		be.Copy(big.on(gpu).Slice(2*compute.Align, 100), src.on(gpu).Slice(0, 100))
	})
	p.check("Copy", "dst", big)
	a, b, out := p.newBuf(1000, nil), p.newBuf(1000, nil), p.newBuf(1000, nil)
	p.both(func(be compute.Backend, gpu bool) { be.Add(out.on(gpu), a.on(gpu), b.on(gpu)) })
	p.check("Add", "out", out)
	p.both(func(be compute.Backend, gpu bool) { be.Accumulate(a.on(gpu), b.on(gpu)) })
	p.check("Accumulate", "dst", a)

	// GELU over the range GPT-2 sees and beyond (tanh saturates at ±10)
	x := p.randn(1500, 3)
	x[0], x[1], x[2] = 50, -50, 0
	in, gout, gdin := p.newBuf(1500, x), p.newBuf(1500, nil), p.newBuf(1500, nil)
	p.both(func(be compute.Backend, gpu bool) {
		be.GeluForward(out.on(gpu).Slice(0, 1000), in.on(gpu).Slice(0, 1000))
	})
	p.check("GeluForward", "out", out)
	p.both(func(be compute.Backend, gpu bool) { be.GeluBackward(gdin.on(gpu), in.on(gpu), gout.on(gpu)) })
	p.check("GeluBackward", "dinp", gdin)

	// bias backward: column sums, C not a multiple of 32
	dout, db := p.newBuf(33*70, nil), p.newBuf(70, nil)
	p.both(func(be compute.Backend, gpu bool) { be.BiasBackward(db.on(gpu), dout.on(gpu), 33, 70) })
	p.check("BiasBackward", "dbias", db)
}

func (p *pair) matmul() {
	shapes := [][3]int{{37, 45, 29}, {64, 96, 32}, {5, 130, 67}, {1, 64, 64}, {130, 72, 100}}
	for _, s := range shapes {
		M, N, K := s[0], s[1], s[2]
		a, b, bias := p.newBuf(M*K, nil), p.newBuf(K*N, nil), p.newBuf(N, nil)
		for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
			for _, variant := range []string{"", "+bias", "+=c"} {
				c := p.newBuf(M*N, nil)
				p.both(func(be compute.Backend, gpu bool) {
					var bv compute.Buffer
					if variant == "+bias" {
						bv = bias.on(gpu)
					}
					be.MatMul(c.on(gpu), a.on(gpu), b.on(gpu), bv, M, N, K, tr[0], tr[1], variant == "+=c")
				})
				name := fmt.Sprintf("MatMul %s%s %dx%dx%d%s", map[bool]string{false: "N", true: "T"}[tr[0]], map[bool]string{false: "N", true: "T"}[tr[1]], M, N, K, variant)
				p.check(name, "c", c)
			}
		}
	}
}

func (p *pair) layernorm() {
	for _, s := range [][2]int{{7, 40}, {5, 300}} {
		N, C := s[0], s[1]
		x := p.randn(N*C, 2)
		for i := range x {
			x[i] += 0.5 // a nonzero mean
		}
		inp, w, b := p.newBuf(N*C, x), p.newBuf(C, p.randn(C, 1)), p.newBuf(C, nil)
		out, mean, rstd := p.newBuf(N*C, nil), p.newBuf(N, nil), p.newBuf(N, nil)
		p.both(func(be compute.Backend, gpu bool) {
			be.LayerNormForward(out.on(gpu), mean.on(gpu), rstd.on(gpu), inp.on(gpu), w.on(gpu), b.on(gpu), N, C)
		})
		name := fmt.Sprintf("LayerNormForward %dx%d", N, C)
		p.check(name, "out", out)
		p.check(name, "mean", mean)
		p.check(name, "rstd", rstd)
		dout, dinp, dw, db := p.newBuf(N*C, nil), p.newBuf(N*C, nil), p.newBuf(C, nil), p.newBuf(C, nil)
		p.both(func(be compute.Backend, gpu bool) {
			be.LayerNormBackward(dinp.on(gpu), dw.on(gpu), db.on(gpu), dout.on(gpu), inp.on(gpu), w.on(gpu), mean.on(gpu), rstd.on(gpu), N, C)
		})
		name = fmt.Sprintf("LayerNormBackward %dx%d", N, C)
		p.check(name, "dinp", dinp)
		p.check(name, "dw", dw)
		p.check(name, "db", db)
	}
}

func (p *pair) encoder() {
	V, maxT, B, T, C := 11, 12, 3, 9, 20
	toks := make([]int32, B*T)
	for i := range toks {
		toks[i] = int32(p.rng.IntN(5)) // repeats, and rows of wte never used
	}
	tokens := p.newIdx(toks)
	wte, wpe := p.newBuf(V*C, nil), p.newBuf(maxT*C, nil)
	out := p.newBuf(B*T*C, nil)
	for _, pos0 := range []int{0, 3} {
		p.both(func(be compute.Backend, gpu bool) {
			be.EncoderForward(out.on(gpu), tokens.on(gpu), wte.on(gpu), wpe.on(gpu), B, T, C, pos0)
		})
		p.check(fmt.Sprintf("EncoderForward pos0=%d", pos0), "out", out)
	}
	dout := p.newBuf(B*T*C, nil)
	dwte, dwpe := p.newBuf(V*C, nil), p.newBuf(maxT*C, nil)
	p.both(func(be compute.Backend, gpu bool) {
		be.EncoderBackward(dwte.on(gpu), dwpe.on(gpu), dout.on(gpu), tokens.on(gpu), B, T, C)
	})
	p.check("EncoderBackward", "dwte", dwte)
	p.check("EncoderBackward", "dwpe", dwpe)
}

func (p *pair) attention() {
	// training form; T=70 runs past the 64-invocation rows
	for _, s := range [][4]int{{2, 9, 24, 3}, {1, 70, 16, 2}} {
		B, T, C, NH := s[0], s[1], s[2], s[3]
		qkv := p.newBuf(B*T*3*C, nil)
		out, att := p.newBuf(B*T*C, nil), p.newBuf(B*NH*T*T, nil)
		p.both(func(be compute.Backend, gpu bool) {
			be.AttentionForward(out.on(gpu), att.on(gpu), qkv.on(gpu), qkv.on(gpu), B, T, T, 0, C, NH)
		})
		name := fmt.Sprintf("AttentionForward B%d T%d C%d NH%d", B, T, C, NH)
		p.check(name, "out", out)
		p.check(name, "att", att)
		dout, dqkv, datt := p.newBuf(B*T*C, nil), p.newBuf(B*T*3*C, nil), p.newBuf(B*NH*T*T, nil)
		p.both(func(be compute.Backend, gpu bool) {
			be.AttentionBackward(dqkv.on(gpu), datt.on(gpu), dout.on(gpu), qkv.on(gpu), att.on(gpu), B, T, C, NH)
		})
		p.check(fmt.Sprintf("AttentionBackward B%d T%d C%d NH%d", B, T, C, NH), "dqkv", dqkv)
	}
	// KV-cache form: store Tq new rows at pos0, attend over the cache
	B, Tq, Tk, pos0, C, NH := 2, 3, 12, 4, 24, 3
	kv, qkv := p.newBuf(B*Tk*3*C, nil), p.newBuf(B*Tq*3*C, nil)
	p.both(func(be compute.Backend, gpu bool) { be.KVStore(kv.on(gpu), qkv.on(gpu), B, Tq, Tk, pos0, C) })
	p.check("KVStore", "kv", kv)
	out, att := p.newBuf(B*Tq*C, nil), p.newBuf(B*NH*Tq*Tk, nil)
	p.both(func(be compute.Backend, gpu bool) {
		be.AttentionForward(out.on(gpu), att.on(gpu), qkv.on(gpu), kv.on(gpu), B, Tq, Tk, pos0, C, NH)
	})
	p.check("AttentionForward KV cache", "out", out)
	p.check("AttentionForward KV cache", "att", att)
}

func (p *pair) crossEntropy() {
	N, V := 13, 300
	tg := make([]int32, N)
	w := p.randn(N, 1)
	for i := range tg {
		tg[i] = int32(p.rng.IntN(V))
	}
	tg[2], tg[7] = -1, -1
	w[4] = 0
	targets := p.newIdx(tg)
	logits, weights := p.newBuf(N*V, p.randn(N*V, 3)), p.newBuf(N, w)
	losses, dlogits := p.newBuf(N, nil), p.newBuf(N*V, nil)
	p.both(func(be compute.Backend, gpu bool) {
		be.CrossEntropy(losses.on(gpu), nil, logits.on(gpu), targets.on(gpu), nil, N, V, 0)
	})
	p.check("CrossEntropy (forward)", "losses", losses)
	p.both(func(be compute.Backend, gpu bool) {
		be.CrossEntropy(losses.on(gpu), dlogits.on(gpu), logits.on(gpu), targets.on(gpu), weights.on(gpu), N, V, 0.37)
	})
	p.check("CrossEntropy", "losses", losses)
	p.check("CrossEntropy", "dlogits", dlogits)
}

func (p *pair) optimizer() {
	x := p.newBuf(100003, nil)
	sq := p.newBuf(compute.Align, nil)
	p.both(func(be compute.Backend, gpu bool) { be.SumSquares(sq.on(gpu), x.on(gpu)) })
	p.check("SumSquares", "out[0]", buf{sq.c.Slice(0, 1), sq.g.Slice(0, 1)})
	for _, clip := range []struct {
		name  string
		sumSq float32
	}{{"no clip", 0.25}, {"clipped", 40}} {
		n, off := 1000, compute.Align
		params, grads := p.newBuf(off+n, nil), p.newBuf(off+n, nil)
		m, v := p.newBuf(off+n, p.randn(off+n, 0.1)), p.newBuf(off+n, make([]float32, off+n))
		s := p.newBuf(compute.Align, []float32{clip.sumSq})
		hp := compute.AdamW{LR: 1e-2, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1, Step: 3, ClipNorm: 1}
		p.both(func(be compute.Backend, gpu bool) {
			sl := func(b buf) compute.Buffer { return b.on(gpu).Slice(off, n) }
			be.AdamWUpdate(sl(params), sl(grads), sl(m), sl(v), s.on(gpu), hp)
		})
		name := "AdamWUpdate " + clip.name
		p.check(name, "params", params)
		p.check(name, "m", m)
		p.check(name, "v", v)
	}
}

// testConfig is small enough for SwiftShader and has every feature: two
// blocks, two heads, a vocabulary that is not a multiple of 4.
var testConfig = model.Config{VocabSize: 67, MaxSeqLen: 16, NLayer: 2, NHead: 2, NEmbd: 32}

func (p *pair) batch(B, T int, weighted bool) *model.Batch {
	b := &model.Batch{B: B, T: T, Tokens: make([]int32, B*T), Targets: make([]int32, B*T)}
	for i := range b.Tokens {
		b.Tokens[i] = int32(p.rng.IntN(testConfig.VocabSize))
		b.Targets[i] = (b.Tokens[i]*7 + 3) % int32(testConfig.VocabSize) // learnable
	}
	if weighted {
		b.Weights = make([]float32, B*T)
		for i := range b.Weights {
			b.Weights[i] = float32(p.rng.NormFloat64())
		}
		b.Targets[1] = -1
		b.Weights[2] = 0
	}
	return b
}

func (p *pair) models(c model.Config) (mc, mg *model.GPT) {
	mc, err := model.New(c, p.c, 5)
	if err != nil {
		panic(err)
	}
	mg, err = model.New(c, p.g, 5)
	if err != nil {
		panic(err)
	}
	return mc, mg
}

// step compares one whole training step: loss, gradients, updated
// parameters.
func (p *pair) step() StepResult {
	mc, mg := p.models(testConfig)
	b := p.batch(3, 16, true)
	o := model.DefaultOptim(1e-2, 10)
	var r StepResult
	var err error
	if r.LossCPU, err = mc.TrainStep(b, o, o.LRAt(0), true); err != nil {
		panic(err)
	}
	if r.LossGPU, err = mg.TrainStep(b, o, o.LRAt(0), true); err != nil {
		panic(err)
	}
	r.Grads = compare("TrainStep", "grads", mc.Grads(), mg.Grads())
	r.Params = compare("TrainStep", "params", mc.Params(), mg.Params())
	r.GradNormCPU, r.GradNormGPU = mc.GradNorm(), mg.GradNorm()
	return r
}

// curve trains both backends on the same batches and compares losses.
func (p *pair) curve(steps int) CurveResult {
	mc, mg := p.models(testConfig)
	o := model.DefaultOptim(1e-2, steps)
	var r CurveResult
	for i := 0; i < steps; i++ {
		b := p.batch(4, 16, false)
		lc, err := mc.TrainStep(b, o, o.LRAt(i), true)
		if err != nil {
			panic(err)
		}
		lg, _ := mg.TrainStep(b, o, o.LRAt(i), true)
		r.CPU, r.GPU = append(r.CPU, lc), append(r.GPU, lg)
		r.MaxAbsDiff = max(r.MaxAbsDiff, math.Abs(lc-lg))
	}
	r.Params = compare("curve", "params", mc.Params(), mg.Params())
	return r
}

// generate compares greedy completions (KV cache, prefill then one
// position at a time).
func (p *pair) generate() GenerateResult {
	mc, mg := p.models(testConfig)
	// a few steps so that the logits are not all alike
	o := model.DefaultOptim(1e-2, 5)
	for i := 0; i < 5; i++ {
		b := p.batch(4, 16, false)
		mc.TrainStep(b, o, o.LRAt(i), false)
		mg.TrainStep(b, o, o.LRAt(i), false)
	}
	opt := model.SampleOptions{MaxTokens: 10}
	var r GenerateResult
	for _, m := range []*model.GPT{mc, mg} {
		cs, err := m.Generate([]int32{1, 2, 3}, 2, opt, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			panic(err)
		}
		var toks [][]int32
		for _, c := range cs {
			toks = append(toks, c.Tokens)
		}
		if m == mc {
			r.CPU = toks
		} else {
			r.GPU = toks
		}
	}
	r.Equal = fmt.Sprint(r.CPU) == fmt.Sprint(r.GPU)
	return r
}

// counts measures the dispatches and submits of one training step for 2,
// 4 and 6 blocks (the counts depend on the number of blocks only; nano and
// tiny have 4, small 6), on tiny widths so that SwiftShader is quick.
func (p *pair) counts() []CountResult {
	var out []CountResult
	for _, L := range []int{2, 4, 6} {
		c := testConfig
		c.NLayer = L
		m, err := model.New(c, p.g, 1)
		if err != nil {
			panic(err)
		}
		o := model.DefaultOptim(1e-2, 10)
		b := p.batch(2, 8, false)
		m.TrainStep(b, o, o.LRAt(0), true) // warm: activations, pipelines
		s0 := p.g.Stats()
		m.TrainStep(b, o, o.LRAt(1), false)
		p.g.Sync()
		d := p.g.Stats().Sub(s0)
		s0 = p.g.Stats()
		m.TrainStep(b, o, o.LRAt(2), true)
		dl := p.g.Stats().Sub(s0)
		out = append(out, CountResult{NLayer: L, Dispatches: d.Dispatches, Submits: d.Submits, Reads: d.Reads, Writes: d.Writes,
			WithLossSubmits: dl.Submits, WithLossReads: dl.Reads})
	}
	return out
}

// lost trains on the GPU, snapshots, trains on, loses the device
// (Destroy), and resumes from the snapshot on the CPU; a CPU-only run of
// the same batches is the reference.
func (p *pair) lost() LostResult {
	const snapAt, total = 3, 7
	batches := make([]*model.Batch, total)
	for i := range batches {
		batches[i] = p.batch(2, 16, false)
	}
	o := model.DefaultOptim(1e-2, total)
	ref, _ := model.New(testConfig, p.c, 9)
	var r LostResult
	for i, b := range batches {
		l, _ := ref.TrainStep(b, o, o.LRAt(i), true)
		if i >= snapAt {
			r.Reference = append(r.Reference, l)
		}
	}
	mg, _ := model.New(testConfig, p.g, 9)
	var snap *model.Snapshot
	for i := 0; i < total-2; i++ {
		if i == snapAt {
			snap = mg.Snapshot()
		}
		mg.TrainStep(batches[i], o, o.LRAt(i), false)
	}
	r.SnapshotStep = snap.Step
	p.g.Destroy()
	select {
	case <-p.g.Lost():
		r.LostClosed = true
	case <-time.After(5 * time.Second):
	}
	loss := mg.Loss() // a read-back on the lost device
	r.ReadIsNaN = math.IsNaN(loss)
	if err := p.g.Err(); err != nil {
		r.Err = err.Error()
		r.IsLost = errors.Is(err, webgpu.ErrDeviceLost)
	}
	// recovery: a model on the CPU from the snapshot, replaying from its step
	mc, _ := model.New(testConfig, cpu.New(nil), 1)
	if err := mc.Restore(snap); err != nil {
		panic(err)
	}
	for i := snap.Step; i < total; i++ {
		l, _ := mc.TrainStep(batches[i], o, o.LRAt(i), true)
		r.Resumed = append(r.Resumed, l)
	}
	for i := range r.Resumed {
		r.MaxAbsDiff = max(r.MaxAbsDiff, math.Abs(r.Resumed[i]-r.Reference[i]))
	}
	return r
}
