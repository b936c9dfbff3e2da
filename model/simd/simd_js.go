//go:build js && wasm

package simd

import (
	"fmt"
	"runtime"
	"sync"
	"syscall/js"
	"unsafe"

	"tinystages/model/cpu"
	"tinystages/model/simd/kernel"
)

var (
	availOnce sync.Once
	avail     bool
	module    js.Value // the compiled WebAssembly.Module, once
)

// Available reports whether this JavaScript engine validates the kernel
// module, i.e. supports WebAssembly SIMD.
func Available() bool {
	availOnce.Do(func() {
		wa := js.Global().Get("WebAssembly")
		if wa.Type() != js.TypeObject {
			return
		}
		avail = wa.Call("validate", jsBytes(kernelsWasm)).Bool()
	})
	return avail
}

func jsBytes(b []byte) js.Value {
	u := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(u, b)
	return u
}

// Kernel is the WASM SIMD matrix multiply, a cpu.Gemm. Its packing
// scratch is allocated once by New and reused by every call. A Kernel is
// safe for use by several goroutines (calls are serialised).
type Kernel struct {
	mu           sync.Mutex
	exports      js.Value // the module instance's exports
	gemm         js.Value // the "gemm" export
	ap, bp, tile []float32
}

var _ cpu.Gemm = (*Kernel)(nil)

// New instantiates the kernel module on the Go instance's memory. It
// fails with ErrUnsupported where the browser lacks WebAssembly SIMD and
// with ErrNoMemory where the Go instance's memory cannot be found; the
// caller then keeps the pure-Go kernel and can show the error's text.
func New() (cpu.Gemm, error) {
	k, err := newKernel()
	if err != nil {
		return nil, err
	}
	return k, nil
}

func newKernel() (*Kernel, error) {
	if !Available() {
		return nil, fmt.Errorf("%w: this browser's WebAssembly does not validate SIMD code", ErrUnsupported)
	}
	mem, err := goMemory()
	if err != nil {
		return nil, err
	}
	inst, err := instantiate(mem)
	if err != nil {
		return nil, err
	}
	exports := inst.Get("exports")
	return &Kernel{
		exports: exports,
		gemm:    exports.Get("gemm"),
		ap:      aligned(kernel.PackA),
		bp:      aligned(kernel.PackB),
		tile:    aligned(kernel.Tile),
	}, nil
}

// instantiate compiles the module (once) and instantiates it with
// imports {go: {mem}}. Both steps are synchronous: the module is a few
// kilobytes, far under the engines' limits for synchronous compilation.
func instantiate(mem js.Value) (inst js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: instantiating the kernel: %v", ErrUnsupported, r)
		}
	}()
	wa := js.Global().Get("WebAssembly")
	if module.IsUndefined() {
		module = wa.Get("Module").New(jsBytes(kernelsWasm))
	}
	imports := js.Global().Get("Object").New()
	goNS := js.Global().Get("Object").New()
	goNS.Set("mem", mem)
	imports.Set("go", goNS)
	return wa.Get("Instance").New(module, imports), nil
}

// aligned returns n float32 whose first element is 16-byte aligned, so
// vector loads of packed panels never straddle a line needlessly.
func aligned(n int) []float32 {
	s := make([]float32, n+4)
	off := int(uintptr(unsafe.Pointer(&s[0]))%16) / 4
	if off != 0 {
		off = 4 - off
	}
	return s[off : off+n : off+n]
}

func addr(s []float32) int { return int(uintptr(unsafe.Pointer(unsafe.SliceData(s)))) }

// Name implements cpu.Gemm.
func (*Kernel) Name() string { return Name }

// Gemm implements cpu.Gemm: c [m,n] = op(a) op(b) + beta*c.
func (k *Kernel) Gemm(transA, transB bool, m, n, kk int, a, b []float32, beta float32, c []float32) {
	if m < 0 || n < 0 || kk < 0 {
		panic("simd: negative gemm dimension")
	}
	if len(a) < m*kk || len(b) < kk*n || len(c) < m*n {
		panic("simd: gemm operand too short for its shape")
	}
	if beta != 0 && beta != 1 {
		panic("simd: gemm beta must be 0 or 1")
	}
	if m == 0 || n == 0 {
		return
	}
	if kk == 0 {
		if beta == 0 {
			clear(c[:m*n])
		}
		return
	}
	flags := 0
	if transA {
		flags |= kernel.TransA
	}
	if transB {
		flags |= kernel.TransB
	}
	k.call(k.gemm, flags, m, n, kk, addr(a), addr(b), int(beta), addr(c), addr(k.ap), addr(k.bp), addr(k.tile))
	runtime.KeepAlive(a)
	runtime.KeepAlive(b)
	runtime.KeepAlive(c)
}

// call invokes a kernel export. Arguments are numbers (addresses,
// counts, float32 scalars); calls are serialised.
func (k *Kernel) call(fn js.Value, args ...any) js.Value {
	k.mu.Lock()
	defer k.mu.Unlock()
	return fn.Invoke(args...)
}

// goMemory returns the WebAssembly.Memory holding this Go program's heap.
func goMemory() (js.Value, error) {
	var candidates []js.Value
	if inst := js.Global().Get("goInstance"); inst.Type() == js.TypeObject {
		candidates = append(candidates, inst.Get("exports").Get("mem"))
	}
	if g, ok := wasmExecGo(); ok {
		if inst := g.Get("_inst"); inst.Type() == js.TypeObject {
			candidates = append(candidates, inst.Get("exports").Get("mem"))
		}
	}
	for _, mem := range candidates {
		if isOurMemory(mem) {
			return mem, nil
		}
	}
	return js.Value{}, ErrNoMemory
}

// isOurMemory reports whether mem is a WebAssembly.Memory whose bytes at
// the address of a Go variable are that variable.
func isOurMemory(mem js.Value) bool {
	memCtor := js.Global().Get("WebAssembly").Get("Memory")
	if mem.Type() != js.TypeObject || !mem.InstanceOf(memCtor) {
		return false
	}
	probe := []uint32{0x7e57_1ea5, 0xc0ffee42}
	p := uintptr(unsafe.Pointer(&probe[0]))
	buf := mem.Get("buffer")
	if uintptr(buf.Get("byteLength").Int()) < p+8 {
		return false
	}
	view := js.Global().Get("Uint32Array").New(buf, p, 2)
	ok := uint32(view.Index(0).Int()) == probe[0] && uint32(view.Index(1).Int()) == probe[1]
	runtime.KeepAlive(probe)
	return ok
}

// wasmExecGo returns the Go object of wasm_exec.js that runs this program
// (JavaScript's view of the runtime; its _inst is the instance). syscall/js
// refers to it as predefined value 6 but does not export it; the value is
// made here from js.Global (predefined value 5) by changing the id, after
// checking that js.Value has the layout this relies on. If anything does
// not look as expected it reports false and New asks for goInstance.
func wasmExecGo() (js.Value, bool) {
	type value struct { // mirror of js.Value
		_     [0]func()
		ref   uint64
		gcPtr *uint64
	}
	const (
		globalRef = 0x7FF80001_00000005 // NaN head | object flag, id 5
		goRef     = globalRef + 1       // id 6
	)
	g := js.Global()
	if unsafe.Sizeof(g) != unsafe.Sizeof(value{}) {
		return js.Value{}, false
	}
	v := (*value)(unsafe.Pointer(&g))
	if v.ref != globalRef || v.gcPtr != nil {
		return js.Value{}, false
	}
	v.ref = goRef
	goClass := js.Global().Get("Go")
	if goClass.Type() != js.TypeFunction || !g.InstanceOf(goClass) {
		return js.Value{}, false
	}
	return g, true
}
