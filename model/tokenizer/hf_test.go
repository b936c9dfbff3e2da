package tokenizer

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestHuggingFaceParity checks that the Hugging Face tokenizers library
// (the Rust code behind transformers' PreTrainedTokenizerFast, through its
// Node.js binding) loads the files WriteJSON writes and encodes and decodes
// as this package does. It runs only when TOKENIZERS_NODE_PATH names a
// node_modules folder holding the npm package "tokenizers", as after
//
//	cd /tmp/hf && npm install tokenizers@0.23.2
//	TOKENIZERS_NODE_PATH=/tmp/hf/node_modules go test -run HuggingFace ./model/tokenizer/
func TestHuggingFaceParity(t *testing.T) {
	modules := os.Getenv("TOKENIZERS_NODE_PATH")
	if modules == "" || runtime.GOOS == "js" {
		t.Skip("set TOKENIZERS_NODE_PATH to a node_modules folder with the tokenizers package")
	}
	rng := rand.New(rand.NewPCG(12, 34))
	texts := []string{
		"Hello world", "don't  stop\n\n  me now", "  leading", "trailing   ", "a\u00a0b\u3000c 123 4567 ½ Ⅻ",
		"<|user|>hi<|assistant|>yo<|end|>", "x <|user|> y <|bogus|>", "'s'S'll 're", "tabs\t\tand\r\nlines \n",
		"日本語のテキスト", "emoji 😀😀 🎉", "      ", "\n", "a  ", "foo\u2028bar\u0085baz\u000bq\u001cr",
		"\x00NUL", "abcabc", string(genCorpus(77, 30000)),
	}
	for range 300 {
		texts = append(texts, strings.ToValidUTF8(string(randomText(rng, rng.IntN(40))), "\uFFFD"))
	}
	for _, tc := range []struct {
		name string
		tok  *Tokenizer
	}{
		{"trained", func() *Tokenizer {
			tok, err := Train(genDocs(1, 1<<20), 2000, nil)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}()},
		{"lower rank created", handmade(t, [2]string{"b", "c"}, [2]string{"a", "b"}, [2]string{"ab", "c"}, [2]string{"abc", "a"}, [2]string{"a", "bc"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "tokenizer.json"), mustJSON(t, tc.tok), 0o644); err != nil {
				t.Fatal(err)
			}
			cases, _ := json.Marshal(map[string]any{"texts": texts})
			if err := os.WriteFile(filepath.Join(dir, "cases.json"), cases, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command("node", filepath.Join("testdata", "hf_parity.js"), dir)
			cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node: %v\n%s", err, stderr.Bytes())
			}
			var hf struct {
				IDs     [][]int32 `json:"ids"`
				Decoded []string  `json:"decoded"`
			}
			if err := json.Unmarshal(out, &hf); err != nil {
				t.Fatal(err)
			}
			for i, text := range texts {
				ids := tc.tok.EncodeWithSpecials(text)
				if !slices.Equal(hf.IDs[i], ids) {
					t.Errorf("%.60q: tokenizers %v, EncodeWithSpecials %v", text, hf.IDs[i], ids)
				}
				if hf.Decoded[i] != text {
					t.Errorf("%.60q: tokenizers decodes to %.60q", text, hf.Decoded[i])
				}
			}
		})
	}
}
