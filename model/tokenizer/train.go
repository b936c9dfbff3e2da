package tokenizer

import (
	"errors"
	"fmt"
)

// ErrVocabSize is returned by Train for a vocabulary size outside
// [MinVocabSize, MaxVocabSize].
var ErrVocabSize = errors.New("vocabulary size out of range")

// Train trains a tokenizer of vocabSize tokens on the documents docs. It is
// NewTrainer, Add for each document, then [Trainer.Train]; see there.
func Train(docs [][]byte, vocabSize int, progress func(done, total int)) (*Tokenizer, error) {
	tr := NewTrainer()
	for _, d := range docs {
		tr.Add(d)
	}
	return tr.Train(vocabSize, progress)
}

// A Trainer counts the pre-tokens (chunks) of a corpus given one document
// at a time, then learns merges from the counts. It keeps each distinct
// chunk once, not the corpus, so documents can be streamed through Add.
type Trainer struct {
	index  map[string]int32 // chunk -> word index
	bytes  []byte           // the distinct chunks, concatenated in order of first sight
	starts []int32          // word w is bytes[starts[w]:starts[w+1]]
	freq   []int64          // times each word was seen
}

// NewTrainer returns an empty Trainer.
func NewTrainer() *Trainer {
	return &Trainer{index: make(map[string]int32), starts: []int32{0}}
}

// Add counts the chunks of one document. Chunks never span two documents.
// Single-byte chunks are not kept: they hold no pair to merge.
func (tr *Trainer) Add(doc []byte) {
	chunks(doc, func(c []byte) {
		if len(c) < 2 {
			return
		}
		if w, ok := tr.index[string(c)]; ok {
			tr.freq[w]++
			return
		}
		tr.index[string(c)] = int32(len(tr.freq))
		tr.freq = append(tr.freq, 1)
		tr.bytes = append(tr.bytes, c...)
		tr.starts = append(tr.starts, int32(len(tr.bytes)))
	})
}

// Train learns merges from the chunks added so far until the vocabulary
// has vocabSize tokens, specials and bytes included, and returns the
// tokenizer. vocabSize must be in [MinVocabSize, MaxVocabSize].
//
// Each step merges the pair of adjacent tokens with the highest count over
// the corpus; among pairs of equal count, the one with the lowest (left,
// right) ids. The result depends only on the multiset of chunks, so the
// same corpus always gives the same tokenizer. Each merge makes a new
// token: the bytes of a pair never spell an earlier token, because an
// occurrence of those bytes between two token boundaries evolves as the
// chunk of just those bytes would, and that chunk was merged into the
// earlier token when it was made. If the corpus runs out of pairs before
// the vocabulary is full, training stops early and the tokenizer has fewer
// than vocabSize tokens.
//
// progress, if not nil, is called with done = 0 at the start, then every
// 16 new tokens, and last with done = total, even if training stopped early;
// total is vocabSize - FirstMerged. Train may be called more than once; the
// counts are kept.
func (tr *Trainer) Train(vocabSize int, progress func(done, total int)) (*Tokenizer, error) {
	if vocabSize < MinVocabSize || vocabSize > MaxVocabSize {
		return nil, fmt.Errorf("tokenizer: %w: %d not in [%d, %d]", ErrVocabSize, vocabSize, MinVocabSize, MaxVocabSize)
	}
	total := vocabSize - FirstMerged
	report := func(done int) {
		if progress != nil {
			progress(done, total)
		}
	}
	report(0)
	s := newTrainState(tr)
	tokens := baseTokens(total)
	var merges []Merge
	for len(tokens) < vocabSize {
		slot, ok := s.best()
		if !ok {
			break
		}
		key := s.pairKey[slot]
		left, right := int32(key>>16), int32(key&0xffff)
		id := int32(len(tokens))
		b := make([]byte, 0, len(tokens[left])+len(tokens[right]))
		tokens = append(tokens, append(append(b, tokens[left]...), tokens[right]...))
		merges = append(merges, Merge{left, right, id})
		s.merge(slot, left, right, id)
		if done := int(id + 1 - FirstMerged); done%16 == 0 && done < total {
			report(done)
		}
	}
	report(total)
	return newTokenizer(tokens, merges), nil
}

// trainState holds the words (distinct chunks) as token sequences and the
// counts of adjacent pairs, updated incrementally as pairs are merged.
//
// Pairs are numbered by slot. For each slot the state keeps its key, its
// count (the sum over words of occurrences times the word's frequency) and a
// linked list of the words it may occur in (a word that no longer has the
// pair stays listed, and merge finds nothing to do in it). A max-heap orders the pairs by count; its entries go stale as
// counts fall and are refreshed lazily when they reach the top.
type trainState struct {
	syms  []int32 // the words' token ids, word w at syms[start[w]:start[w]+size[w]]
	start []int32
	size  []int32
	freq  []int64

	slotOf    map[uint32]int32 // pairKey -> slot
	pairKey   []uint32
	pairCount []int64
	pairHead  []int32 // first node of the occurrence list, -1 if none
	pairLast  []int32 // the word last added to the occurrence list
	pairMark  []int32 // the last merge number that raised the count

	nodeWord []int32 // occurrence-list nodes
	nodeNext []int32

	heap   []heapEntry
	merges int32   // merges done so far
	raised []int32 // slots whose count rose in the current merge
}

type heapEntry struct {
	count int64
	key   uint32
	slot  int32
}

// above orders heap entries: the higher count first, then the lower key.
func (a heapEntry) above(b heapEntry) bool {
	return a.count > b.count || a.count == b.count && a.key < b.key
}

func newTrainState(tr *Trainer) *trainState {
	nw := len(tr.freq)
	s := &trainState{
		syms:   make([]int32, len(tr.bytes)),
		start:  tr.starts[:nw], // read only
		size:   make([]int32, nw),
		freq:   tr.freq, // read only
		slotOf: make(map[uint32]int32),
	}
	for i, c := range tr.bytes {
		s.syms[i] = NumSpecial + int32(c)
	}
	for w := range nw {
		s.size[w] = tr.starts[w+1] - tr.starts[w]
		word := s.word(int32(w))
		for i := 0; i+1 < len(word); i++ {
			s.add(pairKey(word[i], word[i+1]), int32(w), s.freq[w])
		}
	}
	for slot, c := range s.pairCount {
		s.heap = append(s.heap, heapEntry{c, s.pairKey[slot], int32(slot)})
	}
	for i := len(s.heap)/2 - 1; i >= 0; i-- {
		s.down(i)
	}
	return s
}

func (s *trainState) word(w int32) []int32 {
	return s.syms[s.start[w] : s.start[w]+s.size[w]]
}

// add adds delta to the count of the pair key seen in word w, creating its
// slot if needed, and lists w among the pair's words.
func (s *trainState) add(key uint32, w int32, delta int64) int32 {
	slot, ok := s.slotOf[key]
	if !ok {
		slot = int32(len(s.pairKey))
		s.slotOf[key] = slot
		s.pairKey = append(s.pairKey, key)
		s.pairCount = append(s.pairCount, 0)
		s.pairHead = append(s.pairHead, -1)
		s.pairLast = append(s.pairLast, -1)
		s.pairMark = append(s.pairMark, -1)
	}
	s.pairCount[slot] += delta
	if delta > 0 && s.pairLast[slot] != w {
		s.pairLast[slot] = w
		s.nodeWord = append(s.nodeWord, w)
		s.nodeNext = append(s.nodeNext, s.pairHead[slot])
		s.pairHead[slot] = int32(len(s.nodeWord) - 1)
	}
	return slot
}

// change adds delta to the count of the pair (left, right) in word w,
// except for the pair being merged, whose count is dropped at the end.
func (s *trainState) change(left, right int32, w int32, delta int64, merged uint32) {
	key := pairKey(left, right)
	if key == merged {
		return
	}
	slot := s.add(key, w, delta)
	if delta > 0 && s.pairMark[slot] != s.merges {
		s.pairMark[slot] = s.merges
		s.raised = append(s.raised, slot)
	}
}

// merge replaces every occurrence of the pair in slot, (left, right), by id
// in every word, updating the counts of the neighbouring pairs.
func (s *trainState) merge(slot, left, right, id int32) {
	merged := s.pairKey[slot]
	s.raised = s.raised[:0]
	for node := s.pairHead[slot]; node >= 0; node = s.nodeNext[node] {
		w := s.nodeWord[node]
		sym := s.word(w)
		f := s.freq[w]
		n, j := len(sym), 0
		for r := 0; r < n; {
			if r+1 < n && sym[r] == left && sym[r+1] == right {
				if j > 0 {
					s.change(sym[j-1], left, w, -f, merged)
					s.change(sym[j-1], id, w, f, merged)
				}
				if r+2 < n {
					s.change(right, sym[r+2], w, -f, merged)
					s.change(id, sym[r+2], w, f, merged)
				}
				sym[j] = id
				r += 2
			} else {
				sym[j] = sym[r]
				r++
			}
			j++
		}
		s.size[w] = int32(j)
	}
	s.pairCount[slot] = 0
	s.pairHead[slot] = -1
	for _, r := range s.raised {
		if c := s.pairCount[r]; c > 0 {
			s.push(heapEntry{c, s.pairKey[r], r})
		}
	}
	s.merges++
}

// best returns the slot of the pair to merge next: the highest count, then
// the lowest key. It reports false when no pair is left.
func (s *trainState) best() (int32, bool) {
	for len(s.heap) > 0 {
		top := s.heap[0]
		c := s.pairCount[top.slot]
		if c == top.count && c > 0 {
			return top.slot, true
		}
		s.pop()
		if c > 0 {
			s.push(heapEntry{c, top.key, top.slot})
		}
	}
	return 0, false
}

func (s *trainState) push(e heapEntry) {
	s.heap = append(s.heap, e)
	h := s.heap
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if !h[i].above(h[p]) {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
}

func (s *trainState) pop() {
	last := len(s.heap) - 1
	s.heap[0] = s.heap[last]
	s.heap = s.heap[:last]
	s.down(0)
}

func (s *trainState) down(i int) {
	h := s.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		if r := l + 1; r < len(h) && h[r].above(h[l]) {
			l = r
		}
		if !h[l].above(h[i]) {
			return
		}
		h[i], h[l] = h[l], h[i]
		i = l
	}
}
