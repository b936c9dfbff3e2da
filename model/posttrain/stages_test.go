//go:build !wasm

package posttrain

import (
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"tinystages/datasets/datasetstest"
	"tinystages/datasets/load"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
	"tinystages/model"
	"tinystages/model/eval"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// The stage tests: each objective, run from the shipped checkpoints
// (make checkpoints: tiny preset, seed 1), moves its metric by a stated
// margin. The numbers in the comments were measured with the shipped
// checkpoints on the 2-core development machine; the runs are seeded, so
// the same code gives the same numbers. Together they take about two
// minutes of CPU; -short skips them.
//
//	go test -run 'Stage|SFTElicits' -v ./model/posttrain

// stageTest skips a training test under -short.
func stageTest(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("trains from the shipped checkpoints for half a minute or more")
	}
}

// mathFile reads a math file of the shipped datasets.
func mathFile(t *testing.T, name string) []record.MathProblem {
	t.Helper()
	p, err := load.MathProblems(name, datasetstest.Read(t, filepath.Join(datasetDir, name), "make datasets"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// spreadN returns n items of x at even strides (all if n >= len(x)): the
// shipped files are sorted by level or kind, so a subset still covers
// them all.
func spreadN[T any](x []T, n int) []T {
	if n >= len(x) {
		return x
	}
	out := make([]T, n)
	for i := range out {
		out[i] = x[i*len(x)/n]
	}
	return out
}

// arithmetic returns n one-digit addition and multiplication problems of
// math.train.jsonl (levels 1 and 3): short rows, so RL runs at a width of
// 32 positions.
func arithmetic(t *testing.T, n int) PromptSet {
	t.Helper()
	var easy []record.MathProblem
	for _, p := range mathFile(t, "math.train.jsonl") {
		if p.Level == 1 || p.Level == 3 {
			easy = append(easy, p)
		}
	}
	return spreadN(easy, n)
}

// greedyAccuracy is the report card's math accuracy (greedy, \boxed{}
// answer) on probs.
func greedyAccuracy(t *testing.T, m *model.GPT, tok *tokenizer.Tokenizer, probs []record.MathProblem) float64 {
	t.Helper()
	s := eval.NewSuite(tok, m.Config.MaxSeqLen, eval.Data{Math: probs}, eval.Limits{})
	r, err := s.Evaluate("", m, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r.MathAccuracy
}

// runStage trains m for steps steps on prod.
func runStage(t *testing.T, m *model.GPT, tok *tokenizer.Tokenizer, stage string, prod train.Producer, steps, batch int, lr float32) {
	t.Helper()
	s := train.Settings{Stage: stage, Preset: "tiny", Steps: steps, Batch: batch, LR: lr, Seed: 1}
	run, err := train.NewRun(s, m, tok, prod, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var last train.Metrics
	for !run.Done() {
		if last, err = run.Step(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("%s: %d steps in %s; last step %v", stage, steps, time.Since(start).Round(time.Millisecond), last.Extra)
}

// TestSFTElicits compares the shipped base and SFT checkpoints on the
// report card: SFT raises format compliance and QA accuracy on facts seen
// in pre- or mid-training — although SFT never asked about them — and
// leaves facts never seen at chance (no right answers; "I don't know" is
// the desired reply). Measured (shipped checkpoints, all QA, 32 math
// problems): format 0% -> 41%; QA on pre-training facts 0/31 -> 6/31 and
// on mid-training facts 0/31 -> 2/31; never-seen facts 0/21 right, 48%
// "I don't know". Seeds 2 and 3 of make checkpoints' SFT command got 13 and
// 6 of 31 pre-training facts, 1 and 2 of 31 mid-training facts, 0 of 21
// never-seen ones.
//
// Two things make it elicit at this size, both measured (make checkpoints'
// SFT command otherwise): the chat template writes the turn in the FAQ
// form of the pre-training pages ("Q: …\nA: …", package chat), and a
// quarter of SFT's rows replay pre-training text. With the former template
// (<|user|> text <|end|> <|assistant|>) SFT got 1/31 and 1/31 without
// replay and 0 and 0 with half the rows replayed; with this template and
// no replay (-replay 0), 2, 5 and 4 of 31 pre-training facts over seeds 1-3,
// its general loss up from 1.20 to 1.7 (see the sft-elicits lesson). The
// knowledge is measured directly by asking the seen-fact questions as the
// FAQ text itself, without the template (QASeenAsText): the base model
// answers 31% of them, the SFT model still about two thirds of that.
func TestSFTElicits(t *testing.T) {
	if testing.Short() {
		t.Skip("evaluates two checkpoints for ~10 s")
	}
	base, tok := shipped(t, "base")
	sft, _ := shipped(t, "sft")
	d := evalData(t)
	data := eval.Data{QA: d.QA, Math: spreadN(d.Math, 32)}
	suite := eval.NewSuite(tok, base.Config.MaxSeqLen, data, eval.Limits{})
	rows := map[string]eval.Row{}
	for name, m := range map[string]*model.GPT{"base": base, "sft": sft} {
		r, err := suite.Evaluate(name, m, nil)
		if err != nil {
			t.Fatal(err)
		}
		rows[name] = r
		t.Logf("%-4s format %.3f, QA pre-train %.3f, mid-train %.3f, never seen %.3f (\"I don't know\" %.3f); seen facts asked as FAQ text %.3f",
			name, r.Format, r.QAPretrain, r.QAMidtrain, r.QANever, r.QANeverIDK, r.QASeenAsText)
	}
	b, s := rows["base"], rows["sft"]
	// The math accuracy by level adds up to the whole.
	perLevel := map[string]int{}
	for _, p := range data.Math {
		perLevel[strconv.Itoa(p.Level)]++
	}
	var sum float64
	for level, n := range perLevel {
		sum += s.MathByLevel[level] * float64(n)
	}
	if len(s.MathByLevel) != len(perLevel) || math.Abs(sum/float64(len(data.Math))-s.MathAccuracy) > 1e-9 {
		t.Errorf("math by level %v over %v problems does not add up to the accuracy %.3f", s.MathByLevel, perLevel, s.MathAccuracy)
	}
	if !(s.Format >= b.Format+0.25) {
		t.Errorf("format compliance %.3f -> %.3f, want a rise of at least 0.25", b.Format, s.Format)
	}
	seen := func(r eval.Row) float64 { return (r.QAPretrain + r.QAMidtrain) / 2 }
	if !(s.QAPretrain >= b.QAPretrain+0.15) || !(seen(s) >= seen(b)+0.1) {
		t.Errorf("QA on facts seen in pre-training %.3f -> %.3f (want a rise of 0.15), in pre/mid-training %.3f -> %.3f (want 0.1)",
			b.QAPretrain, s.QAPretrain, seen(b), seen(s))
	}
	if !(s.QANever <= 0.1) || !(seen(s) >= s.QANever+0.1) {
		t.Errorf("QA on never-seen facts %.3f after SFT, want at chance (<= 0.1) and 0.1 below the seen facts' %.3f", s.QANever, seen(s))
	}
	// what the base model knows in question-and-answer form, and how much
	// of it SFT (with replay) leaves there to elicit
	if !(b.QASeenAsText >= 0.2) || !(s.QASeenAsText >= b.QASeenAsText/2) {
		t.Errorf("seen facts asked as FAQ text: base %.3f (want >= 0.2), SFT %.3f (want at least half of it)", b.QASeenAsText, s.QASeenAsText)
	}
}

// TestStageRLRaisesMath: RL with the verifiable reward, from the SFT
// checkpoint, raises the accuracy of its samples on the problems it
// practises (32 one-digit sums and products, 30 steps of 2 prompts × 8
// completions at 3e-4, KL 0.1 to the start). Measured (shipped, 25 s):
// sampled accuracy 0.027 -> 0.070, greedy 0.062 -> 0.125. On held-out
// problems RL moves little this early: see TestStageDistillationBeatsRL.
func TestStageRLRaisesMath(t *testing.T) {
	stageTest(t)
	m, tok := shipped(t, "sft")
	ref, _ := shipped(t, "sft")
	probs := arithmetic(t, 32)
	acc := func() (sampled, greedy float64) {
		s, err := SampledAccuracy(m, tok, probs, 8, 24, 1)
		if err != nil {
			t.Fatal(err)
		}
		return s, greedyAccuracy(t, m, tok, probs)
	}
	s0, g0 := acc()
	opt := DefaultOptions()
	opt.MaxTokens = 24
	prod, err := NewGRPO(m, ref, tok, probs, opt)
	if err != nil {
		t.Fatal(err)
	}
	runStage(t, m, tok, train.StageRL, prod, 30, 16, 3e-4)
	s1, g1 := acc()
	t.Logf("RL: sampled accuracy %.3f -> %.3f, greedy %.3f -> %.3f", s0, s1, g0, g1)
	if !(s1 >= s0+0.02) {
		t.Errorf("RL moved the sampled accuracy from %.3f to %.3f, want a rise of at least 0.02", s0, s1)
	}
}

// TestStageDistillationBeatsRL: from the SFT checkpoint, on-policy
// distillation from the teacher and RL (3e-4, KL 0.1 to the start, the
// lesson's defaults otherwise) run the first 20 steps of the lesson's
// 60-step schedule, 16 rows a step on fresh problems, measured on
// held-out ones by sampled accuracy (64 problems × 8 samples, less noisy
// than greedy decoding of a few dozen): distillation closes a quarter of
// the student–teacher gap and gains more than RL. Measured (shipped,
// 70 s): teacher 0.193, start 0.014; after 10 steps distillation 0.020,
// RL 0.025; after 20 steps 0.084 (39% of the gap) and 0.023. Over 60
// steps (the CLI commands in Lessons' comment, 64 problems × 4 samples)
// distillation passed a third of the gap at step 20 and RL never did
// (best 0.047 at step 20): a step ratio above 3.
func TestStageDistillationBeatsRL(t *testing.T) {
	stageTest(t)
	teacher, tok := shipped(t, "teacher")
	heldout := spreadN(mathFile(t, "math.eval.jsonl"), 64)
	sampled := func(m *model.GPT) float64 {
		a, err := SampledAccuracy(m, tok, heldout, 8, 40, 1)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	target := sampled(teacher)
	acc := map[string][]float64{}
	for _, stage := range []string{train.StageDistill, train.StageRL} {
		m, _ := shipped(t, "sft")
		opt := DefaultOptions()
		var prod train.Producer
		var err error
		lr := float32(3e-4)
		if stage == train.StageDistill {
			opt.Group, lr = 1, 1e-3
			prod, err = NewDistill(m, teacher, tok, NewMathStream(1), opt)
		} else {
			ref, _ := shipped(t, "sft")
			prod, err = NewGRPO(m, ref, tok, NewMathStream(1), opt)
		}
		if err != nil {
			t.Fatal(err)
		}
		acc[stage] = append(acc[stage], sampled(m))
		// the first 20 steps of the lesson's 60-step schedule
		run, err := train.NewRun(train.Settings{Stage: stage, Preset: "tiny", Steps: 60, Batch: 16, LR: lr, Seed: 1}, m, tok, prod, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 20; i++ {
			if _, err := run.Step(); err != nil {
				t.Fatal(err)
			}
			if i%10 == 0 {
				acc[stage] = append(acc[stage], sampled(m))
			}
		}
	}
	d, r := acc[train.StageDistill], acc[train.StageRL]
	start := d[0]
	t.Logf("held-out sampled accuracy: teacher %.3f, start %.3f; distillation at 10, 20 steps %.3f, %.3f; RL %.3f, %.3f", target, start, d[1], d[2], r[1], r[2])
	if !(target >= start+0.08) {
		t.Fatalf("the teacher (%.3f) is not clearly better than the SFT start (%.3f): ship a stronger teacher", target, start)
	}
	closed := (d[2] - start) / (target - start)
	if !(closed >= 0.25) {
		t.Errorf("distillation closed %.0f%% of the gap in 20 steps, want at least 25%%", 100*closed)
	}
	if !(d[2] >= r[2]+0.02) {
		t.Errorf("after 20 steps distillation is at %.3f, RL at %.3f: want distillation ahead by 0.02", d[2], r[2])
	}
}

// TestStageDPORaisesPreferenceAccuracy: DPO from the SFT checkpoint (40
// steps of 4 pairs at 2e-4, β 0.1) on the training pairs raises DPO's
// preference accuracy (ImplicitAccuracy) on the held-out pairs of the kinds
// a preference can carry over to new questions — a reply that stops over
// one that rambles, a boxed answer over an unboxed one, "I don't know"
// over a guess about a never-seen fact — from 0 (the policy is the
// reference: every pair ties) to at least 0.8, and to 0.6 over all
// held-out pairs. The kinds that need knowledge (which fact, which sum)
// stay near chance. Measured (shipped): concise 62/62, format 50/50, "I
// don't know" 15/21, faithful 26/62, correct 49/100: 0.955 on the three
// kinds, 0.685 overall. The report card's raw-likelihood accuracy does not
// move (0.766 -> 0.753): SFT already made the policy prefer the chosen
// reply of the carry-over kinds (concise 62/62, format 49/50, "I don't
// know" 21/21), and no preference teaches facts or arithmetic.
func TestStageDPORaisesPreferenceAccuracy(t *testing.T) {
	stageTest(t)
	m, tok := shipped(t, "sft")
	ref, _ := shipped(t, "sft")
	var carry, all []record.Preference
	for _, p := range shippedPairs(t, "preference.eval.jsonl") {
		all = append(all, p)
		if p.Kind == record.KindConcise || p.Kind == record.KindFormat || p.Kind == record.KindFaithful && world.IsIDK(p.Chosen) {
			carry = append(carry, p)
		}
	}
	acc := func(pairs []record.Preference) float64 {
		a, err := ImplicitAccuracy(m, ref, tok, pairs)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := acc(all); a != 0 {
		t.Fatalf("before DPO the policy is the reference: implicit accuracy %.3f, want 0 (ties)", a)
	}
	suite := eval.NewSuite(tok, m.Config.MaxSeqLen, eval.Data{Prefs: all}, eval.Limits{})
	raw := func() float64 {
		r, err := suite.Evaluate("", m, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.PrefAccuracy
	}
	raw0 := raw()
	prod, err := NewDPO(m, ref, tok, shippedPairs(t, "preference.train.jsonl"), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	runStage(t, m, tok, train.StageDPO, prod, 40, 8, 2e-4)
	c, a := acc(carry), acc(all)
	t.Logf("held-out DPO preference accuracy: %.3f on %d pairs of the carry-over kinds, %.3f on all %d; report card (raw likelihood) %.3f -> %.3f",
		c, len(carry), a, len(all), raw0, raw())
	if !(c >= 0.8) || !(a >= 0.6) {
		t.Errorf("DPO's held-out preference accuracy %.3f on the carry-over kinds (want >= 0.8), %.3f on all pairs (want >= 0.6)", c, a)
	}
}
