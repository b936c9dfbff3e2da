package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"tinystages/app/protocol"
	"tinystages/datasets/manifest"
	"tinystages/datasets/record"
)

// toyCorpus returns the files of a small pre-training dataset: a manifest
// and train and eval JSONL files of documents from three sources.
func toyCorpus(t *testing.T) map[string][]byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("the cat sat on a mat and the dog ran to the red house while birds sang in old green trees near water")
	sources := []struct {
		name string
		q    float64
	}{{"encyclopedia", 0.9}, {"forum", 0.4}, {"spam", 0.1}}
	files := map[string][]byte{}
	var mfiles []manifest.File
	for _, split := range []string{"train", "eval"} {
		n := 300
		if split == "eval" {
			n = 40
		}
		var b strings.Builder
		for i := 0; i < n; i++ {
			src := sources[i%len(sources)]
			var text []string
			for j := 0; j < 30+rng.IntN(30); j++ {
				text = append(text, words[rng.IntN(len(words))])
			}
			line, _ := json.Marshal(record.Document{ID: fmt.Sprintf("%s-%s-%d", split, src.name, i), Source: src.name, Quality: src.q, Text: strings.Join(text, " ") + "."})
			b.Write(line)
			b.WriteByte('\n')
		}
		name := "pretrain." + split + ".jsonl"
		files["datasets/"+name] = []byte(b.String())
		mfiles = append(mfiles, manifest.File{Name: name, Split: split, Records: n})
	}
	m := manifest.Manifest{Version: manifest.Version, Datasets: []manifest.Dataset{
		{Name: "pretrain", Stage: manifest.StagePretraining, Format: "document", Files: mfiles},
	}}
	data, _ := json.Marshal(m)
	files["datasets/manifest.json"] = data
	return files
}

type harness struct {
	t      *testing.T
	cmds   chan protocol.Message
	out    chan protocol.Message
	done   chan struct{}
	fetchN atomic.Int32
}

func newHarness(t *testing.T, files map[string][]byte) *harness {
	return newStageHarness(t, func(path string) ([]byte, bool) {
		d, ok := files[path]
		return d, ok
	})
}

func (h *harness) send(m protocol.Message) { h.cmds <- m }

// until reads messages until match returns true, failing after timeout;
// it returns every message read.
func (h *harness) until(what string, timeout time.Duration, match func(protocol.Message) bool) []protocol.Message {
	h.t.Helper()
	var seen []protocol.Message
	deadline := time.After(timeout)
	for {
		select {
		case m := <-h.out:
			seen = append(seen, m)
			if m.Kind == protocol.KindError {
				h.t.Logf("engine error: %+v", *m.Error)
			}
			if match(m) {
				return seen
			}
		case <-deadline:
			h.t.Fatalf("no %s within %v; saw %d messages", what, timeout, len(seen))
		}
	}
}

func state(st protocol.Status) func(protocol.Message) bool {
	return func(m protocol.Message) bool { return m.Kind == protocol.KindState && m.State.Status == st }
}

func settings(steps int) protocol.Settings {
	s := protocol.DefaultSettings("nano")
	s.Steps, s.Batch, s.Backend = steps, 4, protocol.BackendCPU
	return s
}

func TestSessionTrains(t *testing.T) {
	h := newHarness(t, toyCorpus(t))
	s := settings(40)
	s.LR = 0.01
	h.send(protocol.Message{Kind: protocol.KindStart, Settings: &s})
	msgs := h.until("done", 120*time.Second, state(protocol.StatusDone))

	var phases []string
	var losses []float64
	var samples []int
	var sawDataset, sawVal bool
	for _, m := range msgs {
		switch m.Kind {
		case protocol.KindProgress:
			if len(phases) == 0 || phases[len(phases)-1] != m.Progress.Phase {
				phases = append(phases, m.Progress.Phase)
			}
			if m.Progress.Total > 0 && m.Progress.Done > m.Progress.Total {
				t.Errorf("progress %d of %d", m.Progress.Done, m.Progress.Total)
			}
		case protocol.KindDataset:
			sawDataset = m.Dataset.Doc != nil && m.Dataset.Kept == 300
		case protocol.KindMetrics:
			if m.Metrics.Step != len(losses)+1 {
				t.Fatalf("metrics for step %d after %d steps", m.Metrics.Step, len(losses))
			}
			losses = append(losses, m.Metrics.Loss)
			if m.Metrics.ValLoss != nil && len(m.Metrics.ValBySource) == 3 {
				sawVal = true
			}
		case protocol.KindSample:
			samples = append(samples, m.Sample.Step)
		case protocol.KindState:
			if m.State.Status == protocol.StatusRunning && !strings.HasPrefix(m.State.Backend, "CPU") {
				t.Errorf("running on backend %q, want the CPU", m.State.Backend)
			}
		}
	}
	wantPhases := []string{protocol.PhaseLoading, protocol.PhaseTokenizer, protocol.PhaseTokenize, protocol.PhaseModel}
	if strings.Join(phases, ",") != strings.Join(wantPhases, ",") {
		t.Errorf("phases %q, want %q", phases, wantPhases)
	}
	if len(losses) != 40 {
		t.Fatalf("%d steps reported, want 40", len(losses))
	}
	first, last := mean(losses[:3]), mean(losses[len(losses)-3:])
	t.Logf("loss %.3f -> %.3f over %d steps", first, last, len(losses))
	if last > first-1.0 {
		t.Errorf("loss went from %.3f to %.3f; want a fall of at least 1.0", first, last)
	}
	if !sawDataset || !sawVal {
		t.Errorf("dataset message with a document: %v; validation by source: %v", sawDataset, sawVal)
	}
	if fmt.Sprint(samples) != "[0 10 20 30 40]" {
		t.Errorf("samples at steps %v, want [0 10 20 30 40]", samples)
	}
	var done *protocol.Done
	for _, m := range msgs {
		if m.Kind == protocol.KindDone {
			done = m.Done
		}
	}
	if done == nil || done.Step != 40 || done.ValLoss == nil {
		t.Errorf("done = %+v, want step 40 with a validation loss", done)
	}
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func TestSessionPauseResumeReset(t *testing.T) {
	h := newHarness(t, toyCorpus(t))
	s := settings(100000)
	h.send(protocol.Message{Kind: protocol.KindStart, Settings: &s})
	h.until("step 3", 60*time.Second, func(m protocol.Message) bool { return m.Kind == protocol.KindMetrics && m.Metrics.Step == 3 })
	h.send(protocol.Message{Kind: protocol.KindPause})
	msgs := h.until("paused", 10*time.Second, state(protocol.StatusPaused))
	paused := 3
	for _, m := range msgs {
		if m.Kind == protocol.KindMetrics {
			paused = m.Metrics.Step
		}
		if m.Kind == protocol.KindState {
			if m.State.Step != paused {
				t.Errorf("paused state says step %d, last metrics step %d", m.State.Step, paused)
			}
		}
	}
	select {
	case m := <-h.out:
		t.Fatalf("engine sent %s while paused", m.Kind)
	case <-time.After(300 * time.Millisecond):
	}
	h.send(protocol.Message{Kind: protocol.KindResume})
	msgs = h.until("a step after resuming", 10*time.Second, func(m protocol.Message) bool { return m.Kind == protocol.KindMetrics })
	if got := msgs[len(msgs)-1].Metrics.Step; got != paused+1 {
		t.Errorf("first step after resume is %d, want %d", got, paused+1)
	}

	fetches := h.fetchN.Load()
	h.send(protocol.Message{Kind: protocol.KindReset})
	h.until("idle", 10*time.Second, state(protocol.StatusIdle))
	h.send(protocol.Message{Kind: protocol.KindStart, Settings: &s})
	msgs = h.until("step 1 of a new run", 60*time.Second, func(m protocol.Message) bool { return m.Kind == protocol.KindMetrics })
	if got := msgs[len(msgs)-1].Metrics.Step; got != 1 {
		t.Errorf("after reset the new run starts at step %d", got)
	}
	for _, m := range msgs {
		if m.Kind == protocol.KindProgress && m.Progress.Phase == protocol.PhaseTokenizer && m.Progress.Done == 0 {
			t.Error("the tokenizer was trained again after a reset")
		}
	}
	if n := h.fetchN.Load(); n != fetches {
		t.Errorf("the data was fetched again after a reset (%d more fetches)", n-fetches)
	}
}

func TestSessionInspect(t *testing.T) {
	h := newHarness(t, toyCorpus(t))
	h.send(protocol.Message{Kind: protocol.KindInspect, Inspect: &protocol.Inspect{Seed: 1, MinQuality: 0.5}})
	msgs := h.until("dataset", 10*time.Second, func(m protocol.Message) bool { return m.Kind == protocol.KindDataset })
	ds := msgs[len(msgs)-1].Dataset
	if ds.Documents != 300 || ds.Kept != 100 || ds.Doc == nil || ds.Doc.Quality < 0.5 {
		t.Errorf("dataset at min quality 0.5 = %d docs, %d kept, doc %+v; want 300, 100 and a kept doc", ds.Documents, ds.Kept, ds.Doc)
	}
	for _, sc := range ds.Sources {
		if (sc.Source == "encyclopedia") != (sc.Kept == sc.Documents) {
			t.Errorf("source %+v: only the encyclopedia passes 0.5", sc)
		}
	}
	seen := map[string]bool{}
	for seed := uint64(1); seed <= 5; seed++ {
		h.send(protocol.Message{Kind: protocol.KindInspect, Inspect: &protocol.Inspect{Seed: seed}})
		msgs := h.until("dataset", 10*time.Second, func(m protocol.Message) bool { return m.Kind == protocol.KindDataset })
		seen[msgs[len(msgs)-1].Dataset.Doc.ID] = true
	}
	if len(seen) < 3 {
		t.Errorf("5 seeds gave %d different documents", len(seen))
	}
}

func TestSessionErrors(t *testing.T) {
	t.Run("bad settings", func(t *testing.T) {
		h := newHarness(t, toyCorpus(t))
		s := settings(10)
		s.Batch = 0
		h.send(protocol.Message{Kind: protocol.KindStart, Settings: &s})
		msgs := h.until("failed", 10*time.Second, state(protocol.StatusFailed))
		if e := findError(msgs); e == nil || !strings.Contains(e.Message, "batch") {
			t.Errorf("error %+v, want one naming batch", e)
		}
	})
	t.Run("no datasets", func(t *testing.T) {
		h := newHarness(t, map[string][]byte{})
		s := settings(10)
		h.send(protocol.Message{Kind: protocol.KindStart, Settings: &s})
		msgs := h.until("failed", 10*time.Second, state(protocol.StatusFailed))
		e := findError(msgs)
		if e == nil || e.Phase != protocol.PhaseLoading || !strings.Contains(e.Message, "make run") {
			t.Errorf("error %+v, want a loading error that says how to build the datasets", e)
		}
	})
	t.Run("filter keeps nothing", func(t *testing.T) {
		h := newHarness(t, toyCorpus(t))
		s := settings(10)
		s.MinQuality = 0.95
		h.send(protocol.Message{Kind: protocol.KindStart, Settings: &s})
		msgs := h.until("failed", 60*time.Second, state(protocol.StatusFailed))
		if e := findError(msgs); e == nil || !strings.Contains(e.Message, "quality") {
			t.Errorf("error %+v, want one about the quality filter", e)
		}
	})
	t.Run("corrupt corpus", func(t *testing.T) {
		files := toyCorpus(t)
		files["datasets/pretrain.train.jsonl"] = append(files["datasets/pretrain.train.jsonl"], "{not json\n"...)
		h := newHarness(t, files)
		s := settings(10)
		h.send(protocol.Message{Kind: protocol.KindStart, Settings: &s})
		msgs := h.until("failed", 10*time.Second, state(protocol.StatusFailed))
		if e := findError(msgs); e == nil || !strings.Contains(e.Message, "pretrain.train.jsonl:301") {
			t.Errorf("error %+v, want the file and line", e)
		}
	})
}

func findError(msgs []protocol.Message) *protocol.Error {
	for _, m := range msgs {
		if m.Kind == protocol.KindError {
			return m.Error
		}
	}
	return nil
}

func TestSelectBackend(t *testing.T) {
	for _, pref := range protocol.Backends {
		be, name, why := selectBackend(pref)
		if be == nil || name == "" {
			t.Fatalf("selectBackend(%q) gave no backend", pref)
		}
		// auto falls back to the CPU, with a reason, only where there is a
		// WebGPU to try (the browser build) and it cannot run
		fallback := pref == protocol.BackendWebGPU && !strings.HasPrefix(name, "WebGPU") ||
			pref == protocol.BackendAuto && newWebGPU != nil && !strings.HasPrefix(name, "WebGPU")
		if fallback != (why != "") {
			t.Errorf("selectBackend(%q) reason %q: only a fallback has a reason", pref, why)
		}
	}
}
