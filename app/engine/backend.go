package main

import (
	"tinystages/app/protocol"
	"tinystages/model/compute"
	"tinystages/model/cpu"
	"tinystages/model/simd"
)

// selectBackend returns the compute backend for a run that asked for pref
// (protocol.BackendAuto, BackendWebGPU or BackendCPU), its name for people,
// and why it is not the one asked for ("" when it is).
//
// This is the one place that chooses a backend: the WebGPU backend
// (model/webgpu) and the WASM SIMD kernel (model/simd) hook in here.
//
// auto runs on WebGPU when the browser has an adapter with the limits the
// kernels need and it is not a software renderer; otherwise, and for cpu,
// on the CPU, with the reason WebGPU was not used. webgpu accepts a
// software adapter too.
func selectBackend(pref string) (be compute.Backend, name, reason string) {
	c := newCPU()
	if pref == protocol.BackendCPU {
		return c, c.Name(), ""
	}
	if newWebGPU == nil {
		if pref == protocol.BackendWebGPU {
			return c, c.Name(), "WebGPU runs only in the browser"
		}
		return c, c.Name(), ""
	}
	g, err := newWebGPU(pref == protocol.BackendWebGPU)
	if err != nil {
		return c, c.Name(), err.Error()
	}
	return g, g.Name(), ""
}

// newCPU is the CPU backend: "CPU (WASM SIMD)" where the browser runs
// the SIMD kernels (model/simd), else "CPU (pure Go)" (gonum natively).
func newCPU() compute.Backend {
	if be, err := simd.NewBackend(); err == nil {
		return be
	}
	return cpu.New(nil)
}

// newWebGPU creates the WebGPU backend (webgpu_js.go), accepting a
// software adapter if allowSoftware; nil in native builds, which have
// none. Its errors say, for people, why WebGPU cannot run.
var newWebGPU func(allowSoftware bool) (compute.Backend, error)
