// Command gen writes the kernel module built by package kernel, as
// kernels.wasm and its text listing kernels.wat, into the current
// directory (run by `go generate` in model/simd).
package main

import (
	"log"
	"os"

	"tinystages/model/simd/kernel"
)

func main() {
	m := kernel.Module()
	if err := os.WriteFile("kernels.wasm", m.Encode(), 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("kernels.wat", []byte(kernel.Header+m.Listing()), 0o644); err != nil {
		log.Fatal(err)
	}
}
