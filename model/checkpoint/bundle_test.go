package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"tinystages/model"
	"tinystages/model/cpu"
	"tinystages/model/safetensors"
	"tinystages/model/tokenizer"
)

func bundle(t testing.TB, ck *Checkpoint) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteBundle(&buf, ck); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// unzip returns a bundle's members.
func unzip(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

// rezip writes members (in the order of names, then the rest sorted) as a
// zip.
func rezip(t testing.TB, members map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var names []string
	for n := range members {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(members[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// samples draws n completions of <|bos|> from m at a fixed seed.
func samples(t *testing.T, m *model.GPT) [][]int32 {
	t.Helper()
	out, err := m.Generate([]int32{tokenizer.BOS}, 3, model.SampleOptions{Temperature: 1, TopK: 40, MaxTokens: 12}, rand.New(rand.NewPCG(7, 7)))
	if err != nil {
		t.Fatal(err)
	}
	var toks [][]int32
	for _, c := range out {
		toks = append(toks, c.Tokens)
	}
	return toks
}

// TestBundleRoundTrip exports a model as a bundle and imports it: the same
// config, bit-identical weights, the same tokenizer and the same samples
// at a fixed seed; and exporting the import again gives the same bytes.
func TestBundleRoundTrip(t *testing.T) {
	m, tok := fixture(t)
	info := Info{Name: "round trip", Stage: "pretrain", Preset: "nano", Steps: 12, Seed: 5}
	data := bundle(t, FromModel(m, tok, info))
	ck, err := ReadBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Config != m.Config {
		t.Fatalf("config %+v, want %+v", ck.Config, m.Config)
	}
	if !slices.Equal(ck.Params, m.Params()) {
		t.Fatal("weights differ after export and import")
	}
	if ck.Info.Name != info.Name || ck.Info.Steps != info.Steps || ck.Info.Seed != info.Seed {
		t.Errorf("info %+v, want %+v", ck.Info, info)
	}
	if !sameTokenizer(ck.Tokenizer, tok) {
		t.Error("the tokenizer differs after export and import")
	}
	m2, err := ck.Model(cpu.New(nil))
	if err != nil {
		t.Fatal(err)
	}
	a, b := samples(t, m), samples(t, m2)
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Errorf("samples at a fixed seed differ: %v vs %v", a, b)
	}
	if again := bundle(t, ck); !bytes.Equal(again, data) {
		t.Error("exporting the imported model gives other bytes")
	}

	mem := unzip(t, data)
	for _, name := range []string{BundleModel, BundleConfig, BundleTokenizer, BundleReadme} {
		if len(mem[name]) == 0 {
			t.Errorf("the bundle has no %s", name)
		}
	}
	var hf map[string]any
	if err := json.Unmarshal(mem[BundleConfig], &hf); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"model_type": "gpt2", "activation_function": "gelu_new", "n_layer": 2.0, "n_embd": 16.0, "vocab_size": float64(tok.VocabSize())} {
		if hf[k] != want {
			t.Errorf("config.json %s = %v, want %v", k, hf[k], want)
		}
	}
	if !strings.Contains(string(mem[BundleReadme]), "GPT2LMHeadModel.from_pretrained") {
		t.Error("README.md does not say how to load the model")
	}
	// The model file is a checkpoint Load reads too.
	if _, err := Load(mem[BundleModel]); err != nil {
		t.Errorf("model.safetensors of the bundle: %v", err)
	}
}

// TestBundleFromTransformers imports what transformers' save_pretrained
// writes back: "transformer."-prefixed names, the tied lm_head.weight, the
// causal-mask buffers, no tinystages metadata, all in a folder of the zip.
func TestBundleFromTransformers(t *testing.T) {
	m, tok := fixture(t)
	mem := unzip(t, bundle(t, FromModel(m, tok, Info{})))
	f, err := safetensors.Read(mem[BundleModel])
	if err != nil {
		t.Fatal(err)
	}
	var ts []safetensors.Tensor
	var wte safetensors.Tensor
	for _, x := range f.Tensors() {
		if x.Name == "wte.weight" {
			wte = x
		}
		x.Name = "transformer." + x.Name
		ts = append(ts, x)
	}
	ts = append(ts, safetensors.Tensor{Name: "lm_head.weight", Shape: wte.Shape, Data: wte.Data},
		safetensors.Tensor{Name: "transformer.h.0.attn.bias", Shape: []int{1, 1, 2, 2}, Data: []float32{1, 0, 1, 1}})
	var st bytes.Buffer
	if err := safetensors.Write(&st, ts, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	data := rezip(t, map[string][]byte{
		"my-model/" + BundleModel:         st.Bytes(),
		"my-model/" + BundleConfig:        mem[BundleConfig],
		"my-model/" + BundleTokenizer:     mem[BundleTokenizer],
		"my-model/generation_config.json": []byte(`{}`),
	})
	ck, err := ReadBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ck.Params, m.Params()) {
		t.Error("weights differ")
	}

	// An untied head is refused.
	ts[len(ts)-2].Data = slices.Clone(wte.Data)
	ts[len(ts)-2].Data[0]++
	st.Reset()
	safetensors.Write(&st, ts, map[string]string{"format": "pt"})
	_, err = ReadBundle(rezip(t, map[string][]byte{BundleModel: st.Bytes(), BundleConfig: mem[BundleConfig], BundleTokenizer: mem[BundleTokenizer]}))
	if !errors.Is(err, ErrExtraTensor) || !strings.Contains(err.Error(), "lm_head.weight") {
		t.Errorf("untied lm_head: error %v", err)
	}
}

// TestReadBundleRejects: every corrupt or inconsistent bundle is refused
// with an error that names the member and the problem, and nothing else
// is returned.
func TestReadBundleRejects(t *testing.T) {
	texts := func(words string) [][]byte {
		var out [][]byte
		for i := range 200 {
			out = append(out, fmt.Appendf(nil, words, i, i*7, i*13))
		}
		return out
	}
	tok, err := tokenizer.Train(texts("the %d cats sat on %d mats, and a dog ran to park %d. "), 320, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := testConfig
	c.VocabSize = tok.VocabSize()
	m, err := model.New(c, cpu.New(nil), 3)
	if err != nil {
		t.Fatal(err)
	}
	good := bundle(t, FromModel(m, tok, Info{Name: "x"}))
	mem := unzip(t, good)
	with := func(name string, data []byte) []byte {
		c := map[string][]byte{}
		for k, v := range mem {
			c[k] = v
		}
		if data == nil {
			delete(c, name)
		} else {
			c[name] = data
		}
		return rezip(t, c)
	}
	// Another tokenizer of the same size, trained on other text.
	other, err := tokenizer.Train(texts("zebra %d quartz jumps over %d vexed fjords; waltz, nymph, for quick jigs vex bud %d. "), tok.VocabSize(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var otherJSON bytes.Buffer
	other.WriteJSON(&otherJSON)
	larger, err := tokenizer.Train(texts("zebra %d quartz jumps over %d vexed fjords; waltz, nymph, for quick jigs vex bud %d. "), tok.VocabSize()+20, nil)
	if err != nil {
		t.Fatal(err)
	}
	var largerJSON bytes.Buffer
	larger.WriteJSON(&largerJSON)
	// model.safetensors of a wider model, with its own (consistent) metadata.
	wide := m.Config
	wide.NEmbd = 32
	mw, _ := model.New(wide, cpu.New(nil), 1)
	wideMem := unzip(t, bundle(t, FromModel(mw, tok, Info{})))
	// Flip a byte inside the stored model.safetensors: the CRC fails.
	flipped := slices.Clone(good)
	i := bytes.Index(flipped, []byte(`"format"`))
	flipped[i+200] ^= 0xff
	// A member claiming to be huge.
	cases := []struct {
		name   string
		data   []byte
		want   error
		member string
		says   string
	}{
		{"empty file", nil, ErrNotZip, "", "not a zip"},
		{"a safetensors file, not a zip", mem[BundleModel], ErrNotZip, "", "not a zip"},
		{"truncated zip", good[:len(good)/2], ErrNotZip, "", "zip"},
		{"bit flip in the weights", flipped, ErrCorrupt, BundleModel, "checksum"},
		{"no config.json", with(BundleConfig, nil), ErrMissingMember, BundleConfig, "no config.json"},
		{"no tokenizer.json", with(BundleTokenizer, nil), ErrMissingMember, BundleTokenizer, ""},
		{"no model.safetensors", with(BundleModel, nil), ErrMissingMember, BundleModel, ""},
		{"config.json not JSON", with(BundleConfig, []byte("{")), ErrBadConfig, BundleConfig, ""},
		{"not GPT-2", with(BundleConfig, bytes.Replace(mem[BundleConfig], []byte(`"gpt2"`), []byte(`"llama"`), 1)), ErrBadConfig, BundleConfig, "llama"},
		{"untied embeddings", with(BundleConfig, bytes.Replace(mem[BundleConfig], []byte(`"tie_word_embeddings": true`), []byte(`"tie_word_embeddings": false`), 1)), ErrBadConfig, BundleConfig, "tie_word_embeddings"},
		{"tokenizer.json corrupt", with(BundleTokenizer, mem[BundleTokenizer][:300]), ErrBadTokenizer, BundleTokenizer, ""},
		{"tokenizer of another size", with(BundleTokenizer, largerJSON.Bytes()), ErrMismatch, BundleTokenizer, "vocab_size"},
		{"another tokenizer of the same size", with(BundleTokenizer, otherJSON.Bytes()), ErrMismatch, BundleTokenizer, "not the tokenizer the model was trained with"},
		{"config.json disagrees with the weights", with(BundleModel, wideMem[BundleModel]), ErrMismatch, BundleModel, "width 32"},
		{"model.safetensors truncated", with(BundleModel, mem[BundleModel][:len(mem[BundleModel])-8]), safetensors.ErrTruncated, BundleModel, ""},
		{"model.safetensors garbage", with(BundleModel, []byte("hello, world, this is not safetensors")), nil, BundleModel, ""},
		{"a tensor of the wrong shape", with(BundleModel, rewrite(t, mem[BundleModel], func(ts []safetensors.Tensor, _ map[string]string) []safetensors.Tensor {
			for i := range ts {
				if ts[i].Name == "h.1.mlp.c_proj.weight" {
					ts[i].Shape = []int{ts[i].Shape[1], ts[i].Shape[0]}
				}
			}
			return ts
		})), ErrShape, BundleModel, "h.1.mlp.c_proj.weight"},
		{"a missing tensor", with(BundleModel, rewrite(t, mem[BundleModel], func(ts []safetensors.Tensor, _ map[string]string) []safetensors.Tensor {
			return slices.DeleteFunc(ts, func(x safetensors.Tensor) bool { return x.Name == "ln_f.bias" })
		})), ErrMissingTensor, BundleModel, "ln_f.bias"},
		{"two config.json", rezip(t, map[string][]byte{BundleConfig: mem[BundleConfig], "a/" + BundleConfig: mem[BundleConfig],
			BundleModel: mem[BundleModel], BundleTokenizer: mem[BundleTokenizer]}), ErrDuplicateMember, "config.json", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ck, err := ReadBundle(tc.data)
			if err == nil {
				t.Fatal("imported a bad bundle")
			}
			t.Log(err)
			if ck != nil {
				t.Error("returned a checkpoint along with the error")
			}
			var be *BundleError
			if !errors.As(err, &be) {
				t.Fatalf("error %v (%T) is not a *BundleError", err, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %q, want %v", err, tc.want)
			}
			if !strings.Contains(be.Member, tc.member) {
				t.Errorf("error %q names member %q, want %q", err, be.Member, tc.member)
			}
			if tc.says != "" && !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not say %q", err, tc.says)
			}
			if !strings.HasPrefix(err.Error(), "model bundle: ") {
				t.Errorf("error %q does not start with \"model bundle: \"", err)
			}
		})
	}
}

func TestReadBundleMemberTooLarge(t *testing.T) {
	// A zip whose directory claims a huge config.json: refused before
	// anything is inflated.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: BundleConfig, Method: zip.Store, UncompressedSize64: MaxBundleMember + 1, CompressedSize64: 2, CRC32: 0})
	w.Write([]byte("{}"))
	zw.Close()
	_, err := ReadBundle(buf.Bytes())
	if !errors.Is(err, ErrMemberTooLarge) {
		t.Errorf("error %v, want %v", err, ErrMemberTooLarge)
	}
}

// FuzzReadBundle checks that ReadBundle never panics, fails with a
// *BundleError, and that a bundle it accepts exports and imports back to
// the same checkpoint.
func FuzzReadBundle(f *testing.F) {
	m, tok := fixture(&testing.T{})
	good := bundle(f, FromModel(m, tok, Info{Name: "fuzz"}))
	f.Add(good)
	f.Add(good[:len(good)/3])
	mem := unzip(f, good)
	f.Add(rezip(f, map[string][]byte{BundleConfig: mem[BundleConfig], BundleTokenizer: []byte("{}"), BundleModel: []byte{8, 0, 0, 0, 0, 0, 0, 0, '{', '}'}}))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	f.Fuzz(func(t *testing.T, data []byte) {
		ck, err := ReadBundle(data)
		if err != nil {
			var be *BundleError
			if ck != nil || !errors.As(err, &be) {
				t.Fatalf("ReadBundle: %v (%T), checkpoint %v", err, err, ck != nil)
			}
			return
		}
		back, err := ReadBundle(bundle(t, ck))
		if err != nil {
			t.Fatalf("re-reading an accepted bundle: %v", err)
		}
		if back.Config != ck.Config || !slices.Equal(back.Params, ck.Params) {
			t.Fatal("an accepted bundle does not round-trip")
		}
	})
}
