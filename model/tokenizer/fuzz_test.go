package tokenizer

import (
	"bytes"
	"slices"
	"testing"
)

// FuzzRoundTrip checks that any bytes pre-tokenize as GPT-2's expression
// does, encode as the reference definition does, and decode back exactly.
func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{
		"", "Hello world", "don't  stop\n\n  me now", "\x00\xff\xfe", "\xe6\x97\xa5\xe6",
		"   \t\n", "a\u00a0b\u3000c", "123 4567 ½", "<|user|>hi<|end|>", "'s'S'll 're",
		"😀😀 🎉", "\r\n\r\n", " \xff", "''s",
	} {
		f.Add([]byte(s))
	}
	f.Add(genCorpus(1, 300))
	f.Fuzz(func(t *testing.T, text []byte) {
		tok := trained()
		checkChunks(t, text)
		ids := tok.Encode(text)
		if got := tok.Decode(ids); !bytes.Equal(got, text) {
			t.Fatalf("Decode(Encode(%q)) = %q", text, got)
		}
		if len(text) <= 256 {
			if want := refEncode(tok, text); !slices.Equal(ids, want) {
				t.Fatalf("Encode(%q) = %v, refEncode = %v", text, ids, want)
			}
		}
		if got := tok.DecodeString(tok.EncodeWithSpecials(string(text))); got != string(text) {
			t.Fatalf("Decode(EncodeWithSpecials(%q)) = %q", text, got)
		}
	})
}

// FuzzLoad checks that Load never panics, and that whatever it accepts it
// writes back to a file that loads as the same tokenizer.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(tinyJSON(f)))
	f.Add(mustJSON(f, handmade(f, [2]string{`"`, `\`}, [2]string{"a", "b"}, [2]string{"ab", "c"}, [2]string{"b", "c"}, [2]string{"a", "bc"})))
	for _, c := range loadErrorCases(f) {
		f.Add([]byte(c.input))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := Load(data)
		if err != nil {
			if tok != nil {
				t.Fatalf("Load returned a tokenizer and the error %v", err)
			}
			if _, ok := err.(*FormatError); !ok {
				t.Fatalf("Load: %T %v, want *FormatError", err, err)
			}
			return
		}
		out := mustJSON(t, tok)
		again, err := Load(out)
		if err != nil {
			t.Fatalf("re-Load of WriteJSON output: %v", err)
		}
		if !slices.Equal(again.merges, tok.merges) || !slices.EqualFunc(again.tokens, tok.tokens, bytes.Equal) {
			t.Fatal("re-Loaded tokenizer differs")
		}
		text := []byte("a b\"c\\ \xff <|user|> 12")
		if got := tok.Decode(tok.Encode(text)); !bytes.Equal(got, text) {
			t.Fatalf("round trip: %q", got)
		}
	})
}
