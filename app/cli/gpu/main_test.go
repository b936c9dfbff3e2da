//go:build js && wasm

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tinystages/app/cli"
	"tinystages/model/checkpoint"
)

// corpus writes a small learnable corpus (template sentences) to a file.
func corpus(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	names := []string{"Mira", "Tobin", "Aska", "Pell"}
	things := []string{"lanterns", "boats", "maps", "bells", "clocks"}
	for d := 0; d < 40; d++ { // documents, one a paragraph
		for i := 0; i < 40; i++ {
			fmt.Fprintf(&b, "%s makes %s in the town. ", names[(d+i)%len(names)], things[(d*i)%len(things)])
		}
		b.WriteString("\n\n")
	}
	path := filepath.Join(t.TempDir(), "corpus.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestWebGPUMissing: where there is no WebGPU (Node runs these tests),
// -backend webgpu fails saying why, before anything is trained.
func TestWebGPUMissing(t *testing.T) {
	register()
	out := filepath.Join(t.TempDir(), "m.safetensors")
	var stdout, stderr bytes.Buffer
	err := cli.Run(context.Background(), []string{"train", "-backend", "webgpu", "-preset", "nano", "-stage", "pretrain",
		"-steps", "2", "-data", corpus(t), "-datasets", t.TempDir(), "-out", out}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "navigator.gpu is missing") {
		t.Fatalf("err = %v, want the reason WebGPU is missing", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a checkpoint was written after the backend failed (stat: %v)", err)
	}
}

// TestTrainsOnHostFiles runs the js/wasm command line as under Deno, on
// the CPU: it reads a corpus from the host's files, trains (the loss
// must fall by 1.0) and writes a checkpoint that loads.
func TestTrainsOnHostFiles(t *testing.T) {
	register()
	out := filepath.Join(t.TempDir(), "m.safetensors")
	var stdout, stderr bytes.Buffer
	err := cli.Run(context.Background(), []string{"train", "-backend", "cpu", "-preset", "nano", "-stage", "pretrain",
		"-steps", "30", "-lr", "3e-3", "-data", corpus(t), "-datasets", t.TempDir(), "-json", "-out", out}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var losses []float64
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		var j struct {
			Loss float64 `json:"loss"`
		}
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			t.Fatalf("%s: %v", sc.Text(), err)
		}
		losses = append(losses, j.Loss)
	}
	if len(losses) != 30 {
		t.Fatalf("%d steps reported, want 30", len(losses))
	}
	first, last := losses[0], losses[len(losses)-1]
	t.Logf("loss %.3f -> %.3f", first, last)
	if !(last < first-1) || math.IsNaN(last) {
		t.Errorf("loss %.3f -> %.3f, want a fall of 1.0", first, last)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ck, err := checkpoint.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Info.Steps != 30 || ck.Info.Preset != "nano" {
		t.Errorf("checkpoint info %+v", ck.Info)
	}
}
