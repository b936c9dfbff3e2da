// Package cpu is the CPU Backend: every op of package compute written out
// in plain Go on float32 slices, with the matrix multiplies delegated to a
// pluggable Gemm kernel (gonum natively, a register-blocked Go kernel or a
// WASM SIMD kernel in the browser).
//
// Reductions accumulate in float64 where it is cheap (row statistics,
// softmax sums, norms), which keeps finite-difference gradient checks tight.
// Work is split over goroutines by output rows, so results do not depend on
// the number of threads: same inputs, same bits.
package cpu

import (
	"fmt"
	"math"
	"runtime"
	"sync"

	"tinystages/model/compute"
)

// Floats is the CPU backend's Buffer: a plain slice.
type Floats []float32

// Len implements compute.Buffer.
func (f Floats) Len() int { return len(f) }

// Slice implements compute.Buffer.
func (f Floats) Slice(off, n int) compute.Buffer { return f[off : off+n : off+n] }

// Ints is the CPU backend's Index: a plain slice.
type Ints []int32

// Len implements compute.Index.
func (x Ints) Len() int { return len(x) }

// Slice implements compute.Index.
func (x Ints) Slice(off, n int) compute.Index { return x[off : off+n : off+n] }

// Backend is the CPU implementation of compute.Backend.
type Backend struct {
	gemm    Gemm
	threads int
}

var _ compute.Backend = (*Backend)(nil)

// New returns a CPU backend that multiplies matrices with gemm (nil means
// DefaultGemm) and splits other ops over up to GOMAXPROCS goroutines.
func New(gemm Gemm) *Backend {
	if gemm == nil {
		gemm = DefaultGemm()
	}
	return &Backend{gemm: gemm, threads: runtime.GOMAXPROCS(0)}
}

// Name implements compute.Backend.
func (be *Backend) Name() string { return "CPU (" + be.gemm.Name() + ")" }

// Kernel returns the matrix multiply kernel in use.
func (be *Backend) Kernel() Gemm { return be.gemm }

func f(b compute.Buffer) []float32 {
	if b == nil {
		return nil
	}
	return b.(Floats)
}

func ix(b compute.Index) []int32 { return b.(Ints) }

func need(name string, got, want int) {
	if got < want {
		panic(fmt.Sprintf("compute: %s has %d elements, op needs %d", name, got, want))
	}
}

// parallel runs fn over [0,n) split in contiguous chunks, one per
// goroutine, when the work (n*cost) is large enough to pay for them.
func (be *Backend) parallel(n, cost int, fn func(lo, hi int)) {
	th := be.threads
	if th > n {
		th = n
	}
	if th <= 1 || n*cost < 1<<15 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	for t := 0; t < th; t++ {
		lo, hi := n*t/th, n*(t+1)/th
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// NewBuffer implements compute.Backend.
func (be *Backend) NewBuffer(n int) compute.Buffer { return make(Floats, n) }

// NewIndex implements compute.Backend.
func (be *Backend) NewIndex(n int) compute.Index { return make(Ints, n) }

// Write implements compute.Backend.
func (be *Backend) Write(dst compute.Buffer, src []float32) {
	need("Write dst", dst.Len(), len(src))
	copy(f(dst), src)
}

// WriteIndex implements compute.Backend.
func (be *Backend) WriteIndex(dst compute.Index, src []int32) {
	need("WriteIndex dst", dst.Len(), len(src))
	copy(ix(dst), src)
}

// Read implements compute.Backend.
func (be *Backend) Read(dst []float32, src compute.Buffer) {
	need("Read src", src.Len(), len(dst))
	copy(dst, f(src))
}

// Flush implements compute.Backend. The CPU backend runs ops eagerly.
func (be *Backend) Flush() {}

// Zero implements compute.Backend.
func (be *Backend) Zero(x compute.Buffer) { clear(f(x)) }

// Copy implements compute.Backend.
func (be *Backend) Copy(dst, src compute.Buffer) {
	need("Copy dst", dst.Len(), src.Len())
	copy(f(dst), f(src))
}

// Add implements compute.Backend.
func (be *Backend) Add(out, a, b compute.Buffer) {
	o, x, y := f(out), f(a), f(b)
	need("Add a", len(x), len(o))
	need("Add b", len(y), len(o))
	for i := range o {
		o[i] = x[i] + y[i]
	}
}

// Accumulate implements compute.Backend.
func (be *Backend) Accumulate(dst, src compute.Buffer) {
	d, s := f(dst), f(src)
	need("Accumulate src", len(s), len(d))
	for i := range d {
		d[i] += s[i]
	}
}

// EncoderForward implements compute.Backend.
func (be *Backend) EncoderForward(out compute.Buffer, tokens compute.Index, wte, wpe compute.Buffer, B, T, C, pos0 int) {
	o, tok, te, pe := f(out), ix(tokens), f(wte), f(wpe)
	need("EncoderForward out", len(o), B*T*C)
	need("EncoderForward tokens", len(tok), B*T)
	need("EncoderForward wpe", len(pe), (pos0+T)*C)
	V := len(te) / C
	for bt := 0; bt < B*T; bt++ {
		id := int(tok[bt])
		if id < 0 || id >= V {
			panic(fmt.Sprintf("compute: token %d outside vocabulary of %d", id, V))
		}
		t := pos0 + bt%T
		row := o[bt*C : (bt+1)*C]
		e, p := te[id*C:(id+1)*C], pe[t*C:(t+1)*C]
		for c := range row {
			row[c] = e[c] + p[c]
		}
	}
}

// EncoderBackward implements compute.Backend.
func (be *Backend) EncoderBackward(dwte, dwpe, dout compute.Buffer, tokens compute.Index, B, T, C int) {
	dte, dpe, d, tok := f(dwte), f(dwpe), f(dout), ix(tokens)
	need("EncoderBackward dout", len(d), B*T*C)
	need("EncoderBackward dwpe", len(dpe), T*C)
	for bt := 0; bt < B*T; bt++ {
		id, t := int(tok[bt]), bt%T
		g := d[bt*C : (bt+1)*C]
		e, p := dte[id*C:(id+1)*C], dpe[t*C:(t+1)*C]
		for c, v := range g {
			e[c] += v
			p[c] += v
		}
	}
}

// LayerNormEps is GPT-2's LayerNorm epsilon.
const LayerNormEps = 1e-5

// LayerNormForward implements compute.Backend.
func (be *Backend) LayerNormForward(out, mean, rstd, inp, w, b compute.Buffer, N, C int) {
	o, mu, rs, x, wt, bs := f(out), f(mean), f(rstd), f(inp), f(w), f(b)
	need("LayerNormForward out", len(o), N*C)
	need("LayerNormForward inp", len(x), N*C)
	need("LayerNormForward mean", len(mu), N)
	need("LayerNormForward rstd", len(rs), N)
	be.parallel(N, C, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			row := x[n*C : (n+1)*C]
			var s float64
			for _, v := range row {
				s += float64(v)
			}
			m := s / float64(C)
			var vs float64
			for _, v := range row {
				d := float64(v) - m
				vs += d * d
			}
			r := 1 / math.Sqrt(vs/float64(C)+LayerNormEps)
			orow := o[n*C : (n+1)*C]
			for c, v := range row {
				orow[c] = float32((float64(v)-m)*r)*wt[c] + bs[c]
			}
			mu[n], rs[n] = float32(m), float32(r)
		}
	})
}

// LayerNormBackward implements compute.Backend.
func (be *Backend) LayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd compute.Buffer, N, C int) {
	dx, dwt, dbs, d, x, wt, mu, rs := f(dinp), f(dw), f(db), f(dout), f(inp), f(w), f(mean), f(rstd)
	need("LayerNormBackward dinp", len(dx), N*C)
	need("LayerNormBackward dout", len(d), N*C)
	// dinp rows are independent; dw and db sum over rows, done serially
	// after so the summation order is fixed.
	be.parallel(N, C, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			xr, dr, dxr := x[n*C:(n+1)*C], d[n*C:(n+1)*C], dx[n*C:(n+1)*C]
			m, r := mu[n], rs[n]
			var dnormMean, dnormNormMean float64
			for c := range xr {
				norm := (xr[c] - m) * r
				dnorm := wt[c] * dr[c]
				dnormMean += float64(dnorm)
				dnormNormMean += float64(dnorm * norm)
			}
			dm := float32(dnormMean / float64(C))
			dnm := float32(dnormNormMean / float64(C))
			for c := range xr {
				norm := (xr[c] - m) * r
				dnorm := wt[c] * dr[c]
				dxr[c] += (dnorm - dm - norm*dnm) * r
			}
		}
	})
	for n := 0; n < N; n++ {
		xr, dr := x[n*C:(n+1)*C], d[n*C:(n+1)*C]
		m, r := mu[n], rs[n]
		for c := range xr {
			dbs[c] += dr[c]
			dwt[c] += (xr[c] - m) * r * dr[c]
		}
	}
}

// MatMul implements compute.Backend.
func (be *Backend) MatMul(c, a, b, bias compute.Buffer, M, N, K int, transA, transB, accumulate bool) {
	cs, as, bs := f(c), f(a), f(b)
	need("MatMul c", len(cs), M*N)
	need("MatMul a", len(as), M*K)
	need("MatMul b", len(bs), K*N)
	beta := float32(0)
	if accumulate {
		beta = 1
	}
	be.gemm.Gemm(transA, transB, M, N, K, as[:M*K], bs[:K*N], beta, cs[:M*N])
	if bias != nil {
		bv := f(bias)
		need("MatMul bias", len(bv), N)
		for i := 0; i < M; i++ {
			row := cs[i*N : (i+1)*N]
			for j := range row {
				row[j] += bv[j]
			}
		}
	}
}

// BiasBackward implements compute.Backend.
func (be *Backend) BiasBackward(dbias, dout compute.Buffer, N, C int) {
	db, d := f(dbias), f(dout)
	need("BiasBackward dout", len(d), N*C)
	need("BiasBackward dbias", len(db), C)
	for n := 0; n < N; n++ {
		row := d[n*C : (n+1)*C]
		for c, v := range row {
			db[c] += v
		}
	}
}

// AttentionForward implements compute.Backend.
func (be *Backend) AttentionForward(out, att, qkv, kv compute.Buffer, B, Tq, Tk, pos0, C, NH int) {
	o, a, q, k := f(out), f(att), f(qkv), f(kv)
	need("AttentionForward out", len(o), B*Tq*C)
	need("AttentionForward att", len(a), B*NH*Tq*Tk)
	need("AttentionForward qkv", len(q), B*Tq*3*C)
	need("AttentionForward kv", len(k), B*Tk*3*C)
	if pos0+Tq > Tk {
		panic(fmt.Sprintf("compute: attention positions %d..%d exceed the cache of %d", pos0, pos0+Tq-1, Tk))
	}
	hs := C / NH
	scale := 1 / float32(math.Sqrt(float64(hs)))
	be.parallel(B*NH, Tq*Tk*hs, func(lo, hi int) {
		for bh := lo; bh < hi; bh++ {
			b, h := bh/NH, bh%NH
			for i := 0; i < Tq; i++ {
				qi := q[(b*Tq+i)*3*C+h*hs:][:hs]
				arow := a[((b*NH+h)*Tq+i)*Tk:][:Tk]
				last := pos0 + i
				maxv := float32(math.Inf(-1))
				for j := 0; j <= last; j++ {
					kj := k[(b*Tk+j)*3*C+C+h*hs:][:hs]
					var s float32
					for d := range qi {
						s += qi[d] * kj[d]
					}
					s *= scale
					arow[j] = s
					if s > maxv {
						maxv = s
					}
				}
				var sum float64
				for j := 0; j <= last; j++ {
					e := float32(math.Exp(float64(arow[j] - maxv)))
					arow[j] = e
					sum += float64(e)
				}
				inv := float32(1 / sum)
				for j := 0; j <= last; j++ {
					arow[j] *= inv
				}
				clear(arow[last+1:])
				orow := o[(b*Tq+i)*C+h*hs:][:hs]
				clear(orow)
				for j := 0; j <= last; j++ {
					vj := k[(b*Tk+j)*3*C+2*C+h*hs:][:hs]
					p := arow[j]
					for d := range orow {
						orow[d] += p * vj[d]
					}
				}
			}
		}
	})
}

// AttentionBackward implements compute.Backend. The CPU version keeps the
// per-row gradient of the attention probabilities on the stack of the
// loop and does not need the datt scratch.
func (be *Backend) AttentionBackward(dqkv, datt, dout, qkv, att compute.Buffer, B, T, C, NH int) {
	dq, d, q, a := f(dqkv), f(dout), f(qkv), f(att)
	need("AttentionBackward dqkv", len(dq), B*T*3*C)
	need("AttentionBackward dout", len(d), B*T*C)
	need("AttentionBackward att", len(a), B*NH*T*T)
	hs := C / NH
	scale := 1 / float32(math.Sqrt(float64(hs)))
	be.parallel(B*NH, T*T*hs, func(lo, hi int) {
		drow := make([]float32, T)
		for bh := lo; bh < hi; bh++ {
			b, h := bh/NH, bh%NH
			for i := 0; i < T; i++ {
				arow := a[((b*NH+h)*T+i)*T:][:T]
				dout := d[(b*T+i)*C+h*hs:][:hs]
				qi := q[(b*T+i)*3*C+h*hs:][:hs]
				dqi := dq[(b*T+i)*3*C+h*hs:][:hs]
				// out_i = sum_j att_ij v_j
				var dot float32
				for j := 0; j <= i; j++ {
					vj := q[(b*T+j)*3*C+2*C+h*hs:][:hs]
					dvj := dq[(b*T+j)*3*C+2*C+h*hs:][:hs]
					var s float32
					for k := range vj {
						s += dout[k] * vj[k]
						dvj[k] += arow[j] * dout[k]
					}
					drow[j] = s
					dot += s * arow[j]
				}
				// softmax backward, then pre-attention = q.k * scale
				for j := 0; j <= i; j++ {
					dpre := arow[j] * (drow[j] - dot) * scale
					kj := q[(b*T+j)*3*C+C+h*hs:][:hs]
					dkj := dq[(b*T+j)*3*C+C+h*hs:][:hs]
					for k := range kj {
						dqi[k] += dpre * kj[k]
						dkj[k] += dpre * qi[k]
					}
				}
			}
		}
	})
}

// KVStore implements compute.Backend.
func (be *Backend) KVStore(kv, qkv compute.Buffer, B, Tq, Tk, pos0, C int) {
	k, q := f(kv), f(qkv)
	need("KVStore kv", len(k), B*Tk*3*C)
	need("KVStore qkv", len(q), B*Tq*3*C)
	for b := 0; b < B; b++ {
		copy(k[(b*Tk+pos0)*3*C:(b*Tk+pos0+Tq)*3*C], q[b*Tq*3*C:(b+1)*Tq*3*C])
	}
}

const geluScale = 0.7978845608028654 // sqrt(2/pi)

// GeluForward implements compute.Backend.
func (be *Backend) GeluForward(out, inp compute.Buffer) {
	o, x := f(out), f(inp)
	need("GeluForward inp", len(x), len(o))
	be.parallel(len(o), 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := float64(x[i])
			o[i] = float32(0.5 * v * (1 + math.Tanh(geluScale*(v+0.044715*v*v*v))))
		}
	})
}

// GeluBackward implements compute.Backend.
func (be *Backend) GeluBackward(dinp, inp, dout compute.Buffer) {
	dx, x, d := f(dinp), f(inp), f(dout)
	need("GeluBackward inp", len(x), len(dx))
	need("GeluBackward dout", len(d), len(dx))
	be.parallel(len(dx), 16, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			v := float64(x[i])
			u := geluScale * (v + 0.044715*v*v*v)
			th := math.Tanh(u)
			sech2 := 1 - th*th
			g := 0.5*(1+th) + 0.5*v*sech2*geluScale*(1+3*0.044715*v*v)
			dx[i] += float32(g) * d[i]
		}
	})
}

// CrossEntropy implements compute.Backend.
func (be *Backend) CrossEntropy(losses, dlogits, logits compute.Buffer, targets compute.Index, weights compute.Buffer, N, V int, scale float32) {
	ls, lg, tg := f(losses), f(logits), ix(targets)
	need("CrossEntropy losses", len(ls), N)
	need("CrossEntropy logits", len(lg), N*V)
	need("CrossEntropy targets", len(tg), N)
	var dl, w []float32
	if dlogits != nil {
		dl, w = f(dlogits), f(weights)
		need("CrossEntropy dlogits", len(dl), N*V)
		need("CrossEntropy weights", len(w), N)
	}
	be.parallel(N, V, func(lo, hi int) {
		for n := lo; n < hi; n++ {
			row := lg[n*V : (n+1)*V]
			t := int(tg[n])
			if t < 0 {
				ls[n] = 0
				if dl != nil {
					clear(dl[n*V : (n+1)*V])
				}
				continue
			}
			if t >= V {
				panic(fmt.Sprintf("compute: target %d outside vocabulary of %d", t, V))
			}
			maxv := row[0]
			for _, v := range row {
				maxv = max(maxv, v)
			}
			var sum float64
			for _, v := range row {
				sum += math.Exp(float64(v - maxv))
			}
			logSum := math.Log(sum)
			ls[n] = float32(logSum - float64(row[t]-maxv))
			if dl == nil {
				continue
			}
			g := w[n] * scale
			drow := dl[n*V : (n+1)*V]
			for i, v := range row {
				drow[i] = float32(math.Exp(float64(v-maxv)-logSum)) * g
			}
			drow[t] -= g
		}
	})
}

// SumSquares implements compute.Backend.
func (be *Backend) SumSquares(out, x compute.Buffer) {
	var s float64
	for _, v := range f(x) {
		s += float64(v) * float64(v)
	}
	f(out)[0] = float32(s)
}

// AdamWUpdate implements compute.Backend.
func (be *Backend) AdamWUpdate(params, grads, m, v, sumSq compute.Buffer, p compute.AdamW) {
	ps, gs, ms, vs := f(params), f(grads), f(m), f(v)
	need("AdamWUpdate grads", len(gs), len(ps))
	need("AdamWUpdate m", len(ms), len(ps))
	need("AdamWUpdate v", len(vs), len(ps))
	gscale := float32(1)
	if p.ClipNorm > 0 {
		norm := float32(math.Sqrt(float64(f(sumSq)[0])))
		if norm > p.ClipNorm {
			gscale = p.ClipNorm / (norm + 1e-6)
		}
	}
	bc1 := 1 - float32(math.Pow(float64(p.Beta1), float64(p.Step)))
	bc2 := 1 - float32(math.Pow(float64(p.Beta2), float64(p.Step)))
	be.parallel(len(ps), 8, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			g := gs[i] * gscale
			mi := p.Beta1*ms[i] + (1-p.Beta1)*g
			vi := p.Beta2*vs[i] + (1-p.Beta2)*g*g
			ms[i], vs[i] = mi, vi
			mhat, vhat := mi/bc1, vi/bc2
			ps[i] -= p.LR * (mhat/(float32(math.Sqrt(float64(vhat)))+p.Eps) + p.WeightDecay*ps[i])
		}
	})
}
