package safetensors_test

import (
	"bytes"
	"errors"
	"fmt"
	"log"

	"tinystages/model/safetensors"
)

func Example() {
	// Save two tensors and some metadata.
	tensors := []safetensors.Tensor{
		{Name: "wte.weight", Shape: []int{3, 2}, Data: []float32{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}},
		{Name: "ln_f.bias", Shape: []int{2}, Data: []float32{0, -1}},
	}
	var file bytes.Buffer
	if err := safetensors.Write(&file, tensors, map[string]string{"format": "pt"}); err != nil {
		log.Fatal(err)
	}

	// Load them back.
	f, err := safetensors.Read(file.Bytes())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(f.Names(), f.Metadata["format"])
	wte, _ := f.Tensor("wte.weight")
	fmt.Println(wte.Shape, wte.Data)

	// A damaged file is an error that names the tensor.
	_, err = safetensors.Read(file.Bytes()[:file.Len()-4])
	fmt.Println(err)
	fmt.Println(errors.Is(err, safetensors.ErrTruncated))
	// Output:
	// [wte.weight ln_f.bias] pt
	// [3 2] [0.1 0.2 0.3 0.4 0.5 0.6]
	// safetensors: tensor "ln_f.bias": data section truncated: data_offsets [24, 32] in a data section of 28 bytes
	// true
}
