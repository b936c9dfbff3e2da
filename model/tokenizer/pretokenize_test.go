package tokenizer

import (
	"bytes"
	"math/rand/v2"
	"regexp"
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"
)

// refChunks is the pre-tokenizer written with Go's regexp: every
// alternative of GPT-2's expression but \s+(?!\S), which needs look-ahead
// and is done by hand. \s is spelled [\t-\r\x{85}\p{Z}] (Unicode
// White_Space), since regexp's \s is ASCII only. regexp reads each byte that
// is not valid UTF-8 as U+FFFD, a character of the "other" class.
func refChunks(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := len(refPattern.Find(b))
		if n == 0 {
			run := refSpace.Find(b)
			n = len(run)
			if n < len(b) { // the run is followed by a non-space
				if _, size := utf8.DecodeLastRune(run); size < n {
					n -= size // \s+(?!\S): all but the last character
				}
			}
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

var (
	refPattern = regexp.MustCompile(`^(?:'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\t-\r\x{85}\p{Z}\p{L}\p{N}]+)`)
	refSpace   = regexp.MustCompile(`^[\t-\r\x{85}\p{Z}]+`)
)

func split(text string) []string {
	var s []string
	chunks([]byte(text), func(c []byte) { s = append(s, string(c)) })
	return s
}

func TestChunks(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"", nil},
		{"Hello world", []string{"Hello", " world"}},
		{"Hello  world", []string{"Hello", " ", " world"}},
		{"Hello   world", []string{"Hello", "  ", " world"}},
		{"trailing   ", []string{"trailing", "   "}},
		{" ", []string{" "}},
		{"\n", []string{"\n"}},
		{"a\nb", []string{"a", "\n", "b"}},
		{"a\n\nb", []string{"a", "\n", "\n", "b"}},
		{"a \n b", []string{"a", " \n", " b"}},
		{"a\n\n\tb", []string{"a", "\n\n", "\t", "b"}},
		{"don't", []string{"don", "'t"}},
		{"they'll we're I'm he'd you've it's", []string{"they", "'ll", " we", "'re", " I", "'m", " he", "'d", " you", "'ve", " it", "'s"}},
		{"'sa", []string{"'s", "a"}},
		{"'S", []string{"'", "S"}},
		{"''s", []string{"''", "s"}},
		{" 's", []string{" '", "s"}},
		{"abc123def", []string{"abc", "123", "def"}},
		{" 123 4", []string{" 123", " 4"}},
		{"x½Ⅻ٣", []string{"x", "½Ⅻ٣"}},
		{"hi!!! ?", []string{"hi", "!!!", " ?"}},
		{"a.b,c", []string{"a", ".", "b", ",", "c"}},
		{"naïve café", []string{"naïve", " café"}},
		{"日本語 テキスト", []string{"日本語", " テキスト"}},
		{"a\u00a0b", []string{"a", "\u00a0", "b"}},
		{"a \u3000b", []string{"a", " ", "\u3000", "b"}},
		{"a\u3000 b", []string{"a", "\u3000", " b"}},
		{"😀😀 x", []string{"😀😀", " x"}},
		{"a\x00b", []string{"a", "\x00", "b"}},
		{"a\xffb", []string{"a", "\xff", "b"}},
		{"a\xff\xfe!", []string{"a", "\xff\xfe!"}},
		{" \xff", []string{" \xff"}},
		{"\xe6\x97日", []string{"\xe6\x97", "日"}},
		{"<|user|>", []string{"<|", "user", "|>"}},
		{"   ", []string{"   "}},
		{"  \n", []string{"  \n"}},
		{"x\r\n\r\ny", []string{"x", "\r\n\r", "\n", "y"}},
	}
	for _, tt := range tests {
		got := split(tt.text)
		if !slices.Equal(got, tt.want) {
			t.Errorf("chunks(%q) = %q, want %q", tt.text, got, tt.want)
		}
		var ref []string
		for _, c := range refChunks([]byte(tt.text)) {
			ref = append(ref, string(c))
		}
		if !slices.Equal(ref, tt.want) {
			t.Errorf("refChunks(%q) = %q, want %q", tt.text, ref, tt.want)
		}
	}
}

func TestChunksMatchRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range 5000 {
		text := randomText(rng, rng.IntN(30))
		checkChunks(t, text)
		if t.Failed() {
			t.Fatalf("case %d", i)
		}
	}
}

// checkChunks checks that chunks splits text as refChunks does and that
// the chunks cover text.
func checkChunks(t *testing.T, text []byte) {
	t.Helper()
	var got [][]byte
	chunks(text, func(c []byte) { got = append(got, c) })
	want := refChunks(text)
	if !slices.EqualFunc(got, want, bytes.Equal) {
		t.Errorf("chunks(%q)\n got %q\nwant %q", text, got, want)
	}
	if joined := bytes.Join(got, nil); !bytes.Equal(joined, text) {
		t.Errorf("chunks(%q) do not cover the text: %q", text, got)
	}
}

func TestRuneClasses(t *testing.T) {
	// The classes agree with the regexp classes used by refChunks for
	// every rune.
	space := regexp.MustCompile(`^[\t-\r\x{85}\p{Z}]$`)
	letter := regexp.MustCompile(`^\p{L}$`)
	number := regexp.MustCompile(`^\p{N}$`)
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xd800 && r < 0xe000 {
			continue
		}
		if r > 0x3400 && r%7 != 0 && r != unicode.MaxRune && r != 0xfffd {
			continue // sample the rest, to keep the test fast
		}
		s := []byte(string(r))
		want := uint8(classOther)
		switch {
		case letter.Match(s):
			want = classLetter
		case number.Match(s):
			want = classNumber
		case space.Match(s):
			want = classSpace
		}
		if got, size := charAt(s); got != want || size != len(s) {
			t.Fatalf("charAt(%U) = %d, %d; want %d, %d", r, got, size, want, len(s))
		}
	}
}
