//go:build js && wasm

package webgpu

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"syscall/js"
	"unsafe"

	"tinystages/model/compute"
)

// This file is the thin layer over the WebGPU JavaScript API: device
// creation, buffers, cached pipelines and bind groups, the command
// encoder of the current step, the uniform ring, and read-back.

var (
	jsObject     = js.Global().Get("Object")
	jsUint8Array = js.Global().Get("Uint8Array")
)

// GPUBufferUsage and GPUMapMode flags (constants of the WebGPU spec).
const (
	usageMapRead  = 0x0001
	usageCopySrc  = 0x0004
	usageCopyDst  = 0x0008
	usageUniform  = 0x0040
	usageStorage  = 0x0080
	mapModeRead   = 0x0001
	uniformSize   = 64   // bytes bound per dispatch: up to 16 scalars
	uniformSlots  = 1024 // dispatches per submit before the ring forces a flush
	maxGroupsDim  = 65535
	sumsqMaxGroup = 512
)

// gbuf is one GPUBuffer.
type gbuf struct {
	id     int
	v      js.Value
	bytes  int
	serial uint64 // serial of the last encoder that bound it
}

// view is n 4-byte elements of a GPUBuffer from element off.
type view struct {
	g      *gbuf
	off, n int
}

func (v view) sub(off, n int) view {
	if off < 0 || n < 0 || off+n > v.n {
		panic(fmt.Sprintf("compute: webgpu: slice [%d:%d] of a view of %d elements", off, off+n, v.n))
	}
	return view{v.g, v.off + off, n}
}

// Buffer is the WebGPU backend's compute.Buffer: a view of a GPUBuffer.
type Buffer struct{ v view }

// Len implements compute.Buffer.
func (b Buffer) Len() int { return b.v.n }

// Slice implements compute.Buffer.
func (b Buffer) Slice(off, n int) compute.Buffer { return Buffer{b.v.sub(off, n)} }

// Index is the WebGPU backend's compute.Index: a view of a GPUBuffer of
// int32.
type Index struct{ v view }

// Len implements compute.Index.
func (x Index) Len() int { return x.v.n }

// Slice implements compute.Index.
func (x Index) Slice(off, n int) compute.Index { return Index{x.v.sub(off, n)} }

// kernel is a compiled kernelSpec: its module, bind group layout and
// pipeline layout, and its pipelines by variant.
type kernel struct {
	spec      kernelSpec
	module    js.Value
	bgl       js.Value
	layout    js.Value
	pipelines map[uint32]js.Value // by override bit mask
	access    []rune              // 'w' or 'r' per bound view, in order
}

// groupKey identifies a bind group: the kernel and the views bound.
type groupKey struct {
	k     *kernel
	views [6][3]int32 // buffer id, byte offset, byte size
}

// await blocks the calling goroutine until the promise p settles and
// returns its value or its rejection. It must not be called from inside a
// js.FuncOf callback: the callbacks that wake it run on the event loop,
// which a blocked callback would hold.
func await(p js.Value) (js.Value, error) {
	done := make(chan struct{})
	var val js.Value
	var err error
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) > 0 {
			val = args[0]
		}
		close(done)
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		err = jsError(args)
		close(done)
		return nil
	})
	p.Call("then", ok, fail)
	<-done
	ok.Release()
	fail.Release()
	return val, err
}

// jsError turns the argument of a rejection or an error event into a Go
// error.
func jsError(args []js.Value) error {
	if len(args) == 0 {
		return errors.New("unknown JavaScript error")
	}
	v := args[0]
	if v.Type() == js.TypeObject {
		if m := v.Get("message"); m.Type() == js.TypeString {
			return errors.New(m.String())
		}
	}
	return errors.New(v.String())
}

// try calls fn and turns a thrown JavaScript exception into an error.
func try(fn func() js.Value) (v js.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(js.Error); ok {
				err = e
				return
			}
			panic(r)
		}
	}()
	return fn(), nil
}

// Options control New.
type Options struct {
	// AllowSoftware accepts a software adapter (SwiftShader): correct but
	// slower than the CPU backend, so automatic selection leaves it
	// false and a user who asks for WebGPU explicitly gets it.
	AllowSoftware bool
	// PowerPreference is passed to requestAdapter; "" means
	// "high-performance".
	PowerPreference string
}

// Available reports whether this JavaScript context has navigator.gpu,
// without requesting an adapter.
func Available() bool {
	nav := js.Global().Get("navigator")
	return nav.Truthy() && nav.Get("gpu").Truthy()
}

// New requests an adapter and a device with RequiredLimits, compiles every
// kernel, and returns the backend. Errors wrap ErrUnavailable and say why
// WebGPU cannot be used here. New blocks the calling goroutine on
// promises: call it from a goroutine, not from a js.FuncOf callback.
func New(opt Options) (*Backend, error) {
	if !Available() {
		return nil, unavailable("navigator.gpu is missing: this browser has no WebGPU, or the page is not a secure context (https or localhost)")
	}
	gpu := js.Global().Get("navigator").Get("gpu")
	pref := opt.PowerPreference
	if pref == "" {
		pref = "high-performance"
	}
	p, err := try(func() js.Value {
		return gpu.Call("requestAdapter", map[string]any{"powerPreference": pref})
	})
	if err != nil {
		return nil, unavailable("requestAdapter threw: %v", err)
	}
	adapter, err := await(p)
	if err != nil {
		return nil, unavailable("requestAdapter failed: %v", err)
	}
	if !adapter.Truthy() {
		return nil, unavailable("no WebGPU adapter (the GPU may be blocklisted, or WebGPU disabled)")
	}
	info := adapterInfo(adapter)
	if info.Software && !opt.AllowSoftware {
		return nil, unavailable("the only WebGPU adapter is a software renderer (%s), slower than the CPU backend", info.Label())
	}
	limits := adapter.Get("limits")
	req, err := CheckLimits(func(name string) (float64, bool) {
		v := limits.Get(name)
		if v.Type() != js.TypeNumber {
			return 0, false
		}
		return v.Float(), true
	})
	if err != nil {
		return nil, err
	}
	reqJS := map[string]any{}
	for k, v := range req {
		reqJS[k] = v
	}
	p, err = try(func() js.Value {
		return adapter.Call("requestDevice", map[string]any{"label": "tinystages", "requiredLimits": reqJS})
	})
	if err != nil {
		return nil, unavailable("requestDevice threw: %v", err)
	}
	device, err := await(p)
	if err != nil {
		return nil, unavailable("requestDevice failed: %v", err)
	}
	be := newBackend(device, info, req)
	if err := be.compile(); err != nil {
		be.device.Call("destroy")
		return nil, err
	}
	return be, nil
}

// adapterInfo reads GPUAdapter.info.
func adapterInfo(adapter js.Value) AdapterInfo {
	var a AdapterInfo
	info := adapter.Get("info")
	str := func(name string) string {
		if !info.Truthy() {
			return ""
		}
		if v := info.Get(name); v.Type() == js.TypeString {
			return v.String()
		}
		return ""
	}
	a.Vendor, a.Architecture, a.Device, a.Description = str("vendor"), str("architecture"), str("device"), str("description")
	fallback := adapter.Get("isFallbackAdapter").Truthy() || (info.Truthy() && info.Get("isFallbackAdapter").Truthy())
	a.Software = fallback || a.Architecture == "swiftshader" || strings.Contains(strings.ToLower(a.Description), "swiftshader")
	return a
}

// Backend is the WebGPU implementation of compute.Backend. Its methods
// must be called from one goroutine (not a js.FuncOf callback): Read and
// Sync block it on promises.
type Backend struct {
	info   AdapterInfo
	device js.Value
	queue  js.Value
	limits map[string]float64 // granted device limits

	kernels map[string]*kernel
	groups  map[groupKey]js.Value
	nextID  int

	// the command encoder and compute pass of the work being recorded
	enc, pass         js.Value
	encOpen, passOpen bool
	serial            uint64 // of the open (or next) encoder

	// uniform ring: one slot per dispatch, uploaded at submit
	uniHost    []byte
	uniUsed    int // slots used by the open encoder
	uniStride  int // bytes per slot (minUniformBufferOffsetAlignment, at least uniformSize)
	uniBuf     *gbuf
	uniJS      js.Value // Uint8Array staging of uniHost
	dispatchJS js.Value // helper doing setPipeline+setBindGroup+dispatch in one call, or undefined

	staging   *gbuf    // MAP_READ buffer for Read
	upload    js.Value // Uint8Array for Write
	uploadLen int

	dummy   *gbuf // bound read-only where a kernel variant ignores a binding
	dummyW  *gbuf // bound read_write where a kernel variant ignores a binding
	partial *gbuf // SumSquares partial sums [sumsqMaxGroup]
	chain   *gbuf // EncoderBackward scratch [2N] int32

	stats Stats

	mu       sync.Mutex
	err      error
	lost     chan struct{}
	lostOnce sync.Once
	keep     []js.Func // event callbacks kept for the device's lifetime
}

func newBackend(device js.Value, info AdapterInfo, limits map[string]float64) *Backend {
	be := &Backend{
		info: info, device: device, queue: device.Get("queue"), limits: limits,
		kernels: map[string]*kernel{}, groups: map[groupKey]js.Value{},
		lost:   make(chan struct{}),
		serial: 1, // buffers start at 0: never bound
	}
	be.uniStride = max(uniformSize, int(limits["minUniformBufferOffsetAlignment"]))
	be.uniHost = make([]byte, uniformSlots*be.uniStride)
	be.uniJS = jsUint8Array.New(len(be.uniHost))
	be.uniBuf = be.newGBuf(len(be.uniHost), usageUniform|usageCopyDst, "uniforms")
	be.dummy = be.newGBuf(256, usageStorage|usageCopyDst, "dummy")
	be.dummyW = be.newGBuf(256, usageStorage|usageCopyDst, "dummy (written)")
	be.partial = be.newGBuf(sumsqMaxGroup*4, usageStorage, "sumsq partials")

	onLost := js.FuncOf(func(_ js.Value, args []js.Value) any {
		reason, msg := "unknown", ""
		if len(args) > 0 && args[0].Truthy() {
			reason = args[0].Get("reason").String()
			msg = args[0].Get("message").String()
		}
		be.setLost(fmt.Errorf("%w (%s): %s", ErrDeviceLost, reason, msg))
		return nil
	})
	onError := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) > 0 {
			be.setErr(fmt.Errorf("webgpu: uncaptured %w", jsError([]js.Value{args[0].Get("error")})))
		}
		return nil
	})
	be.keep = append(be.keep, onLost, onError)
	device.Get("lost").Call("then", onLost)
	device.Call("addEventListener", "uncapturederror", onError)

	// One JS call per dispatch instead of three; where the page's content
	// security policy forbids Function(), the backend makes the calls.
	be.dispatchJS, _ = try(func() js.Value {
		return js.Global().Get("Function").New("pass", "pipe", "bg", "off", "x", "y",
			"pass.setPipeline(pipe); pass.setBindGroup(0, bg, [off]); pass.dispatchWorkgroups(x, y);")
	})
	return be
}

func (be *Backend) setErr(err error) {
	be.mu.Lock()
	defer be.mu.Unlock()
	if be.err == nil {
		be.err = err
	}
}

func (be *Backend) setLost(err error) {
	be.mu.Lock()
	// a loss replaces an earlier validation error: it is what the caller must act on
	if be.err == nil || !errors.Is(be.err, ErrDeviceLost) {
		be.err = err
	}
	be.mu.Unlock()
	be.lostOnce.Do(func() { close(be.lost) })
}

// Err returns the first error the device reported: a validation error
// (a bug in the backend), or an error wrapping ErrDeviceLost once the
// device is lost. After a loss, Read fills its destination with NaN and
// ops record nothing; the caller recovers as the package documentation
// describes.
func (be *Backend) Err() error {
	be.mu.Lock()
	defer be.mu.Unlock()
	return be.err
}

// Lost is closed when the device is lost.
func (be *Backend) Lost() <-chan struct{} { return be.lost }

func (be *Backend) isLost() bool {
	select {
	case <-be.lost:
		return true
	default:
		return false
	}
}

// Destroy releases the device; everything on it is gone and Lost is
// closed (with reason "destroyed"). Tests use it to simulate a loss.
func (be *Backend) Destroy() {
	be.encOpen, be.passOpen = false, false
	be.device.Call("destroy")
}

// Adapter describes the adapter the device came from.
func (be *Backend) Adapter() AdapterInfo { return be.info }

// Limits returns the device limits granted, by WebGPU name.
func (be *Backend) Limits() map[string]float64 { return be.limits }

// Stats returns the counts of work recorded so far.
func (be *Backend) Stats() Stats { return be.stats }

// compile creates every kernel's module, layouts and default pipeline,
// and reports WGSL compilation errors (an adapter whose compiler rejects
// a kernel cannot run the backend).
func (be *Backend) compile() error {
	modules := map[string]js.Value{}
	for _, file := range moduleFiles() {
		src, err := moduleSource(file)
		if err != nil {
			return err
		}
		m := be.device.Call("createShaderModule", map[string]any{"label": file, "code": src})
		info, err := await(m.Call("getCompilationInfo"))
		if err != nil {
			return unavailable("compiling %s.wgsl: %v", file, err)
		}
		msgs := info.Get("messages")
		var errs []string
		for i := 0; i < msgs.Length(); i++ {
			msg := msgs.Index(i)
			if msg.Get("type").String() == "error" {
				errs = append(errs, fmt.Sprintf("%d:%d: %s", msg.Get("lineNum").Int(), msg.Get("linePos").Int(), msg.Get("message").String()))
			}
		}
		if len(errs) > 0 {
			return unavailable("compiling %s.wgsl: %s", file, strings.Join(errs, "; "))
		}
		modules[file] = m
	}
	for _, spec := range kernelSpecs {
		entries := []any{map[string]any{
			"binding": 0, "visibility": 4, // GPUShaderStage.COMPUTE
			"buffer": map[string]any{"type": "uniform", "hasDynamicOffset": true, "minBindingSize": uniformSize},
		}}
		for i, c := range spec.binds {
			typ := map[rune]string{'w': "storage", 'r': "read-only-storage"}[c]
			if typ == "" {
				continue
			}
			entries = append(entries, map[string]any{"binding": i + 1, "visibility": 4, "buffer": map[string]any{"type": typ}})
		}
		bgl := be.device.Call("createBindGroupLayout", map[string]any{"label": spec.entry, "entries": entries})
		layout := be.device.Call("createPipelineLayout", map[string]any{"label": spec.entry, "bindGroupLayouts": []any{bgl}})
		access := []rune(strings.ReplaceAll(spec.binds, "-", ""))
		be.kernels[spec.entry] = &kernel{spec: spec, module: modules[spec.file], bgl: bgl, layout: layout, pipelines: map[uint32]js.Value{}, access: access}
	}
	// Create the default variant of every kernel in parallel and wait:
	// a kernel this adapter cannot build is a reason to fall back.
	pending := map[*kernel]js.Value{}
	for _, k := range be.kernels {
		pending[k] = be.device.Call("createComputePipelineAsync", pipelineDesc(k, 0))
	}
	for k, p := range pending {
		pipe, err := await(p)
		if err != nil {
			return unavailable("building the %s pipeline: %v", k.spec.entry, err)
		}
		k.pipelines[0] = pipe
		be.stats.Pipelines++
	}
	err := be.Sync()
	if err == nil {
		err = be.Err()
	}
	return err
}

// pipelineDesc is the GPUComputePipelineDescriptor of a kernel variant
// whose override constants are set where consts has bits (bit i:
// spec.overrides[i]).
func pipelineDesc(k *kernel, consts uint32) map[string]any {
	compute := map[string]any{"module": k.module, "entryPoint": k.spec.entry}
	if len(k.spec.overrides) > 0 {
		c := map[string]any{}
		for i, name := range k.spec.overrides {
			c[name] = float64(consts >> i & 1)
		}
		compute["constants"] = c
	}
	return map[string]any{"label": k.spec.entry, "layout": k.layout, "compute": compute}
}

// pipeline returns the kernel's pipeline for a variant, creating it on
// first use.
func (be *Backend) pipeline(k *kernel, consts uint32) js.Value {
	if p, ok := k.pipelines[consts]; ok {
		return p
	}
	p := be.device.Call("createComputePipeline", pipelineDesc(k, consts))
	k.pipelines[consts] = p
	be.stats.Pipelines++
	return p
}

func (be *Backend) newGBuf(bytes, usage int, label string) *gbuf {
	be.nextID++
	v := be.device.Call("createBuffer", map[string]any{"label": label, "size": bytes, "usage": usage})
	return &gbuf{id: be.nextID, v: v, bytes: bytes}
}

// alloc allocates a storage buffer for n 4-byte elements, rounded up to
// whole aligned views so that every binding can be rounded up too.
func (be *Backend) alloc(n int, label string) *gbuf {
	bytes := max(compute.AlignUp(n), compute.Align) * 4
	if float64(bytes) > be.limits["maxBufferSize"] {
		panic(fmt.Sprintf("compute: webgpu: a buffer of %d elements exceeds the device's maxBufferSize (%g bytes)", n, be.limits["maxBufferSize"]))
	}
	return be.newGBuf(bytes, usageStorage|usageCopySrc|usageCopyDst, label)
}

// binding returns the byte range bound for v: from its offset, its length
// rounded up to whole Align-element views (never overlapping another
// aligned view), within the buffer.
func (be *Backend) binding(v view) (off, size int) {
	off = v.off * 4
	size = min(max(compute.AlignUp(v.n), compute.Align)*4, v.g.bytes-off)
	if float64(size) > be.limits["maxStorageBufferBindingSize"] {
		panic(fmt.Sprintf("compute: webgpu: a view of %d elements exceeds the device's maxStorageBufferBindingSize (%g bytes)", v.n, be.limits["maxStorageBufferBindingSize"]))
	}
	if off%256 != 0 {
		panic(fmt.Sprintf("compute: webgpu: a view bound to a kernel starts at element %d, not a multiple of compute.Align", v.off))
	}
	return off, size
}

// bindGroup returns the (cached) bind group of kernel k over views, one
// per 'w'/'r' letter of its spec.
func (be *Backend) bindGroup(k *kernel, views []view) js.Value {
	key := groupKey{k: k}
	for i, v := range views {
		off, size := be.binding(v)
		key.views[i] = [3]int32{int32(v.g.id), int32(off), int32(size)}
	}
	if bg, ok := be.groups[key]; ok {
		return bg
	}
	entries := []any{map[string]any{"binding": 0, "resource": map[string]any{"buffer": be.uniBuf.v, "offset": 0, "size": uniformSize}}}
	i := 0
	for b, c := range k.spec.binds {
		if c == '-' {
			continue
		}
		off, size := be.binding(views[i])
		entries = append(entries, map[string]any{"binding": b + 1, "resource": map[string]any{"buffer": views[i].g.v, "offset": off, "size": size}})
		i++
	}
	bg := be.device.Call("createBindGroup", map[string]any{"label": k.spec.entry, "layout": k.bgl, "entries": entries})
	be.groups[key] = bg
	be.stats.BindGroups++
	return bg
}

// grid lays out n workgroups in at most two dimensions.
func grid(n int) (x, y int) {
	if n <= maxGroupsDim {
		return n, 1
	}
	y = (n + maxGroupsDim - 1) / maxGroupsDim
	return (n + y - 1) / y, y
}

// dispatch records one dispatch of kernel name (variant consts) with
// uniform parameters uni (uint32 words; floats via math.Float32bits) over
// gx*gy workgroups, binding views in the order of the spec's letters.
func (be *Backend) dispatch(name string, consts uint32, uni []uint32, gx, gy int, views ...view) {
	if gx == 0 || gy == 0 || be.isLost() {
		return
	}
	k := be.kernels[name]
	if len(views) != len(k.access) {
		panic(fmt.Sprintf("webgpu: %s bound with %d views", name, len(views)))
	}
	be.checkUsage(k, views)
	if be.uniUsed == uniformSlots {
		be.Flush()
	}
	slot := be.uniUsed * be.uniStride
	for i, w := range uni {
		*(*uint32)(unsafe.Pointer(&be.uniHost[slot+4*i])) = w
	}
	be.uniUsed++
	pipe := be.pipeline(k, consts)
	bg := be.bindGroup(k, views)
	be.beginPass()
	for _, v := range views {
		v.g.serial = be.serial
	}
	if be.dispatchJS.Type() == js.TypeFunction {
		be.dispatchJS.Invoke(be.pass, pipe, bg, slot, gx, gy)
	} else {
		be.pass.Call("setPipeline", pipe)
		be.pass.Call("setBindGroup", 0, bg, []any{slot})
		be.pass.Call("dispatchWorkgroups", gx, gy)
	}
	be.stats.Dispatches++
}

// checkUsage panics when a view bound read-only shares its GPUBuffer with
// one bound read_write: WebGPU forbids the combination in a dispatch.
func (be *Backend) checkUsage(k *kernel, views []view) {
	for i, vi := range views {
		for j, vj := range views {
			if k.access[i] == 'w' && k.access[j] == 'r' && vi.g == vj.g {
				panic(fmt.Sprintf("compute: webgpu: %s writes its view %d and reads its view %d from the same GPU buffer; use separate buffers", k.spec.entry, i+1, j+1))
			}
		}
	}
}

func f32(x float32) uint32 { return math.Float32bits(x) }

func (be *Backend) beginEncoder() {
	if !be.encOpen {
		be.enc = be.device.Call("createCommandEncoder")
		be.encOpen = true
	}
}

func (be *Backend) beginPass() {
	be.beginEncoder()
	if !be.passOpen {
		be.pass = be.enc.Call("beginComputePass")
		be.passOpen = true
	}
}

func (be *Backend) endPass() {
	if be.passOpen {
		be.pass.Call("end")
		be.passOpen = false
	}
}

// Flush implements compute.Backend: it ends the open command encoder,
// uploads the uniforms its dispatches use, and submits it. A training
// step records into one encoder, so it is one submit.
func (be *Backend) Flush() {
	if !be.encOpen {
		return
	}
	be.endPass()
	cb := be.enc.Call("finish")
	if be.uniUsed > 0 {
		n := be.uniUsed * be.uniStride
		js.CopyBytesToJS(be.uniJS, be.uniHost[:n])
		be.queue.Call("writeBuffer", be.uniBuf.v, 0, be.uniJS, 0, n)
	}
	be.queue.Call("submit", []any{cb})
	be.stats.Submits++
	be.encOpen = false
	be.uniUsed = 0
	be.serial++
}

// Sync submits recorded work and waits until the GPU has finished it. It
// returns an error wrapping ErrDeviceLost after a loss.
func (be *Backend) Sync() error {
	be.Flush()
	if _, err := await(be.queue.Call("onSubmittedWorkDone")); err != nil {
		return err
	}
	if be.isLost() {
		return be.Err()
	}
	return nil
}

// bytesOf is the memory of a float32 or int32 slice as bytes (no copy).
func bytesOf[T float32 | int32](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*len(s))
}

// write uploads src to v with queue.writeBuffer. The write happens on
// the queue before anything not yet submitted, so an open encoder that
// binds the same buffer is submitted first: ops stay in program order.
func (be *Backend) write(v view, src []byte) {
	be.stats.Writes++
	if len(src) == 0 || be.isLost() {
		return
	}
	if be.encOpen && v.g.serial == be.serial {
		be.Flush()
	}
	if be.uploadLen < len(src) {
		be.uploadLen = max(len(src), 2*be.uploadLen)
		be.upload = jsUint8Array.New(be.uploadLen)
	}
	js.CopyBytesToJS(be.upload, src)
	be.queue.Call("writeBuffer", v.g.v, v.off*4, be.upload, 0, len(src))
}

// read copies v's first len(dst)/4 elements into dst: a copy into the
// staging buffer recorded at the end of the open encoder, a submit, and
// a mapAsync awaited by blocking this goroutine.
func (be *Backend) read(dst []byte, v view) error {
	be.stats.Reads++
	n := len(dst)
	if n == 0 {
		return nil
	}
	if be.isLost() {
		return be.Err()
	}
	if be.staging == nil || be.staging.bytes < n {
		size := max(n, 4096)
		if be.staging != nil {
			size = max(size, 2*be.staging.bytes)
			be.staging.v.Call("destroy")
		}
		be.staging = be.newGBuf(size, usageMapRead|usageCopyDst, "read-back")
	}
	be.beginEncoder()
	be.endPass()
	be.enc.Call("copyBufferToBuffer", v.g.v, v.off*4, be.staging.v, 0, n)
	be.Flush()
	if _, err := await(be.staging.v.Call("mapAsync", mapModeRead, 0, n)); err != nil {
		if be.isLost() {
			return be.Err()
		}
		return fmt.Errorf("webgpu: read-back: %w", err)
	}
	js.CopyBytesToGo(dst, jsUint8Array.New(be.staging.v.Call("getMappedRange", 0, n)))
	be.staging.v.Call("unmap")
	return nil
}
