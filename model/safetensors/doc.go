// Package safetensors reads and writes the safetensors checkpoint format of
// Hugging Face, strictly.
//
// # Format
//
// A safetensors file is three parts:
//
//	8 bytes    N, the length of the header, a little-endian uint64
//	N bytes    the header: a JSON object, padded with spaces
//	the rest   the data section: the tensors' bytes, back to back
//
// The header maps each tensor's name to its entry, and the optional key
// "__metadata__" to an object of string values:
//
//	{"__metadata__": {"format": "pt"},
//	 "wte.weight": {"dtype": "F32", "shape": [512, 64], "data_offsets": [0, 131072]},
//	 ...}
//
// data_offsets are [begin, end) byte offsets into the data section. Elements
// are stored little-endian in row-major (C) order. A shape of [] is a
// scalar, one element; a shape with a 0 has no elements and begin == end.
//
// # Model
//
// In memory every tensor is float32: a [Tensor] is a name, a shape and a
// []float32. [Write] writes F32 tensors in the order given, the metadata
// first with sorted keys, and pads the header with spaces to a multiple of 8
// bytes as the reference implementation does; the same tensors always give
// the same bytes. [Read] accepts the dtypes F32, F16, BF16 and F64 and
// converts them to float32 (F16 and BF16 exactly, F64 rounded to nearest);
// any other dtype is an error.
//
// # Validation
//
// Read is a parser of outside input: it never panics, never allocates more
// than a small multiple of the input's size whatever the header claims, and
// returns either a complete [File] or an error, never part of a file. Every
// problem is a [*FormatError] naming the tensor (when there is one) and
// wrapping one of the Err* sentinels, so callers can test for it with
// errors.Is. As the reference implementation requires, the tensors must
// cover the data section exactly: no overlaps, no gaps, no bytes left over.
package safetensors
