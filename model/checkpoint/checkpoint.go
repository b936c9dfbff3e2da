// Package checkpoint saves and loads tinystages models as safetensors
// files with Hugging Face GPT-2 tensor names and layout.
//
// A checkpoint is one .safetensors file: the parameter tensors, named as in
// Hugging Face's GPT-2 (wte.weight, h.0.attn.c_attn.weight, ...; Conv1D
// weights [in, out]), plus three metadata entries: "format": "pt" (which
// transformers expects), "tinystages.config" (the model config as a
// Hugging Face GPT-2 config.json) and "tinystages.tokenizer" (the
// tokenizer as a Hugging Face tokenizer.json). Anything else about the run
// (stage, steps, settings) goes in "tinystages.info". One file carries
// everything needed to continue, evaluate or sample, and the Hugging Face
// files can be written out of it (see WriteHF).
//
// Loading is strict: every tensor the config implies must be present, with
// exactly the implied shape, and no other tensor may be; a missing or
// malformed config or tokenizer, or a tokenizer whose vocabulary differs
// from the config's, is an error naming what is wrong. Nothing is
// allocated on a backend until the whole file has been checked.
package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"tinystages/model"
	"tinystages/model/compute"
	"tinystages/model/safetensors"
	"tinystages/model/tokenizer"
)

// Metadata keys of a tinystages checkpoint.
const (
	KeyConfig    = "tinystages.config"
	KeyTokenizer = "tinystages.tokenizer"
	KeyInfo      = "tinystages.info"
)

// Info describes how a checkpoint was made. It is free-form for people
// and the report card; loading does not depend on it.
type Info struct {
	Name     string            `json:"name,omitempty"`  // e.g. "base", "midtrained"
	Stage    string            `json:"stage,omitempty"` // the last stage trained
	Preset   string            `json:"preset,omitempty"`
	Steps    int               `json:"steps,omitempty"` // optimizer steps of the last stage
	Seed     uint64            `json:"seed,omitempty"`
	Parent   string            `json:"parent,omitempty"` // checkpoint it started from
	Settings map[string]any    `json:"settings,omitempty"`
	Metrics  map[string]string `json:"metrics,omitempty"`
}

// HFConfig is the config.json of a Hugging Face GPT-2 model with this
// shape: GELU in its tanh form (gelu_new), LayerNorm epsilon 1e-5, tied
// embeddings, no dropout.
type HFConfig struct {
	ModelType        string   `json:"model_type"`
	Architectures    []string `json:"architectures"`
	VocabSize        int      `json:"vocab_size"`
	NPositions       int      `json:"n_positions"`
	NCtx             int      `json:"n_ctx"`
	NEmbd            int      `json:"n_embd"`
	NLayer           int      `json:"n_layer"`
	NHead            int      `json:"n_head"`
	NInner           *int     `json:"n_inner"`
	Activation       string   `json:"activation_function"`
	LayerNormEpsilon float64  `json:"layer_norm_epsilon"`
	InitializerRange float64  `json:"initializer_range"`
	ResidPdrop       float64  `json:"resid_pdrop"`
	EmbdPdrop        float64  `json:"embd_pdrop"`
	AttnPdrop        float64  `json:"attn_pdrop"`
	TieWordEmbedding bool     `json:"tie_word_embeddings"`
	BOSTokenID       int      `json:"bos_token_id"`
	EOSTokenID       int      `json:"eos_token_id"`
	TorchDtype       string   `json:"torch_dtype"`
}

// NewHFConfig returns the Hugging Face config of c.
func NewHFConfig(c model.Config) HFConfig {
	return HFConfig{
		ModelType: "gpt2", Architectures: []string{"GPT2LMHeadModel"},
		VocabSize: c.VocabSize, NPositions: c.MaxSeqLen, NCtx: c.MaxSeqLen,
		NEmbd: c.NEmbd, NLayer: c.NLayer, NHead: c.NHead,
		Activation: "gelu_new", LayerNormEpsilon: 1e-5, InitializerRange: 0.02,
		TieWordEmbedding: true, BOSTokenID: int(tokenizer.BOS), EOSTokenID: int(tokenizer.End),
		TorchDtype: "float32",
	}
}

// Sentinel errors of Load; each is wrapped in an *Error.
var (
	ErrMissingMetadata = errors.New("missing metadata")
	ErrBadConfig       = errors.New("bad config")
	ErrBadTokenizer    = errors.New("bad tokenizer")
	ErrMissingTensor   = errors.New("missing tensor")
	ErrExtraTensor     = errors.New("unexpected tensor")
	ErrShape           = errors.New("shape does not match the config")
	ErrNotFinite       = errors.New("tensor holds NaN or Inf")
)

// Error is a problem with a checkpoint: which part of it, and what.
type Error struct {
	Part string // a tensor name or metadata key
	Err  error
	Msg  string
}

func (e *Error) Error() string {
	s := "checkpoint: " + e.Part + ": " + e.Err.Error()
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Save writes m's parameters, config and tokenizer, and info, as one
// safetensors file.
func Save(w io.Writer, m *model.GPT, tok *tokenizer.Tokenizer, info Info) error {
	return write(w, m.Config, Tensors(m), tok, info)
}

// write writes a checkpoint of tensors (laid out for c) as one safetensors
// file.
func write(w io.Writer, c model.Config, tensors []safetensors.Tensor, tok *tokenizer.Tokenizer, info Info) error {
	if tok.VocabSize() != c.VocabSize {
		return fmt.Errorf("checkpoint: tokenizer has %d tokens, model %d", tok.VocabSize(), c.VocabSize)
	}
	cfg, err := json.Marshal(NewHFConfig(c))
	if err != nil {
		return err
	}
	var tj bytes.Buffer
	if err := tok.WriteJSON(&tj); err != nil {
		return err
	}
	inf, err := json.Marshal(info)
	if err != nil {
		return err
	}
	return safetensors.Write(w, tensors, map[string]string{
		"format":     "pt",
		KeyConfig:    string(cfg),
		KeyTokenizer: tj.String(),
		KeyInfo:      string(inf),
	})
}

// Tensors returns m's parameters as named safetensors tensors, in the
// canonical order of its layout.
func Tensors(m *model.GPT) []safetensors.Tensor {
	return tensorsOf(m.Layout, m.Params())
}

// tensorsOf cuts the flat parameter buffer p, laid out by lay, into named
// tensors (copies).
func tensorsOf(lay *model.Layout, p []float32) []safetensors.Tensor {
	out := make([]safetensors.Tensor, 0, len(lay.Tensors))
	for _, t := range lay.Tensors {
		out = append(out, safetensors.Tensor{
			Name:  t.Name,
			Shape: slices.Clone(t.Shape),
			Data:  slices.Clone(p[t.Offset : t.Offset+t.Size()]),
		})
	}
	return out
}

// Checkpoint is a loaded, validated checkpoint not yet placed on a backend.
type Checkpoint struct {
	Config    model.Config
	Tokenizer *tokenizer.Tokenizer
	Info      Info
	Params    []float32 // flat, laid out by model.NewLayout(Config)
}

// Load parses and validates a checkpoint file.
func Load(data []byte) (*Checkpoint, error) {
	f, err := safetensors.Read(data)
	if err != nil {
		return nil, err
	}
	meta := func(key string) (string, error) {
		v, ok := f.Metadata[key]
		if !ok || v == "" {
			return "", &Error{Part: key, Err: ErrMissingMetadata, Msg: "not a tinystages checkpoint (or saved without it)"}
		}
		return v, nil
	}
	cfgJSON, err := meta(KeyConfig)
	if err != nil {
		return nil, err
	}
	var hf HFConfig
	if err := json.Unmarshal([]byte(cfgJSON), &hf); err != nil {
		return nil, &Error{Part: KeyConfig, Err: ErrBadConfig, Msg: err.Error()}
	}
	c, err := configFromHF(hf)
	if err != nil {
		return nil, &Error{Part: KeyConfig, Err: ErrBadConfig, Msg: err.Error()}
	}
	tokJSON, err := meta(KeyTokenizer)
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.Load([]byte(tokJSON))
	if err != nil {
		return nil, &Error{Part: KeyTokenizer, Err: ErrBadTokenizer, Msg: err.Error()}
	}
	if tok.VocabSize() != c.VocabSize {
		return nil, &Error{Part: KeyTokenizer, Err: ErrBadTokenizer,
			Msg: fmt.Sprintf("%d tokens, config says vocab_size %d", tok.VocabSize(), c.VocabSize)}
	}
	var info Info
	if s, ok := f.Metadata[KeyInfo]; ok && s != "" {
		if err := json.Unmarshal([]byte(s), &info); err != nil {
			return nil, &Error{Part: KeyInfo, Err: ErrBadConfig, Msg: err.Error()}
		}
	}
	params, err := paramsFromFile(f, c)
	if err != nil {
		return nil, err
	}
	return &Checkpoint{Config: c, Tokenizer: tok, Info: info, Params: params}, nil
}

// tensorSource is what paramsFromFile reads: a *safetensors.File, or a
// view of one with Hugging Face's "transformer." prefix removed (bundle.go).
type tensorSource interface {
	Tensor(name string) (safetensors.Tensor, bool)
	Names() []string
}

// paramsFromFile lays the tensors of f out as the model's flat parameter
// buffer, checking names, shapes and values.
func paramsFromFile(f tensorSource, c model.Config) ([]float32, error) {
	lay := model.NewLayout(c)
	params := make([]float32, lay.Size)
	want := map[string]bool{}
	for _, t := range lay.Tensors {
		want[t.Name] = true
		st, ok := f.Tensor(t.Name)
		if !ok {
			return nil, &Error{Part: t.Name, Err: ErrMissingTensor, Msg: fmt.Sprintf("want shape %v", t.Shape)}
		}
		if !slices.Equal(st.Shape, t.Shape) {
			return nil, &Error{Part: t.Name, Err: ErrShape, Msg: fmt.Sprintf("file has %v, config implies %v", st.Shape, t.Shape)}
		}
		for i, v := range st.Data {
			if v != v || v > 3.4e38 || v < -3.4e38 {
				return nil, &Error{Part: t.Name, Err: ErrNotFinite, Msg: fmt.Sprintf("element %d is %v", i, v)}
			}
		}
		copy(params[t.Offset:], st.Data)
	}
	for _, name := range f.Names() {
		if !want[name] && !ignorable(name) {
			return nil, &Error{Part: name, Err: ErrExtraTensor, Msg: "not a parameter of this config"}
		}
	}
	return params, nil
}

// ignorable are tensors of Hugging Face GPT-2 files that are buffers, not
// parameters (the causal mask; an untied copy of the LM head equal to wte
// is rejected by shape checks elsewhere, so only the masks pass).
func ignorable(name string) bool {
	for _, suffix := range []string{".attn.bias", ".attn.masked_bias"} {
		if len(name) > len(suffix) && name[len(name)-len(suffix):] == suffix {
			return true
		}
	}
	return false
}

func configFromHF(hf HFConfig) (model.Config, error) {
	if hf.ModelType != "" && hf.ModelType != "gpt2" {
		return model.Config{}, fmt.Errorf("model_type %q, want gpt2", hf.ModelType)
	}
	if hf.Activation != "" && hf.Activation != "gelu_new" {
		return model.Config{}, fmt.Errorf("activation_function %q, want gelu_new", hf.Activation)
	}
	if hf.NInner != nil && *hf.NInner != 4*hf.NEmbd {
		return model.Config{}, fmt.Errorf("n_inner %d, want 4*n_embd", *hf.NInner)
	}
	c := model.Config{VocabSize: hf.VocabSize, MaxSeqLen: hf.NPositions, NLayer: hf.NLayer, NHead: hf.NHead, NEmbd: hf.NEmbd}
	return c, c.Validate()
}

// Model places the checkpoint on backend be.
func (ck *Checkpoint) Model(be compute.Backend) (*model.GPT, error) {
	m, err := model.New(ck.Config, be, 0)
	if err != nil {
		return nil, err
	}
	m.SetParams(ck.Params)
	return m, nil
}
