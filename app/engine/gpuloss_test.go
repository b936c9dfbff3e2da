package main

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"tinystages/model"
	"tinystages/model/compute"
	"tinystages/model/cpu"
	"tinystages/model/train"
)

// flaky is a CPU backend that can lose its "device", as WebGPU can: after
// lose (or fail, an error reported before the loss is), Read gives NaN and
// Err says why.
type flaky struct {
	*cpu.Backend
	lost   chan struct{}
	failed bool
}

func newFlaky() *flaky { return &flaky{Backend: cpu.New(nil), lost: make(chan struct{})} }

func (f *flaky) Lost() <-chan struct{} { return f.lost }
func (f *flaky) lose()                 { f.failed = true; close(f.lost) }
func (f *flaky) fail()                 { f.failed = true }

func (f *flaky) Err() error {
	if f.failed {
		return errors.New("device lost (unknown): simulated")
	}
	return nil
}

func (f *flaky) Read(dst []float32, src compute.Buffer) {
	if f.failed {
		for i := range dst {
			dst[i] = float32(math.NaN())
		}
		return
	}
	f.Backend.Read(dst, src)
}

// randomTokens is a producer of learnable random batches.
type randomTokens struct{ V int }

func (p randomTokens) Next(B, T int, rng *rand.Rand) *model.Batch {
	w := make([][]int32, B)
	for i := range w {
		w[i] = make([]int32, T+1)
		w[i][0] = int32(rng.IntN(p.V))
		for j := 1; j <= T; j++ {
			w[i][j] = (w[i][j-1]*5 + 1) % int32(p.V)
		}
	}
	return model.NextTokenBatch(w)
}

// smallRun is a run of steps steps of a one-layer model on be, learning
// randomTokens.
func smallRun(t *testing.T, be compute.Backend, steps int) *train.Run {
	t.Helper()
	cfg := model.Config{VocabSize: 29, MaxSeqLen: 8, NLayer: 1, NHead: 2, NEmbd: 16}
	st := train.DefaultSettings(train.StagePretrain, "nano")
	st.Steps, st.Batch, st.LR = steps, 3, 1e-2
	m, err := model.New(cfg, be, 1)
	if err != nil {
		t.Fatal(err)
	}
	run, err := train.NewRun(st, m, nil, randomTokens{cfg.VocabSize}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// TestLossGuard loses the device in the middle of a run and checks that
// the guarded run ends exactly where an uninterrupted run does.
func TestLossGuard(t *testing.T) {
	newRun := func(be compute.Backend) *train.Run { return smallRun(t, be, 12) }

	ref := newRun(cpu.New(nil))
	var want []float64
	for !ref.Done() {
		mt, err := ref.Step()
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, mt.Loss)
	}

	for _, tt := range []struct {
		name        string
		breakDevice func(*flaky)
	}{{"lost", (*flaky).lose}, {"error before the loss", (*flaky).fail}} {
		t.Run(tt.name, func(t *testing.T) {
			dev := newFlaky()
			run := newRun(dev)
			var switched string
			g := guardRun(run, dev, 4, func(lost error) (compute.Backend, string, string) {
				be := cpu.New(nil)
				return be, be.Name(), "the GPU was lost"
			})
			if g == nil {
				t.Fatal("no guard for a backend that can be lost")
			}
			var got []float64
			for !run.Done() {
				if run.StepsDone() == 6 {
					tt.breakDevice(dev) // during step 7: two steps after the snapshot at 4
				}
				mt, err := run.Step()
				if err != nil {
					t.Fatal(err)
				}
				rec, name, why, err := g.afterStep(run, &mt)
				if err != nil {
					t.Fatal(err)
				}
				if rec {
					switched = name + ": " + why
					t.Logf("recovered: %s", switched)
				}
				got = append(got, mt.Loss)
			}
			if !strings.Contains(switched, "resumed from the snapshot at step 4, replayed 3 steps") {
				t.Errorf("switch message %q", switched)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("step %d: loss %v, uninterrupted run %v", i+1, got[i], want[i])
				}
			}
			pw, pg := ref.Model.Params(), run.Model.Params()
			for i := range pw {
				if pw[i] != pg[i] {
					t.Fatalf("parameter %d: %v after recovery, %v uninterrupted", i, pg[i], pw[i])
				}
			}
			if _, ok := run.Producer.(*recording); ok {
				t.Error("still recording batches after moving to a backend that cannot be lost")
			}
		})
	}
}

// TestPaceReads checks that a run on a GPU reads its loss back at a pace
// in time, not every step, and every step again once it has moved to the
// CPU after losing its device.
func TestPaceReads(t *testing.T) {
	dev := newFlaky()
	run := smallRun(t, dev, 40)
	run.PaceReads(dev)
	if run.ReadEvery != train.GPUReadEvery {
		t.Fatalf("ReadEvery %v on a GPU, want %v", run.ReadEvery, train.GPUReadEvery)
	}
	g := guardRun(run, dev, 10, func(error) (compute.Backend, string, string) {
		be := cpu.New(nil)
		return be, be.Name(), "moved to the CPU"
	})
	unread := map[bool]int{} // by whether the device was lost
	for !run.Done() {
		if run.StepsDone() == 20 {
			dev.lose()
		}
		mt, err := run.Step()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := g.afterStep(run, &mt); err != nil {
			t.Fatal(err)
		}
		if mt.Unread {
			unread[run.StepsDone() > 20]++
		}
	}
	// steps of this model take well under a millisecond: on the "GPU" all
	// but the first of its 20 steps go unread; on the CPU none
	if unread[false] < 15 || unread[true] != 0 {
		t.Errorf("unread steps: %d of 20 on the GPU (want at least 15), %d of 20 after moving to the CPU (want 0)", unread[false], unread[true])
	}
	if run.ReadEvery != 0 {
		t.Errorf("ReadEvery %v after moving to the CPU, want 0", run.ReadEvery)
	}
}
