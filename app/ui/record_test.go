package ui

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tinystages/app/protocol"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./app/ui -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./app/ui -update rewrites it):\n%s", name, got)
	}
}

// fakeRun is a short run as the engine reports it.
func fakeRun() *runRecord {
	var r runRecord
	s := protocol.DefaultSettings("nano")
	s.Steps, s.Seed, s.Backend = 4, 9, protocol.BackendCPU
	r.add(protocol.Message{Kind: protocol.KindState, State: &protocol.State{Status: protocol.StatusPreparing}}) // before start: ignored
	r.start("pretraining", s)
	r.add(protocol.Message{Kind: protocol.KindState, State: &protocol.State{Status: protocol.StatusRunning, Backend: "CPU (WASM SIMD)"}})
	val := func(x float64) *float64 { return &x }
	r.add(protocol.Message{Kind: protocol.KindSample, Sample: &protocol.Sample{Step: 0, Prompt: "The", Text: " qz`x\nk"}})
	for i, loss := range []float64{6.93, 6.5, 6.1, 5.8} {
		m := &protocol.Metrics{Step: i + 1, Steps: 4, Loss: loss, LR: 0.003, Tokens: (i + 1) * 512, TokensPerS: 2000, ElapsedMS: float64(i+1) * 250}
		if i == 0 || i == 3 {
			m.ValLoss = val(loss + 0.05)
			m.ValBySource = map[string]float64{"news": loss, "spam": loss + 0.2}
		}
		r.add(protocol.Message{Kind: protocol.KindMetrics, Metrics: m})
	}
	r.add(protocol.Message{Kind: protocol.KindMetrics, Metrics: &protocol.Metrics{Step: 2, Loss: 1}}) // a repeat: ignored
	r.add(protocol.Message{Kind: protocol.KindSample, Sample: &protocol.Sample{Step: 4, Prompt: "The", Text: " cat sat."}})
	r.add(protocol.Message{Kind: protocol.KindDone, Done: &protocol.Done{Step: 4, Loss: 5.8}})
	return &r
}

const testLink = "http://localhost:8080/pretraining?backend=cpu&batch=8&lr=0.003&min_quality=0&preset=nano&seed=9&steps=4"

func TestRunRecord(t *testing.T) {
	r := fakeRun()
	if len(r.Steps) != 4 || r.Backend != "CPU (WASM SIMD)" || r.Done == nil || len(r.Samples) != 2 {
		t.Fatalf("record %+v", r)
	}
	golden(t, "report.md", []byte(r.ReportCard(testLink)))
	golden(t, "metrics.csv", r.MetricsCSV())
	golden(t, "settings.json", r.SettingsJSON(testLink))

	rows, err := csv.NewReader(bytes.NewReader(r.MetricsCSV())).ReadAll()
	if err != nil || len(rows) != 5 || len(rows[0]) != 9 || rows[2][2] != "" || rows[4][8] != "6" {
		t.Errorf("metrics CSV: %v, %q", err, rows)
	}
	var js struct {
		Settings protocol.Settings `json:"settings"`
		Link     string            `json:"link"`
	}
	if err := json.Unmarshal(r.SettingsJSON(testLink), &js); err != nil || js.Settings != r.Settings || js.Link != testLink {
		t.Errorf("settings JSON: %v, %+v", err, js)
	}
	if got := r.fileName("report", "md"); got != "tinystages-pretraining-nano-seed9-report.md" {
		t.Errorf("file name %q", got)
	}
	r.add(protocol.Message{Kind: protocol.KindState, State: &protocol.State{Status: protocol.StatusIdle}})
	if !r.empty() {
		t.Error("a reset did not clear the record")
	}
	if card := (&runRecord{Stage: "pretraining", Settings: protocol.DefaultSettings("")}).ReportCard(""); !strings.Contains(card, "No step was trained") {
		t.Errorf("empty report card:\n%s", card)
	}
}
