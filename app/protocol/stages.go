package protocol

import (
	"encoding/json"

	"tinystages/datasets/load"
	"tinystages/datasets/record"
	"tinystages/model/eval"
	"tinystages/model/posttrain"
)

// The messages of version 2: the stages after pre-training.

// Upload hands the engine a file the user chose, to replace one kind of
// shipped data in the runs started after it (Kind: "corpus" for
// mid-training's domain, "sft", "preference" or "prompts"; see
// model/stages). The engine answers with Uploaded; a running run and its
// model are not touched either way.
type Upload struct {
	Kind string `json:"kind"`
	File string `json:"file"` // the file's name, for messages
	Data []byte `json:"data"` // base64 in JSON
}

// MaxUploadBytes is the largest file an upload may carry (the datasets
// loader's limit).
const MaxUploadBytes = load.MaxFileBytes

// Uploaded says whether an upload was accepted: the records it holds, or
// the first problem in it.
type Uploaded struct {
	Kind    string     `json:"kind"`
	File    string     `json:"file"`
	Records int        `json:"records"`
	Error   *FileError `json:"error,omitempty"`
}

// FileError is a problem with a user's file: which file, which line
// (1-based; 0 when it concerns the whole file), which field, and what.
type FileError struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Evaluate asks for a report-card row: of the shipped checkpoint Model,
// or of the current run's model when Model is "". The engine answers with
// progress (PhaseEvaluating) and a Report.
type Evaluate struct {
	Name  string `json:"name"`
	Model string `json:"model,omitempty"`
}

// Report is one row of the report card (package model/eval), measured
// with the engine's small limits.
type Report struct {
	// When is "before" (the run's start model), "after" (the trained
	// model) or "" (asked for with evaluate).
	When  string `json:"when,omitempty"`
	Stage string `json:"stage,omitempty"`
	Step  int    `json:"step"`
	// Row holds the metrics; NaN (null in JSON) where not measured.
	Row eval.Row `json:"row"`
}

// UnmarshalJSON decodes a report whose row has nulls for the metrics not
// measured, as NaN.
func (r *Report) UnmarshalJSON(b []byte) error {
	type plain Report
	p := plain{Row: eval.NewRow("")}
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*r = Report(p)
	return nil
}

// Heatmap is the live batch of the last step as the loss sees it: rows of
// target tokens, each with its weight in the loss, and where the row came
// from. It is the one picture that shows how the stages differ.
type Heatmap struct {
	Step  int    `json:"step"`
	Stage string `json:"stage"`
	// Value names what HeatRow.Values holds when rows carry a second
	// number per token ("reverse KL" for distillation), "" otherwise.
	Value string    `json:"value,omitempty"`
	Rows  []HeatRow `json:"rows"`
}

// HeatRow is one row of a batch.
type HeatRow struct {
	// Origin is where the row comes from: "domain", "synthetic" or
	// "replay" (mid-training, SFT), "text" (pre-training), "conversation"
	// (SFT), "completion" (RL, distillation), "chosen" or "rejected" (DPO).
	Origin  string    `json:"origin"`
	Label   string    `json:"label,omitempty"` // what the row earned, in words: "reward 1 · advantage +0.93"
	Tokens  []string  `json:"tokens"`          // decoded target tokens
	Weights []float32 `json:"weights"`         // loss weight of each target
	Values  []float32 `json:"values,omitempty"`
}

// Limits on a Heatmap.
const (
	MaxHeatRows   = 8
	MaxHeatTokens = 128
)

// Projection is a 2-D picture of mid-training's view embeddings (the JEPA
// option): held-out paired views embedded by the model, projected on
// their first two principal components.
type Projection struct {
	Step   int         `json:"step"`
	Points []ProjPoint `json:"points"`
	// Explained is the share of the embeddings' variance along each axis.
	Explained [2]float64 `json:"explained"`
	// Linked is the share of pairs whose B view is the nearest B view to
	// their A view (cosine, centred embeddings).
	Linked float64 `json:"linked"`
}

// ProjPoint is one view.
type ProjPoint struct {
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Pair   int     `json:"pair"`   // index of its pair
	View   string  `json:"view"`   // "A" or "B"
	Source string  `json:"source"` // what made the pair: a generator name, "kb-title"
	Text   string  `json:"text"`   // the view, cut short
}

// Completions are completions the model sampled in the last batch (RL,
// distillation), each with the reward it earned.
type Completions struct {
	Step  int          `json:"step"`
	Items []Completion `json:"items"`
}

// Completion is one sampled completion and what it earned.
type Completion = posttrain.Sample

// Domain is the mid-training domain data as the engine loaded it: how much
// of each part, and examples of the structure the stage exploits.
type Domain struct {
	CodeFiles  int            `json:"code_files"`
	KBPages    int            `json:"kb_pages"`
	Synthetic  map[string]int `json:"synthetic"` // items per generator
	Replay     int            `json:"replay"`    // pre-training documents replayed
	Code       *CodeItem      `json:"code,omitempty"`
	KB         *KBItem        `json:"kb,omitempty"`
	Items      []SynItem      `json:"items,omitempty"`
	UserCorpus string         `json:"user_corpus,omitempty"` // the user's file in place of the shipped domain
}

// CodeItem is a code file: its package and the doc comment ↔ signature
// pairs of its declarations.
type CodeItem struct {
	Path    string        `json:"path"`
	Package string        `json:"package"`
	Decls   []record.Decl `json:"decls"`
	Text    string        `json:"text"` // cut to MaxDocText
}

// KBItem is a knowledge-base page: its URL, title, citations and record.
type KBItem struct {
	URL    string            `json:"url"`
	Title  string            `json:"title"`
	Kind   string            `json:"kind,omitempty"`
	Cites  []string          `json:"cites"`
	Record map[string]string `json:"record,omitempty"`
	Text   string            `json:"text"` // cut to MaxDocText
}

// SynItem is a structure-derived item: its generator and its two views.
type SynItem struct {
	Generator string `json:"generator"`
	Input     string `json:"input"`
	Output    string `json:"output"`
}
