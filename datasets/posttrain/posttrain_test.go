package posttrain_test

import (
	"errors"
	"testing"

	"tinystages/datasets/internal/golden"
	"tinystages/datasets/posttrain"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

func smallSets(t *testing.T) (*world.World, posttrain.Sets) {
	t.Helper()
	w := world.Generate(1)
	code := []record.CodeDoc{{ID: "code-demo-a", Path: "demo/a.go", Package: "demo/sub", Text: "package sub", Decls: []record.Decl{
		{Name: "Reverse", Kind: "func", Signature: "func Reverse(s string) string", Doc: "Reverse returns s backwards. It allocates."},
		{Name: "Count", Kind: "func", Signature: "func Count(s string) int", Doc: ""},
	}}}
	kb := []record.KBDoc{{ID: "kb-x", URL: "https://kb.x.example/x", Title: "X", Cites: []string{}, Text: "x"}}
	cfg := posttrain.Config{MathPerLevel: 4, SFTMath: 3, CodeQA: 2, KBQA: 1, Multi: 2, PrefMath: 2, PrefMathEval: 1, SFTEvalShare: 0.1, SystemPercent: 10}
	return w, posttrain.Generate(w, code, kb, 1, cfg)
}

func TestGenerateSmall(t *testing.T) {
	w, s := smallSets(t)
	for _, sets := range [][]record.Example{s.SFTTrain, s.SFTEval} {
		for _, e := range sets {
			if err := e.Validate(); err != nil {
				t.Errorf("%s: %v", e.ID, err)
			}
		}
	}
	for _, p := range append(append([]record.Preference(nil), s.PrefTrain...), s.PrefEval...) {
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", p.ID, err)
		}
		if err := posttrain.CheckPreference(w, p); err != nil {
			t.Errorf("%v", err)
		}
	}
	golden.Check(t, "sft.train.golden", golden.JSONL(t, s.SFTTrain))
	golden.Check(t, "math.golden", golden.JSONL(t, append(append([]record.MathProblem(nil), s.MathTrain...), s.MathEval...)))
	golden.Check(t, "preference.golden", golden.JSONL(t, append(append([]record.Preference(nil), s.PrefTrain[:12]...), s.PrefEval[:12]...)))
}

func TestCheckPreferenceRejects(t *testing.T) {
	w := world.Generate(1)
	var pre, never *world.Fact
	for _, f := range w.Facts {
		if f.Seen == record.SeenPretrain && pre == nil {
			pre = f
		}
		if f.Seen == record.SeenNever && never == nil {
			never = f
		}
	}
	tests := []struct {
		name string
		p    record.Preference
		err  error // nil: any error
	}{
		{"wrong kind", record.Preference{Prompt: "x", Chosen: "a", Rejected: "b", Kind: "taste"}, posttrain.ErrUnverifiable},
		{"unknown problem", record.Preference{Prompt: "Solve x", Chosen: `\boxed{1}`, Rejected: `\boxed{2}`, Kind: record.KindCorrect}, posttrain.ErrUnverifiable},
		{"math swapped", record.Preference{Prompt: "What is 2 + 2?", Chosen: `\boxed{5}`, Rejected: `\boxed{4}`, Kind: record.KindCorrect}, nil},
		{"math both right", record.Preference{Prompt: "What is 2 + 2?", Chosen: `\boxed{4}`, Rejected: `4 \boxed{4}.`, Kind: record.KindCorrect}, nil},
		{"unknown question", record.Preference{Prompt: "Who am I?", Chosen: "a", Rejected: "b", Kind: record.KindFaithful}, posttrain.ErrUnverifiable},
		{"hallucination chosen", record.Preference{Prompt: pre.Question(0), Chosen: "Nowhere", Rejected: pre.Answer, Kind: record.KindFaithful}, nil},
		{"never-seen answered", record.Preference{Prompt: never.Question(0), Chosen: never.Answer, Rejected: "I don't know.", Kind: record.KindFaithful}, nil},
		{"format both boxed", record.Preference{Prompt: "What is 2 + 2?", Chosen: `2 + 2 = 4. \boxed{4}`, Rejected: `\boxed{4}`, Kind: record.KindFormat}, nil},
		{"format wrong answer", record.Preference{Prompt: "What is 2 + 2?", Chosen: `2 + 2 = 5. \boxed{5}`, Rejected: `The answer is 5.`, Kind: record.KindFormat}, nil},
		{"format box not last", record.Preference{Prompt: "What is 2 + 2?", Chosen: `\boxed{4} and more`, Rejected: `The answer is 4.`, Kind: record.KindFormat}, nil},
		{"format answer missing", record.Preference{Prompt: "What is 2 + 2?", Chosen: `\boxed{4}`, Rejected: `I like sums.`, Kind: record.KindFormat}, nil},
		{"concise not longer", record.Preference{Prompt: pre.Question(1), Chosen: pre.Answer, Rejected: pre.Answer + ". Yes.", Kind: record.KindConcise}, nil},
	}
	for _, tt := range tests {
		err := posttrain.CheckPreference(w, tt.p)
		if err == nil || tt.err != nil && !errors.Is(err, tt.err) {
			t.Errorf("%s: got %v, want an error (%v)", tt.name, err, tt.err)
		}
	}
	ok := record.Preference{Prompt: "What is 2 + 2?", Chosen: `2 + 2 = 4. \boxed{4}`, Rejected: `2 + 2 = 5. \boxed{5}`, Kind: record.KindCorrect}
	if err := posttrain.CheckPreference(w, ok); err != nil {
		t.Errorf("a good pair: %v", err)
	}
	okFormat := record.Preference{Prompt: "What is 2 + 2?", Chosen: `2 + 2 = 4. \boxed{4}`, Rejected: `2 + 2 = 4. The answer is 4.`, Kind: record.KindFormat}
	if err := posttrain.CheckPreference(w, okFormat); err != nil {
		t.Errorf("a good format pair: %v", err)
	}
}
