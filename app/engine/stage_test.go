package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"tinystages/app/protocol"
	"tinystages/datasets/datasetstest"
	"tinystages/model"
	"tinystages/model/checkpoint"
	"tinystages/model/cpu"
	"tinystages/model/train"
)

// shippedFiles serves the shipped datasets (web/datasets) and nano
// checkpoints made here with the shipped tokenizer in place of the shipped
// ones (which take an hour to make): the stage paths of the engine, not
// the quality of the checkpoints, are under test.
func shippedFiles(t *testing.T, ckpts ...string) func(path string) ([]byte, bool) {
	t.Helper()
	dir := filepath.Join("..", "..", "web", "datasets")
	tok := datasetstest.Tokenizer(t, dir)
	files := map[string][]byte{}
	for i, name := range ckpts {
		p, _ := model.PresetByName("nano")
		cfg := p.Config
		cfg.VocabSize = tok.VocabSize()
		m, err := model.New(cfg, cpu.New(nil), uint64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := checkpoint.Save(&b, m, tok, checkpoint.Info{Name: name, Preset: "nano"}); err != nil {
			t.Fatal(err)
		}
		files[protocol.CheckpointPath(name)] = b.Bytes()
	}
	var mu sync.Mutex
	return func(path string) ([]byte, bool) {
		mu.Lock()
		defer mu.Unlock()
		if d, ok := files[path]; ok {
			return d, true
		}
		if rest, ok := strings.CutPrefix(path, "datasets/"); ok {
			d, err := os.ReadFile(filepath.Join(dir, rest))
			if err == nil {
				files[path] = d
				return d, true
			}
		}
		return nil, false
	}
}

// newStageHarness runs an engine session whose fetches are answered by
// files (a miss is a 404), and checks that every message it posts survives
// the protocol's encoding.
func newStageHarness(t *testing.T, files func(string) ([]byte, bool)) *harness {
	h := &harness{t: t, cmds: make(chan protocol.Message, 16), out: make(chan protocol.Message, 100000), done: make(chan struct{})}
	s := &session{
		fetch: func(path string) ([]byte, error) {
			h.fetchN.Add(1)
			if d, ok := files(path); ok {
				return d, nil
			}
			return nil, fmt.Errorf("fetching %s: 404 Not Found: %w", path, fs.ErrNotExist)
		},
		post: func(m protocol.Message) {
			data, err := protocol.Encode(m)
			if err != nil {
				t.Errorf("engine posted a message that does not encode: %v", err)
				return
			}
			back, err := protocol.Decode(data)
			if err != nil {
				t.Errorf("engine posted a message that does not decode: %v", err)
				return
			}
			h.out <- back
		},
		selectBackend: selectBackend,
		// Under js/wasm goroutines switch only where one blocks: a
		// training session must yield for the test to read its messages
		// (in the browser, main_js.go yields to the event loop).
		yield: runtime.Gosched,
	}
	go func() { s.serve(h.cmds); close(h.done) }()
	t.Cleanup(func() {
		close(h.cmds)
		select {
		case <-h.done:
		case <-time.After(60 * time.Second):
			t.Error("engine did not stop")
		}
	})
	return h
}

func stageSettings(stage string, steps int) protocol.Settings {
	s := protocol.DefaultStageSettings(stage)
	s.Steps, s.Batch, s.Backend, s.EvalEvery = steps, 4, protocol.BackendCPU, 2
	s.Post.Group, s.Post.MaxTokens = 2, 8
	return s
}

// TestStagesRun runs a few steps of each stage after pre-training from a
// checkpoint, and checks what the pages draw arrives: metrics with the
// stage's own numbers, the heatmap with the stage's origins and weights,
// report rows before and after, samples before and after.
func TestStagesRun(t *testing.T) {
	files := shippedFiles(t, "base", "midtrained", "sft", "teacher", "student")
	h := newStageHarness(t, files)
	for _, tt := range []struct {
		stage   string
		origins []string // some row of the heatmap has each
		extra   []string // keys of Metrics.Extra
		neg     string   // whether some weight is negative: "yes", "no", or "" (either: advantages)
	}{
		{train.StageMidtrain, []string{"domain", "replay", "synthetic"}, []string{"jepa_loss", "jepa_cos"}, "no"},
		{train.StageSFT, []string{"conversation"}, nil, "no"},
		{train.StageRL, []string{"completion"}, []string{"reward", "zero_var_groups", "kl"}, ""},
		{train.StageDPO, []string{"chosen", "rejected"}, []string{"reward_margin", "reward_accuracy"}, "yes"},
		{train.StageDistill, []string{"completion"}, []string{"reverse_kl"}, ""},
	} {
		t.Run(tt.stage, func(t *testing.T) {
			s := stageSettings(tt.stage, 3)
			if tt.stage == train.StageMidtrain {
				s.Batch, s.Mid.JEPA = 8, 0.25
			}
			h.send(protocol.Message{Kind: protocol.KindStart, Settings: &s})
			msgs := h.until("done", 5*time.Minute, func(m protocol.Message) bool {
				return m.Kind == protocol.KindState && (m.State.Status == protocol.StatusDone || m.State.Status == protocol.StatusFailed)
			})
			if e := findError(msgs); e != nil {
				t.Fatalf("error: %+v", *e)
			}
			origins, reports, samples := map[string]bool{}, map[string]bool{}, map[string]bool{}
			var neg, heat, val0 bool
			var projections []*protocol.Projection
			var extra map[string]float64
			for _, m := range msgs {
				switch m.Kind {
				case protocol.KindHeatmap:
					heat = true
					for _, r := range m.Heatmap.Rows {
						origins[r.Origin] = true
						if len(r.Tokens) != len(r.Weights) || len(r.Tokens) == 0 {
							t.Errorf("heatmap row of %d tokens and %d weights", len(r.Tokens), len(r.Weights))
						}
						for _, w := range r.Weights {
							neg = neg || w < 0
						}
						if tt.stage == train.StageDistill && len(r.Values) != len(r.Tokens) {
							t.Errorf("distillation heatmap row without its reverse KL per token")
						}
					}
				case protocol.KindReport:
					reports[m.Report.When] = true
					if math.IsNaN(m.Report.Row.GeneralLoss) {
						t.Errorf("report %s without a general loss", m.Report.When)
					}
					// DPO's own accuracy, against the start, only for
					// the model DPO trained.
					if dpo := math.IsNaN(m.Report.Row.DPOAccuracy); dpo != (tt.stage != train.StageDPO || m.Report.When != "after") {
						t.Errorf("%s report's DPO accuracy %v", m.Report.When, m.Report.Row.DPOAccuracy)
					}
				case protocol.KindSample:
					samples[m.Sample.When] = true
				case protocol.KindProjection:
					projections = append(projections, m.Projection)
				case protocol.KindMetrics:
					if m.Metrics.Step == 0 && m.Metrics.ValLoss != nil {
						val0 = true
					}
					if m.Metrics.Step > 0 {
						extra = m.Metrics.Extra
					}
				case protocol.KindState:
					if m.State.Status == protocol.StatusRunning && (m.State.Stage != tt.stage || m.State.Preset != "nano") {
						t.Errorf("state %+v, want stage %s on nano", *m.State, tt.stage)
					}
				}
			}
			for _, o := range tt.origins {
				if !origins[o] {
					t.Errorf("no heatmap row from %q (rows from %v)", o, origins)
				}
			}
			if !heat || tt.neg != "" && neg != (tt.neg == "yes") {
				t.Errorf("heatmap sent %v, negative weights %v (want %v)", heat, neg, tt.neg)
			}
			for _, k := range tt.extra {
				if _, ok := extra[k]; !ok {
					t.Errorf("metrics extra lacks %q: %v", k, extra)
				}
			}
			if !reports["before"] || !reports["after"] || !samples["before"] || !samples["after"] {
				t.Errorf("reports %v, samples %v: want before and after", reports, samples)
			}
			if mid := tt.stage == train.StageMidtrain; mid != (len(projections) == 2) {
				t.Errorf("%d projections, want 2 (before and after) for mid-training only", len(projections))
			}
			for _, p := range projections {
				if len(p.Points) != 2*ProjectionPairs || p.Explained[0] <= 0 || p.Explained[0] < p.Explained[1] {
					t.Errorf("projection of %d points, explained %v", len(p.Points), p.Explained)
				}
			}
			hasVal := tt.stage == train.StageMidtrain || tt.stage == train.StageSFT
			if val0 != hasVal {
				t.Errorf("validation before the first step: %v, want %v", val0, hasVal)
			}
		})
	}
}

// TestStageUploads: a bad user file is refused with its file, line and
// field while a run goes on, untouched; a good one is accepted.
func TestStageUploads(t *testing.T) {
	h := newStageHarness(t, shippedFiles(t, "midtrained"))
	s := stageSettings(train.StageSFT, 100000)
	s.Report, s.EvalEvery = false, 0
	h.send(protocol.Message{Kind: protocol.KindStart, Settings: &s})
	msgs := h.until("step 2", 3*time.Minute, func(m protocol.Message) bool {
		return m.Kind == protocol.KindMetrics && m.Metrics.Step == 2 || m.Kind == protocol.KindState && m.State.Status == protocol.StatusFailed
	})
	if e := findError(msgs); e != nil {
		t.Fatalf("error: %+v", *e)
	}
	for _, tt := range []struct {
		kind, file, data string
		line             int
		field, want      string
	}{
		{"sft", "chat.jsonl", `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}` + "\n" + `{"messages":[{"role":"user","content":"q"},{"content":"a"}]}`, 2, "messages[1].role", "missing role"},
		{"preference", "prefs.jsonl", `{"prompt":"p","chosen":"a","rejected":"a"}`, 1, "rejected", "chosen equals rejected"},
		{"corpus", "notes.txt", "fine\nnot \xff fine\n", 2, "", "invalid UTF-8"},
		{"corpus", "empty.md", "", 0, "", "empty"},
	} {
		h.send(protocol.Message{Kind: protocol.KindUpload, Upload: &protocol.Upload{Kind: tt.kind, File: tt.file, Data: []byte(tt.data)}})
		msgs := h.until("uploaded", time.Minute, func(m protocol.Message) bool { return m.Kind == protocol.KindUploaded })
		u := msgs[len(msgs)-1].Uploaded
		if u.Error == nil || u.Error.File != tt.file || u.Error.Line != tt.line || u.Error.Field != tt.field || !strings.Contains(u.Error.Message, tt.want) {
			t.Errorf("upload of %s: %+v, want an error at line %d, field %q, saying %q", tt.file, u.Error, tt.line, tt.field, tt.want)
		}
	}
	// the run went on: its steps follow each other
	msgs = h.until("two more steps", time.Minute, func(m protocol.Message) bool { return m.Kind == protocol.KindMetrics && m.Metrics.Step >= 6 })
	last := 0
	for _, m := range msgs {
		if m.Kind == protocol.KindMetrics {
			if last > 0 && m.Metrics.Step != last+1 {
				t.Errorf("step %d after %d", m.Metrics.Step, last)
			}
			last = m.Metrics.Step
		}
		if m.Kind == protocol.KindState && m.State.Status != protocol.StatusRunning {
			t.Errorf("state %s after the uploads", m.State.Status)
		}
	}
	h.send(protocol.Message{Kind: protocol.KindUpload, Upload: &protocol.Upload{Kind: "sft", File: "ok.jsonl",
		Data: []byte(`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}`)}})
	msgs = h.until("uploaded", time.Minute, func(m protocol.Message) bool { return m.Kind == protocol.KindUploaded })
	if u := msgs[len(msgs)-1].Uploaded; u.Error != nil || u.Records != 1 {
		t.Errorf("good upload: %+v", u)
	}
}

// TestStageMissingCheckpoint: a stage whose shipped checkpoint is not
// there fails with a message that says how to make it.
func TestStageMissingCheckpoint(t *testing.T) {
	h := newStageHarness(t, shippedFiles(t, "student"))
	s := stageSettings(train.StageDistill, 3)
	h.send(protocol.Message{Kind: protocol.KindStart, Settings: &s})
	msgs := h.until("failed", time.Minute, state(protocol.StatusFailed))
	e := findError(msgs)
	if e == nil || e.Phase != protocol.PhaseCheckpoint || !strings.Contains(e.Message, "teacher.safetensors") || !strings.Contains(e.Message, "make checkpoints") {
		t.Errorf("error %+v, want the missing teacher and how to make it", e)
	}
}

func TestKnobs(t *testing.T) {
	s := protocol.DefaultStageSettings(train.StageMidtrain)
	if k := knobs(s); k != "" {
		t.Errorf("defaults: %q", k)
	}
	s.Mid.Replay, s.Mid.JEPA, s.Mid.Views = 0, 0.25, "web"
	if k := knobs(s); k != " (replay 0%, JEPA 0.25, web views)" {
		t.Errorf("knobs %q", k)
	}
	d := protocol.DefaultStageSettings(train.StageSFT)
	d.Post.DropEnd = true
	if k := knobs(d); k != " (<|end|> out of the mask)" {
		t.Errorf("knobs %q", k)
	}
}
