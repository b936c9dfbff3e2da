package tokenizer

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// The special tokens' ids. They are int32 like every token id.
const (
	BOS       int32 = iota // <|bos|>: beginning of a sequence
	End                    // <|end|>: end of a document or a turn
	User                   // <|user|>: a user's turn starts
	Assistant              // <|assistant|>: an assistant's turn starts
	System                 // <|system|>: a system prompt starts
	Pad                    // <|pad|>: padding
	Doc                    // <|doc|>: a document starts
	Title                  // <|title|>: a title starts
	URL                    // <|url|>: a URL starts
	Cite                   // <|cite|>: a citation starts
	Code                   // <|code|>: a code block starts
	Sep                    // <|sep|>: a separator
)

const (
	// NumSpecial is the number of special tokens, ids 0..NumSpecial-1.
	// Ids 12..15 are reserved: <|reserved_12|> .. <|reserved_15|>.
	NumSpecial = 16
	// NumBytes is the number of single-byte tokens. The byte b has id
	// NumSpecial+b.
	NumBytes = 256
	// FirstMerged is the id of the first token created by a merge.
	FirstMerged = NumSpecial + NumBytes
	// MinVocabSize and MaxVocabSize bound the vocabulary size given to
	// Train. Token ids fit in 16 bits.
	MinVocabSize = 300
	MaxVocabSize = 1 << 16
)

// specialNames holds the literal strings of the special tokens, by id.
var specialNames = [NumSpecial]string{
	"<|bos|>", "<|end|>", "<|user|>", "<|assistant|>", "<|system|>",
	"<|pad|>", "<|doc|>", "<|title|>", "<|url|>", "<|cite|>", "<|code|>",
	"<|sep|>", "<|reserved_12|>", "<|reserved_13|>", "<|reserved_14|>",
	"<|reserved_15|>",
}

// SpecialName returns the literal string of the special token id, such as
// "<|user|>". It panics if id is not a special token's id.
func SpecialName(id int32) string {
	if id < 0 || id >= NumSpecial {
		panic(fmt.Sprintf("tokenizer: id %d is not a special token", id))
	}
	return specialNames[id]
}

// A Merge is one rule learned by training: the adjacent tokens Left and
// Right become the token Result. Merges are applied in the order of their
// rank, their index in [Tokenizer.Merges].
type Merge struct {
	Left, Right, Result int32
}

// A Tokenizer encodes bytes into token ids and decodes them back. Build one
// with [Train], [Load] or [Read] (or json.Unmarshal); the zero value is not
// usable. It is safe for concurrent use.
type Tokenizer struct {
	tokens [][]byte          // by id; a special's bytes are its literal string
	merges []Merge           // by rank
	ranks  map[uint32]uint64 // pairKey(left, right) -> rank<<32 | result
	cache  *chunkCache
}

// pairKey packs two token ids (< 1<<16) into a map key.
func pairKey(left, right int32) uint32 { return uint32(left)<<16 | uint32(right) }

// newTokenizer builds a Tokenizer from a vocabulary laid out as the package
// doc describes and merges in rank order. The caller has checked that the
// ids are in range, that no pair is merged twice, and that the merges'
// results spell their parts' concatenation.
func newTokenizer(tokens [][]byte, merges []Merge) *Tokenizer {
	t := &Tokenizer{
		tokens: tokens,
		merges: merges,
		ranks:  make(map[uint32]uint64, len(merges)),
		cache:  newChunkCache(),
	}
	for rank, m := range merges {
		t.ranks[pairKey(m.Left, m.Right)] = uint64(rank)<<32 | uint64(m.Result)
	}
	return t
}

// baseTokens returns a vocabulary of the specials and the single bytes,
// with room for n more tokens.
func baseTokens(n int) [][]byte {
	tokens := make([][]byte, FirstMerged, FirstMerged+n)
	for id, name := range specialNames {
		tokens[id] = []byte(name)
	}
	for b := range NumBytes {
		tokens[NumSpecial+b] = []byte{byte(b)}
	}
	return tokens
}

// VocabSize returns the number of token ids: every id in [0, VocabSize())
// is a token.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// IsSpecial reports whether id is one of the special tokens.
func (t *Tokenizer) IsSpecial(id int32) bool { return id >= 0 && id < NumSpecial }

// Merges returns a copy of the merges in rank order. In a trained
// tokenizer merge i makes token FirstMerged+i; a loaded file may have two
// merges that spell the same token, as (a, bc) and (ab, c) do.
func (t *Tokenizer) Merges() []Merge { return append([]Merge(nil), t.merges...) }

// TokenBytes returns a copy of the bytes of the token id; a special token's
// bytes are its literal string. It panics if id is out of range.
func (t *Tokenizer) TokenBytes(id int32) []byte {
	return append([]byte(nil), t.token(id)...)
}

func (t *Tokenizer) token(id int32) []byte {
	if id < 0 || int(id) >= len(t.tokens) {
		panic(fmt.Sprintf("tokenizer: id %d out of range [0, %d)", id, len(t.tokens)))
	}
	return t.tokens[id]
}

// TokenString returns a printable form of the token id for display, such as
// the cells of a heatmap. A special token shows as its literal string. In
// other tokens, a space shows as '·' (U+00B7), a newline as '↵' (U+21B5), a
// tab as '→' (U+2192), and any other byte that is not part of a printable
// UTF-8 character (a control character, or a piece of a multi-byte
// character split between tokens) as \xNN. The form is for people: it is
// not reversible, use [Tokenizer.TokenBytes] for the bytes. It panics if id
// is out of range.
func (t *Tokenizer) TokenString(id int32) string {
	b := t.token(id)
	if t.IsSpecial(id) {
		return string(b)
	}
	var s strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		switch {
		case r == ' ':
			s.WriteRune('·')
		case r == '\n':
			s.WriteRune('↵')
		case r == '\t':
			s.WriteRune('→')
		case r == utf8.RuneError && size == 1, !isPrint(r):
			for _, c := range b[:size] {
				fmt.Fprintf(&s, `\x%02X`, c)
			}
		default:
			s.Write(b[:size])
		}
		b = b[size:]
	}
	return s.String()
}

// isPrint reports whether r shows as itself: a graphic character that is
// not white space (white space other than ' ', '\n' and '\t' would be
// invisible).
func isPrint(r rune) bool {
	return unicode.IsGraphic(r) && !unicode.IsSpace(r)
}

// Encode returns the token ids of text. Special-token strings in text are
// not recognised: "<|user|>" encodes as ordinary bytes. Decode(Encode(text))
// equals text for any text.
func (t *Tokenizer) Encode(text []byte) []int32 { return t.AppendEncode(nil, text) }

// EncodeString is Encode for a string.
func (t *Tokenizer) EncodeString(s string) []int32 { return t.AppendEncode(nil, []byte(s)) }

// AppendEncode appends the token ids of text to dst and returns the
// extended slice, as Encode does.
func (t *Tokenizer) AppendEncode(dst []int32, text []byte) []int32 {
	var e encoder
	chunks(text, func(chunk []byte) { dst = t.encodeChunk(dst, chunk, &e) })
	return dst
}

// EncodeWithSpecials returns the token ids of s, in which the literal
// special-token strings, such as "<|user|>", become their ids; the text
// between them is encoded as by Encode. This is how the Hugging Face
// tokenizers library encodes text with the tokenizer.json that WriteJSON
// writes.
func (t *Tokenizer) EncodeWithSpecials(s string) []int32 {
	var dst []int32
	var e encoder
	for {
		i, id := findSpecial(s)
		if i < 0 {
			break
		}
		chunks([]byte(s[:i]), func(chunk []byte) { dst = t.encodeChunk(dst, chunk, &e) })
		dst = append(dst, id)
		s = s[i+len(specialNames[id]):]
	}
	chunks([]byte(s), func(chunk []byte) { dst = t.encodeChunk(dst, chunk, &e) })
	return dst
}

// findSpecial returns the index of the first special string in s and its id,
// or -1, -1. No special string is a prefix of another.
func findSpecial(s string) (int, int32) {
	for off := 0; ; {
		i := strings.Index(s[off:], "<|")
		if i < 0 {
			return -1, -1
		}
		i += off
		for id, name := range specialNames {
			if strings.HasPrefix(s[i:], name) {
				return i, int32(id)
			}
		}
		off = i + 2
	}
}

// Decode returns the bytes of the tokens ids; a special token decodes to its
// literal string. It panics if an id is out of range.
func (t *Tokenizer) Decode(ids []int32) []byte { return t.AppendDecode(nil, ids) }

// DecodeString is Decode returning a string. The string holds the exact
// bytes, which need not be valid UTF-8 (a multi-byte character can be split
// between tokens).
func (t *Tokenizer) DecodeString(ids []int32) string { return string(t.AppendDecode(nil, ids)) }

// AppendDecode appends the bytes of the tokens ids to dst and returns the
// extended slice, as Decode does.
func (t *Tokenizer) AppendDecode(dst []byte, ids []int32) []byte {
	for _, id := range ids {
		dst = append(dst, t.token(id)...)
	}
	return dst
}

// maxCachedChunk is the length of the longest chunk whose encoding is
// cached; longer chunks are rare (long runs of white space, digits or
// letters without spaces) and encoded each time.
const maxCachedChunk = 64

// encodeChunk appends the ids of one pre-token to dst.
func (t *Tokenizer) encodeChunk(dst []int32, chunk []byte, e *encoder) []int32 {
	if len(chunk) == 1 {
		return append(dst, NumSpecial+int32(chunk[0]))
	}
	cacheable := len(chunk) <= maxCachedChunk
	if cacheable {
		if d, ok := t.cache.appendCached(dst, chunk); ok {
			return d
		}
	}
	n := len(dst)
	dst = e.merge(dst, chunk, t.ranks)
	if cacheable {
		t.cache.put(chunk, dst[n:])
	}
	return dst
}

// An encoder holds the scratch memory of one call to encode: the chunk's
// symbols as a doubly linked list and a min-heap of candidate merges.
type encoder struct {
	sym        []int32 // token id at each position; -1 once merged away
	prev, next []int32 // neighbours in the list; -1 at the ends
	heap       []uint64
}

// merge appends the ids of chunk to dst, applying the merges of ranks as
// Hugging Face tokenizers does: while some adjacent pair has a merge, the
// pair of lowest rank is merged, the leftmost first among equals. The heap
// holds candidate merges as rank<<32 | position of the left symbol; an entry
// is stale if that position no longer starts the same pair.
func (e *encoder) merge(dst []int32, chunk []byte, ranks map[uint32]uint64) []int32 {
	n := len(chunk)
	e.sym = e.sym[:0]
	e.prev = e.prev[:0]
	e.next = e.next[:0]
	e.heap = e.heap[:0]
	for i, c := range chunk {
		e.sym = append(e.sym, NumSpecial+int32(c))
		e.prev = append(e.prev, int32(i-1))
		e.next = append(e.next, int32(i+1))
	}
	e.next[n-1] = -1
	for i := 0; i+1 < n; i++ {
		if m, ok := ranks[pairKey(e.sym[i], e.sym[i+1])]; ok {
			e.push(m&^0xffffffff | uint64(i))
		}
	}
	for len(e.heap) > 0 {
		top := e.pop()
		pos := int32(top)
		right := e.next[pos]
		if e.sym[pos] < 0 || right < 0 {
			continue
		}
		m, ok := ranks[pairKey(e.sym[pos], e.sym[right])]
		if !ok || m>>32 != top>>32 {
			continue
		}
		id := int32(m)
		e.sym[pos] = id
		e.sym[right] = -1
		after := e.next[right]
		e.next[pos] = after
		if after >= 0 {
			e.prev[after] = pos
			if m, ok := ranks[pairKey(id, e.sym[after])]; ok {
				e.push(m&^0xffffffff | uint64(pos))
			}
		}
		if before := e.prev[pos]; before >= 0 {
			if m, ok := ranks[pairKey(e.sym[before], id)]; ok {
				e.push(m&^0xffffffff | uint64(before))
			}
		}
	}
	for i := int32(0); i >= 0; i = e.next[i] {
		dst = append(dst, e.sym[i])
	}
	return dst
}

func (e *encoder) push(x uint64) {
	h := append(e.heap, x)
	for i := len(h) - 1; i > 0; {
		p := (i - 1) / 2
		if h[p] <= h[i] {
			break
		}
		h[p], h[i] = h[i], h[p]
		i = p
	}
	e.heap = h
}

func (e *encoder) pop() uint64 {
	h := e.heap
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		if r := l + 1; r < len(h) && h[r] < h[l] {
			l = r
		}
		if h[i] <= h[l] {
			break
		}
		h[i], h[l] = h[l], h[i]
		i = l
	}
	e.heap = h
	return top
}

// chunkCache remembers the encoding of recent chunks. Its ids live in one
// arena; when the cache is full it is emptied and starts over.
type chunkCache struct {
	mu    sync.Mutex
	spans map[string]uint64 // chunk -> offset<<32 | length in arena
	arena []int32
}

const (
	maxCacheEntries = 1 << 16
	maxCacheArena   = 1 << 19
)

func newChunkCache() *chunkCache {
	return &chunkCache{spans: make(map[string]uint64)}
}

func (c *chunkCache) appendCached(dst []int32, chunk []byte) ([]int32, bool) {
	c.mu.Lock()
	span, ok := c.spans[string(chunk)]
	if ok {
		off, n := uint32(span>>32), uint32(span)
		dst = append(dst, c.arena[off:off+n]...)
	}
	c.mu.Unlock()
	return dst, ok
}

func (c *chunkCache) put(chunk []byte, ids []int32) {
	c.mu.Lock()
	if len(c.spans) >= maxCacheEntries || len(c.arena)+len(ids) > maxCacheArena {
		clear(c.spans)
		c.arena = c.arena[:0]
	}
	c.spans[string(chunk)] = uint64(len(c.arena))<<32 | uint64(len(ids))
	c.arena = append(c.arena, ids...)
	c.mu.Unlock()
}
