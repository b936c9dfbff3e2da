// Package chat is tinystages' chat template: how a conversation becomes
// tokens, and which of those tokens a post-training loss trains on.
//
// A conversation renders as
//
//	<|bos|> [<|system|> text <|end|>] <|user|> text <|end|> <|assistant|> text <|end|> ...
//
// The role tokens and <|end|> are special tokens that no text can produce
// (the tokenizer encodes the literal string "<|end|>" in a message as
// ordinary bytes), so a user cannot forge a turn.
//
// Render also returns the loss mask of supervised fine-tuning: 1 on the
// tokens of every assistant message and on the <|end|> that closes it, 0
// on everything else. The <|end|> is inside the mask on purpose: a model
// that is never trained to emit it never learns to stop.
package chat

import (
	"errors"
	"fmt"

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

func roleToken(role string) (int32, error) {
	switch role {
	case RoleSystem:
		return tokenizer.System, nil
	case RoleUser:
		return tokenizer.User, nil
	case RoleAssistant:
		return tokenizer.Assistant, nil
	}
	return 0, fmt.Errorf("chat: %w %q (want system, user or assistant)", ErrBadRole, role)
}

// Render returns the tokens of msgs and the SFT mask: mask[i] is 1 when
// tokens[i] belongs to an assistant message (its text or its closing
// <|end|>), else 0.
func Render(tok *tokenizer.Tokenizer, msgs []Message) (tokens []int32, mask []float32, err error) {
	tokens = []int32{tokenizer.BOS}
	mask = []float32{0}
	for _, m := range msgs {
		rt, err := roleToken(m.Role)
		if err != nil {
			return nil, nil, err
		}
		w := float32(0)
		if m.Role == RoleAssistant {
			w = 1
		}
		tokens = append(tokens, rt)
		mask = append(mask, 0)
		body := tok.EncodeString(m.Content)
		tokens = append(tokens, body...)
		tokens = append(tokens, tokenizer.End)
		for range len(body) + 1 {
			mask = append(mask, w)
		}
	}
	return tokens, mask, nil
}

// Prompt renders msgs followed by the <|assistant|> token: the prefix
// from which a model generates its reply (ending it with <|end|>).
func Prompt(tok *tokenizer.Tokenizer, msgs []Message) ([]int32, error) {
	tokens, _, err := Render(tok, msgs)
	if err != nil {
		return nil, err
	}
	return append(tokens, tokenizer.Assistant), nil
}

// UserPrompt is Prompt for a single user question.
func UserPrompt(tok *tokenizer.Tokenizer, question string) []int32 {
	p, _ := Prompt(tok, []Message{{Role: RoleUser, Content: question}})
	return p
}

// Reply decodes a generated reply: the text before the first <|end|> (or
// all of it), and whether the <|end|> was there (the reply terminated).
func Reply(tok *tokenizer.Tokenizer, generated []int32) (text string, terminated bool) {
	for i, t := range generated {
		if t == tokenizer.End {
			return tok.DecodeString(generated[:i]), true
		}
	}
	return tok.DecodeString(generated), false
}
