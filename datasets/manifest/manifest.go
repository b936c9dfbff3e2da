package manifest

// FileName is the manifest's name in the output directory.
const FileName = "manifest.json"

// Version is the schema version written in Manifest.Version. It changes when
// a field changes meaning or is removed.
const Version = 1

// Stages, as the literature and the UI name them.
const (
	StagePretraining  = "pretraining"
	StageMidtraining  = "midtraining"
	StagePosttraining = "posttraining"
	StageEvaluation   = "evaluation"
)

// Manifest lists every dataset of a build.
type Manifest struct {
	Version   int       `json:"version"`
	Seed      uint64    `json:"seed"`       // the generators' seed
	GoVersion string    `json:"go_version"` // toolchain whose tree the extracted text came from
	Tokenizer Tokenizer `json:"tokenizer"`
	World     World     `json:"world"`
	Datasets  []Dataset `json:"datasets"`
}

// Dataset returns the dataset called name, or nil.
func (m *Manifest) Dataset(name string) *Dataset {
	for i := range m.Datasets {
		if m.Datasets[i].Name == name {
			return &m.Datasets[i]
		}
	}
	return nil
}

// Tokenizer describes the default tokenizer shipped with the datasets.
type Tokenizer struct {
	File      string `json:"file"`       // "tokenizer.json"; empty if none was built
	Kind      string `json:"kind"`       // "byte-level BPE"
	VocabSize int    `json:"vocab_size"` // 1024
	TrainedOn string `json:"trained_on"` // "pretrain.train.jsonl"
}

// World summarises the fictional world every dataset draws on.
type World struct {
	Entities  map[string]int `json:"entities"`  // count per kind: person, place, org, ...
	Facts     map[string]int `json:"facts"`     // count per placement: pretrain, midtrain, never
	SFTFacts  map[string]int `json:"sft_facts"` // of those, how many have QA pairs in SFT training data
	FactsFile string         `json:"facts_file"`
}

// Dataset is one dataset: its files (one per split), size and provenance.
type Dataset struct {
	Name        string `json:"name"`        // "pretrain", "code", "sft", "qa-never", ...
	Title       string `json:"title"`       // a human title for the UI
	Stage       string `json:"stage"`       // pretraining, midtraining, posttraining, evaluation
	Format      string `json:"format"`      // record format (package load's Format constants)
	Description string `json:"description"` // one sentence
	Unit        string `json:"unit"`        // "documents" or "examples"
	Records     int    `json:"records"`     // documents or examples, all splits
	Bytes       int64  `json:"bytes"`       // all splits
	Tokens      int64  `json:"tokens"`      // under the default tokenizer, text fields only; 0 if not counted
	License     string `json:"license"`
	Source      string `json:"source"`
	Card        string `json:"card"` // file name of the card, "<name>.md"
	Files       []File `json:"files"`

	// Pre-training corpus only.
	Sources []SourceStats `json:"sources,omitempty"`
	Quality *Histogram    `json:"quality,omitempty"`

	// Structure the stage can exploit, as named counts: for code, packages
	// and declarations with doc comments; for the knowledge base, pages,
	// citations and records; for SFT, examples per kind. Encoded with
	// sorted keys.
	Structure map[string]int `json:"structure,omitempty"`
}

// File is one file of a dataset.
type File struct {
	Name    string `json:"name"`  // "pretrain.train.jsonl"
	Split   string `json:"split"` // train or eval; "all" for facts.jsonl, which is metadata
	Bytes   int64  `json:"bytes"`
	Records int    `json:"records"`
	Tokens  int64  `json:"tokens"`
	SHA256  string `json:"sha256"`
}

// SourceStats is the pre-training corpus broken down by kind of page.
type SourceStats struct {
	Source      string  `json:"source"`
	Documents   int     `json:"documents"`
	Bytes       int64   `json:"bytes"`
	Tokens      int64   `json:"tokens"`
	MeanQuality float64 `json:"mean_quality"`
	EvalDocs    int     `json:"eval_documents"`
}

// Histogram counts documents by quality score: Counts[i] documents have a
// score in [Edges[i], Edges[i+1]) (the last bin includes 1).
type Histogram struct {
	Edges  []float64 `json:"edges"`
	Counts []int     `json:"counts"`
}
