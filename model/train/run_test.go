package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"tinystages/model"
	"tinystages/model/cpu"
	"tinystages/model/tokenizer"
)

// toyDocs generates a small corpus with learnable structure: template
// sentences about invented things, in two sources of different quality.
func toyDocs(n int, seed uint64) []Doc {
	rng := rand.New(rand.NewPCG(seed, 9))
	names := []string{"Mira", "Tobin", "Aska", "Pell", "Orrin", "Vessa"}
	places := []string{"Kestrel Bay", "Dunmoor", "Lowfen", "Ashgrove"}
	things := []string{"lanterns", "boats", "maps", "bells", "clocks"}
	var docs []Doc
	for i := 0; i < n; i++ {
		src, q := "story", 0.9
		if i%4 == 3 {
			src, q = "forum", 0.4
		}
		var text []byte
		for s := 0; s < 6; s++ {
			text = fmt.Appendf(text, "%s lives in %s and makes %s. ",
				names[rng.IntN(len(names))], places[rng.IntN(len(places))], things[rng.IntN(len(things))])
		}
		docs = append(docs, Doc{Source: src, Quality: q, Text: text})
	}
	return docs
}

func toyRun(t *testing.T, steps int, seed uint64) []float64 {
	t.Helper()
	run := newToyRun(t, steps, seed)
	var vals []float64
	for !run.Done() {
		mt, err := run.Step()
		if err != nil {
			t.Fatal(err)
		}
		if !math.IsNaN(mt.ValLoss) {
			vals = append(vals, mt.ValLoss)
		}
	}
	return vals
}

// newToyRun is a run of a small model on the toy corpus.
func newToyRun(t *testing.T, steps int, seed uint64) *Run {
	t.Helper()
	docs := toyDocs(200, 1)
	raw := make([][]byte, len(docs))
	for i, d := range docs {
		raw[i] = d.Text
	}
	tok, err := tokenizer.Train(raw, 320, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := model.Config{VocabSize: tok.VocabSize(), MaxSeqLen: 32, NLayer: 2, NHead: 2, NEmbd: 32}
	m, err := model.New(cfg, cpu.New(nil), seed)
	if err != nil {
		t.Fatal(err)
	}
	trainC := Tokenize(tok, docs[:180], nil)
	valC := Tokenize(tok, docs[180:], nil)
	prod, err := NewNextToken(trainC, cfg.MaxSeqLen)
	if err != nil {
		t.Fatal(err)
	}
	s := Settings{Stage: StagePretrain, Preset: "nano", Steps: steps, Batch: 8, LR: 1e-2, Seed: seed, EvalEvery: 10}
	run, err := NewRun(s, m, tok, prod, NewValSet(valC, cfg.MaxSeqLen, 8))
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// TestRunReadPacing checks which steps read their loss back under
// LossEvery and ReadEvery, that the others say so (Unread, NaN loss and
// gradient norm), and that reading less changes nothing of the training.
func TestRunReadPacing(t *testing.T) {
	const steps = 10
	tests := []struct {
		name      string
		lossEvery int
		readEvery time.Duration
		read      []int // the steps (from 1) whose loss is read
	}{
		{"every step", 0, 0, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
		{"LossEvery 4", 4, 0, []int{1, 4, 8, 10}},
		{"ReadEvery an hour", 0, time.Hour, []int{1, 10}},
		{"ReadEvery 1ns", 4, time.Nanosecond, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
	}
	var final []float64
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run := newToyRun(t, steps, 3)
			run.LossEvery, run.ReadEvery = tc.lossEvery, tc.readEvery
			var read []int
			var last Metrics
			for !run.Done() {
				mt, err := run.Step()
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case !mt.Unread:
					read = append(read, mt.Step)
					if math.IsNaN(mt.Loss) || math.IsNaN(mt.GradNorm) || !(mt.TokensPerS > 0) {
						t.Errorf("step %d was read, but loss %v, grad norm %v, tokens/s %v", mt.Step, mt.Loss, mt.GradNorm, mt.TokensPerS)
					}
				case !math.IsNaN(mt.Loss) || !math.IsNaN(mt.GradNorm):
					t.Errorf("step %d is unread, but has loss %v, grad norm %v", mt.Step, mt.Loss, mt.GradNorm)
				}
				last = mt
			}
			if !slices.Equal(read, tc.read) {
				t.Errorf("read steps %v, want %v", read, tc.read)
			}
			if last.Tokens != steps*8*32 {
				t.Errorf("%d tokens trained, want %d", last.Tokens, steps*8*32)
			}
			final = append(final, last.Loss)
		})
	}
	for i, l := range final {
		if l != final[0] {
			t.Errorf("%s: last loss %v, want %v as when every step is read", tests[i].name, l, final[0])
		}
	}
}

// TestRunLearnsAndIsDeterministic trains a small model on the toy corpus:
// validation loss must fall by more than half, and a second run with the
// same seed must give bit-identical validation losses.
func TestRunLearnsAndIsDeterministic(t *testing.T) {
	a := toyRun(t, 60, 5)
	b := toyRun(t, 60, 5)
	first, last := a[0], a[len(a)-1]
	t.Logf("validation loss %.3f -> %.3f over 60 steps", first, last)
	if last > first/2 {
		t.Errorf("validation loss fell from %.3f to %.3f, want below half", first, last)
	}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("same seed, different losses at eval %d: %v vs %v", i, a[i], b[i])
		}
	}
}
