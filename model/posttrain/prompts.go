package posttrain

import (
	"math/rand/v2"

	ptdata "tinystages/datasets/posttrain"
	"tinystages/datasets/record"
)

// Prompts is where RL and distillation draw their problems: a prompt and
// the answer that verifies a completion.
type Prompts interface {
	Next(rng *rand.Rand) record.MathProblem
}

// MathStream is an endless stream of fresh math problems of every level
// (datasets/posttrain.MathGen): never an evaluation problem.
type MathStream struct {
	gen *ptdata.MathGen
}

// NewMathStream returns the stream for seed.
func NewMathStream(seed uint64) *MathStream { return &MathStream{gen: ptdata.NewMathGen(seed)} }

// Next implements Prompts; the stream has its own seeded generator and
// ignores rng.
func (s *MathStream) Next(*rand.Rand) record.MathProblem {
	p := s.gen.Next()
	return record.MathProblem{ID: p.ID(), Prompt: p.Prompt, Answer: p.Answer, Level: p.Level}
}

// PromptSet draws problems from a fixed set (a user's prompt file, or
// math.train.jsonl) uniformly with the run's rng.
type PromptSet []record.MathProblem

// Next implements Prompts.
func (s PromptSet) Next(rng *rand.Rand) record.MathProblem { return s[rng.IntN(len(s))] }
