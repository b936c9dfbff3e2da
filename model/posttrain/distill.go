package posttrain

import (
	"math/rand/v2"

	"tinystages/model"
	"tinystages/model/tokenizer"
)

// Distill is on-policy distillation: the student samples completions of
// prompts (as in RL), the teacher scores every sampled token, and each
// token is weighted by ReverseKLAdvantage, −(log p_student − log
// p_teacher). Where RL gets one number per completion, distillation gets
// a verdict on every token, so it should learn in fewer steps — but only
// up to what the teacher knows, and only where the student samples the
// teacher's tokens often enough to be told they are right: a weight on a
// token the student is already sure of moves it hardly at all, so a
// confident mistake stays. Measured on the shipped checkpoints (see the
// distill-vs-rl lesson): from the student, which had the teacher's
// arithmetic and forgot it, distillation closes half the gap in 4 steps
// where RL takes 35; from the SFT model, which never learned it, both
// settle on one answer for every problem. The student's log-probs are
// those it gave while sampling (Completion.LogProbs); the teacher needs
// one forward pass per batch. Rows are normalised by the number of
// completion tokens.
//
// The teacher is a frozen model of the same family and tokenizer: a larger
// or longer-trained one (see Lessons).
type Distill struct {
	Student *model.GPT
	Teacher *model.GPT
	Tok     *tokenizer.Tokenizer
	Prompts Prompts
	Opt     Options // Group, Temperature, MaxTokens

	report    map[string]float64
	samples   []Sample
	teacherLP []float32
	kl        []float32
}

// NewDistill returns the distillation producer.
func NewDistill(student, teacher *model.GPT, tok *tokenizer.Tokenizer, prompts Prompts, opt Options) (*Distill, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if err := checkPair("teacher", student, teacher); err != nil {
		return nil, err
	}
	return &Distill{Student: student, Teacher: teacher, Tok: tok, Prompts: prompts, Opt: opt}, nil
}

// Next implements train.Producer: G completions of each of max(1, B/G)
// prompts, weighted token by token by the teacher.
func (d *Distill) Next(B, T int, rng *rand.Rand) *model.Batch {
	G := d.Opt.Group
	r := rollout(d.Student, d.Tok, d.Prompts, max(1, B/G), d.Opt, T, rng)
	b := r.batch
	d.teacherLP = scoreTokens(d.Teacher, b, d.teacherLP)
	d.kl = growZero(d.kl, len(b.Weights))
	for i := range b.Weights {
		b.Weights[i] = 0
	}
	d.samples = d.samples[:0]
	var klSum, reward, format float64
	cut, length := 0, 0
	for i, c := range r.comps {
		var rowKL float64
		for j, lp := range c.LogProbs {
			k := r.pos(i, j)
			a := ReverseKLAdvantage(float64(lp), float64(d.teacherLP[k]))
			b.Weights[k] = float32(a)
			d.kl[k] = float32(-a)
			rowKL -= a
		}
		klSum += rowKL
		text, done := r.reply(d.Tok, i)
		prob := r.problems[i/G]
		s := Sample{Prompt: prob.Prompt, Completion: text, Answer: prob.Answer, Tokens: len(c.Tokens), Terminated: done,
			ReverseKL: rowKL / float64(max(len(c.Tokens), 1))}
		s.Reward, s.Format = MathReward(text, prob.Answer, done)
		reward += s.Reward
		format += s.Format
		if !c.Stopped {
			cut++
		}
		length += len(c.Tokens)
		d.samples = append(d.samples, s)
	}
	n := float64(len(r.comps))
	d.report = map[string]float64{
		MetricReverseKL:    klSum / float64(max(r.tokens, 1)),
		MetricReward:       reward / n,
		MetricFormatReward: format / n,
		MetricLength:       float64(length) / n,
		MetricCutOff:       float64(cut) / n,
		MetricTopAnswer:    TopAnswerShare(d.samples),
	}
	return b
}

// Report implements train.Reporter with the metrics of the last batch.
func (d *Distill) Report() map[string]float64 { return d.report }

// Samples are the student's completions of the last batch, each with its
// mean per-token reverse KL and the reward it would have earned, valid
// until the next batch.
func (d *Distill) Samples() []Sample { return d.samples }

// TokenKL is log p_student − log p_teacher at every position of the last
// batch [B*T] whose target the student sampled (0 elsewhere): the
// heatmap of where the student and the teacher disagree. The batch's
// weights are its negation.
func (d *Distill) TokenKL() []float32 { return d.kl }
