//go:build js && wasm

package webgpu

import (
	"fmt"
	"math"

	"tinystages/model/compute"
)

var (
	_ compute.Backend = (*Backend)(nil)
	_ compute.Losable = (*Backend)(nil) // a run on it paces its reads and keeps snapshots
)

// Name implements compute.Backend: "WebGPU (SwiftShader)", "WebGPU (nvidia
// ampere)", ….
func (be *Backend) Name() string { return "WebGPU (" + be.info.Label() + ")" }

func fv(b compute.Buffer) view {
	switch b := b.(type) {
	case Buffer:
		return b.v
	case nil:
		panic("compute: webgpu: nil buffer")
	default:
		panic(fmt.Sprintf("compute: webgpu: a %T is not a WebGPU buffer", b))
	}
}

func iv(x compute.Index) view {
	if x, ok := x.(Index); ok {
		return x.v
	}
	panic(fmt.Sprintf("compute: webgpu: a %T is not a WebGPU index", x))
}

func need(name string, got, want int) {
	if got < want {
		panic(fmt.Sprintf("compute: %s has %d elements, op needs %d", name, got, want))
	}
}

func u(n int) uint32 { return uint32(n) }

// elementwise returns the grid of a kernel with one invocation per
// element in workgroups of 256.
func elementwise(n int) (int, int) { return grid((n + 255) / 256) }

// rowGrid returns the grid of a row kernel (reduce.wgsl): rows of 32
// invocations, 8 per workgroup.
func rowGrid(rows int) (int, int) { return grid((rows + 7) / 8) }

// NewBuffer implements compute.Backend.
func (be *Backend) NewBuffer(n int) compute.Buffer {
	return Buffer{view{be.alloc(n, "buffer"), 0, n}}
}

// NewIndex implements compute.Backend.
func (be *Backend) NewIndex(n int) compute.Index {
	return Index{view{be.alloc(n, "index"), 0, n}}
}

// Write implements compute.Backend.
func (be *Backend) Write(dst compute.Buffer, src []float32) {
	v := fv(dst)
	need("Write dst", v.n, len(src))
	be.write(v, bytesOf(src))
}

// WriteIndex implements compute.Backend.
func (be *Backend) WriteIndex(dst compute.Index, src []int32) {
	v := iv(dst)
	need("WriteIndex dst", v.n, len(src))
	be.write(v, bytesOf(src))
}

// Read implements compute.Backend. After a device loss (see Err) it fills
// dst with NaN.
func (be *Backend) Read(dst []float32, src compute.Buffer) {
	v := fv(src)
	need("Read src", v.n, len(dst))
	if err := be.read(bytesOf(dst), v); err != nil {
		be.setErr(err)
		for i := range dst {
			dst[i] = float32(math.NaN())
		}
	}
}

// ReadIndex copies src into dst, waiting for every op recorded before it.
func (be *Backend) ReadIndex(dst []int32, src compute.Index) {
	v := iv(src)
	need("ReadIndex src", v.n, len(dst))
	if err := be.read(bytesOf(dst), v); err != nil {
		be.setErr(err)
	}
}

// Zero implements compute.Backend.
func (be *Backend) Zero(x compute.Buffer) {
	v := fv(x)
	gx, gy := elementwise(v.n)
	be.dispatch("fill", 0, []uint32{u(v.n), f32(0)}, gx, gy, v)
}

// Copy implements compute.Backend.
func (be *Backend) Copy(dst, src compute.Buffer) {
	d, s := fv(dst), fv(src)
	need("Copy dst", d.n, s.n)
	be.copyRows(d, s, 1, s.n, 0, 0, 0, 0)
}

// copyRows copies rows segments of n elements from s (row r at
// sOff+r*sStride) to d (at dOff+r*dStride).
func (be *Backend) copyRows(d, s view, rows, n, sOff, sStride, dOff, dStride int) {
	gx, gy := elementwise(rows * n)
	be.dispatch("copy_rows", 0, []uint32{u(rows * n), u(n), u(sOff), u(sStride), u(dOff), u(dStride)}, gx, gy, d, s)
}

// Add implements compute.Backend.
func (be *Backend) Add(out, a, b compute.Buffer) {
	o, x, y := fv(out), fv(a), fv(b)
	need("Add a", x.n, o.n)
	need("Add b", y.n, o.n)
	gx, gy := elementwise(o.n)
	be.dispatch("add", 0, []uint32{u(o.n)}, gx, gy, o, x, y)
}

// Accumulate implements compute.Backend.
func (be *Backend) Accumulate(dst, src compute.Buffer) {
	d, s := fv(dst), fv(src)
	need("Accumulate src", s.n, d.n)
	gx, gy := elementwise(d.n)
	be.dispatch("accumulate", 0, []uint32{u(d.n)}, gx, gy, d, s)
}

// EncoderForward implements compute.Backend. A token outside the
// vocabulary gives NaN rows (the CPU backend panics).
func (be *Backend) EncoderForward(out compute.Buffer, tokens compute.Index, wte, wpe compute.Buffer, B, T, C, pos0 int) {
	o, tok, te, pe := fv(out), iv(tokens), fv(wte), fv(wpe)
	need("EncoderForward out", o.n, B*T*C)
	need("EncoderForward tokens", tok.n, B*T)
	need("EncoderForward wpe", pe.n, (pos0+T)*C)
	n := B * T * C
	gx, gy := elementwise(n)
	be.dispatch("encoder_forward", 0, []uint32{u(n), u(T), u(C), u(pos0), u(te.n / C)}, gx, gy, o, tok, te, pe)
}

// EncoderBackward implements compute.Backend with three deterministic
// passes and no atomics (see encoder_backward.wgsl).
func (be *Backend) EncoderBackward(dwte, dwpe, dout compute.Buffer, tokens compute.Index, B, T, C int) {
	dte, dpe, d, tok := fv(dwte), fv(dwpe), fv(dout), iv(tokens)
	N := B * T
	need("EncoderBackward dout", d.n, N*C)
	need("EncoderBackward dwpe", dpe.n, T*C)
	need("EncoderBackward tokens", tok.n, N)
	if N == 0 || C == 0 {
		return
	}
	if be.chain == nil || be.chain.bytes < 2*N*4 {
		be.chain = be.alloc(2*N, "encoder chain")
	}
	chain := view{be.chain, 0, 2 * N}
	uni := func(n int) []uint32 { return []uint32{u(n), u(N), u(T), u(C), u(B)} }
	gx, gy := elementwise(N)
	be.dispatch("encoder_chain", 0, uni(N), gx, gy, chain, tok)
	gx, gy = elementwise(N * C)
	be.dispatch("encoder_backward_wte", 0, uni(N*C), gx, gy, dte, chain, tok, d)
	gx, gy = elementwise(T * C)
	be.dispatch("encoder_backward_wpe", 0, uni(T*C), gx, gy, dpe, d)
}

// LayerNormForward implements compute.Backend.
func (be *Backend) LayerNormForward(out, mean, rstd, inp, w, b compute.Buffer, N, C int) {
	o, mu, rs, x := fv(out), fv(mean), fv(rstd), fv(inp)
	need("LayerNormForward out", o.n, N*C)
	need("LayerNormForward inp", x.n, N*C)
	need("LayerNormForward mean", mu.n, N)
	need("LayerNormForward rstd", rs.n, N)
	gx, gy := rowGrid(N)
	be.dispatch("layernorm_forward", 0, []uint32{u(N), u(C)}, gx, gy, o, mu, rs, x, fv(w), fv(b))
}

// LayerNormBackward implements compute.Backend: the input gradient one
// workgroup per row, the weight and bias gradients as column sums.
func (be *Backend) LayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd compute.Buffer, N, C int) {
	dx, d, x, mu, rs := fv(dinp), fv(dout), fv(inp), fv(mean), fv(rstd)
	need("LayerNormBackward dinp", dx.n, N*C)
	need("LayerNormBackward dout", d.n, N*C)
	uni := []uint32{u(N), u(C)}
	gx, gy := rowGrid(N)
	be.dispatch("layernorm_backward_input", 0, uni, gx, gy, dx, d, x, fv(w), mu, rs)
	gx, gy = grid((C + 31) / 32)
	be.dispatch("layernorm_backward_params", 0, uni, gx, gy, fv(dw), fv(db), d, x, mu, rs)
}

// Bits of the matmul kernel's override constants, in kernelSpec order.
const (
	mmTransA = 1 << iota
	mmTransB
	mmVecA
	mmVecB
	mmBias
	mmAccumulate
)

// MatMul implements compute.Backend.
func (be *Backend) MatMul(c, a, b, bias compute.Buffer, M, N, K int, transA, transB, accumulate bool) {
	cv, av, bv := fv(c), fv(a), fv(b)
	need("MatMul c", cv.n, M*N)
	need("MatMul a", av.n, M*K)
	need("MatMul b", bv.n, K*N)
	var consts uint32
	if transA {
		consts |= mmTransA
		if M%4 == 0 {
			consts |= mmVecA
		}
	} else if K%4 == 0 {
		consts |= mmVecA
	}
	if transB {
		consts |= mmTransB
		if K%4 == 0 {
			consts |= mmVecB
		}
	} else if N%4 == 0 {
		consts |= mmVecB
	}
	biasv := view{be.dummy, 0, 1}
	if bias != nil {
		biasv = fv(bias)
		need("MatMul bias", biasv.n, N)
		consts |= mmBias
	}
	if accumulate {
		consts |= mmAccumulate
	}
	be.dispatch("matmul", consts, []uint32{u(M), u(N), u(K)}, (N+63)/64, (M+63)/64, cv, av, bv, biasv, av, bv)
}

// BiasBackward implements compute.Backend.
func (be *Backend) BiasBackward(dbias, dout compute.Buffer, N, C int) {
	db, d := fv(dbias), fv(dout)
	need("BiasBackward dout", d.n, N*C)
	need("BiasBackward dbias", db.n, C)
	gx, gy := grid((C + 31) / 32)
	be.dispatch("bias_backward", 0, []uint32{u(N), u(C)}, gx, gy, db, d)
}

// AttentionForward implements compute.Backend.
func (be *Backend) AttentionForward(out, att, qkv, kv compute.Buffer, B, Tq, Tk, pos0, C, NH int) {
	o, a, q, k := fv(out), fv(att), fv(qkv), fv(kv)
	need("AttentionForward out", o.n, B*Tq*C)
	need("AttentionForward att", a.n, B*NH*Tq*Tk)
	need("AttentionForward qkv", q.n, B*Tq*3*C)
	need("AttentionForward kv", k.n, B*Tk*3*C)
	if pos0+Tq > Tk {
		panic(fmt.Sprintf("compute: attention positions %d..%d exceed the cache of %d", pos0, pos0+Tq-1, Tk))
	}
	scale := 1 / float32(math.Sqrt(float64(C/NH)))
	uni := []uint32{u(B), u(Tq), u(Tk), u(pos0), u(C), u(NH), f32(scale)}
	gx, gy := rowGrid(B * NH * Tq)
	be.dispatch("attention_scores", 0, uni, gx, gy, a, q, k)
	gx, gy = elementwise(B * Tq * C)
	be.dispatch("attention_values", 0, uni, gx, gy, a, k, o)
}

// AttentionBackward implements compute.Backend: the softmax backward per
// row into the datt scratch, then one pass writing dq, dk and dv.
func (be *Backend) AttentionBackward(dqkv, datt, dout, qkv, att compute.Buffer, B, T, C, NH int) {
	dq, da, d, q, a := fv(dqkv), fv(datt), fv(dout), fv(qkv), fv(att)
	need("AttentionBackward dqkv", dq.n, B*T*3*C)
	need("AttentionBackward datt", da.n, B*NH*T*T)
	need("AttentionBackward dout", d.n, B*T*C)
	need("AttentionBackward att", a.n, B*NH*T*T)
	scale := 1 / float32(math.Sqrt(float64(C/NH)))
	uni := []uint32{u(B), u(T), u(C), u(NH), f32(scale)}
	gx, gy := rowGrid(B * NH * T)
	be.dispatch("attention_backward_scores", 0, uni, gx, gy, da, d, q, a)
	gx, gy = elementwise(B * T * C)
	be.dispatch("attention_backward_qkv", 0, uni, gx, gy, da, d, q, a, dq)
}

// KVStore implements compute.Backend.
func (be *Backend) KVStore(kv, qkv compute.Buffer, B, Tq, Tk, pos0, C int) {
	k, q := fv(kv), fv(qkv)
	need("KVStore kv", k.n, B*Tk*3*C)
	need("KVStore qkv", q.n, B*Tq*3*C)
	be.copyRows(k, q, B, Tq*3*C, 0, Tq*3*C, pos0*3*C, Tk*3*C)
}

// GeluForward implements compute.Backend.
func (be *Backend) GeluForward(out, inp compute.Buffer) {
	o, x := fv(out), fv(inp)
	need("GeluForward inp", x.n, o.n)
	gx, gy := elementwise(o.n)
	be.dispatch("gelu_forward", 0, []uint32{u(o.n)}, gx, gy, o, x)
}

// GeluBackward implements compute.Backend.
func (be *Backend) GeluBackward(dinp, inp, dout compute.Buffer) {
	dx, x, d := fv(dinp), fv(inp), fv(dout)
	need("GeluBackward inp", x.n, dx.n)
	need("GeluBackward dout", d.n, dx.n)
	gx, gy := elementwise(dx.n)
	be.dispatch("gelu_backward", 0, []uint32{u(dx.n)}, gx, gy, dx, x, d)
}

// CrossEntropy implements compute.Backend. A target at or past V gives a
// NaN loss (the CPU backend panics).
func (be *Backend) CrossEntropy(losses, dlogits, logits compute.Buffer, targets compute.Index, weights compute.Buffer, N, V int, scale float32) {
	ls, lg, tg := fv(losses), fv(logits), iv(targets)
	need("CrossEntropy losses", ls.n, N)
	need("CrossEntropy logits", lg.n, N*V)
	need("CrossEntropy targets", tg.n, N)
	dl, w := view{be.dummyW, 0, 1}, view{be.dummy, 0, 1}
	var grad uint32
	if dlogits != nil {
		dl, w = fv(dlogits), fv(weights)
		need("CrossEntropy dlogits", dl.n, N*V)
		need("CrossEntropy weights", w.n, N)
		grad = 1
	}
	gx, gy := rowGrid(N)
	be.dispatch("cross_entropy", grad, []uint32{u(N), u(V), f32(scale)}, gx, gy, ls, dl, lg, tg, w)
}

// SumSquares implements compute.Backend: partial sums per workgroup into
// a scratch buffer, then one workgroup adds them.
func (be *Backend) SumSquares(out, x compute.Buffer) {
	o, v := fv(out), fv(x)
	need("SumSquares out", o.n, 1)
	groups := min(max((v.n+2047)/2048, 1), sumsqMaxGroup)
	uni := []uint32{u(v.n), u(groups)}
	partial := view{be.partial, 0, sumsqMaxGroup}
	gx, gy := grid(groups)
	be.dispatch("sumsq_partial", 0, uni, gx, gy, partial, v)
	be.dispatch("sumsq_final", 0, uni, 1, 1, partial, o)
}

// AdamWUpdate implements compute.Backend. The clip scale is computed on
// the device from sumSq[0], so an update needs no read-back.
func (be *Backend) AdamWUpdate(params, grads, m, v, sumSq compute.Buffer, p compute.AdamW) {
	ps, gs, ms, vs, sq := fv(params), fv(grads), fv(m), fv(v), fv(sumSq)
	need("AdamWUpdate grads", gs.n, ps.n)
	need("AdamWUpdate m", ms.n, ps.n)
	need("AdamWUpdate v", vs.n, ps.n)
	bc1 := 1 - float32(math.Pow(float64(p.Beta1), float64(p.Step)))
	bc2 := 1 - float32(math.Pow(float64(p.Beta2), float64(p.Step)))
	uni := []uint32{u(ps.n), f32(p.LR), f32(p.Beta1), f32(p.Beta2), f32(p.Eps), f32(p.WeightDecay), f32(bc1), f32(bc2), f32(p.ClipNorm)}
	gx, gy := elementwise(ps.n)
	be.dispatch("adamw", 0, uni, gx, gy, ps, gs, ms, vs, sq.sub(0, 1))
}
