package build

import "runtime"

// runtimeGOROOT is runtime.GOROOT, which is deprecated for general use but
// is exactly what is wanted here: the tree of the toolchain that built the
// command, for "go run".
func runtimeGOROOT() string {
	//lint:ignore SA1019 see above
	return runtime.GOROOT()
}
