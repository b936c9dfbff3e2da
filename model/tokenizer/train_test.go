package tokenizer

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// naiveTrain is the definition of training, written for clarity: recount
// every pair at every step, merge the pair of highest count (then lowest
// ids) in every word, left to right. It returns the tokens past
// FirstMerged, the merges, and the final segmentation of each distinct
// chunk.
func naiveTrain(docs [][]byte, vocabSize int) (tokens [][]byte, merges []Merge, seg map[string][]int32) {
	freq := make(map[string]int64)
	for _, d := range docs {
		chunks(d, func(c []byte) { freq[string(c)]++ })
	}
	type word struct {
		text string
		sym  []int32
		freq int64
	}
	var words []*word
	for text, f := range freq {
		w := &word{text: text, freq: f}
		for _, c := range []byte(text) {
			w.sym = append(w.sym, NumSpecial+int32(c))
		}
		words = append(words, w)
	}
	all := baseTokens(0)
	for len(all) < vocabSize {
		counts := make(map[uint32]int64)
		for _, w := range words {
			for i := 0; i+1 < len(w.sym); i++ {
				counts[pairKey(w.sym[i], w.sym[i+1])] += w.freq
			}
		}
		var best uint32
		var bestCount int64
		for k, c := range counts {
			if c > bestCount || c == bestCount && k < best {
				best, bestCount = k, c
			}
		}
		if bestCount == 0 {
			break
		}
		l, r := int32(best>>16), int32(best&0xffff)
		id := int32(len(all))
		all = append(all, append(append([]byte(nil), all[l]...), all[r]...))
		merges = append(merges, Merge{l, r, id})
		for _, w := range words {
			var out []int32
			for i := 0; i < len(w.sym); i++ {
				if i+1 < len(w.sym) && w.sym[i] == l && w.sym[i+1] == r {
					out = append(out, id)
					i++
				} else {
					out = append(out, w.sym[i])
				}
			}
			w.sym = out
		}
	}
	seg = make(map[string][]int32)
	for _, w := range words {
		seg[w.text] = w.sym
	}
	return all[FirstMerged:], merges, seg
}

func TestTrainKnownMerges(t *testing.T) {
	// The example of the Hugging Face course: hug×10, pug×5, pun×12,
	// bun×4, hugs×5, one word per document.
	var docs [][]byte
	for _, w := range []struct {
		word string
		n    int
	}{{"hug", 10}, {"pug", 5}, {"pun", 12}, {"bun", 4}, {"hugs", 5}} {
		for range w.n {
			docs = append(docs, []byte(w.word))
		}
	}
	var calls [][2]int
	tok, err := Train(docs, 400, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range tok.Merges() {
		got = append(got, string(tok.TokenBytes(m.Left))+" "+string(tok.TokenBytes(m.Right)))
	}
	// pug and hugs tie at 5: (p, ug) has the lower left id.
	want := []string{"u g", "u n", "h ug", "p un", "p ug", "hug s", "b un"}
	if !slices.Equal(got, want) {
		t.Errorf("merges = %q, want %q", got, want)
	}
	if tok.VocabSize() != FirstMerged+len(want) {
		t.Errorf("VocabSize() = %d, want %d (stopped early)", tok.VocabSize(), FirstMerged+len(want))
	}
	if len(calls) < 2 || calls[0] != [2]int{0, 128} || calls[len(calls)-1] != [2]int{128, 128} {
		t.Errorf("progress calls %v, want (0, 128) first and (128, 128) last", calls)
	}
	if ids := tok.EncodeString("hugs"); len(ids) != 1 {
		t.Errorf("hugs is %d tokens, want 1", len(ids))
	}
}

// smallAlphabet returns documents of random words over a few letters.
func smallAlphabet(seed uint64, n int) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 9))
	var docs [][]byte
	for range n {
		var b []byte
		for range 1 + rng.IntN(30) {
			b = append(b, "abc"[rng.IntN(3)])
		}
		docs = append(docs, b)
	}
	return docs
}

func TestTrainMatchesNaive(t *testing.T) {
	tests := []struct {
		name  string
		docs  [][]byte
		vocab int
	}{
		{"generated text", genDocs(3, 60<<10), 500},
		{"random bytes", func() [][]byte {
			rng := rand.New(rand.NewPCG(4, 4))
			var docs [][]byte
			for range 300 {
				docs = append(docs, randomText(rng, 20))
			}
			return docs
		}(), 600},
	}
	for seed := range uint64(12) {
		tests = append(tests, struct {
			name  string
			docs  [][]byte
			vocab int
		}{"small alphabet", smallAlphabet(seed, 200), 400})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Train(tt.docs, tt.vocab, nil)
			if err != nil {
				t.Fatal(err)
			}
			tokens, merges, seg := naiveTrain(tt.docs, tt.vocab)
			if !slices.Equal(tok.merges, merges) {
				t.Fatalf("merges differ from naiveTrain:\n got %v\nwant %v", tok.merges, merges)
			}
			if !slices.EqualFunc(tok.tokens[FirstMerged:], tokens, bytes.Equal) {
				t.Fatal("tokens differ from naiveTrain")
			}
			seen := make(map[string]bool)
			for _, tok := range tokens {
				if seen[string(tok)] {
					t.Fatalf("token %q made twice", tok)
				}
				seen[string(tok)] = true
			}
			// Encoding a chunk of the corpus gives the segmentation that
			// training ended with.
			for text, want := range seg {
				if got := tok.EncodeString(text); !slices.Equal(got, want) {
					t.Fatalf("Encode(%q) = %v, training made %v", text, got, want)
				}
			}
		})
	}
}

func TestTrainDeterministic(t *testing.T) {
	docs := genDocs(8, 100<<10)
	a, err := Train(docs, 700, nil)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	shuffled := slices.Clone(docs)
	rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	tr := NewTrainer()
	for _, d := range shuffled {
		tr.Add(d)
	}
	b, err := tr.Train(700, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustJSON(t, a), mustJSON(t, b)) {
		t.Error("training on the same documents in another order gave another tokenizer")
	}
	c, err := tr.Train(700, nil) // again, from the kept counts
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustJSON(t, a), mustJSON(t, c)) {
		t.Error("a second Train on the same Trainer gave another tokenizer")
	}
}

func TestTrainVocabSize(t *testing.T) {
	docs := [][]byte{[]byte("hello hello")}
	for _, n := range []int{-1, 0, 272, MinVocabSize - 1, MaxVocabSize + 1} {
		if tok, err := Train(docs, n, nil); !errors.Is(err, ErrVocabSize) || tok != nil {
			t.Errorf("Train(vocabSize=%d) = %v, %v; want ErrVocabSize", n, tok, err)
		} else if !strings.Contains(err.Error(), "tokenizer: ") {
			t.Errorf("error %q lacks the package prefix", err)
		}
	}
	for _, n := range []int{MinVocabSize, MaxVocabSize} {
		tok, err := Train(docs, n, nil)
		if err != nil {
			t.Errorf("Train(vocabSize=%d): %v", n, err)
			continue
		}
		// "hello" and " hello": h e l l o, Ġ h e l l o: 5 merges at most.
		if tok.VocabSize() > FirstMerged+5 {
			t.Errorf("Train(vocabSize=%d): %d tokens from a tiny corpus", n, tok.VocabSize())
		}
	}
	tok, err := Train(nil, MinVocabSize, nil)
	if err != nil || tok.VocabSize() != FirstMerged {
		t.Fatalf("Train(nil) = %v, %v; want a tokenizer of the bytes", tok, err)
	}
	if got := tok.DecodeString(tok.EncodeString("any text")); got != "any text" {
		t.Errorf("round trip with no merges: %q", got)
	}
}

func TestTrainProgress(t *testing.T) {
	var calls [][2]int
	_, err := Train(genDocs(2, 50<<10), 400, func(done, total int) { calls = append(calls, [2]int{done, total}) })
	if err != nil {
		t.Fatal(err)
	}
	total := 400 - FirstMerged
	if want := (total-1)/16 + 2; len(calls) != want {
		t.Errorf("%d calls, want %d", len(calls), want)
	}
	for i, c := range calls {
		if c[1] != total || i > 0 && c[0] < calls[i-1][0] || c[0] > total {
			t.Fatalf("bad progress calls %v", calls)
		}
	}
	if calls[0][0] != 0 || calls[len(calls)-1][0] != total {
		t.Errorf("first/last calls %v, %v", calls[0], calls[len(calls)-1])
	}
}

func TestTrainCompresses(t *testing.T) {
	corpus := genCorpus(10, 200<<10)
	tok, err := Train(bytes.SplitAfter(corpus, []byte("\n\n")), 1024, nil)
	if err != nil {
		t.Fatal(err)
	}
	held := genCorpus(11, 50<<10) // text not seen in training
	ids := tok.Encode(held)
	if ratio := float64(len(held)) / float64(len(ids)); ratio < 2.5 {
		t.Errorf("%.2f bytes per token on held-out text, want at least 2.5", ratio)
	}
}
