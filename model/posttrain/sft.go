package posttrain

import (
	"errors"
	"fmt"
	"math/rand/v2"

	ptdata "tinystages/datasets/posttrain"
	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// SFT is the supervised fine-tuning producer: conversations rendered with
// the chat template, one per row, the loss only on assistant tokens (the
// closing <|end|> included) — the weight of every other target is 0.
//
// The <|end|> is what teaches the model to stop. With Options.DropEnd it
// is left out of the mask, the classic bug: the model learns the answers
// but never to end its turn, and its replies run on to the length limit.
type SFT struct {
	rows  [][]int32   // rendered conversations, each at most T+1 tokens
	masks [][]float32 // their SFT masks
	// Skipped counts conversations longer than the context, left out.
	Skipped int
}

// ErrNoExamples is returned when no conversation fits the context.
var ErrNoExamples = errors.New("no usable examples")

// NewSFT renders convs for a model with context T. Conversations that do
// not fit T+1 tokens are skipped (and counted). Of opt only DropEnd
// matters.
func NewSFT(tok *tokenizer.Tokenizer, convs [][]chat.Message, T int, opt Options) (*SFT, error) {
	s := &SFT{}
	for i, c := range convs {
		toks, mask, err := chat.Render(tok, c)
		if err != nil {
			return nil, fmt.Errorf("posttrain: conversation %d: %w", i, err)
		}
		if len(toks) > T+1 {
			s.Skipped++
			continue
		}
		if opt.DropEnd {
			for j, t := range toks {
				if t == tokenizer.End {
					mask[j] = 0
				}
			}
		}
		s.rows = append(s.rows, toks)
		s.masks = append(s.masks, mask)
	}
	if len(s.rows) == 0 {
		return nil, fmt.Errorf("posttrain: %w: all %d conversations exceed the context of %d tokens", ErrNoExamples, len(convs), T)
	}
	return s, nil
}

// Len is the number of usable conversations.
func (s *SFT) Len() int { return len(s.rows) }

// Next implements train.Producer: B conversations drawn at random, padded
// to the width the longest needs (a multiple of 32, at most T).
func (s *SFT) Next(B, T int, rng *rand.Rand) *model.Batch {
	rows := make([][]int32, B)
	masks := make([][]float32, B)
	for b := range rows {
		i := rng.IntN(len(s.rows))
		rows[b], masks[b] = s.rows[i], s.masks[i]
	}
	return train.PackSequences(rows, masks, fitWidth(rows, T))
}

// Conversations converts SFT records to the chat template's messages,
// with each record's kind (fact, idk, math, ...).
func Conversations(recs []record.Example) (convs [][]chat.Message, kinds []string) {
	convs = make([][]chat.Message, len(recs))
	kinds = make([]string, len(recs))
	for i, r := range recs {
		for _, m := range r.Messages {
			convs[i] = append(convs[i], chat.Message{Role: m.Role, Content: m.Content})
		}
		kinds[i] = r.Kind
	}
	return convs, kinds
}

// MathConversations turns math problems into SFT conversations answered
// with the reference solution: the working, then \boxed{answer}
// (datasets/posttrain.Solution). Training on them is "more math SFT", one
// way to make a teacher for distillation.
func MathConversations(problems []record.MathProblem) [][]chat.Message {
	convs := make([][]chat.Message, len(problems))
	for i, p := range problems {
		sol := ptdata.Solution(ptdata.Problem{Prompt: p.Prompt, Answer: p.Answer, Level: p.Level})
		convs[i] = []chat.Message{{Role: chat.RoleUser, Content: p.Prompt}, {Role: chat.RoleAssistant, Content: sol}}
	}
	return convs
}
