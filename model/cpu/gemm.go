package cpu

// Gemm is a single-precision matrix multiply kernel on packed row-major
// matrices:
//
//	c [m,n] = op(a) op(b) + beta*c
//
// where op(a) is [m,k] (a is stored [k,m] when transA) and op(b) is [k,n]
// (b is stored [n,k] when transB). beta is 0 or 1. With beta 0, c is
// overwritten and its old contents (even NaN) do not matter.
type Gemm interface {
	// Name names the kernel for people: "gonum", "pure Go", "WASM SIMD".
	Name() string
	Gemm(transA, transB bool, m, n, k int, a, b []float32, beta float32, c []float32)
}

// GoGemm is the portable kernel: operands are packed into panels of 4 rows
// of op(a) and 4 columns of op(b), and a 4x4 block of c is kept in
// registers while the k loop runs over the two panels. It is the last
// resort in the browser (Go emits no SIMD for wasm) and the reference the
// faster kernels are tested against.
type GoGemm struct {
	ap, bp []float32 // packing scratch, reused
}

// Name implements Gemm.
func (*GoGemm) Name() string { return "pure Go" }

// Gemm implements Gemm.
func (g *GoGemm) Gemm(transA, transB bool, m, n, k int, a, b []float32, beta float32, c []float32) {
	checkGemm(m, n, k, a, b, c)
	if beta == 0 {
		clear(c[:m*n])
	}
	if m == 0 || n == 0 || k == 0 {
		return
	}
	mp, np := (m+3)/4, (n+3)/4
	g.ap = grow(g.ap, mp*4*k)
	g.bp = grow(g.bp, np*4*k)
	packA(g.ap, a, m, k, transA)
	packB(g.bp, b, n, k, transB)
	for ib := 0; ib < mp; ib++ {
		pa := g.ap[ib*4*k : (ib+1)*4*k]
		i0 := ib * 4
		for jb := 0; jb < np; jb++ {
			pb := g.bp[jb*4*k : (jb+1)*4*k]
			var c00, c01, c02, c03, c10, c11, c12, c13 float32
			var c20, c21, c22, c23, c30, c31, c32, c33 float32
			for p := 0; p < len(pa); p += 4 {
				av := pa[p : p+4 : p+4]
				bv := pb[p : p+4 : p+4]
				a0, a1, a2, a3 := av[0], av[1], av[2], av[3]
				b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
				c00 += a0 * b0
				c01 += a0 * b1
				c02 += a0 * b2
				c03 += a0 * b3
				c10 += a1 * b0
				c11 += a1 * b1
				c12 += a1 * b2
				c13 += a1 * b3
				c20 += a2 * b0
				c21 += a2 * b1
				c22 += a2 * b2
				c23 += a2 * b3
				c30 += a3 * b0
				c31 += a3 * b1
				c32 += a3 * b2
				c33 += a3 * b3
			}
			blk := [4][4]float32{
				{c00, c01, c02, c03},
				{c10, c11, c12, c13},
				{c20, c21, c22, c23},
				{c30, c31, c32, c33},
			}
			j0 := jb * 4
			for r := 0; r < 4 && i0+r < m; r++ {
				row := c[(i0+r)*n : (i0+r+1)*n]
				for s := 0; s < 4 && j0+s < n; s++ {
					row[j0+s] += blk[r][s]
				}
			}
		}
	}
}

// packA writes op(a) [m,k] as panels of 4 rows: panel i holds, for each p
// in 0..k-1, the 4 values op(a)[4i..4i+3, p]. Rows past m are zero.
func packA(dst, a []float32, m, k int, trans bool) {
	for ib := 0; ib*4 < m; ib++ {
		panel := dst[ib*4*k : (ib+1)*4*k]
		for r := 0; r < 4; r++ {
			i := ib*4 + r
			if i >= m {
				for p := 0; p < k; p++ {
					panel[p*4+r] = 0
				}
				continue
			}
			if trans { // a is [k,m]
				for p := 0; p < k; p++ {
					panel[p*4+r] = a[p*m+i]
				}
			} else { // a is [m,k]
				row := a[i*k : (i+1)*k]
				for p, v := range row {
					panel[p*4+r] = v
				}
			}
		}
	}
}

// packB writes op(b) [k,n] as panels of 4 columns: panel j holds, for each
// p in 0..k-1, the 4 values op(b)[p, 4j..4j+3]. Columns past n are zero.
func packB(dst, b []float32, n, k int, trans bool) {
	for jb := 0; jb*4 < n; jb++ {
		panel := dst[jb*4*k : (jb+1)*4*k]
		for s := 0; s < 4; s++ {
			j := jb*4 + s
			if j >= n {
				for p := 0; p < k; p++ {
					panel[p*4+s] = 0
				}
				continue
			}
			if trans { // b is [n,k]
				row := b[j*k : (j+1)*k]
				for p, v := range row {
					panel[p*4+s] = v
				}
			} else { // b is [k,n]
				for p := 0; p < k; p++ {
					panel[p*4+s] = b[p*n+j]
				}
			}
		}
	}
}

func checkGemm(m, n, k int, a, b, c []float32) {
	if m < 0 || n < 0 || k < 0 {
		panic("cpu: negative gemm dimension")
	}
	if len(a) < m*k || len(b) < k*n || len(c) < m*n {
		panic("cpu: gemm operand too short for its shape")
	}
}

func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
