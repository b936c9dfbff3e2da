// Package chat is tinystages' chat template: how a conversation becomes
// tokens, and which of those tokens a post-training loss trains on.
//
// A conversation renders as
//
//	<|bos|> [<|system|> text <|end|>] <|user|> "Q: " text "\n" "A:" " " text <|end|> <|user|> ...
//
// A user turn opens with <|user|>, a special token that no text can
// produce (the tokenizer encodes the literal string "<|user|>" in a
// message as ordinary bytes), and <|end|> closes every assistant turn, so
// a user cannot close a turn of the assistant's or open a new turn by
// typing (they can type "A:", but not the <|end|> that ends a reply).
// Inside a turn the template writes the question and its answer
// the way the pre-training pages' FAQs do, "Q: …\nA: …": the assistant's
// reply follows the text "A:" rather than a special <|assistant|> token.
// That is measured, not taste: a tiny model answers a question the way it
// read answers, and a token it never read between the question and the
// place of the answer cuts that route. From the same mid-trained model,
// SFT data and steps, with half of SFT's rows pre-training text, the
// former template (<|user|> text <|end|> <|assistant|> text <|end|>)
// answered none of 31 held-out questions about pre-training facts, the
// same with "Q: " and "A:" written inside its special tokens 1, and
// this one 8 (posttrain.TestSFTElicits has the shipped model's numbers).
//
// Render also returns the loss mask of supervised fine-tuning: 1 on the
// tokens of every assistant reply and on the <|end|> that closes it, 0 on
// everything else ("A:" included). The <|end|> is inside the mask on
// purpose: a model that is never trained to emit it never learns to stop.
package chat

import (
	"errors"
	"fmt"
	"strings"

	"tinystages/model/tokenizer"
)

// Roles of a message.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one turn of a conversation, as in the TRL "messages" format.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ErrBadRole is returned for a message whose role is not system, user or
// assistant.
var ErrBadRole = errors.New("unknown role")

// Text that opens the question and the reply inside a turn: the FAQ form
// of the pre-training pages.
const (
	QuestionCue = "Q: "
	ReplyCue    = "A:"
)

// Render returns the tokens of msgs and the SFT mask: mask[i] is 1 when
// tokens[i] belongs to an assistant reply (its text or its closing
// <|end|>), else 0.
func Render(tok *tokenizer.Tokenizer, msgs []Message) (tokens []int32, mask []float32, err error) {
	tokens = []int32{tokenizer.BOS}
	mask = []float32{0}
	add := func(w float32, ids ...int32) {
		tokens = append(tokens, ids...)
		for range ids {
			mask = append(mask, w)
		}
	}
	for _, m := range msgs {
		switch m.Role {
		case RoleSystem:
			add(0, tokenizer.System)
			add(0, tok.EncodeString(m.Content)...)
			add(0, tokenizer.End)
		case RoleUser:
			add(0, tokenizer.User)
			add(0, tok.EncodeString(QuestionCue+m.Content+"\n")...)
		case RoleAssistant:
			add(0, tok.EncodeString(ReplyCue)...)
			add(1, tok.EncodeString(" "+m.Content)...)
			add(1, tokenizer.End)
		default:
			return nil, nil, fmt.Errorf("chat: %w %q (want system, user or assistant)", ErrBadRole, m.Role)
		}
	}
	return tokens, mask, nil
}

// Prompt renders msgs followed by the reply cue "A:": the prefix from
// which a model generates its reply (ending it with <|end|>).
func Prompt(tok *tokenizer.Tokenizer, msgs []Message) ([]int32, error) {
	tokens, _, err := Render(tok, msgs)
	if err != nil {
		return nil, err
	}
	return append(tokens, tok.EncodeString(ReplyCue)...), nil
}

// UserPrompt is Prompt for a single user question.
func UserPrompt(tok *tokenizer.Tokenizer, question string) []int32 {
	p, _ := Prompt(tok, []Message{{Role: RoleUser, Content: question}})
	return p
}

// Reply decodes a generated reply: the text before the first <|end|> (or
// all of it), without the space that follows the reply cue, and whether
// the <|end|> was there (the reply terminated).
func Reply(tok *tokenizer.Tokenizer, generated []int32) (text string, terminated bool) {
	for i, t := range generated {
		if t == tokenizer.End {
			generated, terminated = generated[:i], true
			break
		}
	}
	return strings.TrimPrefix(tok.DecodeString(generated), " "), terminated
}
