package checkpoint

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"tinystages/model"
	"tinystages/model/safetensors"
	"tinystages/model/tokenizer"
)

// A bundle is a model as a Hugging Face GPT-2 directory, zipped: what a
// reader downloads from the browser app to carry a model into the PyTorch
// ecosystem, and what the app imports back.
//
//	model.safetensors   the parameters with Hugging Face GPT-2 names and
//	                    layout (the checkpoint file of Save, metadata and all)
//	config.json         the Hugging Face config (HFConfig)
//	tokenizer.json      the tokenizer, Hugging Face tokenizers format
//	README.md           a model card: what the model is and how to load it
//
// transformers loads the unzipped folder with
// GPT2LMHeadModel.from_pretrained(dir) and
// PreTrainedTokenizerFast(tokenizer_file=dir + "/tokenizer.json").
//
// ReadBundle also accepts what transformers' save_pretrained writes back:
// tensor names with the "transformer." prefix, an lm_head.weight equal to
// wte.weight, no tinystages metadata in model.safetensors. The members may
// sit in one folder inside the zip (a zipped directory).

// Bundle member names.
const (
	BundleModel     = "model.safetensors"
	BundleConfig    = "config.json"
	BundleTokenizer = "tokenizer.json"
	BundleReadme    = "README.md"
)

// MaxBundleMember is the largest uncompressed member ReadBundle reads: far
// above the largest preset (about 20 MB of float32 parameters), far below
// what would exhaust a browser tab.
const MaxBundleMember = 64 << 20

// Sentinel errors of ReadBundle, besides those of Load; each is wrapped in
// a *BundleError.
var (
	ErrNotZip          = errors.New("not a zip archive")
	ErrMissingMember   = errors.New("missing member")
	ErrDuplicateMember = errors.New("duplicate member")
	ErrCorrupt         = errors.New("corrupt member")
	ErrMemberTooLarge  = errors.New("member too large")
	ErrMismatch        = errors.New("members disagree")
)

// BundleError is a problem with a bundle: the member it is in ("" for the
// archive itself) and what it is. Err wraps a sentinel error (of ReadBundle
// or of Load) or a *Error naming a tensor or a metadata key.
type BundleError struct {
	Member string
	Err    error
}

func (e *BundleError) Error() string {
	if e.Member == "" {
		return "model bundle: " + strings.TrimPrefix(e.Err.Error(), "checkpoint: ")
	}
	return "model bundle: " + e.Member + ": " + strings.TrimPrefix(e.Err.Error(), "checkpoint: ")
}

func (e *BundleError) Unwrap() error { return e.Err }

func bundleErr(member string, sentinel error, format string, args ...any) error {
	if format == "" {
		return &BundleError{Member: member, Err: sentinel}
	}
	return &BundleError{Member: member, Err: fmt.Errorf("%w: "+format, append([]any{sentinel}, args...)...)}
}

// FromModel returns m's parameters (copied to the host), config and
// tokenizer as a Checkpoint.
func FromModel(m *model.GPT, tok *tokenizer.Tokenizer, info Info) *Checkpoint {
	return &Checkpoint{Config: m.Config, Tokenizer: tok, Info: info, Params: m.Params()}
}

// bundleTime is the modification time of every member, so that a bundle
// of the same checkpoint is the same bytes.
var bundleTime = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// WriteBundle writes ck as a zipped Hugging Face GPT-2 directory.
func WriteBundle(w io.Writer, ck *Checkpoint) error {
	lay := model.NewLayout(ck.Config)
	if len(ck.Params) != lay.Size {
		return fmt.Errorf("checkpoint: %d parameters, the config lays out %d", len(ck.Params), lay.Size)
	}
	var st bytes.Buffer
	if err := write(&st, ck.Config, tensorsOf(lay, ck.Params), ck.Tokenizer, ck.Info); err != nil {
		return err
	}
	cfg, err := json.MarshalIndent(NewHFConfig(ck.Config), "", "  ")
	if err != nil {
		return err
	}
	var tj bytes.Buffer
	if err := ck.Tokenizer.WriteJSON(&tj); err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, m := range []struct {
		name   string
		data   []byte
		method uint16
	}{
		// The parameters are nearly incompressible: stored, they cost
		// nothing to write in a browser.
		{BundleModel, st.Bytes(), zip.Store},
		{BundleConfig, append(cfg, '\n'), zip.Deflate},
		{BundleTokenizer, tj.Bytes(), zip.Deflate},
		{BundleReadme, []byte(ModelCard(ck)), zip.Deflate},
	} {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: m.method, Modified: bundleTime})
		if err != nil {
			return err
		}
		if _, err := fw.Write(m.data); err != nil {
			return err
		}
	}
	return zw.Close()
}

// ModelCard is the README.md of a bundle of ck.
func ModelCard(ck *Checkpoint) string {
	c := ck.Config
	name := ck.Info.Name
	if name == "" {
		name = "tinystages model"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", name)
	b.WriteString("A tiny GPT-2 trained with tinystages (in a browser or natively): " +
		"the architecture of GPT-2 (learned positions, pre-LayerNorm, GELU in its tanh form, tied embeddings) " +
		"at a size a browser trains in minutes.\n\n")
	b.WriteString("| | |\n|---|---|\n")
	row := func(k string, v any) { fmt.Fprintf(&b, "| %s | %v |\n", k, v) }
	row("parameters", c.NumParams())
	row("layers", c.NLayer)
	row("heads", c.NHead)
	row("embedding width", c.NEmbd)
	row("context length", c.MaxSeqLen)
	row("vocabulary", c.VocabSize)
	if ck.Info.Stage != "" {
		row("last stage trained", ck.Info.Stage)
	}
	if ck.Info.Preset != "" {
		row("preset", ck.Info.Preset)
	}
	if ck.Info.Steps != 0 {
		row("steps", ck.Info.Steps)
	}
	if ck.Info.Stage != "" || ck.Info.Seed != 0 {
		row("seed", ck.Info.Seed)
	}
	if ck.Info.Parent != "" {
		row("started from", ck.Info.Parent)
	}
	b.WriteString("\n## Files\n\n" +
		"- `model.safetensors`: the parameters, with Hugging Face GPT-2 tensor names (Conv1D weights `[in, out]`); " +
		"its metadata also holds the config, the tokenizer and how the model was trained.\n" +
		"- `config.json`: the Hugging Face `GPT2Config`.\n" +
		"- `tokenizer.json`: the byte-level BPE tokenizer, Hugging Face `tokenizers` format. " +
		"Special tokens: `<|bos|>` (id 0) starts a text, `<|end|>` (id 1) ends a document or a turn.\n")
	b.WriteString("\n## Use it\n\nUnzip, then in Python:\n\n```python\n" +
		"from transformers import GPT2LMHeadModel, PreTrainedTokenizerFast\n\n" +
		"model = GPT2LMHeadModel.from_pretrained(\"path/to/folder\")\n" +
		"tok = PreTrainedTokenizerFast(tokenizer_file=\"path/to/folder/tokenizer.json\")\n" +
		"ids = tok(\"<|bos|>The\", return_tensors=\"pt\").input_ids\n" +
		"print(tok.decode(model.generate(ids, max_new_tokens=40, do_sample=True)[0]))\n```\n\n" +
		"Or import the zip back into tinystages (\"Import model\").\n")
	return b.String()
}

// ReadBundle parses and validates a bundle as WriteBundle writes it (or as
// transformers saves it back; see the package documentation). Nothing is
// returned unless everything checks: a wrong or corrupt file, a missing
// member, a config that does not fit the tensors, or a tokenizer that does
// not fit the config is a *BundleError naming the member and the problem.
func ReadBundle(data []byte) (*Checkpoint, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, bundleErr("", ErrNotZip, "%v (a model bundle is the .zip that \"Download model\" writes)", err)
	}
	// The members, at the top or all in one folder.
	members := map[string]*zip.File{}
	dir := ""
	for _, f := range zr.File {
		d, base := path.Split(f.Name)
		switch base {
		case BundleModel, BundleConfig, BundleTokenizer:
		default:
			continue
		}
		if strings.Count(d, "/") > 1 || strings.HasPrefix(f.Name, "__MACOSX/") {
			continue
		}
		if len(members) > 0 && d != dir {
			return nil, bundleErr(f.Name, ErrDuplicateMember, "%s is in two folders of the zip (%q and %q)", base, dir, d)
		}
		dir = d
		if members[base] != nil {
			return nil, bundleErr(f.Name, ErrDuplicateMember, "")
		}
		members[base] = f
	}
	read := func(name string) ([]byte, error) {
		f := members[name]
		if f == nil {
			return nil, bundleErr(name, ErrMissingMember, "the zip has no %s", name)
		}
		if f.UncompressedSize64 > MaxBundleMember {
			return nil, bundleErr(name, ErrMemberTooLarge, "%d bytes, at most %d", f.UncompressedSize64, MaxBundleMember)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, bundleErr(name, ErrCorrupt, "%v", err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, MaxBundleMember+1))
		if err != nil {
			return nil, bundleErr(name, ErrCorrupt, "%v", err)
		}
		if len(b) > MaxBundleMember {
			return nil, bundleErr(name, ErrMemberTooLarge, "more than %d bytes", MaxBundleMember)
		}
		return b, nil
	}

	cfgData, err := read(BundleConfig)
	if err != nil {
		return nil, err
	}
	var hf HFConfig
	if err := json.Unmarshal(cfgData, &hf); err != nil {
		return nil, &BundleError{BundleConfig, fmt.Errorf("%w: %v", ErrBadConfig, err)}
	}
	c, err := configFromHF(hf)
	if err != nil {
		return nil, &BundleError{BundleConfig, fmt.Errorf("%w: %v", ErrBadConfig, err)}
	}
	if !hf.TieWordEmbedding && bytes.Contains(cfgData, []byte(`"tie_word_embeddings"`)) {
		return nil, &BundleError{BundleConfig, fmt.Errorf("%w: tie_word_embeddings is false; tinystages models tie the output layer to wte", ErrBadConfig)}
	}

	tokData, err := read(BundleTokenizer)
	if err != nil {
		return nil, err
	}
	tok, err := tokenizer.Load(tokData)
	if err != nil {
		return nil, &BundleError{BundleTokenizer, fmt.Errorf("%w: %v", ErrBadTokenizer, err)}
	}
	if tok.VocabSize() != c.VocabSize {
		return nil, bundleErr(BundleTokenizer, ErrMismatch, "the tokenizer has %d tokens, config.json says vocab_size %d", tok.VocabSize(), c.VocabSize)
	}

	stData, err := read(BundleModel)
	if err != nil {
		return nil, err
	}
	f, err := safetensors.Read(stData)
	if err != nil {
		return nil, &BundleError{BundleModel, err}
	}
	// A tinystages file carries its own config and tokenizer: they must be
	// those of the other members.
	if s := f.Metadata[KeyConfig]; s != "" {
		var mhf HFConfig
		if err := json.Unmarshal([]byte(s), &mhf); err != nil {
			return nil, &BundleError{BundleModel, &Error{Part: KeyConfig, Err: ErrBadConfig, Msg: err.Error()}}
		}
		mc, err := configFromHF(mhf)
		if err != nil {
			return nil, &BundleError{BundleModel, &Error{Part: KeyConfig, Err: ErrBadConfig, Msg: err.Error()}}
		}
		if mc != c {
			return nil, bundleErr(BundleModel, ErrMismatch, "its metadata describes %s, config.json %s", describe(mc), describe(c))
		}
	}
	if s := f.Metadata[KeyTokenizer]; s != "" {
		mt, err := tokenizer.Load([]byte(s))
		if err != nil {
			return nil, &BundleError{BundleModel, &Error{Part: KeyTokenizer, Err: ErrBadTokenizer, Msg: err.Error()}}
		}
		if !sameTokenizer(mt, tok) {
			return nil, bundleErr(BundleTokenizer, ErrMismatch, "tokenizer.json is not the tokenizer the model was trained with (the one in model.safetensors' metadata)")
		}
	}
	var info Info
	if s := f.Metadata[KeyInfo]; s != "" {
		if err := json.Unmarshal([]byte(s), &info); err != nil {
			return nil, &BundleError{BundleModel, &Error{Part: KeyInfo, Err: ErrBadConfig, Msg: err.Error()}}
		}
	}
	src, err := hfNames(f)
	if err != nil {
		return nil, &BundleError{BundleModel, err}
	}
	params, err := paramsFromFile(src, c)
	if err != nil {
		return nil, &BundleError{BundleModel, err}
	}
	return &Checkpoint{Config: c, Tokenizer: tok, Info: info, Params: params}, nil
}

// describe names a config's shape for an error message.
func describe(c model.Config) string {
	return fmt.Sprintf("%d layers × %d heads × width %d, context %d, vocabulary %d", c.NLayer, c.NHead, c.NEmbd, c.MaxSeqLen, c.VocabSize)
}

// sameTokenizer reports whether a and b are the same tokenizer: the same
// vocabulary and merges, hence the same ids for every text.
func sameTokenizer(a, b *tokenizer.Tokenizer) bool {
	var ja, jb bytes.Buffer
	if a.WriteJSON(&ja) != nil || b.WriteJSON(&jb) != nil {
		return false
	}
	return bytes.Equal(ja.Bytes(), jb.Bytes())
}

// renamedFile is a safetensors file seen under the names a GPT2Model has:
// transformers' GPT2LMHeadModel.save_pretrained prefixes every name with
// "transformer." and may add lm_head.weight, the tied copy of wte.weight.
type renamedFile struct {
	f     *safetensors.File
	names map[string]string // name without prefix → name in the file
	order []string
}

func (r *renamedFile) Tensor(name string) (safetensors.Tensor, bool) {
	n, ok := r.names[name]
	if !ok {
		return safetensors.Tensor{}, false
	}
	t, ok := r.f.Tensor(n)
	t.Name = name
	return t, ok
}

func (r *renamedFile) Names() []string { return slices.Clone(r.order) }

// hfNames returns f under GPT2Model names, checking that an lm_head.weight
// is the tied copy of wte.weight.
func hfNames(f *safetensors.File) (tensorSource, error) {
	const prefix = "transformer."
	r := &renamedFile{f: f, names: map[string]string{}}
	for _, n := range f.Names() {
		if n == "lm_head.weight" {
			continue
		}
		short := strings.TrimPrefix(n, prefix)
		if _, dup := r.names[short]; dup {
			return nil, &Error{Part: n, Err: ErrExtraTensor, Msg: "the same tensor with and without the " + prefix + " prefix"}
		}
		r.names[short] = n
		r.order = append(r.order, short)
	}
	if head, ok := f.Tensor("lm_head.weight"); ok {
		wte, ok := r.Tensor("wte.weight")
		if !ok || !slices.Equal(head.Shape, wte.Shape) || !slices.Equal(head.Data, wte.Data) {
			return nil, &Error{Part: "lm_head.weight", Err: ErrExtraTensor, Msg: "differs from wte.weight; tinystages models tie the output layer to the token embedding"}
		}
	}
	return r, nil
}
