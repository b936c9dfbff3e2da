package train

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"

	"tinystages/model"
	"tinystages/model/tokenizer"
)

// Doc is one training document with the metadata the lessons use.
type Doc struct {
	Source  string  // kind of page: encyclopedia, forum, spam, code, ...
	Quality float64 // 0 (junk) .. 1 (clean)
	Text    []byte
}

// Corpus is a set of documents tokenized into one stream, each document
// starting with the <|bos|> token, as GPT-2 trains: a window of the stream
// may span a document boundary, and the model learns to reset at <|bos|>.
type Corpus struct {
	Tokens  []int32  // the stream
	Starts  []int    // offset of each document's <|bos|> in Tokens
	Sources []string // source of each document
	Bytes   int      // bytes of text tokenized
}

// Window returns a random window of T+1 tokens of the stream (a slice of
// it, not a copy): T inputs and their T targets. The corpus must hold at
// least T+2 tokens.
func (c *Corpus) Window(T int, rng *rand.Rand) []int32 {
	s := rng.IntN(len(c.Tokens) - T)
	return c.Tokens[s : s+T+1]
}

// Tokenize encodes docs into a Corpus. progress, if not nil, is called
// with the number of documents done so far.
func Tokenize(tok *tokenizer.Tokenizer, docs []Doc, progress func(done, total int)) *Corpus {
	c := &Corpus{}
	for i, d := range docs {
		c.Starts = append(c.Starts, len(c.Tokens))
		c.Sources = append(c.Sources, d.Source)
		c.Tokens = append(c.Tokens, tokenizer.BOS)
		c.Tokens = append(c.Tokens, tok.Encode(d.Text)...)
		c.Bytes += len(d.Text)
		if progress != nil && (i%64 == 63 || i == len(docs)-1) {
			progress(i+1, len(docs))
		}
	}
	return c
}

// FilterQuality returns the documents with Quality >= min: the data
// curation experiment of the pre-training page.
func FilterQuality(docs []Doc, min float64) []Doc {
	var out []Doc
	for _, d := range docs {
		if d.Quality >= min {
			out = append(out, d)
		}
	}
	return out
}

// ErrCorpusTooSmall is returned when a corpus cannot fill one window.
var ErrCorpusTooSmall = errors.New("corpus too small")

// Producer makes the training batches of a stage: the one thing that
// differs between pre-training, mid-training and post-training.
type Producer interface {
	// Next returns a batch of B sequences of T positions drawn with rng.
	Next(B, T int, rng *rand.Rand) *model.Batch
}

// NextToken is the pre-training (and plain mid-training) producer:
// random windows of T+1 tokens of a corpus, every target weighted 1.
type NextToken struct {
	Corpus *Corpus
}

// NewNextToken checks that corpus can fill windows of T+1 tokens.
func NewNextToken(corpus *Corpus, T int) (*NextToken, error) {
	if len(corpus.Tokens) < T+2 {
		return nil, fmt.Errorf("train: %w: %d tokens, need more than %d for a window", ErrCorpusTooSmall, len(corpus.Tokens), T+1)
	}
	return &NextToken{Corpus: corpus}, nil
}

// Next implements Producer.
func (p *NextToken) Next(B, T int, rng *rand.Rand) *model.Batch {
	windows := make([][]int32, B)
	for b := range windows {
		windows[b] = p.Corpus.Window(T, rng)
	}
	return model.NextTokenBatch(windows)
}

// ValSet is a fixed set of evaluation windows, grouped by source, so that
// validation loss is measured on the same tokens every time.
type ValSet struct {
	Windows [][]int32 // [n][T+1]
	Sources []string  // source of each window
	Bytes   int       // bytes of text the windows' targets cover (for bits per byte)
}

// NewValSet takes, per source, the windows of T+1 tokens that start at the
// <|bos|> of that source's first perSource documents (a window runs on
// into the next document when its own is short), in corpus order.
func NewValSet(corpus *Corpus, T, perSource int) *ValSet {
	v := &ValSet{}
	count := map[string]int{}
	var bytesPerToken float64
	if len(corpus.Tokens) > 0 {
		bytesPerToken = float64(corpus.Bytes) / float64(len(corpus.Tokens))
	}
	for i, start := range corpus.Starts {
		src := corpus.Sources[i]
		if count[src] >= perSource || start+T+1 > len(corpus.Tokens) {
			continue
		}
		v.Windows = append(v.Windows, corpus.Tokens[start:start+T+1])
		v.Sources = append(v.Sources, src)
		count[src]++
	}
	v.Bytes = int(bytesPerToken * float64(len(v.Windows)*T))
	return v
}

// SourceNames returns the sources of v, sorted.
func (v *ValSet) SourceNames() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range v.Sources {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Loss is the mean next-token loss of m over the windows (every token
// weighted equally), and the mean per source. It runs in batches of B
// windows, reusing the training activations of shape B×T.
func (v *ValSet) Loss(m *model.GPT, B int) (mean float64, bySource map[string]float64, err error) {
	if len(v.Windows) == 0 {
		return 0, nil, fmt.Errorf("train: %w: no validation windows", ErrCorpusTooSmall)
	}
	T := len(v.Windows[0]) - 1
	sum := map[string]float64{}
	n := map[string]int{}
	var total float64
	losses := make([]float32, B*T)
	pad := make([]int32, T+1)
	for lo := 0; lo < len(v.Windows); lo += B {
		ws := make([][]int32, B)
		for b := range ws {
			if lo+b < len(v.Windows) {
				ws[b] = v.Windows[lo+b]
			} else {
				ws[b] = pad
			}
		}
		batch := model.NextTokenBatch(ws)
		if err := m.Forward(batch); err != nil {
			return 0, nil, err
		}
		m.TokenLosses(losses)
		for b := 0; b < B && lo+b < len(v.Windows); b++ {
			var s float64
			for _, l := range losses[b*T : (b+1)*T] {
				s += float64(l)
			}
			src := v.Sources[lo+b]
			sum[src] += s
			n[src] += T
			total += s
		}
	}
	bySource = map[string]float64{}
	count := 0
	for src, s := range sum {
		bySource[src] = s / float64(n[src])
		count += n[src]
	}
	return total / float64(count), bySource, nil
}

// SplitText cuts text into pieces of at most size bytes, at a paragraph
// break where one falls in the last three quarters of a piece, else at a
// line break, else at size bytes: a user's long file becomes documents of
// about a context's worth of text.
func SplitText(text string, size int) []string {
	var out []string
	for len(text) > size {
		cut := strings.LastIndex(text[:size], "\n\n")
		if cut < size/4 {
			cut = strings.LastIndex(text[:size], "\n")
		}
		if cut < size/4 {
			cut = size
		}
		out = append(out, text[:cut])
		text = strings.TrimLeft(text[cut:], "\n")
	}
	if strings.TrimSpace(text) != "" {
		out = append(out, text)
	}
	return out
}
