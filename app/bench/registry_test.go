package main

import (
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"tinystages/model"
	"tinystages/model/cpu"
)

func TestRegistry(t *testing.T) {
	saved := registry
	defer func() { registry = saved }()
	registry = nil
	run := func(*Env) ([]Result, error) { return nil, nil }
	Register(Benchmark{Name: "train/b", Run: run}, Benchmark{Name: "gemm/a", Run: run}, Benchmark{Name: "train/a", Run: run})
	var names []string
	for _, b := range Selected(regexp.MustCompile("^train/")) {
		names = append(names, b.Name)
	}
	if got := strings.Join(names, " "); got != "train/a train/b" {
		t.Errorf("Selected(^train/) = %s, want train/a train/b", got)
	}
	if n := len(Selected(nil)); n != 3 {
		t.Errorf("Selected(nil) has %d benchmarks, want 3", n)
	}
	defer func() {
		if r := recover(); r == nil {
			t.Error("registering a name twice did not panic")
		}
	}()
	Register(Benchmark{Name: "gemm/a", Run: run})
}

// TestInterleave times two functions on a fake clock: one takes 1 ms a
// call, the other 2 ms except for a stretch of calls 10x slower (the
// machine busy with other work), which the median and the best round
// ignore.
func TestInterleave(t *testing.T) {
	clock := time.Unix(0, 0)
	defer func(saved func() time.Time) { now = saved }(now)
	now = func() time.Time { return clock }
	calls := 0
	fast := func() { clock = clock.Add(time.Millisecond) }
	slow := func() {
		calls++
		d := 2 * time.Millisecond
		if calls > 20 && calls <= 25 {
			d *= 10
		}
		clock = clock.Add(d)
	}
	secs := Interleave(Timing{Round: 10 * time.Millisecond, MinRounds: 5}, fast, slow)
	want := []Seconds{{Median: 0.001, Best: 0.001}, {Median: 0.002, Best: 0.002}}
	for i := range want {
		if math.Abs(secs[i].Median-want[i].Median) > 1e-12 || math.Abs(secs[i].Best-want[i].Best) > 1e-12 {
			t.Errorf("function %d: %+v, want %+v", i, secs[i], want[i])
		}
	}
}

// TestProfile runs a training step on a profiled CPU backend: every op
// the step uses is timed and counted, and the matmul count is the
// model's (4 forward and 8 backward per layer, the LM head's 3).
func TestProfile(t *testing.T) {
	cfg := model.Config{VocabSize: 32, MaxSeqLen: 8, NLayer: 2, NHead: 2, NEmbd: 16}
	p := NewProfile(cpu.New(nil))
	m, err := model.New(cfg, p, 1)
	if err != nil {
		t.Fatal(err)
	}
	b := randomBatchNative(2, 8, cfg.VocabSize)
	p.Reset()
	if _, err := m.TrainStep(b, model.DefaultOptim(1e-3, 10), 1e-3, true); err != nil {
		t.Fatal(err)
	}
	if got, want := p.Calls["MatMul"], 12*cfg.NLayer+3; got != want {
		t.Errorf("%d MatMul calls, want %d", got, want)
	}
	for _, op := range []string{"LayerNormForward", "AttentionBackward", "CrossEntropy", "AdamWUpdate", "Read"} {
		if p.Calls[op] == 0 {
			t.Errorf("%s not recorded", op)
		}
	}
	if p.Total() <= 0 || p.Ops()[0].Time < p.Ops()[len(p.Ops())-1].Time {
		t.Errorf("Total %v, Ops not sorted by time: %v", p.Total(), p.Ops())
	}
}

func randomBatchNative(B, T, V int) *model.Batch {
	w := make([][]int32, B)
	for i := range w {
		w[i] = make([]int32, T+1)
		for j := range w[i] {
			w[i][j] = int32((i*7 + j*3) % V)
		}
	}
	return model.NextTokenBatch(w)
}
