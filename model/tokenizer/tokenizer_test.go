package tokenizer

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"
)

// handmade returns a tokenizer with the given merges, each a pair of
// plain byte strings; a merge's result is a new token unless its bytes
// exist.
func handmade(t testing.TB, merges ...[2]string) *Tokenizer {
	t.Helper()
	tokens := baseTokens(len(merges))
	ids := make(map[string]int32)
	for id := NumSpecial; id < FirstMerged; id++ {
		ids[string(tokens[id])] = int32(id)
	}
	var ms []Merge
	for _, m := range merges {
		l, lok := ids[m[0]]
		r, rok := ids[m[1]]
		if !lok || !rok {
			t.Fatalf("handmade: merge %q of unknown tokens", m)
		}
		id, ok := ids[m[0]+m[1]]
		if !ok {
			id = int32(len(tokens))
			tokens = append(tokens, []byte(m[0]+m[1]))
			ids[m[0]+m[1]] = id
		}
		ms = append(ms, Merge{l, r, id})
	}
	return newTokenizer(tokens, ms)
}

// pieces returns the bytes of each token of ids.
func pieces(tok *Tokenizer, ids []int32) []string {
	var s []string
	for _, id := range ids {
		s = append(s, string(tok.TokenBytes(id)))
	}
	return s
}

// refEncode is the definition of encoding, written for clarity: in each
// chunk, merge the pair of lowest rank, the leftmost first, until none is
// left.
func refEncode(tok *Tokenizer, text []byte) []int32 {
	var out []int32
	for _, chunk := range refChunks(text) {
		var sym []int32
		for _, c := range chunk {
			sym = append(sym, NumSpecial+int32(c))
		}
		for {
			best, at := -1, -1
			for i := 0; i+1 < len(sym); i++ {
				for rank, m := range tok.merges {
					if m.Left == sym[i] && m.Right == sym[i+1] && (best < 0 || rank < best) {
						best, at = rank, i
					}
				}
			}
			if at < 0 {
				break
			}
			sym = slices.Replace(sym, at, at+2, tok.merges[best].Result)
		}
		out = append(out, sym...)
	}
	return out
}

func TestSpecials(t *testing.T) {
	tests := []struct {
		id   int32
		name string
	}{
		{BOS, "<|bos|>"}, {End, "<|end|>"}, {User, "<|user|>"}, {Assistant, "<|assistant|>"},
		{System, "<|system|>"}, {Pad, "<|pad|>"}, {Doc, "<|doc|>"}, {Title, "<|title|>"},
		{URL, "<|url|>"}, {Cite, "<|cite|>"}, {Code, "<|code|>"}, {Sep, "<|sep|>"},
		{12, "<|reserved_12|>"}, {15, "<|reserved_15|>"},
	}
	tok := handmade(t)
	for _, tt := range tests {
		if got := SpecialName(tt.id); got != tt.name {
			t.Errorf("SpecialName(%d) = %q, want %q", tt.id, got, tt.name)
		}
		if got := tok.TokenString(tt.id); got != tt.name {
			t.Errorf("TokenString(%d) = %q, want %q", tt.id, got, tt.name)
		}
		if !tok.IsSpecial(tt.id) {
			t.Errorf("IsSpecial(%d) = false", tt.id)
		}
		if got := tok.DecodeString([]int32{tt.id}); got != tt.name {
			t.Errorf("Decode(%d) = %q, want %q", tt.id, got, tt.name)
		}
	}
	for _, id := range []int32{-1, NumSpecial, FirstMerged - 1} {
		if tok.IsSpecial(id) {
			t.Errorf("IsSpecial(%d) = true", id)
		}
	}
	if tok.VocabSize() != FirstMerged {
		t.Errorf("VocabSize() = %d, want %d", tok.VocabSize(), FirstMerged)
	}
}

func TestEncode(t *testing.T) {
	type m = [2]string
	tests := []struct {
		name   string
		merges [][2]string
		text   string
		want   []string
	}{
		{"bytes only", nil, "hi!", []string{"h", "i", "!"}},
		{"chain", []m{{"a", "b"}, {"ab", "c"}}, "abc abc", []string{"abc", " ", "abc"}},
		{"space merges", []m{{" ", "a"}, {"a", "b"}}, "ab ab", []string{"ab", " a", "b"}},
		{"overlap odd", []m{{"a", "a"}}, "aaa", []string{"aa", "a"}},
		{"overlap even", []m{{"a", "a"}}, "aaaa", []string{"aa", "aa"}},
		{"rank wins over position", []m{{"b", "c"}, {"a", "b"}}, "abc", []string{"a", "bc"}},
		{"leftmost among equals", []m{{"a", "b"}}, "abab", []string{"ab", "ab"}},
		{"chunks do not merge", []m{{"a", " "}}, "a b", []string{"a", " ", "b"}},
		{
			// A merge can create a pair of lower rank than itself when two
			// merges spell the same token ("abc" from (ab, c) and from
			// (a, bc)). The lower rank is taken at once, as Hugging Face
			// does, not after every (a, bc) of the chunk as GPT-2's
			// Python encoder would ([abc abc]).
			"lower rank created",
			[]m{{"b", "c"}, {"a", "b"}, {"ab", "c"}, {"abc", "a"}, {"a", "bc"}},
			"abcabc", []string{"abca", "bc"},
		},
		{
			"specials are text",
			[]m{{"<", "|"}, {"|", ">"}, {"u", "s"}, {"us", "e"}, {"use", "r"}},
			"<|user|>", []string{"<|", "user", "|>"},
		},
		{"empty", nil, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := handmade(t, tt.merges...)
			ids := tok.EncodeString(tt.text)
			if got := pieces(tok, ids); !slices.Equal(got, tt.want) {
				t.Errorf("Encode(%q) = %q, want %q", tt.text, got, tt.want)
			}
			if ref := refEncode(tok, []byte(tt.text)); !slices.Equal(ids, ref) {
				t.Errorf("Encode(%q) = %v, refEncode = %v", tt.text, ids, ref)
			}
		})
	}
}

// randomText returns n random pieces of text chosen to exercise the
// pre-tokenizer and the round trip: white space runs, contractions,
// digits, letters in several scripts, NUL, invalid and truncated UTF-8,
// special-token strings, and raw random bytes.
func randomText(rng *rand.Rand, n int) []byte {
	pieces := []string{
		" ", "  ", "   ", "\n", "\n\n", "\t", "\r\n", " \n ", "\v", "\f", "\u00a0", "\u3000", "\u2028", "\u0085",
		"a", "the", " the", "The", "'s", "'S", "'ll", "'re", "'x", "'", "don't",
		"0", "7", "123", " 4567", "½", "Ⅻ", "٣",
		"é", "日本", "語", "😀", "\u0301", "ß", "Ω",
		"\x00", "\xff", "\xe6\x97", "\xc3", "\x80", "\xed\xa0\x80", "\xef\xbf\xbd",
		"<|", "|>", "<|user|>", "<|end|>", "<|bogus|>",
		"!", "!!", "...", "(", ")", "-", "_", "#",
	}
	var b []byte
	for range n {
		if rng.IntN(10) == 0 {
			b = append(b, byte(rng.IntN(256)))
			continue
		}
		b = append(b, pieces[rng.IntN(len(pieces))]...)
	}
	return b
}

// trained returns a tokenizer of 600 tokens trained on a generated corpus,
// shared by the tests.
var trained = sync.OnceValue(func() *Tokenizer {
	tok, err := Train(genDocs(7, 200<<10), 600, nil)
	if err != nil {
		panic(err)
	}
	return tok
})

func TestRoundTrip(t *testing.T) {
	tok := trained()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 2000 {
		text := randomText(rng, rng.IntN(40))
		ids := tok.Encode(text)
		if got := tok.Decode(ids); !bytes.Equal(got, text) {
			t.Fatalf("case %d: Decode(Encode(%q)) = %q", i, text, got)
		}
		for _, id := range ids {
			if tok.IsSpecial(id) {
				t.Fatalf("case %d: Encode(%q) has special %d", i, text, id)
			}
		}
		if got := tok.DecodeString(tok.EncodeWithSpecials(string(text))); got != string(text) {
			t.Fatalf("case %d: Decode(EncodeWithSpecials(%q)) = %q", i, text, got)
		}
	}
}

func TestEncodeMatchesReference(t *testing.T) {
	tok := trained()
	rng := rand.New(rand.NewPCG(3, 4))
	texts := [][]byte{genCorpus(99, 4000)}
	for range 200 {
		texts = append(texts, randomText(rng, rng.IntN(30)))
	}
	for _, text := range texts {
		got, want := tok.Encode(text), refEncode(tok, text)
		if !slices.Equal(got, want) {
			t.Fatalf("Encode(%q)\n got %v\nwant %v", text, got, want)
		}
	}
}

func TestEncodeWithSpecials(t *testing.T) {
	tok := handmade(t, [2]string{"h", "i"}, [2]string{"<", "|"}, [2]string{"|", ">"})
	tests := []struct {
		text string
		want []string // one token's bytes each
	}{
		{"hi", []string{"hi"}},
		{"<|user|>hi<|assistant|>", []string{"<|user|>", "hi", "<|assistant|>"}},
		{"<|bos|><|bos|>", []string{"<|bos|>", "<|bos|>"}},
		{"x <|end|> hi", []string{"x", " ", "<|end|>", " ", "hi"}},
		{"<|reserved_15|>", []string{"<|reserved_15|>"}},
		{"<|bogus|>", []string{"<|", "b", "o", "g", "u", "s", "|>"}},
		{"<<|sep|>>", []string{"<", "<|sep|>", ">"}},
		{"<|user", []string{"<|", "u", "s", "e", "r"}},
		{"", nil},
	}
	for _, tt := range tests {
		ids := tok.EncodeWithSpecials(tt.text)
		if got := pieces(tok, ids); !slices.Equal(got, tt.want) {
			t.Errorf("EncodeWithSpecials(%q) = %q, want %q", tt.text, got, tt.want)
		}
		for i, id := range ids {
			if want := strings.HasPrefix(tt.want[i], "<|") && len(tt.want[i]) > 2; tok.IsSpecial(id) != want {
				t.Errorf("EncodeWithSpecials(%q): token %d %q: IsSpecial = %t, want %t", tt.text, i, tt.want[i], !want, want)
			}
		}
	}
}

func TestTokenString(t *testing.T) {
	tok := handmade(t,
		[2]string{" ", "a"}, [2]string{"\n", "\n"}, [2]string{"\xe6", "\x97"}, [2]string{"\xe6\x97", "\xa5"},
		[2]string{"\xc2", "\xa0"}, [2]string{"\x00", "\x01"},
	)
	tests := []struct {
		text string // the bytes of one token
		want string
	}{
		{" a", "·a"},
		{"\n\n", "↵↵"},
		{"\t", "→"},
		{"\r", `\x0D`},
		{"\x00", `\x00`},
		{"\xff", `\xFF`},
		{"\xe6\x97", `\xE6\x97`},
		{"日", "日"},
		{"\u00a0", `\xC2\xA0`},
		{"\x00\x01", `\x00\x01`},
		{"<", "<"},
	}
	for _, tt := range tests {
		ids := tok.EncodeString(tt.text)
		if len(ids) != 1 {
			t.Fatalf("%q is %d tokens, want 1", tt.text, len(ids))
		}
		if got := tok.TokenString(ids[0]); got != tt.want {
			t.Errorf("TokenString(%q) = %q, want %q", tt.text, got, tt.want)
		}
		if got := tok.TokenBytes(ids[0]); string(got) != tt.text {
			t.Errorf("TokenBytes(%d) = %q, want %q", ids[0], got, tt.text)
		}
	}
}

func TestPanics(t *testing.T) {
	tok := handmade(t)
	for _, tt := range []struct {
		name string
		f    func()
	}{
		{"Decode(-1)", func() { tok.Decode([]int32{-1}) }},
		{"Decode(VocabSize)", func() { tok.Decode([]int32{int32(tok.VocabSize())}) }},
		{"TokenBytes", func() { tok.TokenBytes(1 << 20) }},
		{"TokenString", func() { tok.TokenString(-5) }},
		{"SpecialName", func() { SpecialName(NumSpecial) }},
	} {
		func() {
			defer func() {
				r := recover()
				if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, "tokenizer: ") {
					t.Errorf("%s: recovered %v, want a panic starting \"tokenizer: \"", tt.name, r)
				}
			}()
			tt.f()
		}()
	}
}

func TestLongChunk(t *testing.T) {
	tok := handmade(t, [2]string{"a", "a"}, [2]string{"aa", "aa"}, [2]string{"aaaa", "aaaa"}, [2]string{"aaaa", "a"})
	for _, n := range []int{1, 2, 3, 5, 7, 8, 9, 100, 1001, 1 << 20} {
		text := bytes.Repeat([]byte("a"), n)
		ids := tok.Encode(text)
		if !bytes.Equal(tok.Decode(ids), text) {
			t.Fatalf("n=%d: round trip failed", n)
		}
		if n <= 1001 {
			if want := refEncode(tok, text); !slices.Equal(ids, want) {
				t.Errorf("n=%d: Encode = %v, want %v", n, pieces(tok, ids), pieces(tok, want))
			}
		}
	}
}

func TestCacheEviction(t *testing.T) {
	// More distinct chunks than the cache holds: the encodings must not
	// change when the cache empties and refills.
	tok := trained()
	var text []byte
	for i := range maxCacheEntries + 5000 {
		text = fmt.Appendf(text, " w%dq", i*7919)
	}
	first := tok.Encode(text)
	second := tok.Encode(text)
	if !slices.Equal(first, second) {
		t.Fatal("second encoding differs from the first")
	}
	if !bytes.Equal(tok.Decode(first), text) {
		t.Fatal("round trip failed")
	}
	if want := refEncode(tok, text[:3000]); !slices.Equal(tok.Encode(text[:3000]), want) {
		t.Fatal("Encode differs from refEncode")
	}
}

func TestConcurrentEncode(t *testing.T) {
	tok, err := Load(mustJSON(t, trained())) // a fresh, empty cache
	if err != nil {
		t.Fatal(err)
	}
	text := genCorpus(5, 64<<10)
	want := refEncode(trained(), text[:2000])
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 20 {
				lo := (g*7919 + i*104729) % (len(text) - 2000)
				got := tok.Encode(text[lo : lo+2000])
				if !bytes.Equal(tok.Decode(got), text[lo:lo+2000]) {
					t.Error("round trip failed")
					return
				}
			}
			if got := tok.Encode(text[:2000]); !slices.Equal(got, want) {
				t.Error("concurrent Encode differs from refEncode")
			}
		}()
	}
	wg.Wait()
}

func TestAppend(t *testing.T) {
	tok := trained()
	dst := []int32{BOS}
	dst = tok.AppendEncode(dst, []byte("hello there"))
	if dst[0] != BOS || !slices.Equal(dst[1:], tok.EncodeString("hello there")) {
		t.Errorf("AppendEncode = %v", dst)
	}
	out := tok.AppendDecode([]byte(">"), dst)
	if string(out) != "><|bos|>hello there" {
		t.Errorf("AppendDecode = %q", out)
	}
	if !utf8.Valid(out) {
		t.Error("not UTF-8")
	}
}
