//go:build js && wasm

package main

import (
	"strings"

	"tinystages/model/compute"
	"tinystages/model/webgpu"
)

// The WebGPU backend exists only in the browser build.
func init() {
	newWebGPU = func(allowSoftware bool) (compute.Backend, error) {
		be, err := webgpu.New(webgpu.Options{AllowSoftware: allowSoftware})
		if err != nil {
			// "webgpu: unavailable: no adapter" -> "WebGPU unavailable: no adapter"
			return nil, webgpuError{err}
		}
		return be, nil
	}
}

// webgpuError words an error of webgpu.New for the backend indicator.
type webgpuError struct{ err error }

func (e webgpuError) Error() string {
	return "WebGPU unavailable: " + strings.TrimPrefix(e.err.Error(), webgpu.ErrUnavailable.Error()+": ")
}

func (e webgpuError) Unwrap() error { return e.err }
