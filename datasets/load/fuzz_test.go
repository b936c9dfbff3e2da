package load_test

import (
	"errors"
	"testing"
	"unicode/utf8"

	"tinystages/datasets/load"
	"tinystages/datasets/record"
)

var sentinels = []error{load.ErrInvalidJSON, load.ErrSchema, load.ErrNotUTF8, load.ErrEmpty, load.ErrTooLarge, load.ErrNUL, load.ErrUnsupported}

// checkErr fails unless err is a *ParseError wrapping one sentinel, with a
// sensible line number.
func checkErr(t *testing.T, err error, data []byte) {
	t.Helper()
	var pe *load.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is %T, not a *ParseError", err, err)
	}
	ok := false
	for _, s := range sentinels {
		ok = ok || errors.Is(err, s)
	}
	if !ok {
		t.Fatalf("error %v wraps no sentinel", err)
	}
	if pe.Line < 0 || pe.Line > len(data)+1 {
		t.Fatalf("line %d out of range for %d bytes", pe.Line, len(data))
	}
}

// FuzzParse feeds arbitrary bytes to the JSONL parser as every record
// type: it must never panic, and must return either valid records or a
// *ParseError, never both.
func FuzzParse(f *testing.F) {
	seeds := []string{
		`{"id":"a","source":"news","quality":0.5,"text":"hello"}`,
		`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}`,
		`{"prompt":"p","chosen":"a","rejected":"b","kind":"concise"}`,
		`{"prompt":"What is 1 + 1?","answer":"2","level":1}`,
		`{"question":"q","answer":"a","fact":"f001","seen":"never"}`,
		`{"id":"k","url":"u","title":"t","cites":["v"],"text":"x","record":{"a":"b"}}`,
		`{"id":"c","path":"p.go","package":"p","text":"package p","decls":[{"name":"F","kind":"func","signature":"func F()"}]}`,
		"{\"text\":\"a\"}\n\n{\"text\":\"b\"}\r\n",
		"\xef\xbb\xbf{\"text\":\"bom\"}",
		"{\"text\":\"\xff\"}",
		"[1]\n", "", "\n\n", "{", `{"text":null}`, `{"text":"\u0000"}`, `{"messages":[{"role":"system","content":"s"}]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []string{load.FormatDocument, load.FormatCode, load.FormatKB, load.FormatSynthetic, load.FormatSFT,
			load.FormatMath, load.FormatPreference, load.FormatQA, load.FormatFact, load.FormatText} {
			n, err := load.Check(format, "fuzz.jsonl", data)
			if err != nil {
				if n != 0 {
					t.Fatalf("%s: %d records and an error %v", format, n, err)
				}
				checkErr(t, err, data)
				continue
			}
			if n == 0 {
				t.Fatalf("%s: no records and no error", format)
			}
		}
		// Records that parse are valid and their strings are UTF-8.
		if docs, err := load.Parse[record.Example]("fuzz.jsonl", data); err == nil {
			for _, d := range docs {
				if err := d.Validate(); err != nil {
					t.Fatalf("parsed an invalid example: %v", err)
				}
				for _, m := range d.Messages {
					if !utf8.ValidString(m.Content) {
						t.Fatalf("parsed content is not UTF-8: %q", m.Content)
					}
				}
			}
		}
		if docs, err := load.UserCorpus("fuzz.txt", data); err != nil {
			checkErr(t, err, data)
		} else if len(docs) != 1 || !utf8.Valid(data) {
			t.Fatalf("UserCorpus accepted %q as %d docs", data, len(docs))
		}
	})
}
