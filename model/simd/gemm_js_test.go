//go:build js && wasm

package simd

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"syscall/js"
	"testing"

	"tinystages/model/cpu"
	"tinystages/model/simd/kernel"
)

func newTestKernel(t testing.TB) *Kernel {
	t.Helper()
	if !Available() {
		t.Fatal("WebAssembly SIMD unavailable in this engine (Node >= 16.4 and Chromium >= 91 have it)")
	}
	k, err := newKernel()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

// checkGemm runs g on one problem and compares the result with the exact
// product computed in float64. Any summation order of K+1 float32 terms
// is within (K+2)·u·S of the exact value, u = 2^-24 and S the sum of the
// magnitudes of the terms (|c| when beta is 1, and |a_ip|·|b_pj|); that
// is the stated tolerance. A wrong, missing or doubled term is far
// outside it.
func checkGemm(t *testing.T, g cpu.Gemm, transA, transB bool, m, n, k int, beta float32, r *rand.Rand) {
	t.Helper()
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	c0 := randSlice(r, m*n)
	if beta == 0 {
		for i := range c0 {
			c0[i] = float32(math.NaN()) // must be overwritten, not scaled
		}
	}
	c := append([]float32(nil), c0...)
	g.Gemm(transA, transB, m, n, k, a, b, beta, c)
	opA := func(i, p int) float32 {
		if transA {
			return a[p*m+i]
		}
		return a[i*k+p]
	}
	opB := func(p, j int) float32 {
		if transB {
			return b[j*k+p]
		}
		return b[p*n+j]
	}
	const u = 1.0 / (1 << 24)
	bad := 0
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var exact, mag float64
			if beta == 1 {
				exact, mag = float64(c0[i*n+j]), math.Abs(float64(c0[i*n+j]))
			}
			for p := 0; p < k; p++ {
				x := float64(opA(i, p)) * float64(opB(p, j))
				exact += x
				mag += math.Abs(x)
			}
			got := float64(c[i*n+j])
			if tol := float64(k+2) * u * mag; !(math.Abs(got-exact) <= tol) {
				if bad++; bad <= 3 {
					t.Errorf("%s %s m=%d n=%d k=%d beta=%v: c[%d,%d] = %v, want %v ± %.3g",
						g.Name(), trans(transA, transB), m, n, k, beta, i, j, got, exact, tol)
				}
			}
		}
	}
}

func trans(ta, tb bool) string {
	s := [2]byte{'N', 'N'}
	if ta {
		s[0] = 'T'
	}
	if tb {
		s[1] = 'T'
	}
	return string(s[:])
}

// TestGemmMatchesReference checks the SIMD kernel, and the pure-Go
// reference kernel with the same bound, on random shapes: every size from
// 1 to 17 (all edge-tile cases of a 4x8 tile), sizes around the blocking
// (KC, MC, NC ± 1) and random odd sizes, in all four transpose
// combinations, with beta 0 and 1.
func TestGemmMatchesReference(t *testing.T) {
	k := newTestKernel(t)
	r := rand.New(rand.NewPCG(1, 2))
	type shape struct{ m, n, k int }
	var shapes []shape
	for s := 1; s <= 17; s++ {
		shapes = append(shapes, shape{s, s, s}, shape{s, 17 - s + 1, 3}, shape{3, s, s + 2})
	}
	shapes = append(shapes,
		shape{kernel.MC + 1, 9, kernel.KC + 1},
		shape{5, kernel.NC + 3, kernel.KC - 1},
		shape{kernel.MC - 1, kernel.NC + 1, 2*kernel.KC + 3},
		shape{64, 192, 64},  // nano qkv
		shape{512, 64, 256}, // nano proj of the MLP
	)
	for i := 0; i < 12; i++ {
		shapes = append(shapes, shape{1 + r.IntN(150), 1 + r.IntN(150), 1 + r.IntN(600)})
	}
	for _, s := range shapes {
		for _, ta := range []bool{false, true} {
			for _, tb := range []bool{false, true} {
				for _, beta := range []float32{0, 1} {
					checkGemm(t, k, ta, tb, s.m, s.n, s.k, beta, r)
					if s.m*s.n*s.k < 1<<20 {
						checkGemm(t, new(cpu.GoGemm), ta, tb, s.m, s.n, s.k, beta, r)
					}
				}
			}
		}
	}
}

// TestGemmAgreesWithGoGemm compares the two kernels directly at a preset
// shape of each product: they sum in different orders, so they agree to
// within a few units in the last place of the largest terms.
func TestGemmAgreesWithGoGemm(t *testing.T) {
	k := newTestKernel(t)
	r := rand.New(rand.NewPCG(3, 4))
	for _, tt := range []struct {
		ta, tb  bool
		m, n, k int
	}{
		{false, false, 512, 256, 64}, // nano fc
		{false, true, 512, 1024, 64}, // nano LM head
		{true, false, 64, 256, 512},  // nano fc weight gradient
		{false, true, 512, 64, 256},  // nano fc input gradient
	} {
		a, b := randSlice(r, tt.m*tt.k), randSlice(r, tt.k*tt.n)
		c1, c2 := make([]float32, tt.m*tt.n), make([]float32, tt.m*tt.n)
		k.Gemm(tt.ta, tt.tb, tt.m, tt.n, tt.k, a, b, 0, c1)
		new(cpu.GoGemm).Gemm(tt.ta, tt.tb, tt.m, tt.n, tt.k, a, b, 0, c2)
		var maxDiff float64
		for i := range c1 {
			maxDiff = max(maxDiff, math.Abs(float64(c1[i]-c2[i])))
		}
		// terms are products of values in [-1,1]: S <= K
		if tol := 2 * float64(tt.k+2) / (1 << 24) * float64(tt.k); maxDiff > tol {
			t.Errorf("%s %dx%dx%d: max |simd - go| = %.3g, want <= %.3g", trans(tt.ta, tt.tb), tt.m, tt.n, tt.k, maxDiff, tol)
		}
	}
}

// TestGemmAfterMemoryGrowth allocates enough to make the Go runtime grow
// its WebAssembly memory after the kernel was instantiated, then
// multiplies matrices that live in the new pages.
func TestGemmAfterMemoryGrowth(t *testing.T) {
	k := newTestKernel(t)
	before := memBytes(t)
	hog := make([]byte, 64<<20)
	hog[len(hog)-1] = 1
	after := memBytes(t)
	if after <= before {
		t.Fatalf("memory did not grow (%d -> %d bytes)", before, after)
	}
	r := rand.New(rand.NewPCG(5, 6))
	checkGemm(t, k, false, false, 33, 47, 65, 1, r)
	checkGemm(t, k, true, true, 70, 9, 300, 0, r)
	if hog[len(hog)-1] != 1 {
		t.Fatal("kernel wrote outside its operands")
	}
}

func memBytes(t *testing.T) int {
	mem, err := goMemory()
	if err != nil {
		t.Fatal(err)
	}
	return mem.Get("buffer").Get("byteLength").Int()
}

// TestGemmLeavesNeighboursAlone checks that the kernel writes exactly c
// [m,n]: guard values around the operands survive, for edge-tile shapes.
func TestGemmLeavesNeighboursAlone(t *testing.T) {
	k := newTestKernel(t)
	r := rand.New(rand.NewPCG(7, 8))
	for _, s := range [][3]int{{1, 1, 1}, {5, 9, 3}, {7, 13, 300}, {130, 10, 2}} {
		m, n, kk := s[0], s[1], s[2]
		const guard = 16
		buf := make([]float32, m*n+2*guard)
		for i := range buf {
			buf[i] = 12345
		}
		c := buf[guard : guard+m*n]
		k.Gemm(false, true, m, n, kk, randSlice(r, m*kk), randSlice(r, n*kk), 0, c)
		for i := 0; i < guard; i++ {
			if buf[i] != 12345 || buf[len(buf)-1-i] != 12345 {
				t.Fatalf("%v: the kernel wrote outside c", s)
			}
		}
	}
}

func TestGemmDegenerate(t *testing.T) {
	k := newTestKernel(t)
	c := []float32{1, 2, 3, 4}
	k.Gemm(false, false, 2, 2, 0, nil, nil, 1, c)
	if fmt.Sprint(c) != "[1 2 3 4]" {
		t.Errorf("k=0, beta=1 changed c: %v", c)
	}
	k.Gemm(false, false, 2, 2, 0, nil, nil, 0, c)
	if fmt.Sprint(c) != "[0 0 0 0]" {
		t.Errorf("k=0, beta=0: c = %v, want zeros", c)
	}
	k.Gemm(false, false, 0, 2, 3, nil, make([]float32, 6), 0, nil)
}

func TestGemmPanicsOnShortOperands(t *testing.T) {
	k := newTestKernel(t)
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), "simd: ") {
			t.Errorf("got panic %v, want a simd: panic", r)
		}
	}()
	k.Gemm(false, false, 2, 2, 2, make([]float32, 3), make([]float32, 4), 0, make([]float32, 4))
}

func TestNewReportsKernelName(t *testing.T) {
	g, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if got := cpu.New(g).Name(); got != "CPU (WASM SIMD)" {
		t.Errorf("backend name %q, want %q", got, "CPU (WASM SIMD)")
	}
}

// TestMemoryDiscovery checks both ways of finding Go's memory: the
// explicit globalThis.goInstance and the wasm_exec.js fallback, and that
// a memory that is not Go's is rejected.
func TestMemoryDiscovery(t *testing.T) {
	g, ok := wasmExecGo()
	if !ok {
		t.Fatal("wasm_exec.js's Go object not found")
	}
	ours := g.Get("_inst").Get("exports").Get("mem")
	if !isOurMemory(ours) {
		t.Fatal("the Go object's instance memory failed the probe")
	}
	saved := js.Global().Get("goInstance")
	defer js.Global().Set("goInstance", saved)

	// a decoy instance with another memory is rejected; the fallback
	// still finds Go's
	obj := func() js.Value { return js.Global().Get("Object").New() }
	desc := obj()
	desc.Set("initial", 1)
	decoyMem := js.Global().Get("WebAssembly").Get("Memory").New(desc)
	if isOurMemory(decoyMem) {
		t.Fatal("a fresh WebAssembly.Memory passed the probe")
	}
	decoy, exports := obj(), obj()
	exports.Set("mem", decoyMem)
	decoy.Set("exports", exports)
	js.Global().Set("goInstance", decoy)
	mem, err := goMemory()
	if err != nil {
		t.Fatalf("with a decoy goInstance: %v (the fallback should find Go's memory)", err)
	}
	if !mem.Equal(ours) {
		t.Fatal("goMemory returned the decoy")
	}

	// the explicit route
	js.Global().Set("goInstance", g.Get("_inst"))
	if mem, err := goMemory(); err != nil || !mem.Equal(ours) {
		t.Fatalf("with goInstance set: %v", err)
	}
}

// TestGemmAllocations: a call allocates nothing (the packing scratch is
// allocated once by New; the arguments are numbers).
func TestGemmAllocations(t *testing.T) {
	k := newTestKernel(t)
	a, b, c := make([]float32, 64*64), make([]float32, 64*64), make([]float32, 64*64)
	n := testing.AllocsPerRun(20, func() { k.Gemm(false, false, 64, 64, 64, a, b, 0, c) })
	if n != 0 {
		t.Errorf("%.0f allocations per call, want 0", n)
	}
}
