package safetensors

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

// benchTensors returns about 2M float32 parameters (8 MiB) in GPT-2-like
// tensors.
func benchTensors() []Tensor {
	rng := rand.New(rand.NewPCG(1, 1))
	var ts []Tensor
	for i, shape := range [][]int{{4096, 256}, {1024, 256}, {256, 768}, {256, 1024}, {1024, 256}, {256, 256}, {256}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]float32, n)
		for j := range data {
			data[j] = float32(rng.NormFloat64())
		}
		ts = append(ts, Tensor{Name: string(rune('a' + i)), Shape: shape, Data: data})
	}
	return ts
}

func BenchmarkWrite(b *testing.B) {
	ts := benchTensors()
	var buf bytes.Buffer
	Write(&buf, ts, nil)
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if err := Write(io.Discard, ts, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRead(b *testing.B) {
	var buf bytes.Buffer
	Write(&buf, benchTensors(), nil)
	b.SetBytes(int64(buf.Len()))
	for b.Loop() {
		if _, err := Read(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
