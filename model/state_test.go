package model

import (
	"errors"
	"math/rand/v2"
	"testing"

	"tinystages/model/cpu"
)

// TestSnapshotRestore checks that training resumed from a Snapshot on a
// fresh model continues bit for bit like the original.
func TestSnapshotRestore(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	batches := make([]*Batch, 5)
	for i := range batches {
		batches[i] = randomBatch(rng, testConfig, 2, 7, i%2 == 1)
	}
	o := DefaultOptim(1e-2, len(batches))
	a, _ := New(testConfig, cpu.New(nil), 1)
	for i := 0; i < 2; i++ {
		if _, err := a.TrainStep(batches[i], o, o.LRAt(i), false); err != nil {
			t.Fatal(err)
		}
	}
	snap := a.Snapshot()
	b, _ := New(testConfig, cpu.New(nil), 99)
	if err := b.Restore(snap); err != nil {
		t.Fatal(err)
	}
	if b.Step() != 2 {
		t.Fatalf("restored step %d, want 2", b.Step())
	}
	for i := 2; i < len(batches); i++ {
		la, _ := a.TrainStep(batches[i], o, o.LRAt(i), true)
		lb, _ := b.TrainStep(batches[i], o, o.LRAt(i), true)
		if la != lb {
			t.Errorf("step %d: resumed loss %v, original %v", i, lb, la)
		}
	}
	pa, pb := a.Params(), b.Params()
	for i := range pa {
		if pa[i] != pb[i] {
			t.Fatalf("param %d: resumed %v, original %v", i, pb[i], pa[i])
		}
	}
	bad := *snap
	bad.M = bad.M[:10]
	if err := b.Restore(&bad); !errors.Is(err, ErrBadSnapshot) {
		t.Errorf("Restore of a short snapshot: got %v, want ErrBadSnapshot", err)
	}
}
