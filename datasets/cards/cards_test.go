package cards_test

import (
	"strings"
	"testing"

	"tinystages/datasets/cards"
	"tinystages/datasets/internal/golden"
	"tinystages/datasets/manifest"
)

func sample() (*manifest.Manifest, *manifest.Dataset) {
	m := &manifest.Manifest{
		Version: manifest.Version, Seed: 1, GoVersion: "go1.x",
		Tokenizer: manifest.Tokenizer{File: "tokenizer.json", Kind: "byte-level BPE", VocabSize: 1024, TrainedOn: "pretrain.train.jsonl"},
		World: manifest.World{Entities: map[string]int{"person": 2}, Facts: map[string]int{"pretrain": 3, "midtrain": 2, "never": 1},
			SFTFacts: map[string]int{"pretrain": 1}, FactsFile: "facts.jsonl"},
	}
	d := manifest.Dataset{
		Name: "pretrain", Stage: manifest.StagePretraining, Unit: "documents", Records: 3, Bytes: 2048, Tokens: 1234567,
		License: "L", Source: "S", Card: "pretrain.md",
		Files:     []manifest.File{{Name: "pretrain.train.jsonl", Split: "train", Bytes: 2000, Records: 2, Tokens: 1234000}, {Name: "pretrain.eval.jsonl", Split: "eval", Bytes: 48, Records: 1, Tokens: 567}},
		Sources:   []manifest.SourceStats{{Source: "news", Documents: 3, Bytes: 2048, Tokens: 1234567, MeanQuality: 0.7}},
		Quality:   &manifest.Histogram{Edges: []float64{0, 0.5, 1}, Counts: []int{1, 2}},
		Structure: map[string]int{"source:news": 3},
	}
	m.Datasets = []manifest.Dataset{d}
	return m, &m.Datasets[0]
}

func TestRender(t *testing.T) {
	m, d := sample()
	out, err := cards.Render(d, m)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Card: pretrain", "| `pretrain.train.jsonl` | train | 2.0 KiB | 2 | 1,234,000 |", "**1,234,567**", "- License: L", "| news | 3 |"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("card lacks %q", want)
		}
	}
	golden.Check(t, "pretrain.md.golden", out)
}

// TestEveryCardRenders renders each card template with sample numbers.
func TestEveryCardRenders(t *testing.T) {
	m, d := sample()
	for _, name := range []string{"pretrain", "code", "kb", "synthetic", "sft", "math", "preference", "qa-pretrain", "qa-midtrain", "qa-never", "facts"} {
		dd := *d
		dd.Name, dd.Card = name, name+".md"
		out, err := cards.Render(&dd, m)
		if err != nil {
			t.Errorf("%s (%s): %v", name, cards.Template(name), err)
			continue
		}
		for _, want := range []string{"## Numbers", "License", "Source"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s: card lacks %q", name, want)
			}
		}
		if strings.Contains(string(out), "<no value>") {
			t.Errorf("%s: card has an unfilled value", name)
		}
	}
}
