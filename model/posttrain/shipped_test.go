//go:build !wasm

package posttrain

import (
	"os"
	"path/filepath"
	"testing"

	"tinystages/datasets/load"
	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/checkpoint"
	"tinystages/model/cpu"
	"tinystages/model/eval"
	"tinystages/model/tokenizer"
)

// The stage tests start from the shipped checkpoints (make checkpoints)
// and read the shipped datasets (make datasets). TINYSTAGES_CHECKPOINTS
// points at another folder of checkpoints, for experiments.
var (
	checkpointDir = "../../web/checkpoints"
	datasetDir    = "../../web/datasets"
)

func init() {
	if d := os.Getenv("TINYSTAGES_CHECKPOINTS"); d != "" {
		checkpointDir = d
	}
}

// missing skips the test, or fails it under CI, when a shipped file is
// not there.
func missing(t *testing.T, path, how string) {
	t.Helper()
	msg := path + " is missing: " + how
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// shipped loads web/checkpoints/<name>.safetensors as a model on the CPU.
func shipped(t *testing.T, name string) (*model.GPT, *tokenizer.Tokenizer) {
	t.Helper()
	path := filepath.Join(checkpointDir, name+".safetensors")
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		missing(t, path, "build the checkpoints first (make checkpoints)")
	}
	if err != nil {
		t.Fatal(err)
	}
	ck, err := checkpoint.Load(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	m, err := ck.Model(cpu.New(nil))
	if err != nil {
		t.Fatal(err)
	}
	return m, ck.Tokenizer
}

// evalData reads the shipped evaluation files.
func evalData(t *testing.T) eval.Data {
	t.Helper()
	if _, err := os.Stat(filepath.Join(datasetDir, "manifest.json")); err != nil {
		missing(t, datasetDir, "build the datasets first (make datasets)")
	}
	d, err := eval.LoadData(func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(datasetDir, name)) })
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func shippedPairs(t *testing.T, name string) []record.Preference {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(datasetDir, name))
	if err != nil {
		missing(t, name, "build the datasets first (make datasets)")
	}
	p, err := load.Preferences(name, b)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
