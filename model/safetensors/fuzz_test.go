package safetensors

import (
	"bytes"
	"maps"
	"testing"
)

// FuzzRead checks that Read never panics, returns either a File or a
// *FormatError, and that a File it returns writes and reads back to the same
// tensors and metadata.
func FuzzRead(f *testing.F) {
	f.Add(mustWrite(f, nil, nil))
	f.Add(mustWrite(f, []Tensor{
		{"wte.weight", []int{2, 3}, []float32{1, 2, 3, 4, 5, 6}},
		{"scalar", []int{}, []float32{-1}},
		{"empty", []int{0}, nil},
		{"specials", []int{len(specials)}, specials},
	}, map[string]string{"format": "pt"}))
	f.Add(build(`{"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"BF16","shape":[1],"data_offsets":[4,6]},`+
		`"d":{"dtype":"F64","shape":[1],"data_offsets":[6,14]}}`, le(1, 0, 0x3c, 0x01, 0x7c, 0x80, 0x3f, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f)))
	for _, c := range readErrorCases() {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(data)
		if err != nil {
			if file != nil {
				t.Fatalf("Read returned a File and the error %v", err)
			}
			if _, ok := err.(*FormatError); !ok {
				t.Fatalf("Read: %T %v, want *FormatError", err, err)
			}
			return
		}
		var b bytes.Buffer
		if err := Write(&b, file.Tensors(), file.Metadata); err != nil {
			t.Fatalf("Write of a read File: %v", err)
		}
		again, err := Read(b.Bytes())
		if err != nil {
			t.Fatalf("Read of a written File: %v", err)
		}
		if !sameTensors(again.Tensors(), file.Tensors()) {
			t.Fatalf("tensors differ after Write and Read:\n%v\n%v", file.Tensors(), again.Tensors())
		}
		if !maps.Equal(again.Metadata, file.Metadata) {
			t.Fatalf("metadata differs after Write and Read: %v, %v", file.Metadata, again.Metadata)
		}
	})
}
