package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "update golden files in testdata")

func mustJSON(t testing.TB, tok *Tokenizer) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tok.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSaveLoad(t *testing.T) {
	for _, tc := range []struct {
		name string
		tok  *Tokenizer
	}{
		{"trained", trained()},
		{"bytes only", handmade(t)},
		{"quotes and backslashes", handmade(t, [2]string{`"`, `\`}, [2]string{`\`, `"`}, [2]string{`"\`, `"`})},
		{"duplicate spelling", handmade(t, [2]string{"a", "b"}, [2]string{"ab", "c"}, [2]string{"b", "c"}, [2]string{"a", "bc"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := mustJSON(t, tc.tok)
			if !json.Valid(data) {
				t.Fatal("WriteJSON wrote invalid JSON")
			}
			got, err := Load(data)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.merges, tc.tok.merges) || !slices.EqualFunc(got.tokens, tc.tok.tokens, bytes.Equal) {
				t.Fatal("loaded tokenizer differs")
			}
			if again := mustJSON(t, got); !bytes.Equal(again, data) {
				t.Fatal("re-written JSON differs")
			}
			text := genCorpus(11, 20000)
			if a, b := tc.tok.Encode(text), got.Encode(text); !slices.Equal(a, b) {
				t.Fatal("encodings differ after Load")
			}
			r, err := Read(bytes.NewReader(data))
			if err != nil || r.VocabSize() != tc.tok.VocabSize() {
				t.Fatalf("Read: %v", err)
			}
		})
	}
}

func TestMarshalJSON(t *testing.T) {
	// A Tokenizer inside a larger JSON document, as in a checkpoint's
	// config.
	type config struct {
		Name      string     `json:"name"`
		Tokenizer *Tokenizer `json:"tokenizer"`
	}
	in := config{"nano", trained()}
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out config
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	if out.Name != "nano" || out.Tokenizer == nil || !slices.Equal(out.Tokenizer.merges, in.Tokenizer.merges) {
		t.Fatal("round trip through encoding/json failed")
	}
	var tok Tokenizer
	if err := json.Unmarshal([]byte(`{"version": "2.0"}`), &tok); !errors.Is(err, ErrUnsupported) {
		t.Errorf("UnmarshalJSON: %v, want ErrUnsupported", err)
	}
}

func TestLoadMergesAsPairs(t *testing.T) {
	// tokenizers 0.20 and later write each merge as a [left, right] array.
	tok := trained()
	data := string(mustJSON(t, tok))
	i := strings.Index(data, `"merges": [`)
	var b strings.Builder
	b.WriteString(data[:i])
	b.WriteString(`"merges": [`)
	for n, m := range tok.merges {
		if n > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n[" + quote(byteLevel(tok.tokens[m.Left])) + ", " + quote(byteLevel(tok.tokens[m.Right])) + "]")
	}
	b.WriteString("]}}")
	got, err := Load([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.merges, tok.merges) {
		t.Fatal("merges differ")
	}
}

// tinyJSON is the tokenizer.json of a small handmade tokenizer whose
// vocab ends with "Ġt" (272), "he" (273), "Ġthe" (274).
func tinyJSON(t testing.TB) string {
	return string(mustJSON(t, handmade(t, [2]string{" ", "t"}, [2]string{"h", "e"}, [2]string{" t", "he"})))
}

// A loadErrorCase is a malformed tokenizer.json and the error Load must
// return.
type loadErrorCase struct {
	name  string
	input string
	err   error  // the sentinel
	path  string // FormatError.Path, if not ""
}

// loadErrorCases returns the malformed inputs of TestLoadErrors, also used
// to seed FuzzLoad.
func loadErrorCases(t testing.TB) []loadErrorCase {
	valid := tinyJSON(t)
	type edit struct{ old, new string }
	tests := []struct {
		name  string
		edits []edit // applied to valid, each old must occur
		whole string // the input, instead of edits
		err   error
		path  string
	}{
		{name: "empty", whole: "", err: ErrSyntax},
		{name: "not JSON", whole: "tokenizer", err: ErrSyntax},
		{name: "top-level array", whole: "[]", err: ErrType},
		{name: "truncated", whole: valid[:len(valid)/2], err: ErrSyntax},
		{name: "trailing garbage", whole: valid + "x", err: ErrSyntax},
		{name: "trailing value", whole: valid + "{}", err: ErrSyntax},
		{name: "unknown field", edits: []edit{{`"padding": null`, `"padding": null, "extra": 1`}}, err: ErrUnknownField},
		{name: "duplicate field", edits: []edit{{`"padding": null`, `"padding": null, "version": "1.0"`}}, err: ErrDuplicateKey},
		{name: "missing model", edits: []edit{{`"model": {`, `"mdl": {`}}, err: ErrUnknownField},
		{name: "missing decoder", edits: []edit{{`"decoder": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},`, ``}}, err: ErrMissingField},
		{name: "version", edits: []edit{{`"1.0"`, `"0.9"`}}, err: ErrUnsupported, path: "version"},
		{name: "normalizer", edits: []edit{{`"normalizer": null`, `"normalizer": {"type": "NFC"}`}}, err: ErrUnsupported, path: "normalizer"},
		{name: "truncation", edits: []edit{{`"truncation": null`, `"truncation": {}`}}, err: ErrUnsupported, path: "truncation"},
		{name: "prefix space", edits: []edit{{`"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false`, `"pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": true`}}, err: ErrUnsupported, path: "pre_tokenizer.add_prefix_space"},
		{name: "no regex", edits: []edit{{`"use_regex": true},
  "post`, `"use_regex": false},
  "post`}}, err: ErrUnsupported, path: "pre_tokenizer.use_regex"},
		{name: "pre-tokenizer type", edits: []edit{{`"pre_tokenizer": {"type": "ByteLevel"`, `"pre_tokenizer": {"type": "Whitespace"`}}, err: ErrUnsupported, path: "pre_tokenizer.type"},
		{name: "pre-tokenizer field", edits: []edit{{`"pre_tokenizer": {"type": "ByteLevel"`, `"pre_tokenizer": {"type": "ByteLevel", "x": 1`}}, err: ErrUnknownField, path: "pre_tokenizer"},
		{name: "post-processor type", edits: []edit{{`"post_processor": null`, `"post_processor": 3`}}, err: ErrType, path: "post_processor"},
		{name: "model type", edits: []edit{{`"BPE"`, `"WordPiece"`}}, err: ErrUnsupported, path: "model.type"},
		{name: "dropout", edits: []edit{{`"dropout": null`, `"dropout": 0.1`}}, err: ErrUnsupported, path: "model.dropout"},
		{name: "byte fallback", edits: []edit{{`"byte_fallback": false`, `"byte_fallback": true`}}, err: ErrUnsupported, path: "model.byte_fallback"},
		{name: "ignore merges", edits: []edit{{`"ignore_merges": false`, `"ignore_merges": true`}}, err: ErrUnsupported, path: "model.ignore_merges"},
		{name: "suffix", edits: []edit{{`"end_of_word_suffix": null`, `"end_of_word_suffix": "</w>"`}}, err: ErrUnsupported, path: "model.end_of_word_suffix"},
		{name: "unk token type", edits: []edit{{`"unk_token": null`, `"unk_token": 1`}}, err: ErrType, path: "model.unk_token"},
		{name: "missing vocab", edits: []edit{{`"vocab": {`, `"vocabulary": {`}}, err: ErrUnknownField, path: "model"},
		{name: "missing merges", edits: []edit{{`"merges": [
      "Ġ t",
      "h e",
      "Ġt he"
    ]`, `"merges_": []`}}, err: ErrUnknownField, path: "model"},
		{name: "vocab not object", edits: []edit{{`"vocab": {`, `"vocab": [`}}, err: ErrType, path: "model.vocab"},
		{name: "id out of range", edits: []edit{{`"<|bos|>": 0`, `"<|bos|>": 65536`}}, err: ErrID, path: `model.vocab["<|bos|>"]`},
		{name: "id huge", edits: []edit{{`"<|bos|>": 0`, `"<|bos|>": 123456789012345678901234567890`}}, err: ErrID, path: `model.vocab["<|bos|>"]`},
		{name: "id negative", edits: []edit{{`"<|bos|>": 0`, `"<|bos|>": -1`}}, err: ErrID, path: `model.vocab["<|bos|>"]`},
		{name: "id fraction", edits: []edit{{`"<|bos|>": 0`, `"<|bos|>": 0.5`}}, err: ErrType, path: `model.vocab["<|bos|>"]`},
		{name: "id exponent", edits: []edit{{`"<|bos|>": 0`, `"<|bos|>": 0e0`}}, err: ErrType, path: `model.vocab["<|bos|>"]`},
		{name: "id string", edits: []edit{{`"<|bos|>": 0`, `"<|bos|>": "0"`}}, err: ErrType, path: `model.vocab["<|bos|>"]`},
		{name: "id duplicated", edits: []edit{{`"he": 273`, `"he": 272`}}, err: ErrID, path: `model.vocab["he"]`},
		{name: "id missing", edits: []edit{{`"Ġthe": 274`, `"Ġthe": 275`}}, err: ErrID, path: "model.vocab"},
		{name: "vocab key duplicated", edits: []edit{{`"he": 273`, `"he": 273, "he": 273`}}, err: ErrDuplicateKey, path: "model.vocab"},
		{name: "special missing", edits: []edit{{`    {"id": 3, "content": "<|assistant|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
`, ``}}, err: ErrSpecials, path: "added_tokens"},
		{name: "special renamed", edits: []edit{{`"content": "<|user|>"`, `"content": "<|usr|>"`}}, err: ErrSpecials, path: "added_tokens[2]"},
		{name: "special twice", edits: []edit{{`"id": 3, "content": "<|assistant|>"`, `"id": 2, "content": "<|user|>"`}}, err: ErrSpecials, path: "added_tokens[3]"},
		{name: "special not special", edits: []edit{{`"content": "<|user|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true`, `"content": "<|user|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": false`}}, err: ErrUnsupported, path: "added_tokens[2].special"},
		{name: "special lstrip", edits: []edit{{`"content": "<|user|>", "single_word": false, "lstrip": false`, `"content": "<|user|>", "single_word": false, "lstrip": true`}}, err: ErrUnsupported, path: "added_tokens[2].lstrip"},
		{name: "special no id", edits: []edit{{`{"id": 2, "content": "<|user|>",`, `{"content": "<|user|>",`}}, err: ErrMissingField, path: "added_tokens[2]"},
		{name: "extra added token", edits: []edit{{`"special": true}
  ],`, `"special": true},
    {"id": 16, "content": "!", "special": true}
  ],`}}, err: ErrSpecials, path: "added_tokens[16]"},
		{name: "added field", edits: []edit{{`{"id": 2,`, `{"id": 2, "x": null,`}}, err: ErrUnknownField, path: "added_tokens[2]"},
		{name: "special in vocab", edits: []edit{{`"<|pad|>": 5`, `"<|pads|>": 5`}}, err: ErrSpecials, path: "model.vocab"},
		{name: "bytes swapped", edits: []edit{{`"a": 113`, `"a": 114`}, {`"b": 114`, `"b": 113`}}, err: ErrBytes, path: "model.vocab"},
		{name: "bytes missing", whole: strings.Replace(valid[:strings.Index(valid, `"Ā": 16`)], `"<|reserved_15|>": 15,`, `"<|reserved_15|>": 15`, 1) + "}, \"merges\": []}}", err: ErrBytes, path: "model.vocab"},
		{name: "token outside alphabet", edits: []edit{{`"Ġthe": 274`, `"Ġ the": 274`}}, err: ErrToken, path: `model.vocab["Ġ the"]`},
		{name: "token one byte", edits: []edit{{`"Ġthe": 274`, `"": 274`}}, err: ErrToken, path: `model.vocab[""]`},
		{name: "orphan token", edits: []edit{{`"Ġthe": 274`, `"Ġthe": 274, "zz": 275`}}, err: ErrOrphanToken, path: `model.vocab["zz"]`},
		{name: "merge unknown token", edits: []edit{{`"h e"`, `"h é"`}}, err: ErrUnknownToken, path: "model.merges[1]"},
		{name: "merge result unknown", edits: []edit{{`"h e"`, `"h f"`}}, err: ErrUnknownToken, path: "model.merges[1]"},
		{name: "merge no space", edits: []edit{{`"h e"`, `"he"`}}, err: ErrMerge, path: "model.merges[1]"},
		{name: "merge three parts", edits: []edit{{`"h e"`, `"h e x"`}}, err: ErrMerge, path: "model.merges[1]"},
		{name: "merge pair short", edits: []edit{{`"h e"`, `["h"]`}}, err: ErrMerge, path: "model.merges[1]"},
		{name: "merge pair long", edits: []edit{{`"h e"`, `["h", "e", "x"]`}}, err: ErrMerge, path: "model.merges[1]"},
		{name: "merge pair numbers", edits: []edit{{`"h e"`, `[1, 2]`}}, err: ErrType, path: "model.merges[1][0]"},
		{name: "merge number", edits: []edit{{`"h e"`, `7`}}, err: ErrType, path: "model.merges[1]"},
		{name: "merge repeated", edits: []edit{{`"h e"`, `"h e", "h e"`}}, err: ErrMerge, path: "model.merges[2]"},
		{name: "merge special", edits: []edit{{`"h e"`, `"<|bos|> h"`}}, err: ErrMerge, path: "model.merges[1]"},
	}
	var cases []loadErrorCase
	for _, tt := range tests {
		input := tt.whole
		if tt.edits != nil {
			input = valid
			for _, e := range tt.edits {
				if !strings.Contains(input, e.old) {
					t.Fatalf("%s: edit: %q not in the input", tt.name, e.old)
				}
				input = strings.Replace(input, e.old, e.new, 1)
			}
		}
		cases = append(cases, loadErrorCase{tt.name, input, tt.err, tt.path})
	}
	return cases
}

func TestLoadErrors(t *testing.T) {
	if _, err := Load([]byte(tinyJSON(t))); err != nil {
		t.Fatalf("tinyJSON: %v", err)
	}
	for _, tt := range loadErrorCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := Load([]byte(tt.input))
			if tok != nil {
				t.Errorf("Load returned a tokenizer with error %v", err)
			}
			if !errors.Is(err, tt.err) {
				t.Fatalf("Load: %v, want %v", err, tt.err)
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Load: %T, want *FormatError", err)
			}
			if tt.path != "" && fe.Path != tt.path {
				t.Errorf("Load: path %q, want %q (%v)", fe.Path, tt.path, err)
			}
			if !strings.HasPrefix(err.Error(), "tokenizer: "+fe.Path) {
				t.Errorf("message %q does not start with the path", err)
			}
		})
	}
}

func TestReadTooLarge(t *testing.T) {
	if runtime.GOOS == "js" {
		t.Skip("64 MiB is too much memory for js/wasm tests")
	}
	r := io.MultiReader(strings.NewReader("{"), io.LimitReader(zeros{}, MaxFileSize))
	if _, err := Read(r); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Read: %v, want ErrTooLarge", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestGolden trains on a tiny fixed corpus and compares the tokenizer.json
// and the segmentation of a sample text with testdata. Run
// go test ./model/tokenizer/ -run Golden -update to rewrite them.
func TestGolden(t *testing.T) {
	tok, err := Train(genDocs(42, 16<<10), 320, nil)
	if err != nil {
		t.Fatal(err)
	}
	var seg strings.Builder
	for _, line := range strings.SplitAfter(string(genCorpus(43, 600)), "\n") {
		var shown []string
		for _, id := range tok.EncodeString(line) {
			shown = append(shown, tok.TokenString(id))
		}
		seg.WriteString(strings.Join(shown, " ") + "\n")
	}
	for _, g := range []struct {
		file string
		got  []byte
	}{
		{"tiny.tokenizer.json", mustJSON(t, tok)},
		{"tiny.segmented.txt", []byte(seg.String())},
	} {
		path := filepath.Join("testdata", g.file)
		if *update {
			if err := os.WriteFile(path, g.got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(g.got, want) {
			t.Errorf("%s differs from the golden file; run go test ./model/tokenizer/ -run Golden -update and review the diff", path)
		}
	}
}
