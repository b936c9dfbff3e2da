package tokenizer

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// genCorpus returns about size bytes of generated English-like text: words
// drawn with Zipf frequencies from a lexicon of common English words and
// made-up ones, sentences
// with punctuation, contractions, numbers, a little non-ASCII text, and
// paragraphs. The same seed gives the same text.
func genCorpus(seed uint64, size int) []byte {
	rng := rand.New(rand.NewPCG(seed, 0x70c1))
	lexicon := []string{
		"the", "of", "and", "to", "in", "is", "that", "it", "was", "for",
		"on", "are", "with", "as", "they", "be", "at", "one", "have", "this",
		"from", "by", "hot", "word", "but", "what", "some", "we", "can", "out",
		"other", "were", "all", "there", "when", "up", "use", "your", "how", "said",
		"model", "token", "train", "stage", "learn", "data", "loss", "weight", "layer", "gradient",
		"tiny", "browser", "stream", "river", "mountain", "garden", "lantern", "window", "harbor", "signal",
		"naïve", "café", "déjà", "über", "año", "straße", "smörgåsbord", "résumé",
	}
	// Made-up words from syllables, so that the corpus has tens of
	// thousands of distinct words like real text.
	syllables := []string{
		"ka", "to", "ri", "men", "sel", "pa", "dor", "vi", "lu", "ne",
		"tha", "qu", "ex", "ion", "ing", "er", "al", "st", "ght", "ph",
		"ou", "ea", "ch", "sh", "ly", "ment", "ous", "ive", "ble", "pre",
	}
	for range 30000 {
		var w strings.Builder
		for range 1 + rng.IntN(4) {
			w.WriteString(syllables[rng.IntN(len(syllables))])
		}
		lexicon = append(lexicon, w.String())
	}
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(lexicon)-1))
	contractions := []string{"'s", "'t", "'re", "'ve", "'m", "'ll", "'d"}
	var b strings.Builder
	for b.Len() < size {
		// A paragraph of a few sentences.
		for range 1 + rng.IntN(5) {
			n := 3 + rng.IntN(12)
			for i := range n {
				w := lexicon[zipf.Uint64()]
				if i == 0 {
					w = strings.ToUpper(w[:1]) + w[1:]
				} else {
					b.WriteByte(' ')
				}
				switch r := rng.IntN(40); {
				case r == 0:
					w = strconv.Itoa(rng.IntN(100000))
				case r == 1:
					w += contractions[rng.IntN(len(contractions))]
				case r == 2:
					w = "(" + w + ")"
				case r == 3:
					w += ","
				case r == 4:
					w = "日本語"
				}
				b.WriteString(w)
			}
			b.WriteString([]string{".", ".", ".", "!", "?", "...", ";"}[rng.IntN(7)])
			if rng.IntN(10) > 0 {
				b.WriteByte(' ')
			}
		}
		b.WriteString([]string{"\n", "\n\n", "\n\n", "  \n", "\n\t"}[rng.IntN(5)])
	}
	return []byte(b.String())
}

// genDocs cuts a generated corpus into documents at blank lines.
func genDocs(seed uint64, size int) [][]byte {
	var docs [][]byte
	for _, d := range strings.SplitAfter(string(genCorpus(seed, size)), "\n\n") {
		docs = append(docs, []byte(d))
	}
	return docs
}
