// Package model is tinystages' transformer: GPT-2 (learned positions,
// pre-LayerNorm blocks, causal multi-head attention, a 4x GELU MLP, a
// final LayerNorm and an LM head tied to the token embedding), written as
// llm.c writes it: one forward and one backward per layer, side by side,
// with the shapes in comments, over a few flat buffers with named views.
//
// The model is written against compute.Backend, so the same code trains on
// the CPU (package cpu: gonum natively, pure Go or WASM SIMD in the
// browser) and on WebGPU.
//
// The teaching idea lives in Batch: every training stage — pre-training,
// mid-training, SFT, RL, DPO, on-policy distillation — is a producer of
// (tokens, targets, weight per target) batches, and the model has one loss,
// sum_t w_t·CE(logits_t, target_t) / norm.
//
// A training step is
//
//	m.ZeroGrad()
//	m.Forward(batch)  // activations, per-token cross-entropy
//	m.Backward()      // gradients of the weighted loss
//	m.Update(optim, lr)
//
// (TrainStep does the four). Generate samples with a KV cache, and
// Forward plus TokenLosses gives the log-probabilities of given
// continuations, which RL, DPO and distillation need.
package model
