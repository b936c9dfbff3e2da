//go:build !wasm

package posttrain

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/cpu"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// terminatedAfterSFT trains a fresh toy model with SFT on short
// question-answer conversations and returns the share of its greedy
// replies to the training questions that end with <|end|>.
func terminatedAfterSFT(t *testing.T, dropEnd bool) float64 {
	t.Helper()
	tok := toyTok()
	names := []string{"Mira", "Tobin", "Aska", "Pell"}
	places := []string{"Lowfen", "Dunmoor", "Ashgrove"}
	var convs [][]chat.Message
	var questions []string
	for i, n := range names {
		q := fmt.Sprintf("Where does %s live?", n)
		convs = append(convs, []chat.Message{{Role: chat.RoleUser, Content: q}, {Role: chat.RoleAssistant, Content: "In " + places[i%len(places)] + "."}})
		questions = append(questions, q)
	}
	c := model.Config{VocabSize: tok.VocabSize(), MaxSeqLen: 64, NLayer: 1, NHead: 2, NEmbd: 32}
	m, err := model.New(c, cpu.New(nil), 7)
	if err != nil {
		t.Fatal(err)
	}
	prod, err := NewSFT(tok, convs, c.MaxSeqLen, Options{DropEnd: dropEnd})
	if err != nil {
		t.Fatal(err)
	}
	s := train.Settings{Stage: train.StageSFT, Preset: "nano", Steps: 80, Batch: 8, LR: 1e-2, Seed: 1}
	run, err := train.NewRun(s, m, tok, prod, nil)
	if err != nil {
		t.Fatal(err)
	}
	for !run.Done() {
		if _, err := run.Step(); err != nil {
			t.Fatal(err)
		}
	}
	stopped := 0
	for _, q := range questions {
		out, err := m.Generate(chat.UserPrompt(tok, q), 1, model.SampleOptions{MaxTokens: 24, Stop: []int32{tokenizer.End}}, rand.New(rand.NewPCG(0, 0)))
		if err != nil {
			t.Fatal(err)
		}
		if _, done := chat.Reply(tok, out[0].Tokens); done {
			stopped++
		}
	}
	return float64(stopped) / float64(len(questions))
}

// TestSFTLearnsToStop is the classic bug: with the closing <|end|> in the
// SFT mask every reply stops; without it, no reply does — the model was
// never trained to end its turn. (Measured: 100% vs 0% after 80 steps.)
func TestSFTLearnsToStop(t *testing.T) {
	with, without := terminatedAfterSFT(t, false), terminatedAfterSFT(t, true)
	t.Logf("replies terminated: %.0f%% with <|end|> in the mask, %.0f%% without", 100*with, 100*without)
	if !(with >= 0.75 && without <= 0.25) {
		t.Errorf("terminated replies: %.0f%% with <|end|> in the mask, %.0f%% without; want >= 75%% and <= 25%%", 100*with, 100*without)
	}
}
