package webgpu

import (
	"errors"
	"fmt"
)

// ErrUnavailable is wrapped by every error New returns when this browser
// cannot run the WebGPU backend; the error's text says why, for people
// ("navigator.gpu is missing", "no adapter", "the adapter's
// maxStorageBuffersPerShaderStage is 4, need 7", …). The caller falls back
// to the CPU backend and shows the reason.
var ErrUnavailable = errors.New("webgpu: unavailable")

// ErrDeviceLost is wrapped by the error Err returns once the GPU device is
// lost (driver reset, GPU process crash, Destroy). Everything on the
// device is gone; see the package documentation for the recovery.
var ErrDeviceLost = errors.New("webgpu: device lost")

// unavailable returns an error wrapping ErrUnavailable with a reason.
func unavailable(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnavailable, fmt.Sprintf(format, args...))
}

// Limit is one GPUSupportedLimits entry the backend depends on.
type Limit struct {
	Name string // the WebGPU name, e.g. "maxStorageBufferBindingSize"
	// Need is the value the kernels and the presets need. For "max…"
	// limits the adapter must offer at least Need, for the "min…Alignment"
	// limits at most Need.
	Need float64
	// Want, when larger than Need, is requested up to what the adapter
	// offers (bigger buffers let larger custom models fit).
	Want float64
}

// IsAlignment reports whether l is a "min…Alignment" limit, where smaller
// is better.
func (l Limit) IsAlignment() bool { return len(l.Name) > 3 && l.Name[:3] == "min" }

// RequiredLimits are the device limits the backend requests explicitly.
//
//   - Buffers: the largest binding the presets make is the flat parameter
//     buffer of the small preset (~20 MB; ZeroGrad binds it whole) or a
//     [B,T,V] logits / [B,NH,T,T] attention buffer (~8 MB at batch 16);
//     WebGPU's defaults (128 MiB binding, 256 MiB buffer) cover them,
//     and the backend asks for up to 1 GiB where the adapter has it.
//   - Kernels: the matmul binds 6 storage buffers and uses 8 KiB of
//     workgroup memory in 16×16 workgroups; the row kernels use 256
//     invocations; every kernel takes its parameters from one
//     dynamic-offset uniform binding in bind group 0.
//   - Views are bound at offsets that are multiples of 256 bytes
//     (compute.Align floats), so both offset alignments must be ≤ 256.
var RequiredLimits = []Limit{
	{Name: "maxStorageBufferBindingSize", Need: 128 << 20, Want: 1 << 30},
	{Name: "maxBufferSize", Need: 256 << 20, Want: 1 << 30},
	{Name: "maxStorageBuffersPerShaderStage", Need: 6},
	{Name: "maxComputeWorkgroupStorageSize", Need: 8192},
	{Name: "maxComputeInvocationsPerWorkgroup", Need: 256},
	{Name: "maxComputeWorkgroupSizeX", Need: 256},
	{Name: "maxComputeWorkgroupSizeY", Need: 16},
	{Name: "maxComputeWorkgroupsPerDimension", Need: 65535},
	{Name: "maxBindGroups", Need: 1},
	{Name: "maxDynamicUniformBuffersPerPipelineLayout", Need: 1},
	{Name: "minStorageBufferOffsetAlignment", Need: 256},
	{Name: "minUniformBufferOffsetAlignment", Need: 256},
}

// CheckLimits compares an adapter's limits (by WebGPU name) with
// RequiredLimits. It returns the values to request from the device, or
// an error wrapping ErrUnavailable naming the first limit that falls
// short.
func CheckLimits(have func(name string) (float64, bool)) (map[string]float64, error) {
	req := map[string]float64{}
	for _, l := range RequiredLimits {
		v, ok := have(l.Name)
		if !ok {
			return nil, unavailable("the adapter does not report %s", l.Name)
		}
		if l.IsAlignment() {
			if v > l.Need {
				return nil, unavailable("the adapter's %s is %g, need at most %g", l.Name, v, l.Need)
			}
			req[l.Name] = v
			continue
		}
		if v < l.Need {
			return nil, unavailable("the adapter's %s is %g, need %g", l.Name, v, l.Need)
		}
		req[l.Name] = min(v, max(l.Need, l.Want))
	}
	return req, nil
}

// AdapterInfo describes the GPU adapter in use (GPUAdapterInfo).
type AdapterInfo struct {
	Vendor       string `json:"vendor"`
	Architecture string `json:"architecture"`
	Device       string `json:"device"`
	Description  string `json:"description"`
	// Software is true for a CPU implementation of WebGPU (SwiftShader,
	// or any adapter flagged isFallbackAdapter): correct but slower than
	// the CPU backend, so automatic selection does not pick it.
	Software bool `json:"software"`
}

// Label is a short name of the adapter for people: "SwiftShader",
// "nvidia ampere", or the adapter's description.
func (a AdapterInfo) Label() string {
	switch {
	case a.Architecture == "swiftshader":
		return "SwiftShader"
	case a.Vendor != "" && a.Architecture != "":
		return a.Vendor + " " + a.Architecture
	case a.Description != "":
		return a.Description
	case a.Vendor != "":
		return a.Vendor
	}
	return "unknown adapter"
}

// Stats counts the work a Backend has recorded and submitted since it was
// created. Differences of two Stats measure a training step.
type Stats struct {
	Dispatches int // compute dispatches recorded
	Submits    int // queue submissions (Flush, Read, and any forced flush)
	Reads      int // Read calls (each a mapAsync round trip)
	Writes     int // Write and WriteIndex calls (queue.writeBuffer)
	Pipelines  int // compute pipelines created (cached per kernel variant)
	BindGroups int // bind groups created (cached per set of views)
}

// Sub returns s - t, field by field.
func (s Stats) Sub(t Stats) Stats {
	return Stats{
		Dispatches: s.Dispatches - t.Dispatches, Submits: s.Submits - t.Submits,
		Reads: s.Reads - t.Reads, Writes: s.Writes - t.Writes,
		Pipelines: s.Pipelines - t.Pipelines, BindGroups: s.BindGroups - t.BindGroups,
	}
}
