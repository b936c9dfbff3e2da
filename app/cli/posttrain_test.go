package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
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

// nanoCheckpoint writes a fresh nano model with the shipped tokenizer
// and returns its path and the datasets folder.
func nanoCheckpoint(t *testing.T, seed uint64) (path, datasets string) {
	t.Helper()
	datasets = filepath.Join("..", "..", DefaultDatasets)
	tok := datasetstest.Tokenizer(t, datasets)
	p, _ := model.PresetByName("nano")
	cfg := p.Config
	cfg.VocabSize = tok.VocabSize()
	m, err := model.New(cfg, cpu.New(nil), seed)
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(t.TempDir(), "start.safetensors")
	if err := saveCheckpoint(path, m, tok, checkpoint.Info{Name: "start", Preset: "nano"}); err != nil {
		t.Fatal(err)
	}
	return path, datasets
}

// TestPostTrainingStages runs two steps of each post-training stage from
// the CLI and checks the per-step JSON carries the stage's own metrics
// and the held-out measurement, and that the checkpoint records them.
func TestPostTrainingStages(t *testing.T) {
	init, datasets := nanoCheckpoint(t, 1)
	teacher, _ := nanoCheckpoint(t, 2)
	for _, tt := range []struct {
		stage string
		args  []string
		extra []string // keys of "extra"
		held  string   // a key of "heldout"
	}{
		{"sft", nil, nil, ""},
		{"rl", []string{"-group", "4", "-max-tokens", "8"}, []string{"reward", "format_reward", "zero_var_groups", "completion_len", "cut_off", "kl", "top_answer"}, "math_accuracy"},
		{"distill", []string{"-teacher", teacher, "-group", "2", "-max-tokens", "8"}, []string{"reverse_kl", "reward", "top_answer"}, "math_accuracy"},
		{"dpo", []string{"-beta", "0.5"}, []string{"dpo_loss", "reward_margin", "reward_accuracy"}, "preference_accuracy"},
	} {
		t.Run(tt.stage, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), tt.stage+".safetensors")
			args := append([]string{"train", "-stage", tt.stage, "-init", init, "-datasets", datasets,
				"-steps", "2", "-batch", "4", "-heldout", "2", "-eval-every", "1", "-json", "-out", out}, tt.args...)
			var stdout, stderr bytes.Buffer
			if err := Run(context.Background(), args, &stdout, &stderr); err != nil {
				t.Fatalf("%v\n%s", err, stderr.String())
			}
			sc := bufio.NewScanner(&stdout)
			steps := 0
			for sc.Scan() {
				var j stepJSON
				if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
					t.Fatalf("%s: %v", sc.Text(), err)
				}
				steps++
				for _, k := range tt.extra {
					if _, ok := j.Extra[k]; !ok {
						t.Errorf("step %d: extra lacks %q: %s", j.Step, k, sc.Text())
					}
				}
				if _, ok := j.Heldout[tt.held]; tt.held != "" && !ok {
					t.Errorf("step %d: heldout lacks %q: %s", j.Step, tt.held, sc.Text())
				}
			}
			if steps != 2 {
				t.Errorf("%d JSON lines, want 2", steps)
			}
			ck, err := loadCheckpoint(out)
			if err != nil {
				t.Fatal(err)
			}
			if ck.Info.Stage != tt.stage || ck.Info.Settings == nil {
				t.Errorf("checkpoint info %+v", ck.Info)
			}
		})
	}
}

// TestPostTrainingBadData: a user file with a bad line stops the run
// before training, naming the file, line and field; no checkpoint is
// written.
func TestPostTrainingBadData(t *testing.T) {
	init, datasets := nanoCheckpoint(t, 1)
	dir := t.TempDir()
	for _, tt := range []struct {
		stage, data, want string
	}{
		{"dpo", `{"prompt":"p","chosen":"a","rejected":"b"}` + "\n" + `{"prompt":"p","chosen":"a","rejected":"a"}`, `prefs.jsonl:2: field "rejected": wrong schema: chosen equals rejected`},
		{"rl", `{"prompt":"What is 1 + 1?","answer":""}`, `prefs.jsonl:1: field "answer": wrong schema: empty answer`},
		{"sft", `{"messages":[{"role":"user","content":"q"},{"content":"a"}]}`, `prefs.jsonl:1: field "messages[1].role": wrong schema: missing role`},
	} {
		path := filepath.Join(dir, "prefs.jsonl")
		if err := os.WriteFile(path, []byte(tt.data), 0o644); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(dir, tt.stage+".safetensors")
		err := Run(context.Background(), []string{"train", "-stage", tt.stage, "-init", init, "-datasets", datasets,
			"-data", path, "-steps", "1", "-out", out}, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error saying %s", tt.stage, err, tt.want)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: a checkpoint was written after the failure (%v)", tt.stage, err)
		}
	}
	err := Run(context.Background(), []string{"train", "-stage", "distill", "-init", init, "-datasets", datasets, "-steps", "1"}, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "-teacher") {
		t.Errorf("distill without a teacher: got %v, want a usage error naming -teacher", err)
	}
	err = Run(context.Background(), []string{"train", "-stage", "rl", "-init", init, "-group", "0"}, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "group = 0") {
		t.Errorf("-group 0: got %v, want a usage error", err)
	}
	err = Run(context.Background(), []string{"train", "-stage", "rl", "-init", init, "-skip-kinds", "math"}, &bytes.Buffer{}, &bytes.Buffer{})
	if !errors.Is(err, ErrUsage) || !strings.Contains(err.Error(), "-skip-kinds is for -stage sft") {
		t.Errorf("-skip-kinds with rl: got %v, want a usage error", err)
	}
	out := filepath.Join(dir, "skip.safetensors")
	err = Run(context.Background(), []string{"train", "-stage", "sft", "-init", init, "-datasets", datasets, "-skip-kinds", "math, sums",
		"-steps", "1", "-out", out}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), `kind "sums": no conversation of that kind in sft.train.jsonl`) {
		t.Errorf("-skip-kinds with an unknown kind: got %v, want an error naming it and the file's kinds", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a checkpoint was written after the failure (%v)", err)
	}
}
