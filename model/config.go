package model

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Config is the shape of a GPT-2 model. Its JSON form uses the field names
// of a Hugging Face GPT-2 config.json, so a checkpoint's config can be read
// by transformers.
type Config struct {
	VocabSize int `json:"vocab_size"`  // V: tokens in the vocabulary
	MaxSeqLen int `json:"n_positions"` // maxT: longest context, rows of wpe
	NLayer    int `json:"n_layer"`     // L: transformer blocks
	NHead     int `json:"n_head"`      // NH: attention heads
	NEmbd     int `json:"n_embd"`      // C: channels of the residual stream
}

// Preset is a named model size.
type Preset struct {
	Name   string
	Config Config
	// Batch and LR are the defaults a run of this preset starts with.
	Batch int
	LR    float32
	// About says in words what the preset is for.
	About string
}

// DefaultVocab is the vocabulary size of the default tokenizer the shipped
// datasets and checkpoints use.
const DefaultVocab = 1024

// Presets are the model sizes the app offers, smallest first.
var Presets = []Preset{
	{Name: "nano", Config: Config{VocabSize: DefaultVocab, MaxSeqLen: 64, NLayer: 4, NHead: 4, NEmbd: 64},
		Batch: 8, LR: 3e-3, About: "~0.27M parameters: trains on any CPU in the browser"},
	{Name: "tiny", Config: Config{VocabSize: DefaultVocab, MaxSeqLen: 128, NLayer: 4, NHead: 4, NEmbd: 128},
		Batch: 8, LR: 2e-3, About: "~0.95M parameters: the default for the lessons"},
	{Name: "small", Config: Config{VocabSize: DefaultVocab, MaxSeqLen: 128, NLayer: 6, NHead: 8, NEmbd: 256},
		Batch: 16, LR: 1e-3, About: "~5M parameters: wants a GPU"},
}

// ErrUnknownPreset is returned by PresetByName for a name not in Presets.
var ErrUnknownPreset = errors.New("unknown preset")

// PresetByName returns the preset called name.
func PresetByName(name string) (Preset, error) {
	for _, p := range Presets {
		if p.Name == name {
			return p, nil
		}
	}
	names := make([]string, len(Presets))
	for i, p := range Presets {
		names[i] = p.Name
	}
	sort.Strings(names)
	return Preset{}, fmt.Errorf("model: %w %q (choose one of %s)", ErrUnknownPreset, name, strings.Join(names, ", "))
}

// Limits on a Config, generous for a browser but small enough to catch
// typos before anything is allocated.
const (
	MaxVocab     = 1 << 16
	MaxSeqLenCap = 2048
	MaxLayers    = 48
	MaxEmbd      = 2048
)

// ErrBadConfig is wrapped by every error of Config.Validate.
var ErrBadConfig = errors.New("invalid model config")

// Validate reports the first problem with c, naming the field, its value
// and what is allowed.
func (c Config) Validate() error {
	bad := func(field string, v int, want string) error {
		return fmt.Errorf("model: %w: %s = %d, want %s", ErrBadConfig, field, v, want)
	}
	switch {
	case c.VocabSize < 2 || c.VocabSize > MaxVocab:
		return bad("vocab_size", c.VocabSize, fmt.Sprintf("2..%d", MaxVocab))
	case c.MaxSeqLen < 1 || c.MaxSeqLen > MaxSeqLenCap:
		return bad("n_positions", c.MaxSeqLen, fmt.Sprintf("1..%d", MaxSeqLenCap))
	case c.NLayer < 1 || c.NLayer > MaxLayers:
		return bad("n_layer", c.NLayer, fmt.Sprintf("1..%d", MaxLayers))
	case c.NEmbd < 1 || c.NEmbd > MaxEmbd:
		return bad("n_embd", c.NEmbd, fmt.Sprintf("1..%d", MaxEmbd))
	case c.NHead < 1 || c.NEmbd%c.NHead != 0:
		return bad("n_head", c.NHead, fmt.Sprintf("a divisor of n_embd (%d)", c.NEmbd))
	}
	return nil
}

// NumParams is the number of trainable parameters (the tied LM head
// counted once).
func (c Config) NumParams() int {
	n := 0
	for _, t := range c.tensors() {
		n += t.Size()
	}
	return n
}

// FLOPsPerToken estimates the floating point operations of one training
// token (forward and backward) at context length T: 6 per weight of a
// matrix multiply (2 forward, 4 backward; the tied LM head included), plus
// attention scores and value mixing, 2·T·C per layer forward averaged over
// the causal triangle and three times that with the backward.
func (c Config) FLOPsPerToken(T int) float64 {
	C, L := float64(c.NEmbd), float64(c.NLayer)
	matmulParams := L*12*C*C + float64(c.VocabSize)*C // qkv, proj, fc, fcproj; LM head
	return 6*matmulParams + 6*L*float64(T)*C
}
