package ui

import (
	"strings"
	"testing"

	"tinystages/datasets/record"
	"tinystages/model/tokenizer"
)

func testTokenizer(t *testing.T) *tokenizer.Tokenizer {
	t.Helper()
	docs := [][]byte{[]byte(strings.Repeat("the cat sat on the mat. what is two plus two? four. ", 20))}
	tok, err := tokenizer.Train(docs, 300, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestWeightsOfChat(t *testing.T) {
	tok := testTokenizer(t)
	msgs := []record.Message{
		{Role: record.RoleSystem, Content: "be brief"},
		{Role: record.RoleUser, Content: "what is two plus two?"},
		{Role: record.RoleAssistant, Content: "four."},
	}
	w, err := weightsOfChat(tok, msgs, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var prompt, answer strings.Builder
	for i, tk := range w.Tokens {
		switch w.Weights[i] {
		case 0:
			prompt.WriteString(tk)
		case 1:
			answer.WriteString(tk)
		default:
			t.Fatalf("weight %v", w.Weights[i])
		}
	}
	if got := answer.String(); got != " four.<|end|>" {
		t.Errorf("weighted 1: %q, want the answer and its <|end|>", got)
	}
	if got := prompt.String(); got != "<|bos|><|system|>be brief<|end|><|user|>Q: what is two plus two?\nA:" {
		t.Errorf("weighted 0: %q, want the whole prompt", got)
	}
	if w, _ := weightsOfChat(tok, msgs, 5); len(w.Tokens) != 5 || len(w.Weights) != 5 {
		t.Errorf("cut to 5 tokens: %d tokens, %d weights", len(w.Tokens), len(w.Weights))
	}
}

func TestWeightsOfDocument(t *testing.T) {
	tok := testTokenizer(t)
	w := weightsOfDocument(tok, "the cat sat on the mat.", 100)
	if strings.Join(w.Tokens, "") != "the cat sat on the mat." {
		t.Errorf("tokens %q do not spell the text", w.Tokens)
	}
	for _, x := range w.Weights {
		if x != 1 {
			t.Errorf("pre-training weight %v, want 1", x)
		}
	}
}

func TestWeightsOfChatBadRole(t *testing.T) {
	if _, err := weightsOfChat(testTokenizer(t), []record.Message{{Role: "robot", Content: "x"}}, 10); err == nil {
		t.Error("an unknown role was accepted")
	}
}
