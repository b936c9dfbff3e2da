package kernel

import (
	"math"

	"tinystages/model/simd/wasm"
)

// The non-matmul kernels: with the matrix multiplies in SIMD, a nano
// training step spends most of its time in softmax cross-entropy,
// attention and GELU (exp and tanh in scalar float64 Go), so those run
// here too, with a vectorised exp. Conventions as for gemm: pointers are
// byte addresses in Go's memory, counts are elements, float32 row-major.
//
// Exports (shapes as in package compute):
//
//	softmax_rows(x, e, estride, rows, V, stats)
//	    per row r of x [rows,V]: m = max, e_r = exp(x_r - m) written at
//	    e + r*estride bytes, stats[2r] = m, stats[2r+1] = sum(e_r)
//	scale_rows(x, rows, V, factors)      x[r,:] *= factors[r]
//	gelu_fwd(out, inp, n)                out = GELU(inp), n % 4 == 0
//	gelu_bwd(dinp, inp, dout, n)         dinp += GELU'(inp)·dout, n % 4 == 0
//	attn_fwd(out, att, qkv, kv, B, Tq, Tk, pos0, C, NH, scale)
//	attn_bwd(dqkv, dout, qkv, att, drow, B, T, C, NH, scale)
//	    causal attention as compute.Backend defines it, head size C/NH a
//	    multiple of 4; drow is T floats of scratch
//	ln_fwd(out, mean, rstd, inp, w, b, N, C)            C % 4 == 0
//	ln_bwd(dinp, dw, db, dout, inp, w, mean, rstd, N, C) C % 4 == 0
//	add_bias(c, bias, M, N)              c[i,:] += bias
//	bias_bwd(db, dout, N, C)             db += column sums, C % 4 == 0
//	adamw(p, g, m, v, n, gscale, lr, b1, b2, eps, wd, bc1, bc2), n % 4 == 0

// LayerNormEps is GPT-2's LayerNorm epsilon (as package cpu).
const LayerNormEps = 1e-5

const geluScale = 0.7978845608028654 // sqrt(2/pi)

var (
	vadd, vsub, vmul, vdiv = wasm.F32x4Add, wasm.F32x4Sub, wasm.F32x4Mul, wasm.F32x4Div
	i32, f32, v128         = wasm.I32, wasm.F32, wasm.V128
)

func splat(c float32) wasm.Code { return wasm.V128Const([4]float32{c, c, c, c}) }

func f32c(c float32) wasm.Code { return wasm.F32Const(c) }

// hsum leaves the sum of the four lanes of v as an f32.
func hsum(f *wasm.Func, v wasm.Code) wasm.Code {
	t := f.Var("hsum", v128)
	return wasm.Seq(
		t.Set(v),
		t.Set(vadd(t.Get(), wasm.F32x4Shuffle(t.Get(), t.Get(), [4]byte{2, 3, 0, 1}))),
		wasm.F32x4ExtractLane(vadd(t.Get(), wasm.F32x4Shuffle(t.Get(), t.Get(), [4]byte{1, 0, 3, 2})), 0))
}

// hmax leaves the largest of the four lanes of v as an f32.
func hmax(f *wasm.Func, v wasm.Code) wasm.Code {
	t := f.Var("hmax", v128)
	return wasm.Seq(
		t.Set(v),
		t.Set(wasm.F32x4PMax(t.Get(), wasm.F32x4Shuffle(t.Get(), t.Get(), [4]byte{2, 3, 0, 1}))),
		wasm.F32x4ExtractLane(wasm.F32x4PMax(t.Get(), wasm.F32x4Shuffle(t.Get(), t.Get(), [4]byte{1, 0, 3, 2})), 0))
}

// Constants of exp4: Cephes' expf, a degree-6 polynomial on
// [-ln2/2, ln2/2] after taking out n·ln2 (ln2 split in two for accuracy),
// within 2 ulp of e^x. Inputs are clamped so that 2^n stays a normal
// float: exp4 never returns 0 or +Inf (e^-87.3 ≈ 1e-38 stands for 0).
const (
	expLo, expHi = -87.33, 88.37
	log2e        = math.Log2E
	ln2Hi, ln2Lo = 0.693359375, -2.12194440e-4
)

var expPoly = [...]float32{1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1}

// exp4 leaves e^x lane-wise (x evaluated once).
func exp4(f *wasm.Func, x wasm.Code) wasm.Code {
	t, n, p := f.Var("exp_t", v128), f.Var("exp_n", v128), f.Var("exp_p", v128)
	code := []wasm.Code{
		t.Set(wasm.F32x4PMin(wasm.F32x4PMax(x, splat(expLo)), splat(expHi))),
		n.Set(wasm.F32x4Nearest(vmul(t.Get(), splat(log2e)))),
		t.Set(vsub(vsub(t.Get(), vmul(n.Get(), splat(ln2Hi))), vmul(n.Get(), splat(ln2Lo)))),
		p.Set(splat(expPoly[0])),
	}
	for _, c := range expPoly[1:] {
		code = append(code, p.Set(vadd(vmul(p.Get(), t.Get()), splat(c))))
	}
	// (p·t² + t + 1) · 2^n, 2^n built in the exponent bits
	pow2n := wasm.I32x4Shl(wasm.I32x4Add(wasm.I32x4TruncF32x4(n.Get()), wasm.I32x4Splat(wasm.I32Const(127))), wasm.I32Const(23))
	code = append(code, vmul(vadd(vadd(vmul(p.Get(), vmul(t.Get(), t.Get())), t.Get()), splat(1)), pow2n))
	return wasm.Seq(code...)
}

// tanh4 leaves tanh(u) = 1 - 2/(e^{2u} + 1) lane-wise (u evaluated once).
func tanh4(f *wasm.Func, u wasm.Code) wasm.Code {
	u2 := f.Var("tanh_u2", v128)
	return wasm.Seq(u2.Set(vmul(u, splat(2))),
		vsub(splat(1), vdiv(splat(2), vadd(exp4(f, u2.Get()), splat(1)))))
}

// rowFuncs are the row helpers shared by softmax and attention.
type rowFuncs struct{ max, expSum, scale, zero *wasm.Func }

func rowHelpers(m *wasm.Module) rowFuncs {
	var r rowFuncs

	// row_max(p, n) f32: the largest of p[0..n)
	f := m.Func("row_max", false)
	p, n := f.Param("p", i32), f.Param("n", i32)
	f.Result(f32)
	end4, end := f.Local("end4", i32), f.Local("end", i32)
	mv, mx := f.Local("mv", v128), f.Local("mx", f32)
	f.Do(end4.Set(add(p.Get(), mul(wasm.I32And(n.Get(), k32(^3)), k32(4)))),
		end.Set(add(p.Get(), mul(n.Get(), k32(4)))),
		mv.Set(splat(-math.MaxFloat32)))
	f.While(wasm.I32LtU(p.Get(), end4.Get()), func() {
		f.Do(mv.Set(wasm.F32x4PMax(mv.Get(), wasm.V128Load(p.Get(), 0))), p.Set(add(p.Get(), k32(16))))
	})
	f.Do(mx.Set(hmax(f, mv.Get())))
	f.While(wasm.I32LtU(p.Get(), end.Get()), func() {
		f.Do(mx.Set(wasm.F32Max(mx.Get(), wasm.F32Load(p.Get(), 0))), p.Set(add(p.Get(), k32(4))))
	})
	f.Return(mx.Get())
	r.max = f

	// row_exp_sum(src, dst, n, m) f32: dst[j] = e^(src[j]-m); returns the sum
	f = m.Func("row_exp_sum", false)
	src, dst := f.Param("src", i32), f.Param("dst", i32)
	n = f.Param("n", i32)
	mf := f.Param("m", f32)
	f.Result(f32)
	end4, end = f.Local("end4", i32), f.Local("end", i32)
	mvec, acc, e := f.Local("mvec", v128), f.Local("acc", v128), f.Local("e", v128)
	tail, x := f.Local("tail", f32), f.Local("x", f32)
	f.Do(end4.Set(add(src.Get(), mul(wasm.I32And(n.Get(), k32(^3)), k32(4)))),
		end.Set(add(src.Get(), mul(n.Get(), k32(4)))),
		mvec.Set(wasm.F32x4Splat(mf.Get())))
	f.While(wasm.I32LtU(src.Get(), end4.Get()), func() {
		f.Do(e.Set(exp4(f, vsub(wasm.V128Load(src.Get(), 0), mvec.Get()))),
			wasm.V128Store(dst.Get(), 0, e.Get()),
			acc.Set(vadd(acc.Get(), e.Get())),
			src.Set(add(src.Get(), k32(16))), dst.Set(add(dst.Get(), k32(16))))
	})
	f.While(wasm.I32LtU(src.Get(), end.Get()), func() {
		f.Do(x.Set(wasm.F32x4ExtractLane(exp4(f, vsub(wasm.V128Load32Splat(src.Get(), 0), mvec.Get())), 0)),
			wasm.F32Store(dst.Get(), 0, x.Get()),
			tail.Set(wasm.F32Add(tail.Get(), x.Get())),
			src.Set(add(src.Get(), k32(4))), dst.Set(add(dst.Get(), k32(4))))
	})
	f.Return(wasm.F32Add(hsum(f, acc.Get()), tail.Get()))
	r.expSum = f

	// row_scale(p, n, s): p[0..n) *= s
	f = m.Func("row_scale", false)
	p, n = f.Param("p", i32), f.Param("n", i32)
	s := f.Param("s", f32)
	end4, end = f.Local("end4", i32), f.Local("end", i32)
	sv := f.Local("sv", v128)
	f.Do(end4.Set(add(p.Get(), mul(wasm.I32And(n.Get(), k32(^3)), k32(4)))),
		end.Set(add(p.Get(), mul(n.Get(), k32(4)))),
		sv.Set(wasm.F32x4Splat(s.Get())))
	f.While(wasm.I32LtU(p.Get(), end4.Get()), func() {
		f.Do(wasm.V128Store(p.Get(), 0, vmul(wasm.V128Load(p.Get(), 0), sv.Get())), p.Set(add(p.Get(), k32(16))))
	})
	f.While(wasm.I32LtU(p.Get(), end.Get()), func() {
		f.Do(wasm.F32Store(p.Get(), 0, wasm.F32Mul(wasm.F32Load(p.Get(), 0), s.Get())), p.Set(add(p.Get(), k32(4))))
	})
	r.scale = f

	// row_zero(p, n): p[0..n) = 0
	f = m.Func("row_zero", false)
	p, n = f.Param("p", i32), f.Param("n", i32)
	end = f.Local("end", i32)
	f.Do(end.Set(add(p.Get(), mul(n.Get(), k32(4)))))
	f.While(wasm.I32LtU(p.Get(), end.Get()), func() {
		f.Do(wasm.F32Store(p.Get(), 0, f32c(0)), p.Set(add(p.Get(), k32(4))))
	})
	r.zero = f
	return r
}

// softmaxRows and scaleRows are the vector part of the cross-entropy: Go
// turns the row statistics into losses and gradient scales.
func softmaxRows(m *wasm.Module, r rowFuncs) {
	f := m.Func("softmax_rows", true)
	x, e, estride := f.Param("x", i32), f.Param("e", i32), f.Param("estride", i32)
	rows, V, stats := f.Param("rows", i32), f.Param("V", i32), f.Param("stats", i32)
	row, mx := f.Local("row", i32), f.Local("mx", f32)
	f.For(row, k32(0), rows.Get(), k32(1), func() {
		f.Do(mx.Set(wasm.Call(r.max, x.Get(), V.Get())),
			wasm.F32Store(stats.Get(), 0, mx.Get()),
			wasm.F32Store(stats.Get(), 4, wasm.Call(r.expSum, x.Get(), e.Get(), V.Get(), mx.Get())),
			stats.Set(add(stats.Get(), k32(8))),
			x.Set(add(x.Get(), mul(V.Get(), k32(4)))),
			e.Set(add(e.Get(), estride.Get())))
	})

	f = m.Func("scale_rows", true)
	x, rows, V = f.Param("x", i32), f.Param("rows", i32), f.Param("V", i32)
	factors := f.Param("factors", i32)
	row = f.Local("row", i32)
	f.For(row, k32(0), rows.Get(), k32(1), func() {
		f.Do(wasm.Call(r.scale, x.Get(), V.Get(), wasm.F32Load(factors.Get(), 0)),
			x.Set(add(x.Get(), mul(V.Get(), k32(4)))),
			factors.Set(add(factors.Get(), k32(4))))
	})
}

// mapVectors emits a loop over n floats (n % 4 == 0), four at a time,
// with the pointers in ptrs advanced by 16 bytes each step.
func mapVectors(f *wasm.Func, n *wasm.Local, ptrs []*wasm.Local, body func()) {
	end := f.Var("map_end", i32)
	f.Do(end.Set(add(ptrs[0].Get(), mul(n.Get(), k32(4)))))
	f.While(wasm.I32LtU(ptrs[0].Get(), end.Get()), func() {
		body()
		for _, p := range ptrs {
			f.Do(p.Set(add(p.Get(), k32(16))))
		}
	})
}

// gelu: the tanh form of GPT-2 (gelu_new), forward and backward.
func gelu(m *wasm.Module) {
	f := m.Func("gelu_fwd", true)
	out, inp, n := f.Param("out", i32), f.Param("inp", i32), f.Param("n", i32)
	x := f.Local("x", v128)
	mapVectors(f, n, []*wasm.Local{out, inp}, func() {
		f.Do(x.Set(wasm.V128Load(inp.Get(), 0)))
		u := vmul(splat(geluScale), vadd(x.Get(), vmul(splat(0.044715), vmul(x.Get(), vmul(x.Get(), x.Get())))))
		f.Do(wasm.V128Store(out.Get(), 0, vmul(vmul(splat(0.5), x.Get()), vadd(splat(1), tanh4(f, u)))))
	})

	f = m.Func("gelu_bwd", true)
	dinp, inp, dout := f.Param("dinp", i32), f.Param("inp", i32), f.Param("dout", i32)
	n = f.Param("n", i32)
	x, e, d := f.Local("x", v128), f.Local("e", v128), f.Local("d", v128)
	mapVectors(f, n, []*wasm.Local{dinp, inp, dout}, func() {
		f.Do(x.Set(wasm.V128Load(inp.Get(), 0)))
		x2 := vmul(x.Get(), x.Get())
		u := vmul(splat(geluScale), vadd(x.Get(), vmul(splat(0.044715), vmul(x.Get(), x2))))
		// with E = e^{2u} and d = 1/(E+1): tanh u = 1 - 2d and
		// 1 - tanh² u = 4E·d², which does not cancel where tanh u is ±1
		f.Do(e.Set(exp4(f, vmul(u, splat(2)))),
			d.Set(vdiv(splat(1), vadd(e.Get(), splat(1)))))
		th := vsub(splat(1), vmul(splat(2), d.Get()))
		sech2 := vmul(vmul(splat(4), e.Get()), vmul(d.Get(), d.Get()))
		// 0.5(1+th) + 0.5·x·(1-th²)·s·(1 + 3·0.044715·x²)
		g := vadd(vmul(splat(0.5), vadd(splat(1), th)),
			vmul(vmul(vmul(splat(0.5), x.Get()), sech2), vmul(splat(geluScale), vadd(splat(1), vmul(splat(3*0.044715), x2)))))
		f.Do(wasm.V128Store(dinp.Get(), 0, vadd(wasm.V128Load(dinp.Get(), 0), vmul(g, wasm.V128Load(dout.Get(), 0)))))
	})
}

// headLoop emits body(off) for every 16-byte vector of a head (hsb bytes,
// a multiple of 16, d the loop's byte offset): four vectors an iteration
// (off = 0, 16, 32, 48) when hsb is a multiple of 64, as in every preset,
// else one (off = 0).
func headLoop(f *wasm.Func, hsb, d *wasm.Local, body func(off uint32)) {
	f.If(wasm.I32Eqz(wasm.I32And(hsb.Get(), k32(63))), func() {
		f.For(d, k32(0), hsb.Get(), k32(64), func() {
			for off := uint32(0); off < 64; off += 16 {
				body(off)
			}
		})
	}, func() {
		f.For(d, k32(0), hsb.Get(), k32(16), func() { body(0) })
	})
}

// headBlocks is headLoop for loops that keep a block of the head in
// registers across an inner loop: begin, inner and end get the number of
// vectors in the block (4, or 1 when hsb is not a multiple of 64).
func headBlocks(f *wasm.Func, hsb, d *wasm.Local, body func(vecs int)) {
	f.If(wasm.I32Eqz(wasm.I32And(hsb.Get(), k32(63))), func() {
		f.For(d, k32(0), hsb.Get(), k32(64), func() { body(4) })
	}, func() {
		f.For(d, k32(0), hsb.Get(), k32(16), func() { body(1) })
	})
}

// attention: causal multi-head self-attention, forward and backward, one
// (sequence, head, query) row at a time, the head's dims in f32x4.
func attention(m *wasm.Module, r rowFuncs) {
	f := m.Func("attn_fwd", true)
	out, att, qkv, kv := f.Param("out", i32), f.Param("att", i32), f.Param("qkv", i32), f.Param("kv", i32)
	B, Tq, Tk, pos0 := f.Param("B", i32), f.Param("Tq", i32), f.Param("Tk", i32), f.Param("pos0", i32)
	C, NH := f.Param("C", i32), f.Param("NH", i32)
	scale := f.Param("scale", f32)
	hsb, rs := f.Local("hsb", i32), f.Local("rs", i32) // bytes of a head, of a qkv row
	b, h, i, j, d := f.Local("b", i32), f.Local("h", i32), f.Local("i", i32), f.Local("j", i32), f.Local("d", i32)
	q, kp, vp := f.Local("q", i32), f.Local("kp", i32), f.Local("vp", i32)
	arow, ap, o, n := f.Local("arow", i32), f.Local("ap", i32), f.Local("o", i32), f.Local("n", i32)
	mx, s := f.Local("mx", f32), f.Local("s", f32)
	var accs [4]*wasm.Local
	for k := range accs {
		accs[k] = f.Local(name("acc", k), v128)
	}

	f.Do(hsb.Set(mul(wasm.I32DivS(C.Get(), NH.Get()), k32(4))), rs.Set(mul(C.Get(), k32(12))))
	f.For(b, k32(0), B.Get(), k32(1), func() {
		f.For(h, k32(0), NH.Get(), k32(1), func() {
			f.For(i, k32(0), Tq.Get(), k32(1), func() {
				// q = &qkv[b,i, h*hs]; arow = &att[b,h,i,0]; keys 0..n-1
				f.Do(q.Set(add(add(qkv.Get(), mul(add(mul(b.Get(), Tq.Get()), i.Get()), rs.Get())), mul(h.Get(), hsb.Get()))),
					arow.Set(add(att.Get(), mul(mul(add(mul(add(mul(b.Get(), NH.Get()), h.Get()), Tq.Get()), i.Get()), Tk.Get()), k32(4)))),
					n.Set(add(add(pos0.Get(), i.Get()), k32(1))),
					kp.Set(add(add(add(kv.Get(), mul(mul(b.Get(), Tk.Get()), rs.Get())), mul(C.Get(), k32(4))), mul(h.Get(), hsb.Get()))),
					ap.Set(arow.Get()),
					mx.Set(f32c(-math.MaxFloat32)))
				// scores: att[j] = q·k_j · scale
				f.For(j, k32(0), n.Get(), k32(1), func() {
					for _, a := range accs {
						f.Do(a.Set(wasm.F32x4Zero()))
					}
					headLoop(f, hsb, d, func(off uint32) {
						a := accs[off/16]
						f.Do(a.Set(vadd(a.Get(), vmul(wasm.V128Load(add(q.Get(), d.Get()), off), wasm.V128Load(add(kp.Get(), d.Get()), off)))))
					})
					sum := vadd(vadd(accs[0].Get(), accs[1].Get()), vadd(accs[2].Get(), accs[3].Get()))
					f.Do(s.Set(wasm.F32Mul(hsum(f, sum), scale.Get())),
						wasm.F32Store(ap.Get(), 0, s.Get()),
						mx.Set(wasm.F32Max(mx.Get(), s.Get())),
						kp.Set(add(kp.Get(), rs.Get())), ap.Set(add(ap.Get(), k32(4))))
				})
				// softmax over the n scores, zeros above the causal limit
				f.Do(s.Set(wasm.Call(r.expSum, arow.Get(), arow.Get(), n.Get(), mx.Get())),
					wasm.Call(r.scale, arow.Get(), n.Get(), wasm.F32Div(f32c(1), s.Get())),
					wasm.Call(r.zero, add(arow.Get(), mul(n.Get(), k32(4))), sub(Tk.Get(), n.Get())))
				// out[b,i, h*hs:] = sum_j att[j] v_j, one vector of dims at a time
				f.Do(o.Set(add(add(out.Get(), mul(mul(add(mul(b.Get(), Tq.Get()), i.Get()), C.Get()), k32(4))), mul(h.Get(), hsb.Get()))))
				pv := f.Local("pv", v128)
				headBlocks(f, hsb, d, func(vecs int) {
					for k := 0; k < vecs; k++ {
						f.Do(accs[k].Set(wasm.F32x4Zero()))
					}
					f.Do(ap.Set(arow.Get()),
						vp.Set(add(add(add(add(kv.Get(), mul(mul(b.Get(), Tk.Get()), rs.Get())), mul(C.Get(), k32(8))), mul(h.Get(), hsb.Get())), d.Get())))
					f.For(j, k32(0), n.Get(), k32(1), func() {
						f.Do(pv.Set(wasm.V128Load32Splat(ap.Get(), 0)))
						for k := 0; k < vecs; k++ {
							f.Do(accs[k].Set(vadd(accs[k].Get(), vmul(pv.Get(), wasm.V128Load(vp.Get(), uint32(16*k))))))
						}
						f.Do(ap.Set(add(ap.Get(), k32(4))), vp.Set(add(vp.Get(), rs.Get())))
					})
					for k := 0; k < vecs; k++ {
						f.Do(wasm.V128Store(add(o.Get(), d.Get()), uint32(16*k), accs[k].Get()))
					}
				})
			})
		})
	})

	f = m.Func("attn_bwd", true)
	dqkv, dout := f.Param("dqkv", i32), f.Param("dout", i32)
	qkv, att, drow := f.Param("qkv", i32), f.Param("att", i32), f.Param("drow", i32)
	B, T := f.Param("B", i32), f.Param("T", i32)
	C, NH = f.Param("C", i32), f.Param("NH", i32)
	scale = f.Param("scale", f32)
	hsb, rs = f.Local("hsb", i32), f.Local("rs", i32)
	b, h, i, j, d = f.Local("b", i32), f.Local("h", i32), f.Local("i", i32), f.Local("j", i32), f.Local("d", i32)
	arow, do, qoff := f.Local("arow", i32), f.Local("do", i32), f.Local("qoff", i32)
	kb, off := f.Local("kb", i32), f.Local("off", i32)
	a, dot, dpre := f.Local("a", f32), f.Local("dot", f32), f.Local("dpre", f32)
	s = f.Local("s", f32)
	for k := range accs {
		accs[k] = f.Local(name("acc", k), v128)
	}
	av, x, p := f.Local("av", v128), f.Local("x", v128), f.Local("p", i32)

	f.Do(hsb.Set(mul(wasm.I32DivS(C.Get(), NH.Get()), k32(4))), rs.Set(mul(C.Get(), k32(12))))
	f.For(b, k32(0), B.Get(), k32(1), func() {
		f.For(h, k32(0), NH.Get(), k32(1), func() {
			f.For(i, k32(0), T.Get(), k32(1), func() {
				// arow = &att[b,h,i,0]; do = &dout[b,i,h*hs]; qoff: [b,i,h*hs] in qkv
				// kb: [b,0,C+h*hs], the key of position 0 (its value is C further)
				f.Do(arow.Set(add(att.Get(), mul(mul(add(mul(add(mul(b.Get(), NH.Get()), h.Get()), T.Get()), i.Get()), T.Get()), k32(4)))),
					do.Set(add(add(dout.Get(), mul(mul(add(mul(b.Get(), T.Get()), i.Get()), C.Get()), k32(4))), mul(h.Get(), hsb.Get()))),
					qoff.Set(add(mul(add(mul(b.Get(), T.Get()), i.Get()), rs.Get()), mul(h.Get(), hsb.Get()))),
					kb.Set(add(add(mul(mul(b.Get(), T.Get()), rs.Get()), mul(C.Get(), k32(4))), mul(h.Get(), hsb.Get()))),
					dot.Set(f32c(0)))
				// out_i = sum_j att_j v_j: drow_j = dout_i·v_j, dv_j += att_j dout_i
				f.For(j, k32(0), add(i.Get(), k32(1)), k32(1), func() {
					f.Do(off.Set(add(add(kb.Get(), mul(C.Get(), k32(4))), mul(j.Get(), rs.Get()))),
						a.Set(wasm.F32Load(add(arow.Get(), mul(j.Get(), k32(4))), 0)),
						av.Set(wasm.F32x4Splat(a.Get())))
					for _, a := range accs {
						f.Do(a.Set(wasm.F32x4Zero()))
					}
					headLoop(f, hsb, d, func(o uint32) {
						a := accs[o/16]
						f.Do(x.Set(wasm.V128Load(add(do.Get(), d.Get()), o)),
							a.Set(vadd(a.Get(), vmul(x.Get(), wasm.V128Load(add(add(qkv.Get(), off.Get()), d.Get()), o)))),
							p.Set(add(add(dqkv.Get(), off.Get()), d.Get())),
							wasm.V128Store(p.Get(), o, vadd(wasm.V128Load(p.Get(), o), vmul(av.Get(), x.Get()))))
					})
					sum := vadd(vadd(accs[0].Get(), accs[1].Get()), vadd(accs[2].Get(), accs[3].Get()))
					f.Do(s.Set(hsum(f, sum)),
						wasm.F32Store(add(drow.Get(), mul(j.Get(), k32(4))), 0, s.Get()),
						dot.Set(wasm.F32Add(dot.Get(), wasm.F32Mul(s.Get(), a.Get()))))
				})
				// softmax backward, then pre-attention = q·k·scale:
				// dq_i += dpre_j k_j, dk_j += dpre_j q_i
				f.For(j, k32(0), add(i.Get(), k32(1)), k32(1), func() {
					f.Do(a.Set(wasm.F32Load(add(arow.Get(), mul(j.Get(), k32(4))), 0)),
						dpre.Set(wasm.F32Mul(wasm.F32Mul(a.Get(), wasm.F32Sub(wasm.F32Load(add(drow.Get(), mul(j.Get(), k32(4))), 0), dot.Get())), scale.Get())),
						av.Set(wasm.F32x4Splat(dpre.Get())),
						off.Set(add(kb.Get(), mul(j.Get(), rs.Get()))))
					headLoop(f, hsb, d, func(o uint32) {
						f.Do(p.Set(add(add(dqkv.Get(), qoff.Get()), d.Get())),
							wasm.V128Store(p.Get(), o, vadd(wasm.V128Load(p.Get(), o),
								vmul(av.Get(), wasm.V128Load(add(add(qkv.Get(), off.Get()), d.Get()), o)))),
							p.Set(add(add(dqkv.Get(), off.Get()), d.Get())),
							wasm.V128Store(p.Get(), o, vadd(wasm.V128Load(p.Get(), o),
								vmul(av.Get(), wasm.V128Load(add(add(qkv.Get(), qoff.Get()), d.Get()), o)))))
					})
				})
			})
		})
	})
}

// layerNorm: forward and backward over rows of C (C % 4 == 0).
func layerNorm(m *wasm.Module) {
	f := m.Func("ln_fwd", true)
	out, mean, rstd, inp := f.Param("out", i32), f.Param("mean", i32), f.Param("rstd", i32), f.Param("inp", i32)
	w, bias, N, C := f.Param("w", i32), f.Param("b", i32), f.Param("N", i32), f.Param("C", i32)
	row, c := f.Local("row", i32), f.Local("c", i32)
	cb := f.Local("cb", i32) // bytes of a row
	acc, mv, rv, dv := f.Local("acc", v128), f.Local("mv", v128), f.Local("rv", v128), f.Local("dv", v128)
	mu, rs := f.Local("mu", f32), f.Local("rs", f32)
	f.Do(cb.Set(mul(C.Get(), k32(4))))
	f.For(row, k32(0), N.Get(), k32(1), func() {
		f.Do(acc.Set(wasm.F32x4Zero()))
		f.For(c, k32(0), cb.Get(), k32(16), func() {
			f.Do(acc.Set(vadd(acc.Get(), wasm.V128Load(add(inp.Get(), c.Get()), 0))))
		})
		f.Do(mu.Set(wasm.F32Div(hsum(f, acc.Get()), wasm.F32ConvertI32S(C.Get()))),
			mv.Set(wasm.F32x4Splat(mu.Get())),
			acc.Set(wasm.F32x4Zero()))
		f.For(c, k32(0), cb.Get(), k32(16), func() {
			f.Do(dv.Set(vsub(wasm.V128Load(add(inp.Get(), c.Get()), 0), mv.Get())),
				acc.Set(vadd(acc.Get(), vmul(dv.Get(), dv.Get()))))
		})
		f.Do(rs.Set(wasm.F32Div(f32c(1), wasm.F32Sqrt(wasm.F32Add(
			wasm.F32Div(hsum(f, acc.Get()), wasm.F32ConvertI32S(C.Get())), f32c(LayerNormEps))))),
			rv.Set(wasm.F32x4Splat(rs.Get())))
		f.For(c, k32(0), cb.Get(), k32(16), func() {
			norm := vmul(vsub(wasm.V128Load(add(inp.Get(), c.Get()), 0), mv.Get()), rv.Get())
			f.Do(wasm.V128Store(add(out.Get(), c.Get()), 0,
				vadd(vmul(norm, wasm.V128Load(add(w.Get(), c.Get()), 0)), wasm.V128Load(add(bias.Get(), c.Get()), 0))))
		})
		f.Do(wasm.F32Store(mean.Get(), 0, mu.Get()), wasm.F32Store(rstd.Get(), 0, rs.Get()),
			mean.Set(add(mean.Get(), k32(4))), rstd.Set(add(rstd.Get(), k32(4))),
			inp.Set(add(inp.Get(), cb.Get())), out.Set(add(out.Get(), cb.Get())))
	})

	f = m.Func("ln_bwd", true)
	dinp, dw, db, dout := f.Param("dinp", i32), f.Param("dw", i32), f.Param("db", i32), f.Param("dout", i32)
	inp, w = f.Param("inp", i32), f.Param("w", i32)
	mean, rstd = f.Param("mean", i32), f.Param("rstd", i32)
	N, C = f.Param("N", i32), f.Param("C", i32)
	row, c, cb = f.Local("row", i32), f.Local("c", i32), f.Local("cb", i32)
	mv, rv = f.Local("mv", v128), f.Local("rv", v128)
	a1, a2 := f.Local("a1", v128), f.Local("a2", v128)
	norm, dnorm, g := f.Local("norm", v128), f.Local("dnorm", v128), f.Local("g", v128)
	dm, dnm := f.Local("dm", v128), f.Local("dnm", v128)
	invC := f.Local("invC", f32)
	f.Do(cb.Set(mul(C.Get(), k32(4))), invC.Set(wasm.F32Div(f32c(1), wasm.F32ConvertI32S(C.Get()))))
	f.For(row, k32(0), N.Get(), k32(1), func() {
		f.Do(mv.Set(wasm.V128Load32Splat(mean.Get(), 0)), rv.Set(wasm.V128Load32Splat(rstd.Get(), 0)),
			a1.Set(wasm.F32x4Zero()), a2.Set(wasm.F32x4Zero()))
		loadNorm := func() {
			f.Do(g.Set(wasm.V128Load(add(dout.Get(), c.Get()), 0)),
				norm.Set(vmul(vsub(wasm.V128Load(add(inp.Get(), c.Get()), 0), mv.Get()), rv.Get())),
				dnorm.Set(vmul(wasm.V128Load(add(w.Get(), c.Get()), 0), g.Get())))
		}
		f.For(c, k32(0), cb.Get(), k32(16), func() {
			loadNorm()
			f.Do(a1.Set(vadd(a1.Get(), dnorm.Get())), a2.Set(vadd(a2.Get(), vmul(dnorm.Get(), norm.Get()))))
		})
		f.Do(dm.Set(wasm.F32x4Splat(wasm.F32Mul(hsum(f, a1.Get()), invC.Get()))),
			dnm.Set(wasm.F32x4Splat(wasm.F32Mul(hsum(f, a2.Get()), invC.Get()))))
		f.For(c, k32(0), cb.Get(), k32(16), func() {
			loadNorm()
			f.Do(wasm.V128Store(add(dinp.Get(), c.Get()), 0, vadd(wasm.V128Load(add(dinp.Get(), c.Get()), 0),
				vmul(vsub(vsub(dnorm.Get(), dm.Get()), vmul(norm.Get(), dnm.Get())), rv.Get()))),
				wasm.V128Store(add(db.Get(), c.Get()), 0, vadd(wasm.V128Load(add(db.Get(), c.Get()), 0), g.Get())),
				wasm.V128Store(add(dw.Get(), c.Get()), 0, vadd(wasm.V128Load(add(dw.Get(), c.Get()), 0), vmul(norm.Get(), g.Get()))))
		})
		f.Do(mean.Set(add(mean.Get(), k32(4))), rstd.Set(add(rstd.Get(), k32(4))),
			inp.Set(add(inp.Get(), cb.Get())), dout.Set(add(dout.Get(), cb.Get())), dinp.Set(add(dinp.Get(), cb.Get())))
	})
}

// addBias: add_bias(c, bias, M, N) adds bias [N] to every row of c [M,N],
// the bias of a linear layer after its matmul.
func addBias(m *wasm.Module) {
	f := m.Func("add_bias", true)
	c, bias, M, N := f.Param("c", i32), f.Param("bias", i32), f.Param("M", i32), f.Param("N", i32)
	row, j, nb, nb4 := f.Local("row", i32), f.Local("j", i32), f.Local("nb", i32), f.Local("nb4", i32)
	f.Do(nb.Set(mul(N.Get(), k32(4))), nb4.Set(mul(wasm.I32And(N.Get(), k32(^3)), k32(4))))
	f.For(row, k32(0), M.Get(), k32(1), func() {
		f.For(j, k32(0), nb4.Get(), k32(16), func() {
			f.Do(wasm.V128Store(add(c.Get(), j.Get()), 0,
				vadd(wasm.V128Load(add(c.Get(), j.Get()), 0), wasm.V128Load(add(bias.Get(), j.Get()), 0))))
		})
		f.While(lt(j.Get(), nb.Get()), func() {
			f.Do(wasm.F32Store(add(c.Get(), j.Get()), 0,
				wasm.F32Add(wasm.F32Load(add(c.Get(), j.Get()), 0), wasm.F32Load(add(bias.Get(), j.Get()), 0))),
				j.Set(add(j.Get(), k32(4))))
		})
		f.Do(c.Set(add(c.Get(), nb.Get())))
	})
}

// biasBackward: db[C] += column sums of dout [N,C] (C % 4 == 0). Each
// vector of columns is summed down the rows in a register (rows in order,
// as package cpu sums them).
func biasBackward(m *wasm.Module) {
	f := m.Func("bias_bwd", true)
	db, dout, N, C := f.Param("db", i32), f.Param("dout", i32), f.Param("N", i32), f.Param("C", i32)
	c, cb, p, end := f.Local("c", i32), f.Local("cb", i32), f.Local("p", i32), f.Local("end", i32)
	acc := f.Local("acc", v128)
	f.Do(cb.Set(mul(C.Get(), k32(4))))
	f.For(c, k32(0), cb.Get(), k32(16), func() {
		f.Do(acc.Set(wasm.V128Load(add(db.Get(), c.Get()), 0)),
			p.Set(add(dout.Get(), c.Get())),
			end.Set(add(p.Get(), mul(N.Get(), cb.Get()))))
		f.While(wasm.I32LtU(p.Get(), end.Get()), func() {
			f.Do(acc.Set(vadd(acc.Get(), wasm.V128Load(p.Get(), 0))), p.Set(add(p.Get(), cb.Get())))
		})
		f.Do(wasm.V128Store(add(db.Get(), c.Get()), 0, acc.Get()))
	})
}

// adamW: one AdamW update of n parameters (n % 4 == 0), the gradients
// scaled by gscale (clipping) and the bias corrections bc1, bc2 given.
func adamW(m *wasm.Module) {
	f := m.Func("adamw", true)
	p, g, mm, vv, n := f.Param("p", i32), f.Param("g", i32), f.Param("m", i32), f.Param("v", i32), f.Param("n", i32)
	gscale, lr := f.Param("gscale", f32), f.Param("lr", f32)
	b1, b2, eps, wd := f.Param("b1", f32), f.Param("b2", f32), f.Param("eps", f32), f.Param("wd", f32)
	bc1, bc2 := f.Param("bc1", f32), f.Param("bc2", f32)
	vs := func(name string, x *wasm.Local) *wasm.Local {
		l := f.Local(name, v128)
		f.Do(l.Set(wasm.F32x4Splat(x.Get())))
		return l
	}
	vg, vlr, vb1, vb2 := vs("vg", gscale), vs("vlr", lr), vs("vb1", b1), vs("vb2", b2)
	veps, vwd, vbc1, vbc2 := vs("veps", eps), vs("vwd", wd), vs("vbc1", bc1), vs("vbc2", bc2)
	gi, mi, vi, pi := f.Local("gi", v128), f.Local("mi", v128), f.Local("vi", v128), f.Local("pi", v128)
	mapVectors(f, n, []*wasm.Local{p, g, mm, vv}, func() {
		f.Do(gi.Set(vmul(wasm.V128Load(g.Get(), 0), vg.Get())),
			mi.Set(vadd(vmul(vb1.Get(), wasm.V128Load(mm.Get(), 0)), vmul(vsub(splat(1), vb1.Get()), gi.Get()))),
			vi.Set(vadd(vmul(vb2.Get(), wasm.V128Load(vv.Get(), 0)), vmul(vsub(splat(1), vb2.Get()), vmul(gi.Get(), gi.Get())))),
			wasm.V128Store(mm.Get(), 0, mi.Get()),
			wasm.V128Store(vv.Get(), 0, vi.Get()),
			pi.Set(wasm.V128Load(p.Get(), 0)))
		step := vadd(vdiv(vdiv(mi.Get(), vbc1.Get()), vadd(wasm.F32x4Sqrt(vdiv(vi.Get(), vbc2.Get())), veps.Get())), vmul(vwd.Get(), pi.Get()))
		f.Do(wasm.V128Store(p.Get(), 0, vsub(pi.Get(), vmul(vlr.Get(), step))))
	})
}
