// Package compute defines Backend, the set of tensor operations the
// transformer in package model is written in.
//
// A backend owns its memory. Buffers live where the backend computes (a Go
// slice for the CPU backends, a GPUBuffer for WebGPU), so a training step
// moves no tensor between host and device: the host writes the batch
// (tokens, targets, weights) and, now and then, reads a loss back.
//
// Conventions shared by every op:
//
//   - All tensors are row-major float32 (Buffer) or int32 (Index).
//     Shapes are given in the op's doc comment as [rows, cols] or
//     [B, T, C]: B sequences, T positions, C channels.
//   - Views handed to ops start at a multiple of Align elements, so that a
//     GPU backend can bind them (WebGPU's minStorageBufferOffsetAlignment).
//     Read and Write accept any view.
//   - Forward ops overwrite their outputs. Backward ops ADD into their
//     gradient outputs (dst += ...), as in llm.c: gradients of tensors used
//     on two paths (the residual stream, the tied embedding) simply
//     accumulate, and the caller zeroes gradient buffers once per step.
//   - Ops may run asynchronously. Results are visible to later ops in
//     program order; Read waits for everything before it. Flush submits
//     pending work without waiting.
//   - Caller mistakes (a shape that does not fit a buffer) panic with a
//     "compute: " prefixed message; backends check sizes on entry.
package compute

// Align is the element alignment of views handed to ops (64 float32 =
// 256 bytes, WebGPU's minimum storage buffer offset alignment).
const Align = 64

// AlignUp rounds n up to a multiple of Align.
func AlignUp(n int) int { return (n + Align - 1) / Align * Align }

// Buffer is float32 memory owned by a backend.
type Buffer interface {
	// Len is the number of float32 elements in the view.
	Len() int
	// Slice returns the view of n elements starting at off. No copy.
	Slice(off, n int) Buffer
}

// Index is int32 memory owned by a backend (token ids, targets).
type Index interface {
	// Len is the number of int32 elements in the view.
	Len() int
	// Slice returns the view of n elements starting at off. No copy.
	Slice(off, n int) Index
}

// AdamW holds the hyper-parameters of one AdamW update.
type AdamW struct {
	LR          float32 // learning rate of this step
	Beta1       float32 // first moment decay, e.g. 0.9
	Beta2       float32 // second moment decay, e.g. 0.95
	Eps         float32 // denominator epsilon, e.g. 1e-8
	WeightDecay float32 // decoupled weight decay, 0 for norms, biases, embeddings
	Step        int     // 1-based step number, for bias correction
	ClipNorm    float32 // global gradient norm limit; 0 disables clipping
}

// Losable is implemented by a backend whose device can be lost, a GPU's
// (model/webgpu): Lost is closed then, and Err says why. A run on such a
// backend reads results back sparingly and keeps host snapshots to
// survive the loss (app/engine).
type Losable interface {
	Lost() <-chan struct{}
	Err() error
}

// Backend is the op set of the transformer: everything a training step,
// an evaluation and KV-cached sampling need.
type Backend interface {
	// Name says what runs, for people: "CPU (gonum)", "WebGPU (SwiftShader)".
	Name() string

	// NewBuffer allocates n zeroed float32 elements.
	NewBuffer(n int) Buffer
	// NewIndex allocates n zeroed int32 elements.
	NewIndex(n int) Index
	// Write copies src into dst (len(src) == dst.Len()).
	Write(dst Buffer, src []float32)
	// WriteIndex copies src into dst (len(src) == dst.Len()).
	WriteIndex(dst Index, src []int32)
	// Read copies src into dst (len(dst) == src.Len()), waiting for every
	// op recorded before it.
	Read(dst []float32, src Buffer)
	// Flush submits recorded work without waiting for it.
	Flush()

	// Zero sets x to 0.
	Zero(x Buffer)
	// Copy sets dst = src.
	Copy(dst, src Buffer)
	// Add sets out = a + b elementwise (the residual connection).
	Add(out, a, b Buffer)
	// Accumulate sets dst += src elementwise (the residual backward).
	Accumulate(dst, src Buffer)

	// EncoderForward sets out[b,t,:] = wte[tokens[b,t],:] + wpe[pos0+t,:].
	// out [B,T,C], tokens [B,T], wte [V,C], wpe [maxT,C].
	EncoderForward(out Buffer, tokens Index, wte, wpe Buffer, B, T, C, pos0 int)
	// EncoderBackward adds dout into the rows of dwte and dwpe it came from.
	// Positions start at 0. dwte [V,C], dwpe [maxT,C], dout [B,T,C].
	EncoderBackward(dwte, dwpe, dout Buffer, tokens Index, B, T, C int)

	// LayerNormForward normalises each row of inp [N,C] (epsilon 1e-5),
	// scales by w [C] and shifts by b [C] into out [N,C]; it saves the
	// row means and reciprocal standard deviations, mean [N], rstd [N].
	LayerNormForward(out, mean, rstd, inp, w, b Buffer, N, C int)
	// LayerNormBackward adds the gradients of inp, w and b.
	LayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd Buffer, N, C int)

	// MatMul sets c [M,N] = op(a) op(b) (+ bias) (+ c if accumulate), where
	// op(a) is [M,K] (a is [K,M] when transA), op(b) is [K,N] (b is [N,K]
	// when transB), and bias [N], broadcast over rows, may be nil.
	// These are the three products of a linear layer y = x W + bias with
	// W [in,out]: forward (NN), input gradient (NT), weight gradient (TN).
	MatMul(c, a, b, bias Buffer, M, N, K int, transA, transB, accumulate bool)
	// BiasBackward adds the column sums of dout [N,C] into dbias [C].
	BiasBackward(dbias, dout Buffer, N, C int)

	// AttentionForward is causal multi-head self-attention for Tq query
	// positions pos0..pos0+Tq-1 of B sequences. Queries come from qkv
	// [B,Tq,3C]; keys and values from kv [B,Tk,3C] (the KV cache; the same
	// buffer as qkv when training, with Tq == Tk and pos0 == 0). Each row
	// of qkv and kv is [q | k | v], each C wide, NH heads of C/NH. Query
	// i attends keys 0..pos0+i. It writes out [B,Tq,C] and the attention
	// probabilities att [B,NH,Tq,Tk] (zero above the causal limit).
	AttentionForward(out, att, qkv, kv Buffer, B, Tq, Tk, pos0, C, NH int)
	// AttentionBackward adds the gradient of qkv [B,T,3C] for the
	// training form (Tq == Tk == T, pos0 == 0), given dout [B,T,C], the
	// saved att [B,NH,T,T] and scratch datt [B,NH,T,T].
	AttentionBackward(dqkv, datt, dout, qkv, att Buffer, B, T, C, NH int)
	// KVStore copies qkv [B,Tq,3C] into rows pos0..pos0+Tq-1 of the cache
	// kv [B,Tk,3C].
	KVStore(kv, qkv Buffer, B, Tq, Tk, pos0, C int)

	// GeluForward sets out = GELU(inp), tanh form (GPT-2's gelu_new).
	GeluForward(out, inp Buffer)
	// GeluBackward adds dout * GELU'(inp) into dinp.
	GeluBackward(dinp, inp, dout Buffer)

	// CrossEntropy takes logits [N,V] and targets [N]. It writes
	// losses[i] = -log softmax(logits[i])[targets[i]], the unweighted
	// per-token cross-entropy (0 where targets[i] < 0). If dlogits is not
	// nil it also sets dlogits[i] = (softmax(logits[i]) - onehot) *
	// weights[i] * scale, the gradient of sum_i weights[i]*losses[i]*scale.
	// dlogits must not alias logits.
	CrossEntropy(losses, dlogits, logits Buffer, targets Index, weights Buffer, N, V int, scale float32)

	// SumSquares sets out[0] = sum of x*x (for the global gradient norm).
	SumSquares(out, x Buffer)
	// AdamWUpdate updates params in place from grads with moments m and v.
	// sumSq [1] holds the squared global gradient norm from SumSquares:
	// when p.ClipNorm > 0 and the norm exceeds it, the gradients are
	// scaled by ClipNorm/(norm+1e-6) before the update.
	AdamWUpdate(params, grads, m, v, sumSq Buffer, p AdamW)
}
