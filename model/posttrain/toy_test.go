//go:build !wasm

package posttrain

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/cpu"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// A toy world small enough to post-train from scratch in a few seconds,
// so that the mechanisms of RL and distillation are tested on every run,
// whatever checkpoints exist: twelve people, each living in one of six
// towns, asked "Where does Mira live?" and answered "\boxed{Lowfen}.".

var (
	toyNames = []string{"Mira", "Tobin", "Aska", "Pell", "Orrin", "Vessa", "Kael", "Dara", "Fenn", "Ilse", "Joss", "Lune"}
	toyTowns = []string{"Lowfen", "Dunmoor", "Ashgrove", "Kestrel", "Brindle", "Harrow"}
	// toyWorldTok has a token per name and town.
	toyWorldTok = sync.OnceValue(func() *tokenizer.Tokenizer {
		var b strings.Builder
		for range 30 {
			for i, n := range toyNames {
				fmt.Fprintf(&b, "Where does %s live? \\boxed{%s}. ", n, toyTowns[i%len(toyTowns)])
			}
		}
		tok, err := tokenizer.Train([][]byte{[]byte(b.String())}, 400, nil)
		if err != nil {
			panic(err)
		}
		return tok
	})
)

// toyQuestions are the world's questions with their true answers.
func toyQuestions() PromptSet {
	var ps PromptSet
	for i, n := range toyNames {
		ps = append(ps, record.MathProblem{Prompt: "Where does " + n + " live?", Answer: toyTowns[i%len(toyTowns)]})
	}
	return ps
}

var toyModels struct {
	sync.Mutex
	params map[string][]float32
}

// toyWorldModel returns a fresh toy model fine-tuned (300 SFT steps; the
// result is cached) on one of these answer keys:
//
//	teacher: every answer right;
//	guess:   the first six right; for the other six, towns drawn at
//	         random, so it guesses;
//	wrong:   the first six right; the other six a wrong town, firmly.
func toyWorldModel(t *testing.T, kind string) *model.GPT {
	t.Helper()
	right := func(i int) string { return toyTowns[(i/4)%len(toyTowns)] }
	firstHalf := func(i int) bool { return i/4 < len(toyNames)/2 }
	keys := map[string]func(i int) string{
		"teacher": right,
		"guess": func(i int) string {
			if firstHalf(i) {
				return right(i)
			}
			return toyTowns[rand.New(rand.NewPCG(uint64(i), 1)).IntN(len(toyTowns))]
		},
		"wrong": func(i int) string {
			if firstHalf(i) {
				return right(i)
			}
			return toyTowns[(i/4+1)%len(toyTowns)]
		},
	}
	tok := toyWorldTok()
	c := model.Config{VocabSize: tok.VocabSize(), MaxSeqLen: 32, NLayer: 2, NHead: 2, NEmbd: 32}
	m, err := model.New(c, cpu.New(nil), 5)
	if err != nil {
		t.Fatal(err)
	}
	toyModels.Lock()
	defer toyModels.Unlock()
	if p, ok := toyModels.params[kind]; ok {
		m.SetParams(p)
		return m
	}
	var convs [][]chat.Message
	for i, q := range toyQuestions() {
		for k := range 4 { // four examples per question
			convs = append(convs, []chat.Message{{Role: chat.RoleUser, Content: q.Prompt}, {Role: chat.RoleAssistant, Content: `\boxed{` + keys[kind](i*4+k) + `}.`}})
		}
	}
	prod, err := NewSFT(tok, convs, c.MaxSeqLen, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := train.Settings{Stage: train.StageSFT, Preset: "nano", Steps: 300, Batch: 16, LR: 1e-2, Seed: 3}
	run, err := train.NewRun(s, m, tok, prod, nil)
	if err != nil {
		t.Fatal(err)
	}
	for !run.Done() {
		if _, err := run.Step(); err != nil {
			t.Fatal(err)
		}
	}
	if toyModels.params == nil {
		toyModels.params = map[string][]float32{}
	}
	toyModels.params[kind] = m.Params()
	return m
}

// practise runs RL (teacher nil) or distillation from teacher on question
// q alone, 30 steps of 2 prompts × 8 completions at 1e-3, and returns the
// sampled accuracy on q (64 samples) before and every 5 steps.
func practise(t *testing.T, m, teacher *model.GPT, q int) []float64 {
	t.Helper()
	tok := toyWorldTok()
	qs := toyQuestions()[q : q+1]
	opt := DefaultOptions()
	opt.MaxTokens = 12
	var prod train.Producer
	var err error
	if teacher == nil {
		prod, err = NewGRPO(m, nil, tok, qs, opt)
	} else {
		prod, err = NewDistill(m, teacher, tok, qs, opt)
	}
	if err != nil {
		t.Fatal(err)
	}
	acc := func() float64 {
		a, err := SampledAccuracy(m, tok, qs, 64, 12, 1)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	s := train.Settings{Stage: train.StageRL, Preset: "nano", Steps: 30, Batch: 16, LR: 1e-3, Seed: 3}
	run, err := train.NewRun(s, m, tok, prod, nil)
	if err != nil {
		t.Fatal(err)
	}
	curve := []float64{acc()}
	for !run.Done() {
		mt, err := run.Step()
		if err != nil {
			t.Fatal(err)
		}
		if mt.Step%5 == 0 {
			curve = append(curve, acc())
		}
	}
	return curve
}

// stepsTo is the number of steps after which curve (measured every 5
// steps) first reaches target, or -1.
func stepsTo(curve []float64, target float64) int {
	for i, a := range curve {
		if a >= target {
			return 5 * i
		}
	}
	return -1
}

// TestToyRLLearnsFromReward: RL with a verifiable reward (the right town
// in the box) on a question the student guesses at: the samples that
// happen to be right are reinforced, the rest discouraged. (Measured,
// sampled accuracy every 5 steps: 0.078, 0.062, 0.141, 0.203, 0.234,
// 0.266, 0.281.)
func TestToyRLLearnsFromReward(t *testing.T) {
	c := practise(t, toyWorldModel(t, "guess"), nil, 7)
	t.Logf("RL: sampled accuracy every 5 steps %.3f", c)
	if before, after := c[0], c[len(c)-1]; !(after >= before+0.1) {
		t.Errorf("RL moved the sampled accuracy from %.3f to %.3f, want a rise of at least 0.1", before, after)
	}
}
