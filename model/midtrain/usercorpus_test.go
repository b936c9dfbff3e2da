package midtrain

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"tinystages/datasets/load"
	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/cpu"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// toyData is a small world in memory: a knowledge base, structure-derived
// items, web text and two facts, enough for a stage on a toy model.
func toyData(seed uint64) *Data {
	rng := rand.New(rand.NewPCG(seed, 1))
	names := []string{"Mira", "Tobin", "Aska", "Pell"}
	places := []string{"Kestrel Bay", "Dunmoor", "Lowfen"}
	sentence := func() string {
		return fmt.Sprintf("%s lives in %s. ", names[rng.IntN(len(names))], places[rng.IntN(len(places))])
	}
	para := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(sentence())
		}
		return b.String()
	}
	d := &Data{}
	for i := range 40 {
		title := fmt.Sprintf("Page %d", i)
		d.KB = append(d.KB, record.KBDoc{ID: title, URL: "https://kb.example/" + title, Title: title, Text: "# " + title + "\n\n" + para(6)})
		d.Synthetic = append(d.Synthetic, record.Synthetic{ID: title, Generator: GenTitleToURL, Text: "Title: " + title + "\nURL: https://kb.example/" + title})
		d.Replay = append(d.Replay, train.Doc{Source: "web", Quality: 1, Text: []byte("A web page. " + para(6))})
	}
	for range 8 {
		d.DomainEval = append(d.DomainEval, train.Doc{Source: "kb", Quality: 1, Text: []byte(para(8))})
		d.General = append(d.General, train.Doc{Source: "web", Quality: 1, Text: []byte("A web page. " + para(8))})
	}
	d.SyntheticEval = d.Synthetic[:8]
	d.Facts = []record.Fact{
		{ID: "f1", Subject: "Mira", Answer: "Dunmoor", Sentence: "Mira lives in Dunmoor.", Seen: record.SeenMidtrain},
		{ID: "f2", Subject: "Pell", Answer: "Lowfen", Sentence: "Pell lives in Lowfen.", Seen: record.SeenPretrain},
	}
	return d
}

func toyTokenizer(t *testing.T, d *Data) *tokenizer.Tokenizer {
	t.Helper()
	var raw [][]byte
	for _, k := range d.KB {
		raw = append(raw, []byte(k.Text))
	}
	for _, r := range d.Replay {
		raw = append(raw, r.Text)
	}
	tok, err := tokenizer.Train(raw, 300, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// toyRun starts a stage with settings s on a fresh toy model.
func toyRun(t *testing.T, c *Corpora, s Settings, steps int) (*train.Run, *Stage) {
	t.Helper()
	cfg := model.Config{VocabSize: c.Tok.VocabSize(), MaxSeqLen: c.T, NLayer: 2, NHead: 2, NEmbd: 32}
	m, err := model.New(cfg, cpu.New(nil), 7)
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Stage(s, cfg.NEmbd)
	if err != nil {
		t.Fatal(err)
	}
	ts := train.Settings{Stage: train.StageMidtrain, Preset: "nano", Steps: steps, Batch: 4, LR: 3e-3, Seed: 3}
	run, err := st.NewRun(ts, m, c.Tok)
	if err != nil {
		t.Fatal(err)
	}
	return run, st
}

// TestUserCorpusRejected: every kind of bad upload is refused with a
// *load.ParseError (or a too-small error) that names the file and, where
// it applies, the line.
func TestUserCorpusRejected(t *testing.T) {
	big := bytes.Repeat([]byte("a"), load.MaxUserCorpusBytes+1)
	for _, tt := range []struct {
		name, file string
		data       []byte
		want       error
		wantMsg    string
	}{
		{"non-UTF-8", "notes.txt", []byte("fine\nbad \xff byte\n"), load.ErrNotUTF8, "notes.txt:2: invalid UTF-8"},
		{"NUL byte", "main.go", []byte("package main\n\x00\n"), load.ErrNUL, "main.go:2: NUL byte"},
		{"empty", "empty.md", []byte(" \n\t\n"), load.ErrEmpty, "empty.md: empty file"},
		{"oversized", "huge.txt", big, load.ErrTooLarge, fmt.Sprintf("huge.txt: too large: %d bytes, the limit is %d", len(big), load.MaxUserCorpusBytes)},
		{"malformed JSONL", "docs.jsonl", []byte("{\"text\": \"one\"}\n{\"text\": \"two\"\n"), load.ErrInvalidJSON, "docs.jsonl:2: invalid JSON"},
		{"JSONL without text", "docs.jsonl", []byte("{\"text\": \"one\"}\n{\"body\": \"two\"}\n"), load.ErrSchema, "docs.jsonl:2: field \"text\": wrong schema: missing"},
		{"unsupported type", "slides.pdf", []byte("%PDF"), load.ErrUnsupported, "slides.pdf: unsupported file type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u, err := ParseUserCorpus(tt.file, tt.data)
			if u != nil || !errors.Is(err, tt.want) {
				t.Fatalf("got %v, %v; want nil and an error wrapping %v", u, err, tt.want)
			}
			var pe *load.ParseError
			if !errors.As(err, &pe) || pe.File != tt.file {
				t.Errorf("error %v is not a *load.ParseError naming %s", err, tt.file)
			}
			if !strings.HasPrefix(err.Error(), tt.wantMsg) {
				t.Errorf("message %q, want it to start with %q", err, tt.wantMsg)
			}
		})
	}
	t.Run("too small to train", func(t *testing.T) {
		d := toyData(1)
		tok := toyTokenizer(t, d)
		u, err := ParseUserCorpus("tiny.md", []byte("# Tiny\n\nToo short to fill a window.\n"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = Tokenize(tok, 32, d.WithUserCorpus(u), nil)
		if !errors.Is(err, ErrCorpusTooSmall) || !strings.Contains(err.Error(), "tiny.md") {
			t.Fatalf("got %v, want ErrCorpusTooSmall naming tiny.md", err)
		}
	})
}

// TestBadUserCorpusLeavesRunUntouched: while a stage runs, a rejected
// upload (bad bytes, or too short to train on) changes nothing: the data,
// the model's parameters and the run's batches go on exactly as in a run
// that never saw the upload.
func TestBadUserCorpusLeavesRunUntouched(t *testing.T) {
	d := toyData(1)
	tok := toyTokenizer(t, d)
	c, err := Tokenize(tok, 32, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := Settings{Replay: 0.25, Synthetic: 0.25}
	run, _ := toyRun(t, c, s, 6)
	ref, _ := toyRun(t, c, s, 6)
	step := func(r *train.Run) {
		if _, err := r.Step(); err != nil {
			t.Fatal(err)
		}
	}
	step(run)
	step(ref)
	before := run.Model.Params()
	domain := slices.Clone(c.Domain.Tokens)

	if _, err := ParseUserCorpus("upload.txt", []byte("ok\n\xc3\x28\n")); err == nil {
		t.Fatal("invalid UTF-8 accepted")
	}
	u, err := ParseUserCorpus("short.txt", []byte("just a line\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Tokenize(tok, 32, d.WithUserCorpus(u), nil); err == nil {
		t.Fatal("a corpus of a few tokens accepted")
	}

	if d.User != nil || !slices.Equal(c.Domain.Tokens, domain) {
		t.Fatal("the failed upload changed the running stage's data")
	}
	if !slices.Equal(run.Model.Params(), before) {
		t.Fatal("the failed upload changed the model")
	}
	for range 2 {
		step(run)
		step(ref)
	}
	if !slices.Equal(run.Model.Params(), ref.Model.Params()) {
		t.Fatal("after the failed upload the run diverged from one that never saw it")
	}
}

// TestUserCorpusReplacesDomain: a valid upload becomes the domain
// component and its held-out tail the domain validation; the synthetic
// share, made from the shipped structure, folds into the domain.
func TestUserCorpusReplacesDomain(t *testing.T) {
	d := toyData(2)
	tok := toyTokenizer(t, d)
	var b strings.Builder
	for i := range 60 {
		fmt.Fprintf(&b, "Note %d: the lantern of Dunmoor is lit at dusk by Aska.\n", i)
	}
	u, err := ParseUserCorpus("notes.md", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	c, err := Tokenize(tok, 32, d.WithUserCorpus(u), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.User != "notes.md" || len(c.Synthetic) != 0 {
		t.Fatalf("user %q, %d synthetic generators; want notes.md and none", c.User, len(c.Synthetic))
	}
	all := tok.EncodeString(b.String())
	if got, want := len(c.Domain.Tokens)+len(c.DomainVal.Windows)*33, len(all)+1; got != want {
		t.Errorf("train %d + validation tokens = %d, want the corpus's %d (with <|bos|>)", len(c.Domain.Tokens), got, want)
	}
	run, st := toyRun(t, c, Settings{Replay: 0.25, Synthetic: 0.25, JEPA: 1}, 2)
	if !strings.Contains(st.About, "notes.md 75%") || !strings.Contains(st.About, "synthetic 0%") {
		t.Errorf("About = %q, want notes.md at 75%% and synthetic off", st.About)
	}
	mt, err := run.Step()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := mt.ValBySource["domain/user"]; !ok {
		t.Errorf("validation by source %v has no domain/user", mt.ValBySource)
	}
	if _, ok := mt.Extra["jepa_loss"]; !ok {
		t.Errorf("extra metrics %v have no jepa_loss", mt.Extra)
	}
}
