package main

import (
	"sort"
	"time"

	"tinystages/model/compute"
)

// Profile is a compute.Backend that times every op of the backend it
// wraps: where a training step spends its time, op by op. The timed
// backend must run ops synchronously (the CPU backends do); for an
// asynchronous one the times are those of recording the ops.
type Profile struct {
	compute.Backend
	Time  map[string]time.Duration
	Calls map[string]int
}

// NewProfile wraps be.
func NewProfile(be compute.Backend) *Profile {
	return &Profile{Backend: be, Time: map[string]time.Duration{}, Calls: map[string]int{}}
}

// Reset forgets the times so far.
func (p *Profile) Reset() {
	clear(p.Time)
	clear(p.Calls)
}

// Total is the time spent in all ops.
func (p *Profile) Total() time.Duration {
	var t time.Duration
	for _, d := range p.Time {
		t += d
	}
	return t
}

// OpTime is the time of one op.
type OpTime struct {
	Op    string
	Time  time.Duration
	Calls int
}

// Ops returns the ops, most time first.
func (p *Profile) Ops() []OpTime {
	var out []OpTime
	for op, d := range p.Time {
		out = append(out, OpTime{op, d, p.Calls[op]})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Time != out[j].Time {
			return out[i].Time > out[j].Time
		}
		return out[i].Op < out[j].Op
	})
	return out
}

func (p *Profile) done(op string, start time.Time) {
	p.Time[op] += time.Since(start)
	p.Calls[op]++
}

// Write implements compute.Backend, timed.
func (p *Profile) Write(dst compute.Buffer, src []float32) {
	defer p.done("Write", time.Now())
	p.Backend.Write(dst, src)
}

// WriteIndex implements compute.Backend, timed.
func (p *Profile) WriteIndex(dst compute.Index, src []int32) {
	defer p.done("WriteIndex", time.Now())
	p.Backend.WriteIndex(dst, src)
}

// Read implements compute.Backend, timed.
func (p *Profile) Read(dst []float32, src compute.Buffer) {
	defer p.done("Read", time.Now())
	p.Backend.Read(dst, src)
}

// Zero implements compute.Backend, timed.
func (p *Profile) Zero(x compute.Buffer) {
	defer p.done("Zero", time.Now())
	p.Backend.Zero(x)
}

// Copy implements compute.Backend, timed.
func (p *Profile) Copy(dst, src compute.Buffer) {
	defer p.done("Copy", time.Now())
	p.Backend.Copy(dst, src)
}

// Add implements compute.Backend, timed.
func (p *Profile) Add(out, a, b compute.Buffer) {
	defer p.done("Add", time.Now())
	p.Backend.Add(out, a, b)
}

// Accumulate implements compute.Backend, timed.
func (p *Profile) Accumulate(dst, src compute.Buffer) {
	defer p.done("Accumulate", time.Now())
	p.Backend.Accumulate(dst, src)
}

// EncoderForward implements compute.Backend, timed.
func (p *Profile) EncoderForward(out compute.Buffer, tokens compute.Index, wte, wpe compute.Buffer, B, T, C, pos0 int) {
	defer p.done("EncoderForward", time.Now())
	p.Backend.EncoderForward(out, tokens, wte, wpe, B, T, C, pos0)
}

// EncoderBackward implements compute.Backend, timed.
func (p *Profile) EncoderBackward(dwte, dwpe, dout compute.Buffer, tokens compute.Index, B, T, C int) {
	defer p.done("EncoderBackward", time.Now())
	p.Backend.EncoderBackward(dwte, dwpe, dout, tokens, B, T, C)
}

// LayerNormForward implements compute.Backend, timed.
func (p *Profile) LayerNormForward(out, mean, rstd, inp, w, b compute.Buffer, N, C int) {
	defer p.done("LayerNormForward", time.Now())
	p.Backend.LayerNormForward(out, mean, rstd, inp, w, b, N, C)
}

// LayerNormBackward implements compute.Backend, timed.
func (p *Profile) LayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd compute.Buffer, N, C int) {
	defer p.done("LayerNormBackward", time.Now())
	p.Backend.LayerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd, N, C)
}

// MatMul implements compute.Backend, timed.
func (p *Profile) MatMul(c, a, b, bias compute.Buffer, M, N, K int, transA, transB, accumulate bool) {
	defer p.done("MatMul", time.Now())
	p.Backend.MatMul(c, a, b, bias, M, N, K, transA, transB, accumulate)
}

// BiasBackward implements compute.Backend, timed.
func (p *Profile) BiasBackward(dbias, dout compute.Buffer, N, C int) {
	defer p.done("BiasBackward", time.Now())
	p.Backend.BiasBackward(dbias, dout, N, C)
}

// AttentionForward implements compute.Backend, timed.
func (p *Profile) AttentionForward(out, att, qkv, kv compute.Buffer, B, Tq, Tk, pos0, C, NH int) {
	defer p.done("AttentionForward", time.Now())
	p.Backend.AttentionForward(out, att, qkv, kv, B, Tq, Tk, pos0, C, NH)
}

// AttentionBackward implements compute.Backend, timed.
func (p *Profile) AttentionBackward(dqkv, datt, dout, qkv, att compute.Buffer, B, T, C, NH int) {
	defer p.done("AttentionBackward", time.Now())
	p.Backend.AttentionBackward(dqkv, datt, dout, qkv, att, B, T, C, NH)
}

// KVStore implements compute.Backend, timed.
func (p *Profile) KVStore(kv, qkv compute.Buffer, B, Tq, Tk, pos0, C int) {
	defer p.done("KVStore", time.Now())
	p.Backend.KVStore(kv, qkv, B, Tq, Tk, pos0, C)
}

// GeluForward implements compute.Backend, timed.
func (p *Profile) GeluForward(out, inp compute.Buffer) {
	defer p.done("GeluForward", time.Now())
	p.Backend.GeluForward(out, inp)
}

// GeluBackward implements compute.Backend, timed.
func (p *Profile) GeluBackward(dinp, inp, dout compute.Buffer) {
	defer p.done("GeluBackward", time.Now())
	p.Backend.GeluBackward(dinp, inp, dout)
}

// CrossEntropy implements compute.Backend, timed.
func (p *Profile) CrossEntropy(losses, dlogits, logits compute.Buffer, targets compute.Index, weights compute.Buffer, N, V int, scale float32) {
	defer p.done("CrossEntropy", time.Now())
	p.Backend.CrossEntropy(losses, dlogits, logits, targets, weights, N, V, scale)
}

// SumSquares implements compute.Backend, timed.
func (p *Profile) SumSquares(out, x compute.Buffer) {
	defer p.done("SumSquares", time.Now())
	p.Backend.SumSquares(out, x)
}

// AdamWUpdate implements compute.Backend, timed.
func (p *Profile) AdamWUpdate(params, grads, m, v, sumSq compute.Buffer, a compute.AdamW) {
	defer p.done("AdamWUpdate", time.Now())
	p.Backend.AdamWUpdate(params, grads, m, v, sumSq, a)
}
