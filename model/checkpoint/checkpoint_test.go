package checkpoint

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"tinystages/model"
	"tinystages/model/cpu"
	"tinystages/model/safetensors"
	"tinystages/model/tokenizer"
)

var testConfig = model.Config{VocabSize: 0, MaxSeqLen: 16, NLayer: 2, NHead: 2, NEmbd: 16}

func fixture(t *testing.T) (*model.GPT, *tokenizer.Tokenizer) {
	t.Helper()
	var docs [][]byte
	for i := 0; i < 50; i++ {
		docs = append(docs, []byte(strings.Repeat("the cat sat on the mat. a dog ran to the park. ", 3)))
	}
	tok, err := tokenizer.Train(docs, 300, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := testConfig
	c.VocabSize = tok.VocabSize()
	m, err := model.New(c, cpu.New(nil), 3)
	if err != nil {
		t.Fatal(err)
	}
	return m, tok
}

func save(t *testing.T, m *model.GPT, tok *tokenizer.Tokenizer) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Save(&buf, m, tok, Info{Name: "test", Stage: "pretrain", Steps: 7}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRoundTrip saves and loads a model: identical weights, config,
// tokenizer, and identical samples at a fixed seed.
func TestRoundTrip(t *testing.T) {
	m, tok := fixture(t)
	data := save(t, m, tok)
	ck, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Config != m.Config {
		t.Fatalf("config %+v, want %+v", ck.Config, m.Config)
	}
	if !slices.Equal(ck.Params, m.Params()) {
		t.Fatal("parameters differ after a round trip")
	}
	if ck.Info.Name != "test" || ck.Info.Steps != 7 {
		t.Errorf("info %+v", ck.Info)
	}
	text := []byte("the dog sat")
	if !slices.Equal(ck.Tokenizer.Encode(text), tok.Encode(text)) {
		t.Error("tokenizer encodes differently after a round trip")
	}
	m2, err := ck.Model(cpu.New(nil))
	if err != nil {
		t.Fatal(err)
	}
	prompt := []int32{tokenizer.BOS}
	opt := model.SampleOptions{Temperature: 1, MaxTokens: 10}
	a, _ := m.Generate(prompt, 2, opt, rand.New(rand.NewPCG(1, 1)))
	b, _ := m2.Generate(prompt, 2, opt, rand.New(rand.NewPCG(1, 1)))
	for i := range a {
		if !slices.Equal(a[i].Tokens, b[i].Tokens) {
			t.Errorf("sample %d: %v vs %v", i, a[i].Tokens, b[i].Tokens)
		}
	}
}

// rewrite loads a saved checkpoint as raw safetensors, lets edit change
// tensors and metadata, and writes it back.
func rewrite(t *testing.T, data []byte, edit func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor) []byte {
	t.Helper()
	f, err := safetensors.Read(data)
	if err != nil {
		t.Fatal(err)
	}
	ts := edit(f.Tensors(), f.Metadata)
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, ts, f.Metadata); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLoadRejects(t *testing.T) {
	m, tok := fixture(t)
	good := save(t, m, tok)
	cases := []struct {
		name string
		data []byte
		want error
		part string
	}{
		{"truncated file", good[:len(good)-10], safetensors.ErrTruncated, ""},
		{"missing tensor", rewrite(t, good, func(ts []safetensors.Tensor, _ map[string]string) []safetensors.Tensor {
			return slices.DeleteFunc(ts, func(x safetensors.Tensor) bool { return x.Name == "h.1.mlp.c_fc.weight" })
		}), ErrMissingTensor, "h.1.mlp.c_fc.weight"},
		{"wrong shape", rewrite(t, good, func(ts []safetensors.Tensor, _ map[string]string) []safetensors.Tensor {
			for i := range ts {
				if ts[i].Name == "h.0.attn.c_attn.weight" {
					ts[i].Shape = []int{ts[i].Shape[1], ts[i].Shape[0]} // the PyTorch Linear layout
				}
			}
			return ts
		}), ErrShape, "h.0.attn.c_attn.weight"},
		{"extra tensor", rewrite(t, good, func(ts []safetensors.Tensor, _ map[string]string) []safetensors.Tensor {
			return append(ts, safetensors.Tensor{Name: "lm_head.extra", Shape: []int{2}, Data: []float32{1, 2}})
		}), ErrExtraTensor, "lm_head.extra"},
		{"NaN weight", rewrite(t, good, func(ts []safetensors.Tensor, _ map[string]string) []safetensors.Tensor {
			ts[0].Data[3] = float32(math.NaN())
			return ts
		}), ErrNotFinite, "h.0.attn.c_attn.weight"},
		{"no config", rewrite(t, good, func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			delete(meta, KeyConfig)
			return ts
		}), ErrMissingMetadata, KeyConfig},
		{"config lies about layers", rewrite(t, good, func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[KeyConfig] = strings.Replace(meta[KeyConfig], `"n_layer":2`, `"n_layer":3`, 1)
			return ts
		}), ErrMissingTensor, "h.2.attn.c_attn.weight"},
		{"bad config JSON", rewrite(t, good, func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[KeyConfig] = "{"
			return ts
		}), ErrBadConfig, KeyConfig},
		{"heads do not divide", rewrite(t, good, func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[KeyConfig] = strings.Replace(meta[KeyConfig], `"n_head":2`, `"n_head":3`, 1)
			return ts
		}), ErrBadConfig, KeyConfig},
		{"corrupt tokenizer", rewrite(t, good, func(ts []safetensors.Tensor, meta map[string]string) []safetensors.Tensor {
			meta[KeyTokenizer] = meta[KeyTokenizer][:100]
			return ts
		}), ErrBadTokenizer, KeyTokenizer},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ck, err := Load(tc.data)
			if err == nil {
				t.Fatal("loaded a bad checkpoint")
			}
			if ck != nil {
				t.Error("returned a checkpoint along with the error")
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if tc.part != "" && !strings.Contains(err.Error(), tc.part) {
				t.Errorf("error %q does not name %q", err, tc.part)
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	m, tok := fixture(&testing.T{})
	var buf bytes.Buffer
	if err := Save(&buf, m, tok, Info{}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:200])
	f.Fuzz(func(t *testing.T, data []byte) {
		ck, err := Load(data)
		if err == nil && ck.Config.Validate() != nil {
			t.Fatal("loaded an invalid config")
		}
	})
}
