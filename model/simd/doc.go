// Package simd is the fast CPU path in the browser: matrix multiplies (and,
// where they pay, other hot loops) run in a small WebAssembly module that
// uses 128-bit SIMD, on the Go program's own memory.
//
// Why: Go compiles to WebAssembly without SIMD and with bounds checks and
// a stack-machine translation that costs another 2-3x; a plain Go matmul
// runs at 0.5-0.9 GFLOP/s in Chromium, while a register-blocked f32x4
// kernel reaches 15-30 GFLOP/s on the same core (see DESIGN.md).
//
// How: the kernel module (built from Go source in package kernel by `go
// generate`, committed as kernels.wasm with a readable listing,
// kernels.wat) imports its memory as {go: {mem}}, and is instantiated with
// the Go instance's exported memory, the very WebAssembly.Memory that
// holds Go's heap. A Go slice's address, uintptr(unsafe.Pointer(&s[0])),
// is then a valid pointer for the kernel, so a call passes a few integers
// and copies nothing. An imported memory is shared, not copied: when the
// Go runtime grows its memory the kernel sees the new size at once (the
// tests check this). Go's garbage collector does not move objects; the
// Go side keeps its slices alive across each call.
//
// Finding the memory: the page or worker that starts Go should publish
// the instance before go.run (globalThis.goInstance = instance). Without
// it, New falls back to wasm_exec.js's Go object, which holds the instance
// too; either way the candidate memory is checked by reading a known Go
// value through it before it is used.
//
// Where WebAssembly SIMD is missing (Available reports false) or the
// memory cannot be found, New returns an error saying why and callers keep
// the pure-Go kernel (cpu.GoGemm). Native builds have no browser: there
// Available is false and New always fails.
package simd

//go:generate go run ./internal/gen
