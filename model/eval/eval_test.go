package eval

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ptdata "tinystages/datasets/posttrain"
	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/cpu"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update to accept):\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func sampleCard() *Card {
	nan := math.NaN()
	return &Card{Rows: []Row{
		{Name: "base", GeneralLoss: 3.2104, GeneralBPB: 1.4, DomainLoss: 4.5, RecallPre: 0.52, RecallMid: 0.03, QAPretrain: 0, QAMidtrain: 0, QANever: 0, QANeverIDK: 0, QASeenIDK: 0, MathAccuracy: 0, MathAnswers: 0, Format: 0, PrefAccuracy: 0.55, DPOAccuracy: nan},
		{Name: "sft", GeneralLoss: 3.4, GeneralBPB: 1.5, DomainLoss: 3.1, RecallPre: 0.4, RecallMid: 0.3, QAPretrain: 0.4516, QAMidtrain: 0.3548, QANever: 0, QANeverIDK: 0.9048, QASeenIDK: 0.0645, MathAccuracy: 0.3, MathAnswers: 12, Format: 0.95, PrefAccuracy: nan, DPOAccuracy: 0.6897},
	}}
}

func TestCardGolden(t *testing.T) {
	c := sampleCard()
	golden(t, "card.md", c.Markdown())
	golden(t, "card.csv", c.CSV())
}

func TestRowJSONNull(t *testing.T) {
	b, err := json.Marshal(sampleCard().Rows[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if v, ok := m["preference_accuracy"]; !ok || v != nil {
		t.Errorf("unmeasured metric encoded as %v, want null", v)
	}
	if m["qa_pretrain_only"] != 0.4516 {
		t.Errorf("qa_pretrain_only = %v", m["qa_pretrain_only"])
	}
}

func TestPackSequences(t *testing.T) {
	seqs := [][]int32{{0, 5, 6, 7}, {0, 9}}
	masks := [][]float32{{0, 0, 1, 1}, {0, 1}}
	b := train.PackSequences(seqs, masks, 4)
	if b.B != 2 || b.T != 4 {
		t.Fatalf("shape %dx%d", b.B, b.T)
	}
	wantTargets := []int32{5, 6, 7, -1, 9, -1, -1, -1}
	wantWeights := []float32{0, 1, 1, 0, 1, 0, 0, 0}
	for i := range wantTargets {
		if b.Targets[i] != wantTargets[i] || b.Weights[i] != wantWeights[i] {
			t.Errorf("position %d: target %d weight %v, want %d %v", i, b.Targets[i], b.Weights[i], wantTargets[i], wantWeights[i])
		}
	}
	if b.Tokens[5] != 9 || b.Tokens[6] != tokenizer.Pad {
		t.Errorf("tokens %v, want padding after the sequence", b.Tokens[4:])
	}
}

// TestPairLogProbs checks the preference scoring against a direct sum of
// per-token log-probabilities computed one sequence at a time.
func TestPairLogProbs(t *testing.T) {
	tok := testTokenizer(t, "where is the mill? by the river. ")
	m := testModel(t, tok, 4)
	s := NewSuite(tok, m.Config.MaxSeqLen, Data{}, Limits{})
	p := record.Preference{Prompt: "where is the mill?", Chosen: "by the river.", Rejected: "the mill is by the river, by the river."}
	lc, lr, err := s.PairLogProbs(m, p)
	if err != nil {
		t.Fatal(err)
	}
	if !(lc < 0 && lr < 0) || lc == lr {
		t.Fatalf("log-probs %v, %v", lc, lr)
	}
	// the rejected reply is longer, so at initialisation (near-uniform
	// predictions) it is less likely: about -ln(V) per extra token
	if !(lr < lc) {
		t.Errorf("longer reply more likely at initialisation: %v vs %v", lr, lc)
	}
}

// TestImplicitPrefAccuracy: a model against itself ties on every pair (0);
// without pairs the metric is not measured (NaN).
func TestImplicitPrefAccuracy(t *testing.T) {
	tok := testTokenizer(t, "where is the mill? by the river. what is 2 + 2? ")
	m, other := testModel(t, tok, 4), testModel(t, tok, 5)
	pairs := []record.Preference{
		{Prompt: "where is the mill?", Chosen: "by the river.", Rejected: "the mill is by the river, by the river."},
		{Prompt: "what is 2 + 2?", Chosen: `\boxed{4}`, Rejected: `\boxed{5}`},
	}
	s := NewSuite(tok, m.Config.MaxSeqLen, Data{Prefs: pairs}, Limits{})
	if a, err := s.ImplicitPrefAccuracy(m, m); err != nil || a != 0 {
		t.Errorf("against itself: %v, %v; want 0 (ties)", a, err)
	}
	if a, err := s.ImplicitPrefAccuracy(m, other); err != nil || a != 0 && a != 0.5 && a != 1 {
		t.Errorf("against another model: %v, %v; want a share of 2 pairs", a, err)
	}
	empty := NewSuite(tok, m.Config.MaxSeqLen, Data{}, Limits{})
	if a, err := empty.ImplicitPrefAccuracy(m, m); err != nil || !math.IsNaN(a) {
		t.Errorf("without pairs: %v, %v; want NaN", a, err)
	}
}

// TestAnswerAsText trains a model to end a FAQ answer with <|end|> (as an
// SFT model learns to) and checks that the answer read back is the text
// alone: the token that ended it is not part of it.
func TestAnswerAsText(t *testing.T) {
	tok := testTokenizer(t, "Q: where is the mill?\nA: by the river.\n")
	m := testModel(t, tok, 4)
	seq := append(append([]int32{tokenizer.BOS}, tok.EncodeString("Q: where is the mill?\nA: by the river.")...), tokenizer.End)
	b := model.NextTokenBatch([][]int32{seq})
	o := model.DefaultOptim(1e-2, 0)
	for i := range 150 {
		if _, err := m.TrainStep(b, o, o.LRAt(i), false); err != nil {
			t.Fatal(err)
		}
	}
	s := NewSuite(tok, m.Config.MaxSeqLen, Data{}, Limits{})
	got, err := s.AnswerAsText(m, "where is the mill?", 16)
	if err != nil {
		t.Fatal(err)
	}
	if got != "by the river" {
		t.Errorf("AnswerAsText = %q, want %q", got, "by the river")
	}
}

// TestMathAnswers trains a model to box 7 whatever the question and
// checks the math measurement sees through it: one answer, and an
// accuracy equal to what the constant 7 scores.
func TestMathAnswers(t *testing.T) {
	questions := []string{"What is 3 + 4?", "What is 2 + 1?", "What is 6 + 3?", "What is 5 + 2?"}
	answers := []string{"7", "3", "9", "7"}
	tok := testTokenizer(t, strings.Join(questions, " ")+" \\boxed{7} \\boxed{3} \\boxed{9} ")
	m := testModel(t, tok, 3)
	var rows [][]int32
	for _, q := range questions {
		seq, _, err := chat.Render(tok, []chat.Message{{Role: "user", Content: q}, {Role: "assistant", Content: "\\boxed{7}"}})
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, seq)
	}
	T := len(rows[0])
	for _, r := range rows {
		T = max(T, len(r))
	}
	for i, r := range rows { // pad with <|end|>, which ends the reply anyway
		for len(r) < T {
			r = append(r, tokenizer.End)
		}
		rows[i] = r
	}
	b := model.NextTokenBatch(rows)
	o := model.DefaultOptim(1e-2, 0)
	for i := range 200 {
		if _, err := m.TrainStep(b, o, o.LRAt(i), false); err != nil {
			t.Fatal(err)
		}
	}
	var probs []record.MathProblem
	for i, q := range questions {
		probs = append(probs, record.MathProblem{Prompt: q, Answer: answers[i], Level: 1})
	}
	r, err := NewSuite(tok, m.Config.MaxSeqLen, Data{Math: probs}, Limits{}).Evaluate("", m, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, constant := ptdata.ConstantAccuracy(probs)
	if r.MathAnswers != 1 || r.MathAccuracy != constant || r.Format != 1 {
		t.Errorf("a model that boxes 7: %v answers, accuracy %v, format %v; want 1 answer, the constant's %v, format 1", r.MathAnswers, r.MathAccuracy, r.Format, constant)
	}
}

// testTokenizer is a small tokenizer trained on text repeated.
func testTokenizer(t *testing.T, text string) *tokenizer.Tokenizer {
	t.Helper()
	tok, err := tokenizer.Train([][]byte{[]byte(strings.Repeat(text, 20))}, 300, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// testModel is a one-layer model for tok, initialised with seed.
func testModel(t *testing.T, tok *tokenizer.Tokenizer, seed uint64) *model.GPT {
	t.Helper()
	c := model.Config{VocabSize: tok.VocabSize(), MaxSeqLen: 32, NLayer: 1, NHead: 2, NEmbd: 16}
	m, err := model.New(c, cpu.New(nil), seed)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestColumnsAbout: every column of the card says what it measures.
func TestColumnsAbout(t *testing.T) {
	heads, about := Headers(), About()
	if len(about) != len(heads) {
		t.Fatalf("%d descriptions for %d columns", len(about), len(heads))
	}
	for i, a := range about {
		if len(a) < 20 {
			t.Errorf("column %q: description %q too short to say what it measures", heads[i], a)
		}
	}
}
