package model

import (
	"fmt"
	"math"
	"math/rand/v2"

	"tinystages/model/compute"
)

// Tensor describes one parameter tensor inside the flat parameter buffer.
type Tensor struct {
	Name   string // Hugging Face GPT-2 name, e.g. "h.0.attn.c_attn.weight"
	Shape  []int  // HF layout: Conv1D weights are [in, out]
	Offset int    // element offset in the flat buffer, a multiple of compute.Align
	Decay  bool   // whether AdamW applies weight decay (matrices only)
}

// Size is the number of elements of t.
func (t Tensor) Size() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Layout is where every parameter tensor sits in the flat buffers of
// parameters, gradients and AdamW moments (all share it). The tensors that
// take weight decay come first and those that do not come after, so each
// group is one contiguous range and AdamW is two ops.
type Layout struct {
	Tensors []Tensor
	// Decay is [0, DecayEnd); no decay is [DecayEnd, Size).
	DecayEnd int
	// Size is the total length of the flat buffers (with alignment gaps).
	Size int
	// byName indexes Tensors.
	byName map[string]int
}

// tensors lists the parameter tensors of c in canonical order: Hugging
// Face GPT-2 names and shapes, decayed matrices first.
func (c Config) tensors() []Tensor {
	C, L := c.NEmbd, c.NLayer
	var ts []Tensor
	add := func(name string, decay bool, shape ...int) {
		ts = append(ts, Tensor{Name: name, Shape: shape, Decay: decay})
	}
	for l := 0; l < L; l++ {
		h := fmt.Sprintf("h.%d.", l)
		add(h+"attn.c_attn.weight", true, C, 3*C)
		add(h+"attn.c_proj.weight", true, C, C)
		add(h+"mlp.c_fc.weight", true, C, 4*C)
		add(h+"mlp.c_proj.weight", true, 4*C, C)
	}
	add("wte.weight", false, c.VocabSize, C)
	add("wpe.weight", false, c.MaxSeqLen, C)
	for l := 0; l < L; l++ {
		h := fmt.Sprintf("h.%d.", l)
		add(h+"ln_1.weight", false, C)
		add(h+"ln_1.bias", false, C)
		add(h+"attn.c_attn.bias", false, 3*C)
		add(h+"attn.c_proj.bias", false, C)
		add(h+"ln_2.weight", false, C)
		add(h+"ln_2.bias", false, C)
		add(h+"mlp.c_fc.bias", false, 4*C)
		add(h+"mlp.c_proj.bias", false, C)
	}
	add("ln_f.weight", false, C)
	add("ln_f.bias", false, C)
	return ts
}

// NewLayout places the tensors of c, each at an aligned offset.
func NewLayout(c Config) *Layout {
	lay := &Layout{byName: map[string]int{}}
	off := 0
	for i, t := range c.tensors() {
		if !t.Decay && lay.DecayEnd == 0 {
			lay.DecayEnd = off
		}
		t.Offset = off
		off += compute.AlignUp(t.Size())
		lay.byName[t.Name] = i
		lay.Tensors = append(lay.Tensors, t)
	}
	lay.Size = off
	return lay
}

// Lookup returns the tensor called name.
func (lay *Layout) Lookup(name string) (Tensor, bool) {
	i, ok := lay.byName[name]
	if !ok {
		return Tensor{}, false
	}
	return lay.Tensors[i], true
}

// view returns the tensor name of buf, which has this layout.
func (lay *Layout) view(buf compute.Buffer, name string) compute.Buffer {
	t, ok := lay.Lookup(name)
	if !ok {
		panic("model: no parameter " + name)
	}
	return buf.Slice(t.Offset, t.Size())
}

// layerParams are the views of one transformer block's tensors.
type layerParams struct {
	ln1w, ln1b         compute.Buffer // [C]
	qkvw, qkvb         compute.Buffer // [C,3C], [3C]
	attprojw, attprojb compute.Buffer // [C,C], [C]
	ln2w, ln2b         compute.Buffer // [C]
	fcw, fcb           compute.Buffer // [C,4C], [4C]
	fcprojw, fcprojb   compute.Buffer // [4C,C], [C]
}

// paramViews are the named views of a flat buffer laid out by Layout:
// used for the parameters and for their gradients alike.
type paramViews struct {
	wte, wpe   compute.Buffer // [V,C], [maxT,C]
	layers     []layerParams
	lnfw, lnfb compute.Buffer // [C]
}

func (lay *Layout) views(buf compute.Buffer, L int) paramViews {
	v := paramViews{
		wte:  lay.view(buf, "wte.weight"),
		wpe:  lay.view(buf, "wpe.weight"),
		lnfw: lay.view(buf, "ln_f.weight"),
		lnfb: lay.view(buf, "ln_f.bias"),
	}
	for l := 0; l < L; l++ {
		h := fmt.Sprintf("h.%d.", l)
		v.layers = append(v.layers, layerParams{
			ln1w: lay.view(buf, h+"ln_1.weight"), ln1b: lay.view(buf, h+"ln_1.bias"),
			qkvw: lay.view(buf, h+"attn.c_attn.weight"), qkvb: lay.view(buf, h+"attn.c_attn.bias"),
			attprojw: lay.view(buf, h+"attn.c_proj.weight"), attprojb: lay.view(buf, h+"attn.c_proj.bias"),
			ln2w: lay.view(buf, h+"ln_2.weight"), ln2b: lay.view(buf, h+"ln_2.bias"),
			fcw: lay.view(buf, h+"mlp.c_fc.weight"), fcb: lay.view(buf, h+"mlp.c_fc.bias"),
			fcprojw: lay.view(buf, h+"mlp.c_proj.weight"), fcprojb: lay.view(buf, h+"mlp.c_proj.bias"),
		})
	}
	return v
}

// InitParams returns GPT-2's initialisation of c as a flat host slice laid
// out by NewLayout(c): weights and embeddings drawn from N(0, 0.02), the
// two projections that write into the residual stream from
// N(0, 0.02/sqrt(2L)), LayerNorm gains 1, biases 0. Tensors are drawn in
// canonical order from one PCG stream seeded by seed.
func InitParams(c Config, seed uint64) []float32 {
	lay := NewLayout(c)
	out := make([]float32, lay.Size)
	rng := rand.New(rand.NewPCG(seed, 0x7469_6e79_7374_6167)) // "tinystag"
	projStd := 0.02 / math.Sqrt(2*float64(c.NLayer))
	for _, t := range lay.Tensors {
		dst := out[t.Offset : t.Offset+t.Size()]
		switch {
		case hasSuffix(t.Name, "ln_1.weight", "ln_2.weight", "ln_f.weight"):
			for i := range dst {
				dst[i] = 1
			}
		case hasSuffix(t.Name, ".bias"):
			// zero
		default:
			std := 0.02
			if hasSuffix(t.Name, "attn.c_proj.weight", "mlp.c_proj.weight") {
				std = projStd
			}
			for i := range dst {
				dst[i] = float32(rng.NormFloat64() * std)
			}
		}
	}
	return out
}

func hasSuffix(s string, suffixes ...string) bool {
	for _, x := range suffixes {
		if len(s) >= len(x) && s[len(s)-len(x):] == x {
			return true
		}
	}
	return false
}
