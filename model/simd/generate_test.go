package simd

import (
	"bytes"
	"os"
	"testing"

	"tinystages/model/simd/kernel"
)

// TestGenerated checks that the committed module and listing are what the
// kernel source generates: run `go generate ./model/simd` after editing
// package kernel.
func TestGenerated(t *testing.T) {
	m := kernel.Module()
	if got := m.Encode(); !bytes.Equal(got, kernelsWasm) {
		t.Errorf("kernels.wasm (%d bytes) is stale: the kernel source encodes to %d bytes; run go generate ./model/simd", len(kernelsWasm), len(got))
	}
	want := kernel.Header + m.Listing()
	got, err := os.ReadFile("kernels.wat")
	if err != nil {
		t.Skipf("listing not readable here: %v", err) // js/wasm under a browser has no file system
	}
	if string(got) != want {
		t.Errorf("kernels.wat is stale; run go generate ./model/simd")
	}
}
