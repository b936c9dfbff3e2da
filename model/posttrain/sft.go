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
//
// With a replay corpus (SetReplay), a share of the rows are windows of
// pre-training text instead, every token trained: SFT then teaches the
// format without overwriting what pre-training put in.
type SFT struct {
	rows  [][]int32   // rendered conversations, each at most T+1 tokens
	masks [][]float32 // their SFT masks
	// Skipped counts conversations longer than the context, left out.
	Skipped int

	replay  *train.Corpus
	share   float64
	origins []string // of the last batch's rows: OriginConversation or OriginReplay
}

// Origins of SFT's rows, as Origins reports them.
const (
	OriginConversation = "conversation"
	OriginReplay       = "replay"
)

// ReplayWindow is the length in tokens of a replayed row: about a
// conversation's, so that replay does not widen the batch much.
const ReplayWindow = 64

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

// SetReplay makes share of each batch's rows windows of c (0 turns replay
// off). c must hold more than a window.
func (s *SFT) SetReplay(c *train.Corpus, share float64) error {
	if !(share >= 0 && share < 1) {
		return fmt.Errorf("posttrain: %w: replay = %v, want in [0, 1)", ErrBadOptions, share)
	}
	if share > 0 && (c == nil || len(c.Tokens) < ReplayWindow+2) {
		return fmt.Errorf("posttrain: %w: the replay corpus cannot fill a window of %d tokens", train.ErrCorpusTooSmall, ReplayWindow+1)
	}
	s.replay, s.share = nil, 0
	if share > 0 {
		s.replay, s.share = c, share
	}
	return nil
}

// Origins returns where each row of the last batch came from:
// OriginConversation or OriginReplay.
func (s *SFT) Origins() []string { return append([]string(nil), s.origins...) }

// Len is the number of usable conversations.
func (s *SFT) Len() int { return len(s.rows) }

// Next implements train.Producer: B conversations drawn at random (or,
// with replay, replayed windows in their share), padded to the width the
// longest needs (a multiple of 32, at most T).
func (s *SFT) Next(B, T int, rng *rand.Rand) *model.Batch {
	rows := make([][]int32, B)
	masks := make([][]float32, B)
	s.origins = s.origins[:0]
	for b := range rows {
		if s.replay != nil && rng.Float64() < s.share {
			rows[b], masks[b] = s.replayWindow(min(ReplayWindow, T), rng)
			s.origins = append(s.origins, OriginReplay)
			continue
		}
		i := rng.IntN(len(s.rows))
		rows[b], masks[b] = s.rows[i], s.masks[i]
		s.origins = append(s.origins, OriginConversation)
	}
	return train.PackSequences(rows, masks, fitWidth(rows, T))
}

// replayWindow is a random window of n+1 tokens of the replay corpus,
// every target weighted 1.
func (s *SFT) replayWindow(n int, rng *rand.Rand) ([]int32, []float32) {
	mask := make([]float32, n+1)
	for i := 1; i <= n; i++ {
		mask[i] = 1
	}
	return s.replay.Window(n, rng), mask
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
