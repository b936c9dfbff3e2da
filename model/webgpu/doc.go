// Package webgpu is the WebGPU Backend: every op of package compute as a
// WGSL compute shader, driven from Go through syscall/js, with weights,
// gradients, AdamW moments and activations resident on the GPU. It runs in
// a browser (js/wasm), in a page or a dedicated Web Worker; natively only
// its capability rules (RequiredLimits, CheckLimits) and kernel table
// build, for tests.
//
// # Model
//
// Memory. NewBuffer and NewIndex each create one GPUBuffer (STORAGE |
// COPY_SRC | COPY_DST) rounded up to whole compute.Align views; a Buffer
// is a view (buffer, offset, length). Ops bind views at their offsets,
// which are multiples of 256 bytes, with their lengths rounded up to
// whole aligned views, so a binding never reaches into another view.
// Kernels bind inputs as read-only storage and outputs as read_write, so,
// by WebGPU's usage rules, an op's outputs must not share a GPUBuffer with
// its inputs (the model never does; the backend panics if asked to).
//
// Recording. Ops record dispatches into one command encoder and one
// compute pass, and Flush (or Read) finishes and submits it: a training
// step — ZeroGrad, Forward, Backward, Update — is one encoder and one
// submit, 18 + 32·NLayer dispatches (146 for nano and tiny, 210 for
// small). Each dispatch's parameters (shapes, scales, AdamW's
// hyper-parameters) go into a slot of a uniform ring on the host, bound
// with a dynamic offset and uploaded with one queue.writeBuffer just
// before the submit, so no dispatch waits for a round trip. Pipelines are
// cached per kernel and variant (WGSL override constants: the matmul's
// transpositions, vec4 loads, bias, accumulation; the cross-entropy's
// gradient), the default variants built in parallel by New; bind groups
// are cached per kernel and set of views, so a training loop creates
// none after its first step. One JavaScript call records a dispatch.
//
// Order. Write and WriteIndex use queue.writeBuffer, which takes effect
// before anything not yet submitted; when the open encoder binds the
// buffer being written, it is submitted first, so ops always see data in
// program order. Read records a copy into a staging buffer, submits, and
// awaits mapAsync by blocking the calling goroutine on a channel that the
// promise's callbacks close — never blocking inside a js.FuncOf
// callback, which would hold the event loop the callbacks need. So every
// method must be called from a goroutine, not from a callback. The model
// reads back only the loss when asked (and GradNorm, TokenLosses and
// Generate's logits rows when called).
//
// Kernels (shaders/*.wgsl, one module per binding layout):
//
//   - matmul: 64×64 tiles of c per 16×16 workgroup, a 4×4 register block
//     per invocation, the K dimension staged 16 at a time in workgroup
//     memory, vec4 loads where the operand's contiguous dimension is a
//     multiple of 4; NN, NT, TN and TT with zero padding at the edges.
//   - attention: the scores and softmax one workgroup per query row
//     (KV-cache form: Tq queries at pos0 over Tk keys), the weighted sum
//     of values one invocation per output; backward in two passes, the
//     softmax backward into the datt scratch, then dq, dk, dv one
//     invocation per channel.
//   - layernorm (a workgroup per row; weight and bias gradients as column
//     sums), GELU (tanh form), fused softmax + weighted cross-entropy (a
//     workgroup per row), embedding forward and backward, bias backward,
//     add, accumulate, fill, strided copy (Copy, KVStore), sum of squares
//     (two-pass tree), AdamW with the clip scale computed on the device.
//
// WGSL has no float atomics, so every reduction has a fixed shape:
// workgroup trees, column sums by fixed strides, and an embedding
// backward that, per token, walks the positions holding it in order (a
// chain built in a first pass). Results are deterministic: same inputs,
// same adapter, same bits. They match the CPU backend to float32 rounding
// (the tolerances and the measured errors are in parity_test.go).
//
// # Capabilities and fallback
//
// New fails with an error wrapping ErrUnavailable, whose text says why,
// when there is no navigator.gpu (no WebGPU, or not a secure context),
// no adapter, an adapter whose limits fall short of RequiredLimits
// (they are requested explicitly), or a kernel that does not compile. A
// software adapter (SwiftShader) is refused too unless
// Options.AllowSoftware: it computes correctly but slower than the CPU
// backend, so automatic selection should use the CPU and say so.
//
// # Device loss
//
// A GPU device can be lost at any time (driver reset, GPU process crash,
// Destroy). Everything on it is gone and nothing can be read back. The
// backend notices (Lost is closed, Err returns an error wrapping
// ErrDeviceLost), records no more work, and fills Read's destination
// with NaN, so a step on a lost device yields a NaN loss rather than a
// hang or a panic. The recovery belongs to the caller, which holds the
// state that cannot be read back any more: the engine keeps a
// model.Snapshot (parameters, AdamW moments, step) taken every few steps
// and the batches trained since, and on a loss restores the snapshot into
// a model on a new backend (WebGPU re-created, else the CPU) and replays
// those batches. Training continues where it was; nothing is lost but the
// time to replay.
//
// # Sampling
//
// Generate reads one row of logits (V floats) back per sampled token and
// samples on the host. The bench program measures what that costs: the
// read's round trip is paid once per token, on top of the token's
// forward pass.
//
// # Measured on a real GPU
//
// On an NVIDIA H100 through wgpu on Vulkan (Deno 2.9.6 running the bench
// program: app/bench/page/deno.js has the commands; 2026-11-27): the
// matmul kernel reaches 16.6–22.4 TFLOP/s on 2048³ products (a quarter
// to a third of the card's float32 rate without tensor cores) but
// 0.3–15.7 TFLOP/s on the presets' products, too small to fill the card.
// A whole training step, one submit: nano 2.4 ms (211K tokens/s), tiny
// 5.0 ms (205K), small 15.3 ms (134K, 4.2 TFLOP/s), against 10.1K and
// 3.3K tokens/s for the WASM SIMD kernel on that machine's CPU. A
// read-back's round trip is about 11.5 ms there, several steps' worth: a
// run that reads its loss and gradient norm every step takes 31.9 / 34.7
// / 41.5 ms a step, so runs on a GPU read back at a pace in time
// (train.GPUReadEvery), which gives 2.9 / 5.6 / 15.9 ms. Sampling pays
// the round trip per token (13.3 ms a token for nano, 92% of it waiting
// for the read).
package webgpu
