package protocol

import (
	"encoding/json"
	"fmt"
)

// Moving models in and out of the engine: the page asks the engine to
// export the current model as a Hugging Face GPT-2 bundle (a zip, see
// model/checkpoint), to import such a bundle, or to sample from the
// current model at a given seed.
//
// These messages carry files, so they do not travel as the JSON strings of
// Message. Each is a JavaScript object {tinystages: HEADER, data: BYTES}:
// HEADER a ModelRequest or ModelReply encoded as a JSON string, BYTES an
// ArrayBuffer (the bundle; transferred, not copied) or absent. Their
// version, ModelVersion, is their own.
//
//	export  → a reply with the bundle as data, and Model describing it
//	import  (data: a bundle) → a reply with Model, or Error naming the problem;
//	        the current model is unchanged unless the import succeeded
//	sample  (Seed, Prompt) → a reply with Text: the current model's
//	        continuation of Prompt, the same for the same model and seed
//
// "The current model" is the model of the last run (paused or finished),
// or the model imported since, whichever is newer.

// ModelVersion is the version of the model messages.
const ModelVersion = 1

// ModelKind names a model message.
type ModelKind string

// Model message kinds; a reply has the kind of its request.
const (
	ModelExport ModelKind = "export"
	ModelImport ModelKind = "import"
	ModelSample ModelKind = "sample"
)

// ModelRequest is a request of the page to the engine. ID is echoed in the
// reply.
type ModelRequest struct {
	V      int       `json:"v"`
	Kind   ModelKind `json:"kind"`
	ID     int       `json:"id"`
	Name   string    `json:"name,omitempty"` // import: the file's name, for messages
	Seed   uint64    `json:"seed,omitempty"` // sample
	Prompt string    `json:"prompt,omitempty"`
	Tokens int       `json:"tokens,omitempty"` // sample: at most this many (0: SampleTokens)
}

// ModelReply answers a ModelRequest: Error, or what was asked.
type ModelReply struct {
	V     int        `json:"v"`
	Kind  ModelKind  `json:"kind"`
	ID    int        `json:"id"`
	Error string     `json:"error,omitempty"`
	Model *ModelInfo `json:"model,omitempty"` // export, import
	Text  string     `json:"text,omitempty"`  // sample
}

// ModelInfo describes a model.
type ModelInfo struct {
	Source  string `json:"source"` // "run" or "imported"
	Name    string `json:"name,omitempty"`
	Stage   string `json:"stage,omitempty"`
	Preset  string `json:"preset,omitempty"`
	Steps   int    `json:"steps,omitempty"`
	Seed    uint64 `json:"seed,omitempty"`
	Params  int    `json:"params"`
	Layers  int    `json:"layers"`
	Heads   int    `json:"heads"`
	Width   int    `json:"width"`
	Context int    `json:"context"`
	Vocab   int    `json:"vocab"`
	Bytes   int    `json:"bytes,omitempty"` // of the bundle
}

// SampleTokens is the default length of a model sample.
const SampleTokens = 40

// MaxModelPrompt bounds a sample's prompt, in bytes.
const MaxModelPrompt = 1000

func (k ModelKind) valid() bool {
	return k == ModelExport || k == ModelImport || k == ModelSample
}

// EncodeModelRequest returns r as the JSON header of a model message.
func EncodeModelRequest(r ModelRequest) (string, error) {
	r.V = ModelVersion
	if !r.Kind.valid() {
		return "", fmt.Errorf("protocol: %w: model request kind %q", ErrMessage, r.Kind)
	}
	b, err := json.Marshal(r)
	return string(b), err
}

// DecodeModelRequest parses a model message header, refusing other
// versions, unknown kinds and out-of-range fields.
func DecodeModelRequest(header string) (ModelRequest, error) {
	var r ModelRequest
	if err := json.Unmarshal([]byte(header), &r); err != nil {
		return ModelRequest{}, fmt.Errorf("protocol: %w: %v", ErrMessage, err)
	}
	switch {
	case r.V != ModelVersion:
		return ModelRequest{}, fmt.Errorf("protocol: %w: model message version %d, this side speaks %d (reload the page to update)", ErrVersion, r.V, ModelVersion)
	case !r.Kind.valid():
		return ModelRequest{}, fmt.Errorf("protocol: %w: unknown model request %q", ErrMessage, r.Kind)
	case len(r.Prompt) > MaxModelPrompt || r.Tokens < 0 || r.Tokens > MaxCompletionTokens:
		return ModelRequest{}, fmt.Errorf("protocol: %w: sample prompt of %d bytes, %d tokens", ErrMessage, len(r.Prompt), r.Tokens)
	}
	return r, nil
}

// MaxCompletionTokens bounds what a sample request may ask for.
const MaxCompletionTokens = 256

// EncodeModelReply returns r as the JSON header of a model message.
func EncodeModelReply(r ModelReply) (string, error) {
	r.V = ModelVersion
	b, err := json.Marshal(r)
	return string(b), err
}

// DecodeModelReply parses a model reply header.
func DecodeModelReply(header string) (ModelReply, error) {
	var r ModelReply
	if err := json.Unmarshal([]byte(header), &r); err != nil {
		return ModelReply{}, fmt.Errorf("protocol: %w: %v", ErrMessage, err)
	}
	if r.V != ModelVersion {
		return ModelReply{}, fmt.Errorf("protocol: %w: model message version %d, this side speaks %d (reload the page to update)", ErrVersion, r.V, ModelVersion)
	}
	if !r.Kind.valid() {
		return ModelReply{}, fmt.Errorf("protocol: %w: unknown model reply %q", ErrMessage, r.Kind)
	}
	return r, nil
}

// ModelHeaderKey is the property of a model message's JavaScript object
// that holds its header; ModelDataKey holds its bytes.
const (
	ModelHeaderKey = "tinystages"
	ModelDataKey   = "data"
)
