//go:build !wasm

package posttrain

import (
	"os"
	"path/filepath"
	"testing"

	"tinystages/datasets/datasetstest"
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

// shipped loads web/checkpoints/<name>.safetensors as a model on the CPU.
func shipped(t *testing.T, name string) (*model.GPT, *tokenizer.Tokenizer) {
	t.Helper()
	path := filepath.Join(checkpointDir, name+".safetensors")
	ck, err := checkpoint.Load(datasetstest.Read(t, path, "make checkpoints"))
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
	datasetstest.Need(t, filepath.Join(datasetDir, "manifest.json"), "make datasets")
	d, err := eval.LoadData(func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(datasetDir, name)) })
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func shippedPairs(t *testing.T, name string) []record.Preference {
	t.Helper()
	p, err := load.Preferences(name, datasetstest.Read(t, filepath.Join(datasetDir, name), "make datasets"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
