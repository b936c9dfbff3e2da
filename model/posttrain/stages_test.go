//go:build !wasm

package posttrain

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"tinystages/datasets/load"
	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/eval"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// The stage tests: each objective, run from the shipped checkpoints, moves
// its metric by a stated margin. The numbers in the comments were measured
// with stand-in checkpoints of the tiny preset (base: 1,500 pre-training
// steps; sft: base + 400 SFT steps at 1e-3; teacher: sft + 900 steps of
// math SFT on math.train.jsonl at 1e-3), on the shared 2-core machine;
// re-measure them when make checkpoints ships its own.
//
// TestSFTElicits only evaluates and always runs (when the checkpoints
// exist). The others train the tiny model for a minute or more each on
// two cores, so they run only with TINYSTAGES_STAGE_TESTS=1:
//
//	TINYSTAGES_STAGE_TESTS=1 go test -run Stage -v ./model/posttrain

// stageTest skips a training test unless TINYSTAGES_STAGE_TESTS is set.
func stageTest(t *testing.T) {
	t.Helper()
	if os.Getenv("TINYSTAGES_STAGE_TESTS") == "" {
		t.Skip("trains from the shipped checkpoints for a minute or more: run with TINYSTAGES_STAGE_TESTS=1")
	}
}

// mathFile reads a math file of the shipped datasets.
func mathFile(t *testing.T, name string) []record.MathProblem {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(datasetDir, name))
	if err != nil {
		missing(t, name, "build the datasets first (make datasets)")
	}
	p, err := load.MathProblems(name, b)
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
// the desired reply). Measured (stand-ins, the full sets): format 0% ->
// 40%; seen facts 0/62 -> 1/62; never-seen facts 0% right, 76% "I don't
// know".
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
		t.Logf("%-4s format %.3f, QA pre-train %.3f, mid-train %.3f, never seen %.3f (\"I don't know\" %.3f)",
			name, r.Format, r.QAPretrain, r.QAMidtrain, r.QANever, r.QANeverIDK)
	}
	b, s := rows["base"], rows["sft"]
	if !(s.Format >= b.Format+0.25) {
		t.Errorf("format compliance %.3f -> %.3f, want a rise of at least 0.25", b.Format, s.Format)
	}
	seen := func(r eval.Row) float64 { return (r.QAPretrain + r.QAMidtrain) / 2 }
	if !(seen(s) >= seen(b)+0.01) {
		t.Errorf("QA on facts seen in pre/mid-training %.3f -> %.3f, want a rise", seen(b), seen(s))
	}
	if !(s.QANever <= 0.1) {
		t.Errorf("QA on never-seen facts %.3f after SFT, want at chance (<= 0.1)", s.QANever)
	}
}

// TestStageRLRaisesMath: RL with the verifiable reward, from the SFT
// checkpoint, raises the accuracy of its samples on the problems it
// practises (32 one-digit sums and products, 30 steps of 2 prompts × 8
// completions at 3e-4, KL 0.1 to the start). Measured (stand-ins, 103 s):
// sampled accuracy 0.039 -> 0.078, greedy 0.094 -> 0.125. On held-out
// problems RL moves little this early: see Lessons.
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
// distillation from the teacher and RL run the same number of steps on
// fresh problems, measured on held-out ones: distillation closes a good
// part of the student–teacher gap and gains more than RL.
//
// With the stand-ins this test FAILS: on 48 held-out problems (teacher
// 0.208, start 0.000) distillation gained 0.042 (20% of the gap) and RL
// 0.062 after 25 steps — differences of one or two problems, noise at
// this scale. The CLI's longer runs (see Lessons) favour distillation;
// the shipped teacher must open a wider gap (see the package's report).
func TestStageDistillationBeatsRL(t *testing.T) {
	stageTest(t)
	teacher, tok := shipped(t, "teacher")
	heldout := spreadN(mathFile(t, "math.eval.jsonl"), 48)
	target := greedyAccuracy(t, teacher, tok, heldout)
	gain := map[string]float64{}
	var start float64
	for _, stage := range []string{train.StageDistill, train.StageRL} {
		m, _ := shipped(t, "sft")
		start = greedyAccuracy(t, m, tok, heldout)
		opt := DefaultOptions()
		var prod train.Producer
		var err error
		lr := float32(3e-4)
		if stage == train.StageDistill {
			opt.Group, lr = 1, 1e-3
			prod, err = NewDistill(m, teacher, tok, NewMathStream(1), opt)
		} else {
			prod, err = NewGRPO(m, nil, tok, NewMathStream(1), opt)
		}
		if err != nil {
			t.Fatal(err)
		}
		runStage(t, m, tok, stage, prod, 25, 16, lr)
		gain[stage] = greedyAccuracy(t, m, tok, heldout) - start
	}
	if !(target >= start+0.08) {
		t.Fatalf("the teacher (%.3f) is not clearly better than the SFT start (%.3f): ship a stronger teacher", target, start)
	}
	closed := gain[train.StageDistill] / (target - start)
	t.Logf("held-out accuracy: teacher %.3f, start %.3f; after 25 steps distillation %+.3f (%.0f%% of the gap), RL %+.3f",
		target, start, gain[train.StageDistill], 100*closed, gain[train.StageRL])
	if !(closed >= 0.25) {
		t.Errorf("distillation closed %.0f%% of the gap in 25 steps, want at least 25%%", 100*closed)
	}
	if !(gain[train.StageDistill] >= gain[train.StageRL]+0.04) {
		t.Errorf("distillation gained %.3f, RL %.3f in the same steps: want distillation ahead by 0.04", gain[train.StageDistill], gain[train.StageRL])
	}
}

// TestStageDPORaisesPreferenceAccuracy: DPO from the SFT checkpoint
// raises preference accuracy on held-out pairs. Measured (stand-ins, 96
// held-out pairs spread over the kinds, 40 steps of 4 pairs at 2e-4,
// 33 s): 0.615 -> 0.677. The held-out pairs' facts and problems are
// unseen, so only a preference that generalises (a short reply that
// stops over one that rambles) can move; the stand-in SFT model already
// gets those all right, and over all 245 pairs the CLI's 100 steps moved
// 0.661 -> 0.645.
func TestStageDPORaisesPreferenceAccuracy(t *testing.T) {
	stageTest(t)
	m, tok := shipped(t, "sft")
	ref, _ := shipped(t, "sft")
	suite := eval.NewSuite(tok, m.Config.MaxSeqLen, eval.Data{Prefs: spreadN(shippedPairs(t, "preference.eval.jsonl"), 96)}, eval.Limits{})
	acc := func() float64 {
		r, err := suite.Evaluate("", m, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.PrefAccuracy
	}
	before := acc()
	prod, err := NewDPO(m, ref, tok, shippedPairs(t, "preference.train.jsonl"), DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	runStage(t, m, tok, train.StageDPO, prod, 40, 8, 2e-4)
	after := acc()
	t.Logf("held-out preference accuracy %.3f -> %.3f", before, after)
	if !(after >= before+0.04) {
		t.Errorf("DPO moved held-out preference accuracy from %.3f to %.3f, want a rise of at least 0.04", before, after)
	}
}
