// Package simd is the fast CPU path in the browser: the hot loops of a
// training step run in a small WebAssembly module that uses 128-bit SIMD,
// directly on the Go program's own memory.
//
// Why: Go compiles to WebAssembly without SIMD (and with bounds checks), so
// the pure-Go matmul kernel (cpu.GoGemm) runs at 2-5 GFLOP/s in Chromium
// here and math.Exp costs tens of nanoseconds. The module's register-blocked
// f32x4 matmul runs at 30-58 GFLOP/s on the same core. Once the matmuls are
// fast, softmax cross-entropy, attention and GELU (scalar float64 exp and
// tanh) take most of the step, so they run in the module too, with a
// vectorised exp. See app/bench for the numbers.
//
// How: the module is generated from Go source (package kernel, written
// against the encoder in package wasm) by `go generate`. It is committed as
// kernels.wasm, with a readable listing, kernels.wat, and a test checks that
// both match the generator. The module imports its memory as {go: {mem}}
// and is instantiated with the Go instance's exported memory, the
// WebAssembly.Memory that holds Go's heap. A Go slice's address,
// uintptr(unsafe.Pointer(&s[0])), is then a valid pointer for the kernel,
// so a call passes a few numbers and copies nothing. An imported memory is
// shared, not copied: when the Go runtime grows its memory the kernel sees
// the new size at once (a test checks this). Go's garbage collector does
// not move objects, and the Go side keeps its slices alive across each
// call.
//
// Two entry points:
//
//   - New returns the matmul kernel alone, a cpu.Gemm (cpu.New(g) names
//     itself "CPU (WASM SIMD)").
//   - NewBackend returns Backend: cpu.Backend with the kernel and with
//     SIMD versions of cross-entropy, attention, GELU, LayerNorm, bias
//     add and gradient, and AdamW. This is what the engine runs.
//
// Finding the memory: the worker that starts Go should publish the
// instance before go.run (globalThis.goInstance = instance). Without it,
// New falls back to wasm_exec.js's Go object, which also holds the
// instance. Either way the candidate memory is first checked by reading a
// known Go value through it.
//
// Where WebAssembly SIMD is missing (Available reports false) or the
// memory cannot be found, New and NewBackend return an error saying why,
// and callers keep the pure-Go backend, cpu.New(nil). Native builds have
// no browser: there Available is false and both always fail.
package simd

//go:generate go run ./internal/gen
