package ui

import (
	"fmt"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/datasets/record"
	"tinystages/model/chat"
	"tinystages/model/tokenizer"
)

// weighted is a run of tokens and the loss weight of each as a target.
type weighted struct {
	Tokens  []string  // decoded text of each token
	Weights []float32 // its weight in the loss
	Source  string    // where the example comes from, for the caption
}

// weightsOfDocument tokenizes text as the pre- and mid-training objective
// sees it: every target token has weight 1.
func weightsOfDocument(tok *tokenizer.Tokenizer, text string, maxTokens int) weighted {
	ids := tok.EncodeString(text)
	if len(ids) > maxTokens {
		ids = ids[:maxTokens]
	}
	w := weighted{}
	for _, id := range ids {
		w.Tokens = append(w.Tokens, string(tok.TokenBytes(id)))
		w.Weights = append(w.Weights, 1)
	}
	return w
}

// weightsOfChat lays out a chat example as supervised fine-tuning weighs
// it, by the chat template (package chat): the assistant's tokens and the
// <|end|> that closes each of its turns have weight 1, the prompt 0.
func weightsOfChat(tok *tokenizer.Tokenizer, msgs []record.Message, maxTokens int) (weighted, error) {
	cm := make([]chat.Message, len(msgs))
	for i, m := range msgs {
		cm[i] = chat.Message{Role: m.Role, Content: m.Content}
	}
	ids, mask, err := chat.Render(tok, cm)
	if err != nil {
		return weighted{}, err
	}
	if len(ids) > maxTokens {
		ids, mask = ids[:maxTokens], mask[:maxTokens]
	}
	w := weighted{Weights: mask}
	for _, id := range ids {
		w.Tokens = append(w.Tokens, string(tok.TokenBytes(id)))
	}
	return w, nil
}

// weightStrip draws tokens shaded by their weight: the picture that
// explains every stage's objective.
func weightStrip(w weighted, testid string) app.UI {
	return app.Div().Class("strip").DataSet("testid", testid).
		Aria("label", "tokens shaded by their loss weight").
		Body(app.Range(w.Tokens).Slice(func(i int) app.UI {
			wt := w.Weights[i]
			cls := "tok w1"
			switch {
			case wt == 0:
				cls = "tok w0"
			case wt < 0:
				cls = "tok wneg"
			}
			text := strings.ReplaceAll(w.Tokens[i], "\n", "↵\n")
			return app.Span().Class(cls).Title(fmt.Sprintf("weight %g", wt)).Text(text)
		}))
}
