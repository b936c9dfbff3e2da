package tokenizer

import (
	"bytes"
	"fmt"
	"testing"
)

// Run with
//
//	go test -run '^$' -bench . -benchtime 5x ./model/tokenizer/
//
// The corpus is generated (genCorpus), English-like, with Zipf-distributed
// words from a lexicon of about 30 000.

func BenchmarkTrain(b *testing.B) {
	for _, size := range []int{1 << 20, 3 << 20} {
		for _, vocab := range []int{1024, 8192} {
			docs := genDocs(1, size)
			b.Run(fmt.Sprintf("%dMB/vocab=%d", size>>20, vocab), func(b *testing.B) {
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Train(docs, vocab, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkEncode(b *testing.B) {
	corpus := genCorpus(1, 3<<20)
	tok, err := Train(bytes.SplitAfter(corpus, []byte("\n\n")), 1024, nil)
	if err != nil {
		b.Fatal(err)
	}
	text := genCorpus(2, 3<<20) // not the training text
	b.Run("warm", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		dst := make([]int32, 0, len(text))
		for b.Loop() {
			dst = tok.AppendEncode(dst[:0], text)
		}
	})
	b.Run("cold", func(b *testing.B) {
		b.SetBytes(int64(len(text)))
		b.ReportAllocs()
		dst := make([]int32, 0, len(text))
		for b.Loop() {
			tok.cache = newChunkCache()
			dst = tok.AppendEncode(dst[:0], text)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	tok := trained()
	ids := tok.Encode(genCorpus(2, 1<<20))
	dst := make([]byte, 0, 2<<20)
	b.SetBytes(int64(len(tok.AppendDecode(dst[:0], ids))))
	for b.Loop() {
		dst = tok.AppendDecode(dst[:0], ids)
	}
}

func BenchmarkLoad(b *testing.B) {
	tok, err := Train(genDocs(1, 3<<20), 8192, nil)
	if err != nil {
		b.Fatal(err)
	}
	data := mustJSON(b, tok)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Load(data); err != nil {
			b.Fatal(err)
		}
	}
}
