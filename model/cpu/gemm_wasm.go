//go:build wasm

package cpu

// DefaultGemm is the fastest kernel available to this build without
// outside help: the pure-Go kernel. The browser engine swaps in the WASM
// SIMD kernel when the browser supports it.
func DefaultGemm() Gemm { return new(GoGemm) }
