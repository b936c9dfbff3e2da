package build

import (
	"bytes"

	"tinystages/model/tokenizer"
)

// DefaultTokenizer trains tinystages' byte-level BPE tokenizer
// (tinystages/model/tokenizer) and serialises it with WriteJSON.
func DefaultTokenizer(docs [][]byte, vocabSize int) (Encoder, []byte, error) {
	t, err := tokenizer.Train(docs, vocabSize, nil)
	if err != nil {
		return nil, nil, err
	}
	var b bytes.Buffer
	if err := t.WriteJSON(&b); err != nil {
		return nil, nil, err
	}
	return t, b.Bytes(), nil
}
