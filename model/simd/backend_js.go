//go:build js && wasm

package simd

import (
	"fmt"
	"math"
	"runtime"
	"syscall/js"

	"tinystages/model/compute"
	"tinystages/model/cpu"
)

// Backend is the CPU backend with its hot loops in WASM SIMD: the matrix
// multiplies (Kernel) and the ops that dominate a step once those are
// fast: softmax cross-entropy, attention forward and backward, GELU,
// LayerNorm, bias gradients and AdamW. Every other op, and any shape a
// kernel does not take (a head size, or a LayerNorm width, not a multiple
// of 4), runs in the embedded pure-Go cpu.Backend.
//
// Results match the cpu.Backend to float32 rounding (the kernels use
// float32 accumulators and a polynomial exp where package cpu uses
// float64 and the math package); the tests state the tolerances. Like
// cpu.Backend it is deterministic: same inputs, same bits.
type Backend struct {
	*cpu.Backend
	k *Kernel
	f map[string]js.Value // kernel exports by name

	stats, factors, drow, row []float32 // scratch, grown as needed
}

var _ compute.Backend = (*Backend)(nil)

// NewBackend returns the WASM SIMD CPU backend, or the reason it cannot
// run here (ErrUnsupported, ErrNoMemory); the caller then uses
// cpu.New(nil). Its Name is "CPU (WASM SIMD)".
func NewBackend() (*Backend, error) {
	k, err := newKernel()
	if err != nil {
		return nil, err
	}
	be := &Backend{Backend: cpu.New(k), k: k, f: map[string]js.Value{}}
	for _, name := range []string{"softmax_rows", "scale_rows", "gelu_fwd", "gelu_bwd", "attn_fwd", "attn_bwd",
		"ln_fwd", "ln_bwd", "add_bias", "bias_bwd", "adamw"} {
		fn := k.exports.Get(name)
		if fn.Type() != js.TypeFunction {
			return nil, fmt.Errorf("%w: kernel module lacks %s", ErrUnsupported, name)
		}
		be.f[name] = fn
	}
	return be, nil
}

func fl(b compute.Buffer) []float32 {
	if b == nil {
		return nil
	}
	return b.(cpu.Floats)
}

func need(name string, got, want int) {
	if got < want {
		panic(fmt.Sprintf("compute: %s has %d elements, op needs %d", name, got, want))
	}
}

func growF(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}

// CrossEntropy implements compute.Backend: the kernel finds each row's
// maximum and exponential sum (and writes the exponentials into dlogits);
// Go turns them into losses and scales the rows into gradients.
func (be *Backend) CrossEntropy(losses, dlogits, logits compute.Buffer, targets compute.Index, weights compute.Buffer, N, V int, scale float32) {
	ls, lg, tg := fl(losses), fl(logits), []int32(targets.(cpu.Ints))
	need("CrossEntropy losses", len(ls), N)
	need("CrossEntropy logits", len(lg), N*V)
	need("CrossEntropy targets", len(tg), N)
	if N == 0 || V == 0 {
		return
	}
	var dl, w []float32
	if dlogits != nil {
		dl, w = fl(dlogits), fl(weights)
		need("CrossEntropy dlogits", len(dl), N*V)
		need("CrossEntropy weights", len(w), N)
	}
	for n := 0; n < N; n++ {
		if t := int(tg[n]); t >= V {
			panic(fmt.Sprintf("compute: target %d outside vocabulary of %d", t, V))
		}
	}
	be.stats = growF(be.stats, 2*N)
	e, estride := dl, 4*V
	if dl == nil { // exponentials go to one scratch row
		be.row = growF(be.row, V)
		e, estride = be.row, 0
	}
	be.k.call(be.f["softmax_rows"], addr(lg), addr(e), estride, N, V, addr(be.stats))
	for n := 0; n < N; n++ {
		t := int(tg[n])
		if t < 0 {
			ls[n] = 0
			continue
		}
		m, sum := be.stats[2*n], be.stats[2*n+1]
		ls[n] = float32(math.Log(float64(sum)) - float64(lg[n*V+t]-m))
	}
	if dl != nil {
		// dlogits = softmax * w*scale, minus w*scale at the target
		be.factors = growF(be.factors, N)
		for n := 0; n < N; n++ {
			if tg[n] < 0 {
				be.factors[n] = 0
				continue
			}
			be.factors[n] = w[n] * scale / be.stats[2*n+1]
		}
		be.k.call(be.f["scale_rows"], addr(dl), N, V, addr(be.factors))
		for n := 0; n < N; n++ {
			if t := int(tg[n]); t >= 0 {
				dl[n*V+t] -= w[n] * scale
			}
		}
	}
	runtime.KeepAlive(lg)
	runtime.KeepAlive(dl)
}

// GeluForward implements compute.Backend.
func (be *Backend) GeluForward(out, inp compute.Buffer) {
	o, x := fl(out), fl(inp)
	need("GeluForward inp", len(x), len(o))
	n4 := len(o) &^ 3
	if n4 > 0 {
		be.k.call(be.f["gelu_fwd"], addr(o), addr(x), n4)
		runtime.KeepAlive(o)
		runtime.KeepAlive(x)
	}
	if n4 < len(o) {
		be.Backend.GeluForward(cpu.Floats(o[n4:]), cpu.Floats(x[n4:len(o)]))
	}
}

// GeluBackward implements compute.Backend.
func (be *Backend) GeluBackward(dinp, inp, dout compute.Buffer) {
	dx, x, d := fl(dinp), fl(inp), fl(dout)
	need("GeluBackward inp", len(x), len(dx))
	need("GeluBackward dout", len(d), len(dx))
	n4 := len(dx) &^ 3
	if n4 > 0 {
		be.k.call(be.f["gelu_bwd"], addr(dx), addr(x), addr(d), n4)
		runtime.KeepAlive(dx)
		runtime.KeepAlive(x)
		runtime.KeepAlive(d)
	}
	if n4 < len(dx) {
		be.Backend.GeluBackward(cpu.Floats(dx[n4:]), cpu.Floats(x[n4:len(dx)]), cpu.Floats(d[n4:len(dx)]))
	}
}

// AttentionForward implements compute.Backend.
func (be *Backend) AttentionForward(out, att, qkv, kv compute.Buffer, B, Tq, Tk, pos0, C, NH int) {
	if NH <= 0 || C%NH != 0 || (C/NH)%4 != 0 || B*Tq == 0 {
		be.Backend.AttentionForward(out, att, qkv, kv, B, Tq, Tk, pos0, C, NH)
		return
	}
	o, a, q, k := fl(out), fl(att), fl(qkv), fl(kv)
	need("AttentionForward out", len(o), B*Tq*C)
	need("AttentionForward att", len(a), B*NH*Tq*Tk)
	need("AttentionForward qkv", len(q), B*Tq*3*C)
	need("AttentionForward kv", len(k), B*Tk*3*C)
	if pos0 < 0 || pos0+Tq > Tk {
		panic(fmt.Sprintf("compute: attention positions %d..%d exceed the cache of %d", pos0, pos0+Tq-1, Tk))
	}
	scale := 1 / float32(math.Sqrt(float64(C/NH)))
	be.k.call(be.f["attn_fwd"], addr(o), addr(a), addr(q), addr(k), B, Tq, Tk, pos0, C, NH, scale)
	runtime.KeepAlive(o)
	runtime.KeepAlive(a)
	runtime.KeepAlive(q)
	runtime.KeepAlive(k)
}

// AttentionBackward implements compute.Backend.
func (be *Backend) AttentionBackward(dqkv, datt, dout, qkv, att compute.Buffer, B, T, C, NH int) {
	if NH <= 0 || C%NH != 0 || (C/NH)%4 != 0 || B*T == 0 {
		be.Backend.AttentionBackward(dqkv, datt, dout, qkv, att, B, T, C, NH)
		return
	}
	dq, d, q, a := fl(dqkv), fl(dout), fl(qkv), fl(att)
	need("AttentionBackward dqkv", len(dq), B*T*3*C)
	need("AttentionBackward dout", len(d), B*T*C)
	need("AttentionBackward qkv", len(q), B*T*3*C)
	need("AttentionBackward att", len(a), B*NH*T*T)
	be.drow = growF(be.drow, T)
	scale := 1 / float32(math.Sqrt(float64(C/NH)))
	be.k.call(be.f["attn_bwd"], addr(dq), addr(d), addr(q), addr(a), addr(be.drow), B, T, C, NH, scale)
	runtime.KeepAlive(dq)
	runtime.KeepAlive(d)
	runtime.KeepAlive(q)
	runtime.KeepAlive(a)
}

// LayerNormForward implements compute.Backend.
func (be *Backend) LayerNormForward(out, mean, rstd, inp, w, b compute.Buffer, N, C int) {
	if C%4 != 0 || N == 0 {
		be.Backend.LayerNormForward(out, mean, rstd, inp, w, b, N, C)
		return
	}
	o, mu, rs, x, wt, bs := fl(out), fl(mean), fl(rstd), fl(inp), fl(w), fl(b)
	need("LayerNormForward out", len(o), N*C)
	need("LayerNormForward inp", len(x), N*C)
	need("LayerNormForward mean", len(mu), N)
	need("LayerNormForward rstd", len(rs), N)
	need("LayerNormForward w", len(wt), C)
	need("LayerNormForward b", len(bs), C)
	be.k.call(be.f["ln_fwd"], addr(o), addr(mu), addr(rs), addr(x), addr(wt), addr(bs), N, C)
	runtime.KeepAlive(o)
	runtime.KeepAlive(mu)
	runtime.KeepAlive(rs)
	runtime.KeepAlive(x)
	runtime.KeepAlive(wt)
	runtime.KeepAlive(bs)
}

// LayerNormBackward implements compute.Backend.
func (be *Backend) LayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd compute.Buffer, N, C int) {
	if C%4 != 0 || N == 0 {
		be.Backend.LayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd, N, C)
		return
	}
	dx, dwt, dbs, d, x, wt, mu, rs := fl(dinp), fl(dw), fl(db), fl(dout), fl(inp), fl(w), fl(mean), fl(rstd)
	need("LayerNormBackward dinp", len(dx), N*C)
	need("LayerNormBackward dout", len(d), N*C)
	need("LayerNormBackward inp", len(x), N*C)
	need("LayerNormBackward dw", len(dwt), C)
	need("LayerNormBackward db", len(dbs), C)
	need("LayerNormBackward w", len(wt), C)
	need("LayerNormBackward mean", len(mu), N)
	need("LayerNormBackward rstd", len(rs), N)
	be.k.call(be.f["ln_bwd"], addr(dx), addr(dwt), addr(dbs), addr(d), addr(x), addr(wt), addr(mu), addr(rs), N, C)
	for _, s := range [][]float32{dx, dwt, dbs, d, x, wt, mu, rs} {
		runtime.KeepAlive(s)
	}
}

// MatMul implements compute.Backend: the kernel's gemm, then the bias
// added in SIMD.
func (be *Backend) MatMul(c, a, b, bias compute.Buffer, M, N, K int, transA, transB, accumulate bool) {
	be.Backend.MatMul(c, a, b, nil, M, N, K, transA, transB, accumulate)
	if bias == nil || M*N == 0 {
		return
	}
	cs, bv := fl(c), fl(bias)
	need("MatMul bias", len(bv), N)
	be.k.call(be.f["add_bias"], addr(cs), addr(bv), M, N)
	runtime.KeepAlive(cs)
	runtime.KeepAlive(bv)
}

// BiasBackward implements compute.Backend.
func (be *Backend) BiasBackward(dbias, dout compute.Buffer, N, C int) {
	if C%4 != 0 || N == 0 {
		be.Backend.BiasBackward(dbias, dout, N, C)
		return
	}
	db, d := fl(dbias), fl(dout)
	need("BiasBackward dout", len(d), N*C)
	need("BiasBackward dbias", len(db), C)
	be.k.call(be.f["bias_bwd"], addr(db), addr(d), N, C)
	runtime.KeepAlive(db)
	runtime.KeepAlive(d)
}

// AdamWUpdate implements compute.Backend.
func (be *Backend) AdamWUpdate(params, grads, m, v, sumSq compute.Buffer, p compute.AdamW) {
	ps, gs, ms, vs := fl(params), fl(grads), fl(m), fl(v)
	need("AdamWUpdate grads", len(gs), len(ps))
	need("AdamWUpdate m", len(ms), len(ps))
	need("AdamWUpdate v", len(vs), len(ps))
	n4 := len(ps) &^ 3
	if n4 > 0 {
		gscale := float32(1)
		if p.ClipNorm > 0 {
			norm := float32(math.Sqrt(float64(fl(sumSq)[0])))
			if norm > p.ClipNorm {
				gscale = p.ClipNorm / (norm + 1e-6)
			}
		}
		bc1 := 1 - float32(math.Pow(float64(p.Beta1), float64(p.Step)))
		bc2 := 1 - float32(math.Pow(float64(p.Beta2), float64(p.Step)))
		be.k.call(be.f["adamw"], addr(ps), addr(gs), addr(ms), addr(vs), n4,
			gscale, p.LR, p.Beta1, p.Beta2, p.Eps, p.WeightDecay, bc1, bc2)
		runtime.KeepAlive(ps)
		runtime.KeepAlive(gs)
		runtime.KeepAlive(ms)
		runtime.KeepAlive(vs)
	}
	if n4 < len(ps) {
		be.Backend.AdamWUpdate(cpu.Floats(ps[n4:]), cpu.Floats(gs[n4:len(ps)]), cpu.Floats(ms[n4:len(ps)]), cpu.Floats(vs[n4:len(ps)]), sumSq, p)
	}
}
