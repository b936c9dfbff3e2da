package stages

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"tinystages/datasets/datasetstest"
	"tinystages/datasets/load"
	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/cpu"
	"tinystages/model/midtrain"
	"tinystages/model/posttrain"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// shipped returns a Data reading the shipped datasets (web/datasets) and
// their tokenizer; the test is skipped without them (failed in CI).
func shipped(t *testing.T) (*Data, *tokenizer.Tokenizer) {
	t.Helper()
	dir := filepath.Join("..", "..", "web", "datasets")
	tok := datasetstest.Tokenizer(t, dir)
	return &Data{Read: func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }}, tok
}

func nano(t *testing.T, tok *tokenizer.Tokenizer, seed uint64) *model.GPT {
	t.Helper()
	p, _ := model.PresetByName("nano")
	cfg := p.Config
	cfg.VocabSize = tok.VocabSize()
	m, err := model.New(cfg, cpu.New(nil), seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBuild builds every stage from the shipped datasets for a nano model
// and takes a step of each.
func TestBuild(t *testing.T) {
	d, tok := shipped(t)
	teacher := nano(t, tok, 9)
	for _, stage := range train.Stages {
		t.Run(stage, func(t *testing.T) {
			m := nano(t, tok, 1)
			s := Settings{Train: train.DefaultSettings(stage, "nano"), Mid: midtrain.DefaultSettings(), Post: posttrain.DefaultOptions(), HeldOut: 2}
			s.Train.Steps, s.Train.Batch, s.Post.Group, s.Post.MaxTokens = 2, 4, 2, 4
			b, err := d.Build(s, Models{Policy: m, Tok: tok, Teacher: teacher,
				Reference: func() (*model.GPT, error) { return nano(t, tok, 1), nil }})
			if err != nil {
				t.Fatal(err)
			}
			if b.About == "" || b.Producer == nil {
				t.Errorf("built %+v", b)
			}
			if (stage == train.StageMidtrain) != (b.Mid != nil && b.Corpora != nil) {
				t.Errorf("mid-training stage and corpora: %v, %v", b.Mid, b.Corpora)
			}
			run, err := b.NewRun(s.Train, m, tok)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := run.Step(); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, err := (&Data{Read: d.Read}).Build(Settings{Train: train.DefaultSettings(train.StageDistill, "nano"), Post: posttrain.DefaultOptions()},
		Models{Policy: nano(t, tok, 1), Tok: tok}); !errors.Is(err, ErrNoTeacher) {
		t.Errorf("distillation without a teacher: %v", err)
	}
}

// TestUse: a good file replaces its kind of shipped data; a bad one is
// refused with its file, line and field, and what was in use stays.
func TestUse(t *testing.T) {
	d, tok := shipped(t)
	good := `{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}]}` + "\n"
	up, err := d.Use(KindSFT, "good.jsonl", []byte(good+good))
	if err != nil || up.Records != 2 || d.UserFile(KindSFT) != "good.jsonl" {
		t.Fatalf("good SFT file: %+v, %v", up, err)
	}
	for _, tt := range []struct {
		kind, data string
		line       int
		field      string
	}{
		{KindSFT, good + `{"messages":[{"role":"user","content":"q"},{"content":"a"}]}`, 2, "messages[1].role"},
		{KindPreference, `{"prompt":"p","chosen":"a","rejected":"a"}`, 1, "rejected"},
		{KindPrompts, `{"prompt":"1+1?","answer":""}`, 1, "answer"},
		{KindCorpus, "fine\nnot \xff fine\n", 2, ""},
		{KindCorpus, "", 0, ""},
	} {
		file := "bad.jsonl"
		if tt.kind == KindCorpus {
			file = "bad.txt"
		}
		_, err := d.Use(tt.kind, file, []byte(tt.data))
		var pe *load.ParseError
		if !errors.As(err, &pe) || pe.File != file || pe.Line != tt.line || pe.Field != tt.field {
			t.Errorf("%s %q: %v, want a parse error at line %d, field %q", tt.kind, tt.data, err, tt.line, tt.field)
		}
	}
	if d.UserFile(KindSFT) != "good.jsonl" || len(d.userSFT.Convs) != 2 || d.UserFile(KindCorpus) != "" {
		t.Errorf("after refused files the data in use changed: %v", d.user)
	}
	// too short to train on, once the tokenizer and context are known
	d.Tok, d.T = tok, 128
	if _, err := d.Use(KindCorpus, "tiny.txt", []byte("just a few words")); !errors.Is(err, midtrain.ErrCorpusTooSmall) || !strings.Contains(err.Error(), "tiny.txt") {
		t.Errorf("a corpus too small: %v", err)
	}
	if _, err := d.Use(KindCorpus, "notes.md", []byte(strings.Repeat("A line of the user's notes about their domain.\n", 200))); err != nil {
		t.Errorf("a good corpus: %v", err)
	}
	d.Forget(KindSFT)
	if d.UserFile(KindSFT) != "" || d.userSFT != nil {
		t.Error("Forget kept the SFT file")
	}
	if _, err := d.Use("images", "x", nil); err == nil {
		t.Error("an unknown kind was accepted")
	}
}

func TestKindFor(t *testing.T) {
	for stage, want := range map[string]string{train.StagePretrain: "", train.StageMidtrain: KindCorpus, train.StageSFT: KindSFT,
		train.StageRL: KindPrompts, train.StageDistill: KindPrompts, train.StageDPO: KindPreference} {
		if got := KindFor(stage); got != want {
			t.Errorf("KindFor(%s) = %q, want %q", stage, got, want)
		}
	}
}

// TestPrefHeldOut: against itself as the reference, a model's implicit
// rewards all tie, so DPO's accuracy is 0; against another model it is a
// share, and the raw accuracy does not depend on the reference.
func TestPrefHeldOut(t *testing.T) {
	_, tok := shipped(t)
	m, other := nano(t, tok, 1), nano(t, tok, 2)
	pairs := []record.Preference{
		{Prompt: "What is 2 + 2?", Chosen: `2 + 2 = 4. \boxed{4}`, Rejected: `2 + 2 = 4.`, Kind: record.KindFormat},
		{Prompt: "Who started Quazar Works?", Chosen: "Ostnel Fentes", Rejected: "Ostnel Fentes. And more, and more, and more, and more.", Kind: record.KindConcise},
		{Prompt: "What is 3 + 5?", Chosen: `3 + 5 = 8. \boxed{8}`, Rejected: `3 + 5 = 9. \boxed{9}`, Kind: record.KindCorrect},
	}
	T := m.Config.MaxSeqLen
	self, err := PrefHeldOut(tok, T, pairs, m)(m)
	if err != nil {
		t.Fatal(err)
	}
	vsOther, err := PrefHeldOut(tok, T, pairs, other)(m)
	if err != nil {
		t.Fatal(err)
	}
	if self["dpo_accuracy"] != 0 {
		t.Errorf("dpo_accuracy against itself %v, want 0 (every pair ties)", self["dpo_accuracy"])
	}
	if a := vsOther["dpo_accuracy"]; a != 0 && a != 1.0/3 && a != 2.0/3 && a != 1 {
		t.Errorf("dpo_accuracy %v is not a share of 3 pairs", a)
	}
	if self["preference_accuracy"] != vsOther["preference_accuracy"] {
		t.Errorf("preference_accuracy depends on the reference: %v vs %v", self["preference_accuracy"], vsOther["preference_accuracy"])
	}
	none, err := PrefHeldOut(tok, T, pairs, nil)(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := none["dpo_accuracy"]; ok {
		t.Error("dpo_accuracy without a reference")
	}
}

// TestSFTSkipKinds: -skip-kinds leaves out the conversations of the kinds
// named (the shipped student checkpoint is tuned on every kind but math),
// in file order; a kind the file lacks, or leaving nothing, is an error
// naming the kinds it has.
func TestSFTSkipKinds(t *testing.T) {
	d, tok := shipped(t)
	all, err := d.shippedConversations(FileSFTTrain)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, k := range all.Kinds {
		count[k]++
	}
	if count["math"] == 0 || count["math"] == len(all.Convs) {
		t.Fatalf("the shipped SFT file has %d math conversations of %d: the test needs some of each", count["math"], len(all.Convs))
	}
	for _, tc := range []struct {
		skip    []string
		want    int
		wantErr string
	}{
		{nil, len(all.Convs), ""},
		{[]string{"math"}, len(all.Convs) - count["math"], ""},
		{[]string{"math", "idk"}, len(all.Convs) - count["math"] - count["idk"], ""},
		{[]string{"sums"}, 0, `kind "sums": no conversation of that kind in sft.train.jsonl (its kinds: chat, code, fact, idk, kb, math, multi)`},
		{[]string{"chat", "code", "fact", "idk", "kb", "math", "multi"}, 0, "leaves no conversation of sft.train.jsonl"},
	} {
		s := Settings{Train: train.DefaultSettings(train.StageSFT, "nano"), Post: posttrain.DefaultOptions()}
		s.SkipKinds, s.Post.Replay = tc.skip, 0
		b, err := d.Build(s, Models{Policy: nano(t, tok, 1), Tok: tok})
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("skip %v: error %v, want %q", tc.skip, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("skip %v: %v", tc.skip, err)
		}
		sft := b.Producer.(*posttrain.SFT)
		if n := sft.Len() + sft.Skipped; n != tc.want {
			t.Errorf("skip %v: %d conversations, want %d", tc.skip, n, tc.want)
		}
		if tc.skip != nil && !strings.Contains(b.About, "without "+strings.Join(tc.skip, ", ")) {
			t.Errorf("skip %v: about %q does not say what was left out", tc.skip, b.About)
		}
	}
}
