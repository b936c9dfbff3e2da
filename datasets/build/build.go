package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"tinystages/datasets/cards"
	"tinystages/datasets/evalsets"
	"tinystages/datasets/load"
	"tinystages/datasets/manifest"
	"tinystages/datasets/midtrain"
	"tinystages/datasets/posttrain"
	"tinystages/datasets/pretrain"
	"tinystages/datasets/record"
	"tinystages/datasets/split"
	"tinystages/datasets/world"
)

// DefaultSeed is the seed of the shipped datasets.
const DefaultSeed = 20240601

// Hold-out shares for the hash splits.
const (
	CodeEvalShare      = 0.10
	KBEvalShare        = 0.10
	SyntheticEvalShare = 0.05
)

// Options configure a build.
type Options struct {
	Out    string // output directory, created if missing
	Seed   uint64
	GoRoot string // the Go tree to extract the book and the code from

	// Tokenizer trains the default tokenizer; nil means no tokenizer is
	// written and token counts are 0 (tests use this to stay fast).
	Tokenizer TokenizerTrainer
	// VocabSize of the default tokenizer.
	VocabSize int

	// Log receives progress lines; nil discards them.
	Log func(format string, args ...any)
}

// TokenizerTrainer trains a tokenizer on documents and returns it with its
// serialised form (tokenizer.json). It is the seam between the datasets
// and the model's tokenizer package: DefaultTokenizer wires in
// tinystages/model/tokenizer.
type TokenizerTrainer func(docs [][]byte, vocabSize int) (Encoder, []byte, error)

// Encoder turns bytes into token ids.
type Encoder interface {
	Encode([]byte) []int32
}

// TokenizerFile is the default tokenizer's file name in the output.
const TokenizerFile = "tokenizer.json"

// DefaultVocabSize is the default tokenizer's vocabulary size.
const DefaultVocabSize = 1024

// Corpus is everything a build generates, in memory, before it is written.
type Corpus struct {
	World                  *world.World
	PretrainTrain          []record.Document
	PretrainEval           []record.Document
	CodeTrain, CodeEval    []record.CodeDoc
	KBTrain, KBEval        []record.KBDoc
	SynTrain, SynEval      []record.Synthetic
	Post                   posttrain.Sets
	QAPretrain, QAMidtrain []record.QA
	QANever                []record.QA
	Facts                  []record.Fact
	BookFile               string // where the book was read from
	GoVersion              string // version of the Go tree the code and the book came from
}

// Generate builds the corpus for seed, reading the book and the Go code
// from goroot.
func Generate(seed uint64, goroot string) (*Corpus, error) {
	c := &Corpus{World: world.Generate(seed), GoVersion: treeVersion(goroot)}
	w := c.World

	c.BookFile = filepath.Join(goroot, filepath.FromSlash(pretrain.BookFile))
	book, err := os.ReadFile(c.BookFile)
	if err != nil {
		return nil, fmt.Errorf("build: the book: %w (is -goroot a Go tree with its sources?)", err)
	}
	docs := pretrain.Generate(w, seed, pretrain.DefaultConfig)
	docs = append(docs, pretrain.Book(book, 800, 2000)...)
	for _, d := range docs {
		if split.IsEval(d.ID, pretrain.EvalFraction) {
			c.PretrainEval = append(c.PretrainEval, d)
		} else {
			c.PretrainTrain = append(c.PretrainTrain, d)
		}
	}

	code, err := midtrain.Code(os.DirFS(filepath.Join(goroot, "src")), midtrain.Packages, midtrain.DefaultCodeConfig)
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	for _, d := range code {
		if split.IsEval(d.ID, CodeEvalShare) {
			c.CodeEval = append(c.CodeEval, d)
		} else {
			c.CodeTrain = append(c.CodeTrain, d)
		}
	}
	for _, d := range midtrain.KB(w, seed, midtrain.DefaultKBConfig) {
		if split.IsEval(d.ID, KBEvalShare) {
			c.KBEval = append(c.KBEval, d)
		} else {
			c.KBTrain = append(c.KBTrain, d)
		}
	}
	// Synthetic data is derived from the train splits only, so nothing of
	// the domain eval text leaks into training through it.
	for _, s := range midtrain.Synthetic(w, c.CodeTrain, c.KBTrain, seed, midtrain.DefaultSyntheticConfig) {
		if split.IsEval(s.ID, SyntheticEvalShare) {
			c.SynEval = append(c.SynEval, s)
		} else {
			c.SynTrain = append(c.SynTrain, s)
		}
	}

	c.Post = posttrain.Generate(w, c.CodeTrain, c.KBTrain, seed, posttrain.DefaultConfig)
	c.QAPretrain = evalsets.QA(w, record.SeenPretrain)
	c.QAMidtrain = evalsets.QA(w, record.SeenMidtrain)
	c.QANever = evalsets.QA(w, record.SeenNever)

	// facts.jsonl, with mentions counted in the stage's train text.
	counter := world.NewCounter(w)
	pre, mid := map[*world.Fact]int{}, map[*world.Fact]int{}
	for _, d := range c.PretrainTrain {
		counter.Count(d.Text, pre, nil)
	}
	for _, d := range c.KBTrain {
		counter.Count(d.Text, mid, nil)
	}
	for _, f := range w.Facts {
		r := f.Record()
		switch f.Seen {
		case record.SeenPretrain:
			r.Mentions = pre[f]
		case record.SeenMidtrain:
			r.Mentions = mid[f]
		}
		c.Facts = append(c.Facts, r)
	}
	return c, nil
}

// file is one output file before it is written.
type file struct {
	name, split string
	data        []byte
	records     int
	texts       [][]byte // the text fields whose tokens are counted
}

// dataset is one manifest entry before numbers are filled in.
type dataset struct {
	meta  manifest.Dataset
	files []file
}

// Run generates the corpus and writes it, the tokenizer, the manifest and
// the cards to opts.Out. It returns the manifest.
func Run(opts Options) (*manifest.Manifest, error) {
	logf := opts.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if opts.VocabSize == 0 {
		opts.VocabSize = DefaultVocabSize
	}
	start := time.Now()
	c, err := Generate(opts.Seed, opts.GoRoot)
	if err != nil {
		return nil, err
	}
	logf("generated the corpus in %v", time.Since(start).Round(time.Millisecond))

	sets, err := c.datasets()
	if err != nil {
		return nil, err
	}
	// Self-check: every file parses back with the loader.
	for _, ds := range sets {
		for _, f := range ds.files {
			n, err := load.Check(ds.meta.Format, f.name, f.data)
			if err != nil {
				return nil, fmt.Errorf("build: self-check: %w", err)
			}
			if n != f.records {
				return nil, fmt.Errorf("build: self-check: %s: parsed %d records, wrote %d", f.name, n, f.records)
			}
		}
	}

	m := &manifest.Manifest{
		Version:   manifest.Version,
		Seed:      opts.Seed,
		GoVersion: c.GoVersion,
		World:     worldSummary(c.World),
	}
	var tokJSON []byte
	var enc Encoder
	if opts.Tokenizer != nil {
		t := time.Now()
		var docs [][]byte
		for _, d := range c.PretrainTrain {
			docs = append(docs, []byte(d.Text))
		}
		enc, tokJSON, err = opts.Tokenizer(docs, opts.VocabSize)
		if err != nil {
			return nil, fmt.Errorf("build: training the tokenizer: %w", err)
		}
		m.Tokenizer = manifest.Tokenizer{File: TokenizerFile, Kind: "byte-level BPE", VocabSize: opts.VocabSize, TrainedOn: "pretrain.train.jsonl"}
		logf("trained the tokenizer (vocabulary %d) in %v", opts.VocabSize, time.Since(t).Round(time.Millisecond))
	}

	t := time.Now()
	for _, ds := range sets {
		d := ds.meta
		for _, f := range ds.files {
			sum := sha256.Sum256(f.data)
			mf := manifest.File{Name: f.name, Split: f.split, Bytes: int64(len(f.data)), Records: f.records, SHA256: hex.EncodeToString(sum[:])}
			if enc != nil {
				for _, txt := range f.texts {
					mf.Tokens += int64(len(enc.Encode(txt)))
				}
			}
			d.Files = append(d.Files, mf)
			d.Records += mf.Records
			d.Bytes += mf.Bytes
			d.Tokens += mf.Tokens
		}
		if d.Name == "pretrain" {
			d.Sources, d.Quality = pretrainStats(c, enc)
		}
		m.Datasets = append(m.Datasets, d)
	}
	if enc != nil {
		logf("counted tokens in %v", time.Since(t).Round(time.Millisecond))
	}

	// Write: data files, tokenizer, cards, then the manifest.
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	for _, ds := range sets {
		for _, f := range ds.files {
			if err := writeFile(opts.Out, f.name, f.data); err != nil {
				return nil, err
			}
		}
	}
	if tokJSON != nil {
		if err := writeFile(opts.Out, TokenizerFile, tokJSON); err != nil {
			return nil, err
		}
	}
	for i := range m.Datasets {
		card, err := cards.Render(&m.Datasets[i], m)
		if err != nil {
			return nil, fmt.Errorf("build: card for %s: %w", m.Datasets[i].Name, err)
		}
		if err := writeFile(opts.Out, m.Datasets[i].Card, card); err != nil {
			return nil, err
		}
	}
	mj, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := writeFile(opts.Out, manifest.FileName, append(mj, '\n')); err != nil {
		return nil, err
	}
	logf("wrote %d datasets to %s in %v", len(m.Datasets), opts.Out, time.Since(start).Round(time.Millisecond))
	return m, nil
}

// writeFile writes data to dir/name through a temporary file and a rename,
// so a reader never sees half a file; an unchanged file is left untouched.
func writeFile(dir, name string, data []byte) error {
	p := filepath.Join(dir, name)
	if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, data) {
		return nil
	}
	tmp, err := os.CreateTemp(dir, "."+name+".*")
	if err != nil {
		return fmt.Errorf("build: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("build: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("build: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("build: %w", err)
	}
	return nil
}

// jsonl encodes records one per line, without HTML escaping (code and URLs
// stay readable).
func jsonl[T any](recs []T) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for i := range recs {
		if err := enc.Encode(&recs[i]); err != nil {
			panic("build: encoding a record: " + err.Error())
		}
	}
	return b.Bytes()
}

func texts[T any](recs []T, fields func(*T) []string) [][]byte {
	var out [][]byte
	for i := range recs {
		for _, s := range fields(&recs[i]) {
			out = append(out, []byte(s))
		}
	}
	return out
}

func mkfile[T any](name, sp string, recs []T, fields func(*T) []string) file {
	return file{name: name, split: sp, data: jsonl(recs), records: len(recs), texts: texts(recs, fields)}
}

func pair[T any](name string, train, eval []T, fields func(*T) []string) []file {
	return []file{
		mkfile(name+".train.jsonl", split.Train, train, fields),
		mkfile(name+".eval.jsonl", split.Eval, eval, fields),
	}
}

func docText(d *record.Document) []string     { return []string{d.Text} }
func codeText(d *record.CodeDoc) []string     { return []string{d.Text} }
func kbText(d *record.KBDoc) []string         { return []string{d.Text} }
func synText(d *record.Synthetic) []string    { return []string{d.Text} }
func mathText(d *record.MathProblem) []string { return []string{d.Prompt, d.Answer} }
func qaText(d *record.QA) []string            { return []string{d.Question, d.Answer} }
func prefText(d *record.Preference) []string  { return []string{d.Prompt, d.Chosen, d.Rejected} }
func factText(*record.Fact) []string          { return nil }
func sftText(d *record.Example) []string {
	var out []string
	for _, m := range d.Messages {
		out = append(out, m.Content)
	}
	return out
}

const (
	licenseGenerated = "CC0-1.0 (generated by tinystages' own code; no third-party text)"
	licenseMixed     = "Generated pages: CC0-1.0. Book passages: public domain (Project Gutenberg text as shipped in the Go tree)"
	licenseGo        = "BSD-3-Clause (Go standard library, Copyright The Go Authors; license header kept in each file)"
)

func (c *Corpus) datasets() ([]dataset, error) {
	p := c.Post
	ds := []dataset{
		{manifest.Dataset{
			Name: "pretrain", Title: "Mini-internet", Stage: manifest.StagePretraining, Format: load.FormatDocument, Unit: "documents",
			Description: "A miniature web of mixed quality: encyclopedia, news, stories, forums, recipes, lists, spam, boilerplate, and passages of Newton's Opticks.",
			License:     licenseMixed,
			Source:      "generated by datasets/pretrain from the fictional world; book passages from $GOROOT/" + pretrain.BookFile,
		}, pair("pretrain", c.PretrainTrain, c.PretrainEval, docText)},
		{manifest.Dataset{
			Name: "code", Title: "Go standard library", Stage: manifest.StageMidtraining, Format: load.FormatCode, Unit: "documents",
			Description: "Go source files of " + fmt.Sprint(len(midtrain.Packages)) + " small standard-library packages, with doc comments and signatures, long bodies cut.",
			License:     licenseGo,
			Source:      "extracted by datasets/midtrain from $GOROOT/src (" + c.GoVersion + ")",
		}, pair("code", c.CodeTrain, c.CodeEval, codeText)},
		{manifest.Dataset{
			Name: "kb", Title: "Internal knowledge base", Stage: manifest.StageMidtraining, Format: load.FormatKB, Unit: "documents",
			Description: "The internal wiki of " + c.World.Home.Name + ": pages with URLs, titles, citations and records; the only place mid-training facts are written.",
			License:     licenseGenerated, Source: "generated by datasets/midtrain from the fictional world",
		}, pair("kb", c.KBTrain, c.KBEval, kbText)},
		{manifest.Dataset{
			Name: "synthetic", Title: "Structure-derived synthetic data", Stage: manifest.StageMidtraining, Format: load.FormatSynthetic, Unit: "examples",
			Description: "Items made by code from the structure of the code and the knowledge base: doc comment to signature, signature to package, title to URL, citations, record to sentence.",
			License:     licenseMixed + "; derived from the code corpus: " + licenseGo, Source: "generated by datasets/midtrain from code.train and kb.train",
		}, pair("synthetic", c.SynTrain, c.SynEval, synText)},
		{manifest.Dataset{
			Name: "sft", Title: "Chat examples", Stage: manifest.StagePosttraining, Format: load.FormatSFT, Unit: "examples",
			Description: "Supervised fine-tuning conversations: world questions (answered, or 'I don't know' for never-seen facts), Go and knowledge-base questions, math with boxed answers, small talk.",
			License:     licenseGenerated + "; Go doc sentences: " + licenseGo, Source: "generated by datasets/posttrain",
		}, pair("sft", p.SFTTrain, p.SFTEval, sftText)},
		{manifest.Dataset{
			Name: "math", Title: "Math word problems", Stage: manifest.StagePosttraining, Format: load.FormatMath, Unit: "examples",
			Description: "Problems at five levels, from one-digit addition to two-step word problems; the reply must end with \\boxed{answer}.",
			License:     licenseGenerated, Source: "generated by datasets/posttrain (MathGen); RL draws more on the fly",
		}, pair("math", p.MathTrain, p.MathEval, mathText)},
		{manifest.Dataset{
			Name: "preference", Title: "Preference pairs", Stage: manifest.StagePosttraining, Format: load.FormatPreference, Unit: "examples",
			Description: "Pairs whose label code can check: correct vs wrong answer, faithful vs hallucinated fact, concise vs rambling, boxed vs unboxed answer.",
			License:     licenseGenerated, Source: "generated by datasets/posttrain",
		}, pair("preference", p.PrefTrain, p.PrefEval, prefText)},
	}
	for _, q := range []struct {
		seen string
		qa   []record.QA
		what string
	}{
		{record.SeenPretrain, c.QAPretrain, "seen only in pre-training"},
		{record.SeenMidtrain, c.QAMidtrain, "seen only in mid-training"},
		{record.SeenNever, c.QANever, "never seen in any training data"},
	} {
		ds = append(ds, dataset{manifest.Dataset{
			Name: "qa-" + q.seen, Title: "QA: facts " + q.what, Stage: manifest.StageEvaluation, Format: load.FormatQA, Unit: "examples",
			Description: "Questions about held-out facts " + q.what + ", scored by exact match.",
			License:     licenseGenerated, Source: "generated by datasets/evalsets from the fictional world",
		}, []file{mkfile("qa-"+q.seen+".eval.jsonl", split.Eval, q.qa, qaText)}})
	}
	ds = append(ds, dataset{manifest.Dataset{
		Name: "facts", Title: "The world's facts and their placement", Stage: manifest.StageEvaluation, Format: load.FormatFact, Unit: "examples",
		Description: "Every fact of the fictional world: where it was placed (pretrain, midtrain, never), whether SFT saw its QA pair, and how often it is written.",
		License:     licenseGenerated, Source: "generated by datasets/world",
	}, []file{mkfile("facts.jsonl", "all", c.Facts, factText)}})

	for i := range ds {
		ds[i].meta.Card = ds[i].meta.Name + ".md"
		ds[i].meta.Structure = c.structure(ds[i].meta.Name)
	}
	return ds, nil
}

// structure returns the named counts of what a dataset's structure offers.
func (c *Corpus) structure(name string) map[string]int {
	s := map[string]int{}
	switch name {
	case "pretrain":
		for _, d := range append(append([]record.Document(nil), c.PretrainTrain...), c.PretrainEval...) {
			s["source:"+d.Source]++
		}
		s["pretrain_facts"] = len(c.World.FactsSeen(record.SeenPretrain))
	case "code":
		pk := map[string]bool{}
		for _, d := range append(append([]record.CodeDoc(nil), c.CodeTrain...), c.CodeEval...) {
			pk[d.Package] = true
			for _, dc := range d.Decls {
				s["decls"]++
				if dc.Doc != "" {
					s["decls_with_doc"]++
				}
			}
		}
		s["packages"] = len(pk)
	case "kb":
		for _, d := range append(append([]record.KBDoc(nil), c.KBTrain...), c.KBEval...) {
			s["pages"]++
			s["citations"] += len(d.Cites)
			if len(d.Record) > 0 {
				s["records"]++
			}
			s["kind:"+d.Kind]++
		}
		s["midtrain_facts"] = len(c.World.FactsSeen(record.SeenMidtrain))
	case "synthetic":
		for _, d := range append(append([]record.Synthetic(nil), c.SynTrain...), c.SynEval...) {
			s["generator:"+d.Generator]++
		}
	case "sft":
		for _, d := range append(append([]record.Example(nil), c.Post.SFTTrain...), c.Post.SFTEval...) {
			s["kind:"+d.Kind]++
		}
	case "math":
		for _, d := range append(append([]record.MathProblem(nil), c.Post.MathTrain...), c.Post.MathEval...) {
			s[fmt.Sprintf("level:%d", d.Level)]++
		}
	case "preference":
		for _, d := range append(append([]record.Preference(nil), c.Post.PrefTrain...), c.Post.PrefEval...) {
			s["kind:"+d.Kind]++
		}
	case "facts":
		for _, f := range c.Facts {
			s["seen:"+f.Seen]++
			if f.SFT {
				s["sft:"+f.Seen]++
			}
		}
	}
	if len(s) == 0 {
		return nil
	}
	return s
}

// pretrainStats breaks the pre-training corpus down by source and quality.
func pretrainStats(c *Corpus, enc Encoder) ([]manifest.SourceStats, *manifest.Histogram) {
	by := map[string]*manifest.SourceStats{}
	qsum := map[string]float64{}
	h := &manifest.Histogram{Edges: []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}, Counts: make([]int, 10)}
	add := func(d record.Document, eval bool) {
		st := by[d.Source]
		if st == nil {
			st = &manifest.SourceStats{Source: d.Source}
			by[d.Source] = st
		}
		st.Documents++
		st.Bytes += int64(len(d.Text))
		if enc != nil {
			st.Tokens += int64(len(enc.Encode([]byte(d.Text))))
		}
		if eval {
			st.EvalDocs++
		}
		qsum[d.Source] += d.Quality
		bin := int(d.Quality * 10)
		if bin > 9 {
			bin = 9
		}
		h.Counts[bin]++
	}
	for _, d := range c.PretrainTrain {
		add(d, false)
	}
	for _, d := range c.PretrainEval {
		add(d, true)
	}
	var out []manifest.SourceStats
	for src, st := range by {
		st.MeanQuality = float64(int(qsum[src]/float64(st.Documents)*1000+0.5)) / 1000
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Source < out[j].Source })
	return out, h
}

func worldSummary(w *world.World) manifest.World {
	ws := manifest.World{Entities: map[string]int{}, Facts: map[string]int{}, SFTFacts: map[string]int{}, FactsFile: "facts.jsonl"}
	for _, e := range w.Entities {
		ws.Entities[string(e.Kind)]++
	}
	for _, f := range w.Facts {
		ws.Facts[f.Seen]++
		if f.SFT {
			ws.SFTFacts[f.Seen]++
		}
	}
	return ws
}

// treeVersion returns the Go version of the tree at goroot, from its VERSION
// file, or the running toolchain's version if the tree has none.
func treeVersion(goroot string) string {
	if b, err := os.ReadFile(filepath.Join(goroot, "VERSION")); err == nil {
		if v, _, _ := strings.Cut(string(b), "\n"); strings.HasPrefix(v, "go") {
			return strings.TrimSpace(v)
		}
	}
	return runtime.Version()
}

// GoRoot returns the Go tree to read from: $GOROOT if set, else
// runtime.GOROOT() (the tree the running binary was built with), checked
// to contain the book.
func GoRoot() (string, error) {
	for _, root := range []string{os.Getenv("GOROOT"), runtimeGOROOT()} {
		if root == "" {
			continue
		}
		if _, err := fs.Stat(os.DirFS(root), pretrain.BookFile); err == nil {
			return root, nil
		}
	}
	return "", fmt.Errorf("build: cannot find the Go tree (tried $GOROOT and the toolchain's GOROOT); pass -goroot $(go env GOROOT)")
}
