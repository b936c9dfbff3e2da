package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tinystages/datasets/datasetstest"
	"tinystages/model"
	"tinystages/model/checkpoint"
	"tinystages/model/cpu"
)

func TestLessonCheckpointPath(t *testing.T) {
	for _, tt := range []struct{ out, label, want string }{
		{"out/mid.safetensors", "no replay", "out/mid-no-replay.safetensors"},
		{"mid.safetensors", "JEPA, web-text pairs", "mid-jepa-web-text-pairs.safetensors"},
		{"mid.safetensors", "25% replay", "mid-25-replay.safetensors"},
	} {
		if got := lessonCheckpointPath(tt.out, tt.label); got != tt.want {
			t.Errorf("lessonCheckpointPath(%q, %q) = %q, want %q", tt.out, tt.label, got, tt.want)
		}
	}
}

func TestMidtrainFlagsRejected(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-synthetic-generators", "doc2sig,nope"}, `unknown synthetic generator "nope"`},
		{[]string{"-replay", "0.6", "-synthetic", "0.5"}, "replay + synthetic = 1.1"},
		{[]string{"-jepa", "-1"}, "jepa = -1"},
		{[]string{"-jepa", "1", "-jepa-views", "images"}, `views = "images"`},
		{[]string{"-lesson", "nope", "-init", "x.safetensors"}, `no lesson "nope"`},
		{[]string{"-lesson", "forgetting"}, "pass -init"},
	} {
		err := Run(context.Background(), append([]string{"train", "-stage", "midtrain"}, tt.args...), &bytes.Buffer{}, &bytes.Buffer{})
		if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want a usage error saying %s", tt.args, err, tt.want)
		}
	}
}

// TestMidtrainBadUserCorpus: `train -stage midtrain -data bad.txt` stops
// before training with the file and line of the problem, and writes no
// checkpoint; the -init checkpoint is left as it was.
func TestMidtrainBadUserCorpus(t *testing.T) {
	datasets := filepath.Join("..", "..", DefaultDatasets)
	tok := datasetstest.Tokenizer(t, datasets)
	dir := t.TempDir()
	p, _ := model.PresetByName("nano")
	cfg := p.Config
	cfg.VocabSize = tok.VocabSize()
	m, err := model.New(cfg, cpu.New(nil), 1)
	if err != nil {
		t.Fatal(err)
	}
	init := filepath.Join(dir, "base.safetensors")
	if err := saveCheckpoint(init, m, tok, checkpoint.Info{Name: "base", Preset: "nano"}); err != nil {
		t.Fatal(err)
	}
	initBytes, _ := os.ReadFile(init)
	bad := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(bad, []byte("fine\nnot \xff fine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "mid.safetensors")
	err = Run(context.Background(), []string{"train", "-stage", "midtrain", "-init", init, "-data", bad,
		"-datasets", datasets, "-steps", "1", "-out", out}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "notes.txt:2: invalid UTF-8") {
		t.Fatalf("got %v, want an error naming notes.txt:2", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a checkpoint was written after the failure (%v)", err)
	}
	if after, _ := os.ReadFile(init); !bytes.Equal(after, initBytes) {
		t.Error("the -init checkpoint changed")
	}
}
