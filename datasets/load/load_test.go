package load_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"tinystages/datasets/load"
	"tinystages/datasets/record"
)

// parseAs parses data in the given format and returns the error.
func parseAs(format, file string, data []byte) error {
	_, err := load.Check(format, file, data)
	return err
}

func TestParseErrors(t *testing.T) {
	const doc = `{"id":"a","source":"news","quality":0.5,"text":"hello"}`
	big := `{"id":"a","source":"news","quality":0.5,"text":"` + strings.Repeat("x", load.MaxLineBytes) + `"}`
	tests := []struct {
		name   string
		format string
		data   string
		line   int
		field  string
		err    error
		msg    string // a substring of Error()
	}{
		{"empty file", load.FormatDocument, "", 0, "", load.ErrEmpty, "f.jsonl: empty file"},
		{"only blank lines", load.FormatDocument, "\n \n\t\n", 0, "", load.ErrEmpty, "empty file"},
		{"invalid JSON", load.FormatDocument, doc + "\n{\"id\": \n", 2, "", load.ErrInvalidJSON, "f.jsonl:2: invalid JSON"},
		{"trailing garbage", load.FormatDocument, doc + " x\n", 1, "", load.ErrInvalidJSON, "f.jsonl:1: invalid JSON"},
		{"two objects on a line", load.FormatDocument, doc + doc + "\n", 1, "", load.ErrInvalidJSON, "invalid JSON"},
		{"not an object", load.FormatDocument, "[1,2]\n", 1, "", load.ErrSchema, "not a JSON object"},
		{"missing field", load.FormatDocument, `{"id":"a","source":"news","text":"t"}`, 1, "quality", load.ErrSchema, `f.jsonl:1: field "quality": wrong schema: missing`},
		{"null field", load.FormatDocument, `{"id":"a","source":null,"quality":1,"text":"t"}`, 1, "source", load.ErrSchema, "missing"},
		{"empty field", load.FormatDocument, `{"id":"a","source":"news","quality":1,"text":"  "}`, 1, "text", load.ErrSchema, `field "text": wrong schema: empty`},
		{"wrong type", load.FormatDocument, `{"id":"a","source":"news","quality":"high","text":"t"}`, 1, "quality", load.ErrSchema, "want float64"},
		{"quality out of range", load.FormatDocument, `{"id":"a","source":"news","quality":1.5,"text":"t"}`, 1, "quality", load.ErrSchema, "[0, 1]"},
		{"non-UTF-8", load.FormatDocument, doc + "\n" + `{"id":"a","source":"news","quality":1,"text":"caf` + "\xe9" + `"}` + "\n", 2, "", load.ErrNotUTF8, "f.jsonl:2: invalid UTF-8 at byte 50"},
		{"line too long", load.FormatDocument, doc + "\n" + big + "\n", 2, "", load.ErrTooLarge, "f.jsonl:2: too large: line is over 65536 bytes"},
		{"file too large", load.FormatDocument, strings.Repeat(doc+"\n", load.MaxFileBytes/len(doc)+1), 0, "", load.ErrTooLarge, "too large"},

		{"sft: missing messages", load.FormatSFT, `{"id":"x"}`, 1, "messages", load.ErrSchema, "missing"},
		{"sft: no messages", load.FormatSFT, `{"messages":[]}`, 1, "messages", load.ErrSchema, "empty"},
		{"sft: missing role", load.FormatSFT, `{"messages":[{"role":"user","content":"q"},{"content":"a"}]}`, 1, "messages[1].role", load.ErrSchema, "missing role"},
		{"sft: unknown role", load.FormatSFT, `{"messages":[{"role":"bot","content":"q"}]}`, 1, "messages[0].role", load.ErrSchema, "unknown role"},
		{"sft: no assistant", load.FormatSFT, `{"messages":[{"role":"user","content":"q"}]}`, 1, "messages", load.ErrSchema, `missing role "assistant"`},
		{"sft: empty answer", load.FormatSFT, `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":""}]}`, 1, "messages[1].content", load.ErrSchema, "empty answer"},
		{"sft: turns out of order", load.FormatSFT, `{"messages":[{"role":"assistant","content":"a"},{"role":"user","content":"q"}]}`, 1, "messages[0].role", load.ErrSchema, "alternate"},
		{"sft: late system", load.FormatSFT, `{"messages":[{"role":"user","content":"q"},{"role":"system","content":"s"}]}`, 1, "messages[1].role", load.ErrSchema, "only allowed first"},
		{"sft: content not a string", load.FormatSFT, `{"messages":[{"role":"user","content":3}]}`, 1, "messages.content", load.ErrSchema, "want string"},

		{"preference: chosen equals rejected", load.FormatPreference, `{"prompt":"p","chosen":"a","rejected":"a"}`, 1, "rejected", load.ErrSchema, "chosen equals rejected"},
		{"preference: missing chosen", load.FormatPreference, `{"prompt":"p","rejected":"a"}`, 1, "chosen", load.ErrSchema, "missing"},
		{"math: empty answer", load.FormatMath, `{"prompt":"What is 1 + 1?","answer":" "}`, 1, "answer", load.ErrSchema, "empty answer"},
		{"math: answer not a string", load.FormatMath, `{"prompt":"What is 1 + 1?","answer":2}`, 1, "answer", load.ErrSchema, "want string"},
		{"qa: bad seen", load.FormatQA, `{"question":"q","answer":"a","fact":"f1","seen":"sometimes"}`, 1, "seen", load.ErrSchema, "want pretrain, midtrain or never"},
		{"kb: cites not a list", load.FormatKB, `{"id":"k","url":"u","title":"t","cites":"u2","text":"x"}`, 1, "cites", load.ErrSchema, "want []string"},
		{"kb: empty cite", load.FormatKB, `{"id":"k","url":"u","title":"t","cites":[""],"text":"x"}`, 1, "cites[0]", load.ErrSchema, "empty"},
		{"code: empty signature", load.FormatCode, `{"id":"c","path":"p.go","package":"p","text":"package p","decls":[{"name":"F","kind":"func","signature":""}]}`, 1, "decls[0].signature", load.ErrSchema, "empty"},
		{"synthetic: missing generator", load.FormatSynthetic, `{"id":"s","text":"t"}`, 1, "generator", load.ErrSchema, "missing"},
		{"unknown format", "tsv", doc, 0, "", load.ErrUnsupported, "unknown format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := parseAs(tt.format, "f.jsonl", []byte(tt.data))
			if err == nil {
				t.Fatal("got no error")
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("got %v, want errors.Is %v", err, tt.err)
			}
			var pe *load.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("got %T, want *load.ParseError", err)
			}
			if pe.File != "f.jsonl" || pe.Line != tt.line || pe.Field != tt.field {
				t.Errorf("got file %q line %d field %q, want f.jsonl line %d field %q", pe.File, pe.Line, pe.Field, tt.line, tt.field)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got message %q, want it to contain %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	data := "\xef\xbb\xbf" + `{"id":"a","source":"news","quality":0,"text":"one","extra":[1,2]}` + "\r\n\n" +
		`{"id":"b","source":"book","quality":1,"text":"two <b> & \u00e9"}` // no final newline
	docs, err := load.Documents("ok.jsonl", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []record.Document{{ID: "a", Source: "news", Quality: 0, Text: "one"}, {ID: "b", Source: "book", Quality: 1, Text: "two <b> & é"}}
	if len(docs) != len(want) || docs[0] != want[0] || docs[1] != want[1] {
		t.Errorf("got %+v, want %+v", docs, want)
	}
	ex, err := load.Examples("sft.jsonl", []byte(`{"messages":[{"role":"system","content":"s"},{"role":"user","content":"q"},{"role":"assistant","content":"a"},{"role":"user","content":"q2"},{"role":"assistant","content":"a2"}]}`))
	if err != nil || len(ex) != 1 || len(ex[0].Messages) != 5 {
		t.Errorf("got %+v, %v", ex, err)
	}
}

// TestFailedLoadKeepsPrevious checks that a failed load neither returns
// partial results nor touches what the caller loaded before.
func TestFailedLoadKeepsPrevious(t *testing.T) {
	good := []byte(`{"prompt":"p","chosen":"a","rejected":"b"}` + "\n" + `{"prompt":"q","chosen":"c","rejected":"d"}` + "\n")
	var cur []record.Preference
	if err := load.Into(&cur, "good.jsonl", good); err != nil {
		t.Fatal(err)
	}
	before := append([]record.Preference(nil), cur...)
	bad := []byte(`{"prompt":"x","chosen":"y","rejected":"z"}` + "\n" + `{"prompt":"x","chosen":"y","rejected":"y"}` + "\n")
	err := load.Into(&cur, "bad.jsonl", bad)
	if !errors.Is(err, load.ErrSchema) {
		t.Fatalf("got %v, want ErrSchema", err)
	}
	if len(cur) != len(before) || cur[0] != before[0] || cur[1] != before[1] {
		t.Errorf("previous dataset changed: got %+v, want %+v", cur, before)
	}
	recs, err := load.Preferences("bad.jsonl", bad)
	if recs != nil || err == nil {
		t.Errorf("Parse returned %d records and %v; want none and an error", len(recs), err)
	}
}

func TestScannerStreams(t *testing.T) {
	var b bytes.Buffer
	for range 1000 {
		b.WriteString(`{"text":"` + strings.Repeat("y", 100) + `"}` + "\n")
	}
	s := load.NewScanner[record.Text]("t.jsonl", iotest.OneByteReader(&b))
	n := 0
	for s.Scan() {
		n++
		if s.Record().Text == "" || s.Line() != n {
			t.Fatalf("record %d: %+v at line %d", n, s.Record(), s.Line())
		}
	}
	if err := s.Err(); err != nil || n != 1000 {
		t.Errorf("got %d records, %v", n, err)
	}
	// A reader's own error is passed through.
	s = load.NewScanner[record.Text]("t.jsonl", iotest.ErrReader(io.ErrUnexpectedEOF))
	if s.Scan() || !errors.Is(s.Err(), io.ErrUnexpectedEOF) {
		t.Errorf("got %v, want the reader's error", s.Err())
	}
	// Records before a bad line are streamed, then the error stops it.
	s = load.NewScanner[record.Text]("t.jsonl", strings.NewReader("{\"text\":\"a\"}\n{\"text\":1}\n{\"text\":\"c\"}\n"))
	n = 0
	for s.Scan() {
		n++
	}
	var pe *load.ParseError
	if n != 1 || !errors.As(s.Err(), &pe) || pe.Line != 2 || pe.Field != "text" {
		t.Errorf("got %d records then %v", n, s.Err())
	}
}

func TestUserCorpus(t *testing.T) {
	tests := []struct {
		name, file, data string
		docs             int
		line             int
		err              error
		msg              string
	}{
		{"text", "notes.txt", "line one\nline two\n", 1, 0, nil, ""},
		{"markdown", "README.md", "# Title\n\nBody.", 1, 0, nil, ""},
		{"go", "main.go", "package main\n", 1, 0, nil, ""},
		{"jsonl", "docs.jsonl", `{"text":"a","meta":1}` + "\n" + `{"text":"b"}`, 2, 0, nil, ""},
		{"empty", "notes.txt", "", 0, 0, load.ErrEmpty, "notes.txt: empty file"},
		{"white space only", "notes.md", " \n\t\n", 0, 0, load.ErrEmpty, "empty file"},
		{"non-UTF-8", "notes.txt", "ok\nok\nbad \xff here\n", 0, 3, load.ErrNotUTF8, "notes.txt:3: invalid UTF-8 at byte 5"},
		{"NUL", "main.go", "package main\n\x00\n", 0, 2, load.ErrNUL, "main.go:2: NUL byte"},
		{"NUL in jsonl text", "d.jsonl", `{"text":"a"}` + "\n\n" + `{"text":"b\u0000"}`, 0, 3, load.ErrNUL, "d.jsonl:3: field \"text\": NUL byte"},
		{"jsonl without text", "d.jsonl", `{"body":"a"}`, 0, 1, load.ErrSchema, `field "text": wrong schema: missing`},
		{"too large", "big.txt", strings.Repeat("a", load.MaxUserCorpusBytes+1), 0, 0, load.ErrTooLarge, "too large"},
		{"unsupported", "data.csv", "a,b", 0, 0, load.ErrUnsupported, "unsupported file type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := load.UserCorpus(tt.file, []byte(tt.data))
			if tt.err == nil {
				if err != nil || len(docs) != tt.docs {
					t.Fatalf("got %d docs, %v; want %d", len(docs), err, tt.docs)
				}
				return
			}
			if docs != nil {
				t.Errorf("got %d documents with an error", len(docs))
			}
			var pe *load.ParseError
			if !errors.Is(err, tt.err) || !errors.As(err, &pe) || pe.Line != tt.line || pe.File != tt.file {
				t.Fatalf("got %v, want %v at %s:%d", err, tt.err, tt.file, tt.line)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got message %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}
