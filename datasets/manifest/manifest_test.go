package manifest_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"tinystages/datasets/manifest"
)

func TestRoundTrip(t *testing.T) {
	m := manifest.Manifest{
		Version: manifest.Version, Seed: 3, GoVersion: "go1.x",
		Tokenizer: manifest.Tokenizer{File: "tokenizer.json", Kind: "byte-level BPE", VocabSize: 1024, TrainedOn: "pretrain.train.jsonl"},
		World:     manifest.World{Entities: map[string]int{"person": 1}, Facts: map[string]int{"never": 1}, SFTFacts: map[string]int{}, FactsFile: "facts.jsonl"},
		Datasets: []manifest.Dataset{{
			Name: "pretrain", Stage: manifest.StagePretraining, Format: "document", Records: 2,
			Files:     []manifest.File{{Name: "pretrain.train.jsonl", Split: "train", Bytes: 10, Records: 2, Tokens: 4, SHA256: "ab"}},
			Sources:   []manifest.SourceStats{{Source: "news", Documents: 2}},
			Quality:   &manifest.Histogram{Edges: []float64{0, 1}, Counts: []int{2}},
			Structure: map[string]int{"b": 2, "a": 1},
		}},
	}
	data, err := json.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	var got manifest.Manifest
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip: got %+v, want %+v", got, m)
	}
	if got.Dataset("pretrain") == nil || got.Dataset("nope") != nil {
		t.Error("Dataset lookup")
	}
}
