package midtrain

import (
	"strings"

	"tinystages/datasets/record"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// Pair is two views of one item, as token ids (without <|bos|>): what
// JEPA's loss pulls together in embedding space.
type Pair struct {
	A, B   []int32
	Source string // what made it: a generator name, "kb-title", "web"
}

// StructuredPairs returns the paired views the domain's structure gives:
// every synthetic item's two lines (record.Synthetic.Views: doc comment ↔
// signature, signature ↔ package, title ↔ URL, page ↔ cited page, record
// ↔ sentence) and every knowledge-base page's title ↔ the start of its
// body. Views are cut to maxLen tokens.
func StructuredPairs(tok *tokenizer.Tokenizer, syn []record.Synthetic, kb []record.KBDoc, maxLen int) []Pair {
	var out []Pair
	add := func(a, b, src string) {
		if strings.TrimSpace(a) == "" || strings.TrimSpace(b) == "" {
			return
		}
		out = append(out, Pair{A: clip(tok.EncodeString(a), maxLen), B: clip(tok.EncodeString(b), maxLen), Source: src})
	}
	for _, s := range syn {
		a, b := s.Views()
		add(a, b, s.Generator)
	}
	for _, k := range kb {
		body := strings.TrimPrefix(k.Text, "# "+k.Title)
		add("# "+k.Title, strings.TrimSpace(body), "kb-title")
	}
	return out
}

// WebPairs returns, for each document, its first two spans of maxLen
// tokens (or its two halves, when shorter) as a pair: two neighbouring
// pieces of one web page, the only paired views unstructured text has.
// Documents under 8 tokens are skipped.
func WebPairs(tok *tokenizer.Tokenizer, docs []train.Doc, maxLen int) []Pair {
	var out []Pair
	for _, d := range docs {
		ids := tok.Encode(d.Text)
		if len(ids) < 8 {
			continue
		}
		n := min(maxLen, len(ids)/2)
		out = append(out, Pair{A: ids[:n:n], B: ids[n : 2*n : 2*n], Source: "web"})
	}
	return out
}

// clip returns at most the first n tokens of x.
func clip(x []int32, n int) []int32 {
	if len(x) > n {
		return x[:n]
	}
	return x
}
