//go:build !(js && wasm)

package simd

import (
	"fmt"

	"tinystages/model/cpu"
)

// Available reports whether the SIMD kernels can run here: never in a
// native build.
func Available() bool { return false }

// New fails in a native build: native code multiplies with gonum.
func New() (cpu.Gemm, error) {
	return nil, fmt.Errorf("%w: not a js/wasm build", ErrUnsupported)
}

// Backend is unavailable in a native build (see the js/wasm build).
type Backend struct{ *cpu.Backend }

// NewBackend fails in a native build.
func NewBackend() (*Backend, error) {
	return nil, fmt.Errorf("%w: not a js/wasm build", ErrUnsupported)
}
