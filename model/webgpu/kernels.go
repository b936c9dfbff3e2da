package webgpu

import (
	"embed"
	"strings"
)

// shaderFS holds the WGSL sources. common.wgsl is prepended to every
// module, reduce.wgsl to those that reduce along rows (they declare
// LANES).
//
//go:embed shaders/*.wgsl
var shaderFS embed.FS

// kernelSpec describes one compute entry point and how it is bound.
type kernelSpec struct {
	entry string // WGSL entry point, also the kernel's name
	file  string // shaders/<file>.wgsl
	// binds has one letter per binding after the uniform (binding 1, 2,
	// …): 'w' a read_write storage buffer, 'r' a read-only one, '-' a
	// binding of the module that this entry point does not use.
	binds string
	// overrides are the boolean override constants that select variants.
	overrides []string
}

// kernelSpecs are all the kernels of the backend.
var kernelSpecs = []kernelSpec{
	{entry: "fill", file: "fill", binds: "w"},
	{entry: "copy_rows", file: "copy", binds: "wr"},
	{entry: "add", file: "add", binds: "wrr"},
	{entry: "accumulate", file: "add", binds: "wr"},
	{entry: "gelu_forward", file: "gelu", binds: "wr"},
	{entry: "gelu_backward", file: "gelu", binds: "wrr"},
	{entry: "encoder_forward", file: "encoder_forward", binds: "wrrr"},
	{entry: "encoder_chain", file: "encoder_backward", binds: "-wr"},
	{entry: "encoder_backward_wte", file: "encoder_backward", binds: "wwrr"},
	{entry: "encoder_backward_wpe", file: "encoder_backward", binds: "w--r"},
	{entry: "layernorm_forward", file: "layernorm_forward", binds: "wwwrrr"},
	{entry: "layernorm_backward_input", file: "layernorm_backward", binds: "wrrrrr"},
	{entry: "layernorm_backward_params", file: "colsum", binds: "wwrrrr"},
	{entry: "bias_backward", file: "colsum", binds: "-wr"},
	{entry: "matmul", file: "matmul", binds: "wrrrrr",
		overrides: []string{"TRANS_A", "TRANS_B", "VEC_A", "VEC_B", "BIAS", "ACCUMULATE"}},
	{entry: "attention_scores", file: "attention_forward", binds: "wrr"},
	{entry: "attention_values", file: "attention_forward", binds: "w-rw"},
	{entry: "attention_backward_scores", file: "attention_backward", binds: "wrrr"},
	{entry: "attention_backward_qkv", file: "attention_backward", binds: "wrrrw"},
	{entry: "cross_entropy", file: "crossentropy", binds: "wwrrr", overrides: []string{"GRAD"}},
	{entry: "sumsq_partial", file: "sumsq", binds: "wr"},
	{entry: "sumsq_final", file: "sumsq", binds: "w-w"},
	{entry: "adamw", file: "adamw", binds: "wrwwr"},
}

// moduleSource returns the WGSL of shaders/<file>.wgsl with its preludes.
func moduleSource(file string) (string, error) {
	read := func(name string) (string, error) {
		b, err := shaderFS.ReadFile("shaders/" + name + ".wgsl")
		return string(b), err
	}
	src, err := read(file)
	if err != nil {
		return "", err
	}
	parts := []string{}
	common, err := read("common")
	if err != nil {
		return "", err
	}
	parts = append(parts, common)
	if strings.Contains(src, "const LANES:") {
		reduce, err := read("reduce")
		if err != nil {
			return "", err
		}
		parts = append(parts, reduce)
	}
	return strings.Join(append(parts, src), "\n"), nil
}

// moduleFiles lists the distinct shader files the kernels use, in order.
func moduleFiles() []string {
	var files []string
	seen := map[string]bool{}
	for _, k := range kernelSpecs {
		if !seen[k.file] {
			seen[k.file] = true
			files = append(files, k.file)
		}
	}
	return files
}
