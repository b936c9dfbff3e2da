//go:build !wasm

package posttrain

import (
	"math"
	"path/filepath"
	"strconv"
	"testing"
	"time"
	ptdata "tinystages/datasets/posttrain"

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

// greedy is the report card's math measurement (greedy decoding, \boxed{}
// answer) on probs: accuracy, format and how many different answers.
func greedy(t *testing.T, m *model.GPT, tok *tokenizer.Tokenizer, probs []record.MathProblem) eval.Row {
	t.Helper()
	s := eval.NewSuite(tok, m.Config.MaxSeqLen, eval.Data{Math: probs}, eval.Limits{})
	r, err := s.Evaluate("", m, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
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
// completions at 3e-4, KL 0.1 to the start). It does so the cheapest way
// a 0/1 reward allows at this size: the policy settles on one or two
// answers for every problem, right for a few of the 32 — the greedy
// accuracy it reaches is what the best constant answer scores, and no
// arithmetic is learned. Measured (shipped, 17 s): sampled accuracy
// 0.027 -> 0.070, greedy 0.062 (3 different answers) -> 0.125 (2
// answers; the best constant, "8", scores 0.125 too); with 4 prompts of
// 8 a step, one answer from step 30 to 150. From the shipped student,
// which sometimes gets the sums right, RL raises held-out accuracy with
// many different answers: TestStageDistillation asserts it.
func TestStageRLRaisesMath(t *testing.T) {
	stageTest(t)
	m, tok := shipped(t, "sft")
	ref, _ := shipped(t, "sft")
	probs := arithmetic(t, 32)
	sampled := func() float64 {
		s, err := SampledAccuracy(m, tok, probs, 8, 24, 1)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s0, g0 := sampled(), greedy(t, m, tok, probs)
	opt := DefaultOptions()
	opt.MaxTokens = 24
	prod, err := NewGRPO(m, ref, tok, probs, opt)
	if err != nil {
		t.Fatal(err)
	}
	runStage(t, m, tok, train.StageRL, prod, 30, 16, 3e-4)
	s1, g1 := sampled(), greedy(t, m, tok, probs)
	answer, constant := ptdata.ConstantAccuracy(probs)
	t.Logf("RL: sampled accuracy %.3f -> %.3f, greedy %.3f (%.0f answers) -> %.3f (%.0f answers); the constant %q scores %.3f",
		s0, s1, g0.MathAccuracy, g0.MathAnswers, g1.MathAccuracy, g1.MathAnswers, answer, constant)
	if !(s1 >= s0+0.02) {
		t.Errorf("RL moved the sampled accuracy from %.3f to %.3f, want a rise of at least 0.02", s0, s1)
	}
}

// TestStageDistillation: distillation closes most of the student–teacher
// gap in fewer steps than RL from the same start. The start is the shipped
// student, the teacher tuned further on chat without math (make
// checkpoints): it forgot most of its arithmetic and half its format, what
// on-policy distillation is for (a model recovering a skill a later
// fine-tune wore away, from the model that had it). Distillation from the
// teacher (one completion per prompt) and RL (groups of 8, KL 0.1 to the
// start) run the first 40 steps of the lesson's 60-step schedule at 3e-4,
// 16 rows a step on fresh problems, measured every 10 steps on 64 held-out
// problems: sampled accuracy (4 per problem, SampledAccuracy) and the
// greedy replies' accuracy, format and different answers. From this start
// both raise math accuracy, and not by a constant answer (the rl-recover
// and distill-vs-rl lessons).
//
// The share of the sampled-accuracy gap closed is (acc - start) /
// (teacher - start). Distillation must close half of it within 20 steps,
// and RL must take at least twice as many steps to close half (or not get
// there in 40). Neither may do it by boxing one number: each ends with
// 20 or more different answers, greedy accuracy 0.1 above the best
// constant answer's and sampled accuracy up by 0.15.
// Measured (shipped, 2 cores, 92 s): teacher sampled 0.586 (greedy 0.609,
// 37 answers); the student 0.059 (greedy 0.188, format 0.50); after 10,
// 20, 30, 40 steps distillation 0.418, 0.492, 0.480, 0.473 (gap closed
// 0.68, 0.82, 0.80, 0.79; greedy 0.531 with 35 answers at the end), RL
// 0.121, 0.254, 0.301, 0.324 (0.12, 0.37, 0.46, 0.50): half the gap at
// step 10 against RL's 40. Measured every 2 and 5 steps (the CLI commands
// of Lessons): step 4 against 35.
//
// From the shipped SFT checkpoint instead, which never learned the
// arithmetic, neither method learns it in a lesson's steps: both box one
// number for every problem (see the distill-vs-rl lesson and
// TestStageRLRaisesMath).
func TestStageDistillation(t *testing.T) {
	stageTest(t)
	teacher, tok := shipped(t, "teacher")
	heldout := spreadN(mathFile(t, "math.eval.jsonl"), 64)
	type point struct {
		sampled float64
		row     eval.Row
	}
	measure := func(m *model.GPT) point {
		a, err := SampledAccuracy(m, tok, heldout, 4, 40, 1)
		if err != nil {
			t.Fatal(err)
		}
		return point{a, greedy(t, m, tok, heldout)}
	}
	tp := measure(teacher)
	const steps, every = 40, 10
	at := map[string][]point{}
	for _, stage := range []string{train.StageDistill, train.StageRL} {
		m, _ := shipped(t, "student")
		opt := DefaultOptions()
		var prod train.Producer
		var err error
		if stage == train.StageDistill {
			opt.Group = 1
			prod, err = NewDistill(m, teacher, tok, NewMathStream(1), opt)
		} else {
			ref, _ := shipped(t, "student")
			prod, err = NewGRPO(m, ref, tok, NewMathStream(1), opt)
		}
		if err != nil {
			t.Fatal(err)
		}
		at[stage] = append(at[stage], measure(m))
		run, err := train.NewRun(train.Settings{Stage: stage, Preset: "tiny", Steps: 60, Batch: 16, LR: 3e-4, Seed: 1}, m, tok, prod, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= steps; i++ {
			if _, err = run.Step(); err != nil {
				t.Fatal(err)
			}
			if i%every == 0 {
				at[stage] = append(at[stage], measure(m))
			}
		}
	}
	d, r := at[train.StageDistill], at[train.StageRL]
	start := d[0]
	if !(tp.sampled >= start.sampled+0.3) {
		t.Fatalf("the teacher (sampled accuracy %.3f) is not clearly better than the student (%.3f): make checkpoints", tp.sampled, start.sampled)
	}
	closed := func(p point) float64 { return (p.sampled - start.sampled) / (tp.sampled - start.sampled) }
	half := func(ps []point) int { // the first measured step with half the gap closed; 0: none
		for i, p := range ps {
			if i > 0 && closed(p) >= 0.5 {
				return i * every
			}
		}
		return 0
	}
	answer, constant := ptdata.ConstantAccuracy(heldout)
	t.Logf("held-out: teacher sampled %.3f, greedy %.3f with %.0f answers; the constant %q scores %.3f", tp.sampled, tp.row.MathAccuracy, tp.row.MathAnswers, answer, constant)
	for i := range d {
		t.Logf("step %2d: distillation sampled %.3f (gap closed %.2f), greedy %.3f, format %.2f, %.0f answers | RL %.3f (%.2f), %.3f, %.2f, %.0f",
			i*every, d[i].sampled, closed(d[i]), d[i].row.MathAccuracy, d[i].row.Format, d[i].row.MathAnswers,
			r[i].sampled, closed(r[i]), r[i].row.MathAccuracy, r[i].row.Format, r[i].row.MathAnswers)
	}
	hd, hr := half(d), half(r)
	t.Logf("half the gap closed: distillation at step %d, RL at step %d (0: not in %d steps)", hd, hr, steps)
	if hd == 0 || hd > 20 {
		t.Errorf("distillation closed half the gap at step %d, want by step 20", hd)
	}
	if hd > 0 && hr != 0 && hr < 2*hd {
		t.Errorf("RL closed half the gap at step %d, distillation at %d: want distillation in half the steps or fewer", hr, hd)
	}
	for _, stage := range []string{train.StageDistill, train.StageRL} {
		ps := at[stage]
		end := ps[len(ps)-1]
		if !(end.row.MathAnswers >= 20) || !(end.row.MathAccuracy >= constant+0.1) || !(end.sampled >= start.sampled+0.15) {
			t.Errorf("%s ends with %.0f different answers, greedy accuracy %.3f (the constant %q: %.3f) and sampled %.3f (start %.3f): want 20 answers or more, 0.1 above the constant, sampled up 0.15",
				stage, end.row.MathAnswers, end.row.MathAccuracy, answer, constant, end.sampled, start.sampled)
		}
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
