package simd

import (
	_ "embed"
	"errors"
)

// kernelsWasm is the kernel module generated from package kernel.
//
//go:embed kernels.wasm
var kernelsWasm []byte

// ModuleBytes returns the kernel module's bytes (a copy).
func ModuleBytes() []byte { return append([]byte(nil), kernelsWasm...) }

// Name is the kernel's name for people, as cpu.Backend.Name shows it:
// "CPU (WASM SIMD)".
const Name = "WASM SIMD"

// Errors of New, wrapped with details.
var (
	// ErrUnsupported: the environment cannot run the SIMD module (no
	// WebAssembly, no SIMD, or a native build).
	ErrUnsupported = errors.New("simd: WebAssembly SIMD unavailable")
	// ErrNoMemory: the Go instance's memory could not be found.
	ErrNoMemory = errors.New("simd: cannot find the Go instance's WebAssembly memory (set globalThis.goInstance = instance before go.run)")
)
