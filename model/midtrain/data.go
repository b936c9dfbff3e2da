package midtrain

import (
	"fmt"

	"tinystages/datasets/load"
	"tinystages/datasets/record"
	"tinystages/model/train"
)

// Data is the raw material of mid-training, as the shipped datasets hold
// it (see Files): the domain corpus with its structure, the
// structure-derived items, the pre-training text replayed and measured,
// and the facts of the fictional world.
type Data struct {
	Code          []record.CodeDoc   // domain: Go source files (train split)
	KB            []record.KBDoc     // domain: knowledge-base pages (train split)
	DomainEval    []train.Doc        // held-out domain text: code and knowledge base
	Synthetic     []record.Synthetic // structure-derived items (train split)
	SyntheticEval []record.Synthetic // held out, for JEPA's pair retrieval
	Replay        []train.Doc        // pre-training text replayed (train split)
	General       []train.Doc        // held-out pre-training text
	Facts         []record.Fact      // every fact and where it was placed

	// User, when not nil, replaces the shipped domain corpus (Code, KB
	// and DomainEval): see WithUserCorpus.
	User *UserCorpus
}

// Files are the shipped dataset files LoadData reads.
var Files = struct {
	CodeTrain, CodeEval, KBTrain, KBEval, SynTrain, SynEval, PreTrain, PreEval, Facts string
}{
	CodeTrain: "code.train.jsonl", CodeEval: "code.eval.jsonl",
	KBTrain: "kb.train.jsonl", KBEval: "kb.eval.jsonl",
	SynTrain: "synthetic.train.jsonl", SynEval: "synthetic.eval.jsonl",
	PreTrain: "pretrain.train.jsonl", PreEval: "pretrain.eval.jsonl",
	Facts: "facts.jsonl",
}

// LoadData reads the shipped datasets through read (os.ReadFile on a
// datasets folder natively, a fetch in the browser). Any file that fails
// to read or parse fails the load, naming the file.
func LoadData(read func(name string) ([]byte, error)) (*Data, error) {
	d := &Data{}
	get := func(name string, parse func(name string, b []byte) error) error {
		b, err := read(name)
		if err != nil {
			return err
		}
		return parse(name, b)
	}
	docs := func(dst *[]train.Doc) func(string, []byte) error {
		return func(name string, b []byte) error {
			recs, err := load.Documents(name, b)
			for _, r := range recs {
				*dst = append(*dst, train.Doc{Source: r.Source, Quality: r.Quality, Text: []byte(r.Text)})
			}
			return err
		}
	}
	var codeEval []record.CodeDoc
	var kbEval []record.KBDoc
	steps := []struct {
		name  string
		parse func(string, []byte) error
	}{
		{Files.CodeTrain, func(n string, b []byte) (err error) { d.Code, err = load.CodeDocs(n, b); return }},
		{Files.CodeEval, func(n string, b []byte) (err error) { codeEval, err = load.CodeDocs(n, b); return }},
		{Files.KBTrain, func(n string, b []byte) (err error) { d.KB, err = load.KBDocs(n, b); return }},
		{Files.KBEval, func(n string, b []byte) (err error) { kbEval, err = load.KBDocs(n, b); return }},
		{Files.SynTrain, func(n string, b []byte) (err error) { d.Synthetic, err = load.Synthetics(n, b); return }},
		{Files.SynEval, func(n string, b []byte) (err error) { d.SyntheticEval, err = load.Synthetics(n, b); return }},
		{Files.PreTrain, docs(&d.Replay)},
		{Files.PreEval, docs(&d.General)},
		{Files.Facts, func(n string, b []byte) (err error) { d.Facts, err = load.Facts(n, b); return }},
	}
	for _, s := range steps {
		if err := get(s.name, s.parse); err != nil {
			return nil, err
		}
	}
	d.DomainEval = domainDocs(codeEval, kbEval)
	return d, nil
}

// domainDocs turns code and knowledge-base records into documents tagged
// by source ("code", "kb").
func domainDocs(code []record.CodeDoc, kb []record.KBDoc) []train.Doc {
	var out []train.Doc
	for _, c := range code {
		out = append(out, train.Doc{Source: "code", Quality: 1, Text: []byte(c.Text)})
	}
	for _, k := range kb {
		out = append(out, train.Doc{Source: "kb", Quality: 1, Text: []byte(k.Text)})
	}
	return out
}

// UserCorpus is a domain corpus a user supplied, validated: a .txt, .md,
// .go file (one document) or a .jsonl file (one {"text": ...} per line).
type UserCorpus struct {
	File string   // the file's name, for messages
	Docs []string // its documents
}

// ParseUserCorpus validates a user's domain corpus with load.UserCorpus:
// a non-UTF-8, NUL-carrying, empty, oversized (over
// load.MaxUserCorpusBytes, 8 MiB) or malformed file is refused with a
// *load.ParseError naming the file and, where it applies, the line.
// Nothing is returned on error.
func ParseUserCorpus(file string, data []byte) (*UserCorpus, error) {
	docs, err := load.UserCorpus(file, data)
	if err != nil {
		return nil, err
	}
	return &UserCorpus{File: file, Docs: docs}, nil
}

// WithUserCorpus returns a copy of d whose domain corpus is u. d itself is
// not changed, so a stage built from d keeps running if building one from
// the copy fails.
func (d *Data) WithUserCorpus(u *UserCorpus) *Data {
	c := *d
	c.User = u
	return &c
}

// domainTrain returns the domain documents trained on: the shipped code
// and knowledge base, or the user's corpus cut into pieces of about 2 KB
// at paragraph breaks.
func (d *Data) domainTrain() []train.Doc {
	if d.User == nil {
		return domainDocs(d.Code, d.KB)
	}
	var out []train.Doc
	for _, t := range d.User.Docs {
		for _, p := range train.SplitText(t, 2048) {
			out = append(out, train.Doc{Source: "user", Quality: 1, Text: []byte(p)})
		}
	}
	return out
}

// ErrCorpusTooSmall is wrapped when a user's corpus is too short to train
// on and validate.
var ErrCorpusTooSmall = train.ErrCorpusTooSmall

func tooSmall(file string, tokens, need, T int) error {
	return fmt.Errorf("midtrain: %s: %w: %d tokens, mid-training needs at least %d (a window of %d tokens to train on and one to validate on)",
		file, ErrCorpusTooSmall, tokens, need, T+1)
}
