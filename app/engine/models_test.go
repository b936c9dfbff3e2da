package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"time"

	"tinystages/app/protocol"
	"tinystages/model/checkpoint"
)

// TestModelsRoundTrip trains a run, exports its model, imports the bundle
// and checks that the imported model is the same: the same samples at a
// fixed seed, the same bundle when exported again. A corrupt bundle is
// refused with a message naming the problem, and leaves the current model
// as it was. A run can then train the imported model further.
func TestModelsRoundTrip(t *testing.T) {
	files := toyCorpus(t)
	out := make(chan protocol.Message, 100000)
	cmds := make(chan protocol.Message, 16)
	s := &session{
		fetch: func(path string) ([]byte, error) {
			if d, ok := files[path]; ok {
				return d, nil
			}
			return nil, fmt.Errorf("fetching %s: %w", path, fs.ErrNotExist)
		},
		post:          func(m protocol.Message) { out <- m },
		selectBackend: selectBackend,
	}
	done := make(chan struct{})
	go func() { s.serve(cmds); close(done) }()
	defer func() { close(cmds); <-done }()

	b := newModels(s, newCPU)
	if r, _ := b.handle(protocol.ModelRequest{Kind: protocol.ModelExport, ID: 1}, nil); !strings.Contains(r.Error, "no model yet") {
		t.Errorf("export before any run: %+v", r)
	}

	// runToEnd runs st to its end and returns its first step's loss and
	// the model it started from.
	runToEnd := func(st protocol.Settings) (first float64, init string) {
		t.Helper()
		cmds <- protocol.Message{Kind: protocol.KindStart, Settings: &st}
		deadline := time.After(2 * time.Minute)
		for {
			select {
			case m := <-out:
				switch {
				case m.Kind == protocol.KindMetrics && m.Metrics.Step == 1:
					first = m.Metrics.Loss
				case m.Kind == protocol.KindState && m.State.Status != protocol.StatusIdle:
					init = m.State.Init
					if m.State.Status == protocol.StatusDone {
						return first, init
					}
				case m.Kind == protocol.KindError:
					t.Fatalf("engine error: %+v", *m.Error)
				}
			case <-deadline:
				t.Fatal("the run did not finish")
			}
		}
	}
	fresh, _ := runToEnd(settings(12))

	sample := func() string {
		t.Helper()
		r, _ := b.handle(protocol.ModelRequest{Kind: protocol.ModelSample, ID: 2, Seed: 7, Prompt: "The"}, nil)
		if r.Error != "" {
			t.Fatal(r.Error)
		}
		return r.Text
	}
	before := sample()
	r, bundle := b.handle(protocol.ModelRequest{Kind: protocol.ModelExport, ID: 3}, nil)
	if r.Error != "" || r.ID != 3 || r.Model == nil || r.Model.Source != "run" || r.Model.Steps != 12 || r.Model.Bytes != len(bundle) {
		t.Fatalf("export: %+v, %d bytes", r, len(bundle))
	}
	ck, err := checkpoint.ReadBundle(bundle)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Info.Preset != "nano" || ck.Info.Settings["seed"] == nil {
		t.Errorf("the bundle's info %+v does not say how the model was trained", ck.Info)
	}

	r, _ = b.handle(protocol.ModelRequest{Kind: protocol.ModelImport, ID: 4, Name: "mine.zip"}, bundle)
	if r.Error != "" || r.Model == nil || r.Model.Source != "imported" {
		t.Fatalf("import: %+v", r)
	}
	if after := sample(); after != before {
		t.Errorf("sample at seed 7: %q before export, %q after import", before, after)
	}
	if _, again := b.handle(protocol.ModelRequest{Kind: protocol.ModelExport}, nil); !bytes.Equal(again, bundle) {
		t.Error("exporting the imported model gives other bytes")
	}

	r, _ = b.handle(protocol.ModelRequest{Kind: protocol.ModelImport, ID: 5, Name: "broken.zip"}, bundle[:len(bundle)/2])
	if r.Error == "" || !strings.Contains(r.Error, "zip") || r.Model != nil {
		t.Errorf("import of a truncated bundle: %+v", r)
	}
	if after := sample(); after != before {
		t.Error("a failed import changed the current model")
	}

	// Trained further: a pre-training run from the imported model starts
	// where the exported run ended, well below a fresh model's first loss.
	st := settings(3)
	st.Init = protocol.CheckpointImported
	further, init := runToEnd(st)
	t.Logf("first loss: fresh model %.3f, imported model (12 steps) %.3f", fresh, further)
	if init != protocol.CheckpointImported || !(further < fresh-0.3) {
		t.Errorf("a run from the imported model started from %q with loss %.3f, want %q and below the fresh model's %.3f by 0.3", init, further, protocol.CheckpointImported, fresh)
	}
	if r, _ := b.handle(protocol.ModelRequest{Kind: protocol.ModelExport}, nil); r.Model == nil || r.Model.Source != "run" || r.Model.Steps != 3 {
		t.Errorf("after training the imported model further, the current model is %+v, want the run's", r.Model)
	}

	// A run's model is not read while it trains.
	busy := newModels(&session{run: s.run, status: protocol.StatusRunning}, newCPU)
	if r, _ := busy.handle(protocol.ModelRequest{Kind: protocol.ModelExport}, nil); !strings.Contains(r.Error, "pause") {
		t.Errorf("export while training: %+v", r)
	}
}

// TestTrainImportedWithoutImport: a run asked to train the imported model
// when none was imported fails with a message that says what to do, and
// nothing else starts.
func TestTrainImportedWithoutImport(t *testing.T) {
	h := newHarness(t, toyCorpus(t))
	st := settings(3)
	st.Init = protocol.CheckpointImported
	h.send(protocol.Message{Kind: protocol.KindStart, Settings: &st})
	msgs := h.until("the error", time.Minute, func(m protocol.Message) bool { return m.Kind == protocol.KindError })
	e := msgs[len(msgs)-1].Error
	if !strings.Contains(e.Message, "no imported model") || !strings.Contains(e.Message, "import a model bundle") {
		t.Errorf("error %+v, want one saying there is no imported model and how to import one", *e)
	}
	for _, m := range msgs {
		if m.Kind == protocol.KindMetrics {
			t.Errorf("a step ran: %+v", *m.Metrics)
		}
	}
}
