package posttrain

import (
	"math"
	"math/rand/v2"

	ptdata "tinystages/datasets/posttrain"
	"tinystages/model"
	"tinystages/model/tokenizer"
)

// Metric names of the producers' reports (Metrics.Extra), shared with the
// UI's charts.
const (
	MetricReward         = "reward"          // RL, distillation: mean verifiable reward of the samples
	MetricFormatReward   = "format_reward"   // RL, distillation: mean format reward
	MetricZeroVariance   = "zero_var_groups" // RL: share of groups whose rewards are all equal
	MetricLength         = "completion_len"  // RL, distillation: mean completion tokens
	MetricCutOff         = "cut_off"         // RL, distillation: share of completions cut at the length limit
	MetricKL             = "kl"              // RL: mean per-token KL(π‖π_ref), k3 estimate
	MetricTopAnswer      = "top_answer"      // RL, distillation: share of completions boxing the batch's most common answer
	MetricReverseKL      = "reverse_kl"      // distillation: mean per-token log p_student − log p_teacher
	MetricDPOLoss        = "dpo_loss"        // DPO: mean −log σ(β·margin)
	MetricRewardMargin   = "reward_margin"   // DPO: mean implicit reward margin β·margin
	MetricRewardAcc      = "reward_accuracy" // DPO: share of pairs with a positive margin
	MetricChosenReward   = "chosen_reward"   // DPO: mean β·(log π − log π_ref) of chosen replies
	MetricRejectedReward = "rejected_reward" // DPO: the same for rejected replies
)

// GRPO is reinforcement learning with a verifiable reward, as Group
// Relative Policy Optimisation is commonly practised:
//
//   - for each of B/G prompts (math problems), sample G completions from
//     the current policy (KV-cached, temperature Options.Temperature, at
//     most Options.MaxTokens tokens);
//   - reward each by its \boxed{} answer (1 right, 0 wrong), plus
//     Options.FormatReward times the format reward (terminated, ending
//     with the box);
//   - normalise the rewards within each group, (r − mean)/std, so that
//     the policy learns which of its own attempts were better than its
//     average; a group whose rewards are all equal gives no signal and
//     weight 0 (GroupAdvantages);
//   - weight every sampled token of a completion by its advantage and
//     normalise by the number of completion tokens in the batch
//     (token-level normalisation, as DAPO and Dr. GRPO do, so long
//     completions are not down-weighted).
//
// Each batch is used for one update, so the importance ratio of GRPO's
// clipped objective is 1 and the clip never acts: the loss is the plain
// policy gradient. With a reference model, the per-token KL to it is
// reported, and with Options.KL > 0 it is also penalised, folded into the
// weight as −β·k1 (KLPenalty).
type GRPO struct {
	Policy  *model.GPT
	Ref     *model.GPT // frozen reference; nil: no KL
	Tok     *tokenizer.Tokenizer
	Prompts Prompts
	Opt     Options
	// Reward grades a completion (its text before <|end|>, and whether it
	// ended there); NewGRPO sets MathReward.
	Reward RewardFunc

	report  map[string]float64
	samples []Sample
	refLP   []float32
	kl      []float32
}

// NewGRPO returns the RL producer for policy, drawing problems from
// prompts; ref may be nil.
func NewGRPO(policy, ref *model.GPT, tok *tokenizer.Tokenizer, prompts Prompts, opt Options) (*GRPO, error) {
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	if ref != nil {
		if err := checkPair("reference", policy, ref); err != nil {
			return nil, err
		}
	}
	return &GRPO{Policy: policy, Ref: ref, Tok: tok, Prompts: prompts, Opt: opt, Reward: MathReward}, nil
}

// RewardFunc is a verifiable reward: the reward of a completion of a
// problem with the given answer, and its format reward.
type RewardFunc func(completion, answer string, terminated bool) (reward, format float64)

// MathReward is 1 when the last \boxed{} of the completion holds the
// answer; its format reward is 1 when the completion is terminated and
// ends with the box (datasets/posttrain.Check).
func MathReward(completion, answer string, terminated bool) (reward, format float64) {
	g := ptdata.Check(completion, answer, terminated)
	if g.Correct {
		reward = 1
	}
	if g.Formatted {
		format = 1
	}
	return reward, format
}

// Next implements train.Producer: B/G prompts (at least one) with G
// completions each, so the batch has G·max(1, B/G) rows.
func (g *GRPO) Next(B, T int, rng *rand.Rand) *model.Batch {
	G := g.Opt.Group
	r := rollout(g.Policy, g.Tok, g.Prompts, max(1, B/G), g.Opt, T, rng)
	n := len(r.comps)
	rewards, format := make([]float64, n), make([]float64, n)
	total := make([]float64, n)
	g.samples = g.samples[:0]
	cut, length := 0, 0
	for i := range r.comps {
		text, done := r.reply(g.Tok, i)
		prob := r.problems[i/G]
		rewards[i], format[i] = g.Reward(text, prob.Answer, done)
		total[i] = rewards[i] + g.Opt.FormatReward*format[i]
		if !r.comps[i].Stopped {
			cut++
		}
		length += len(r.comps[i].Tokens)
		g.samples = append(g.samples, Sample{Prompt: prob.Prompt, Completion: text, Answer: prob.Answer,
			Reward: rewards[i], Format: format[i], Tokens: len(r.comps[i].Tokens), Terminated: done})
	}
	adv := make([]float64, n)
	zero := GroupAdvantages(adv, total, G)
	b := r.batch
	for i := range b.Weights {
		b.Weights[i] = 0
	}
	if g.Ref != nil {
		g.refLP = scoreTokens(g.Ref, b, g.refLP)
		g.kl = growZero(g.kl, len(b.Weights))
	}
	var klSum float64
	for i, c := range r.comps {
		g.samples[i].Advantage = adv[i]
		for j, lp := range c.LogProbs {
			k := r.pos(i, j)
			w := adv[i]
			if g.Ref != nil {
				ref := float64(g.refLP[k])
				kl := K3(float64(lp), ref)
				g.kl[k] = float32(kl)
				klSum += kl
				if g.Opt.KL > 0 {
					w += KLPenalty(g.Opt.KL, float64(lp), ref)
				}
			}
			b.Weights[k] = float32(w)
		}
	}
	g.report = map[string]float64{
		MetricReward:       mean(rewards),
		MetricFormatReward: mean(format),
		MetricZeroVariance: float64(zero) / float64(n/G),
		MetricLength:       float64(length) / float64(n),
		MetricCutOff:       float64(cut) / float64(n),
		MetricTopAnswer:    TopAnswerShare(g.samples),
	}
	if g.Ref != nil {
		g.report[MetricKL] = klSum / float64(max(r.tokens, 1))
	}
	return b
}

// Report implements train.Reporter with the metrics of the last batch.
func (g *GRPO) Report() map[string]float64 { return g.report }

// Samples are the completions of the last batch with their rewards and
// advantages, in batch row order, valid until the next batch.
func (g *GRPO) Samples() []Sample { return g.samples }

// TokenKL is the per-token KL estimate (k3) to the reference at each
// position of the last batch [B*T] (0 where no sampled token; nil without
// a reference).
func (g *GRPO) TokenKL() []float32 { return g.kl }

// TopAnswerShare is the share of samples whose completion boxes the most
// common answer among them (a completion without a \boxed{} answer boxes
// none). Near 1, the policy gives one number whatever the problem: a
// reward can rise that way, with no arithmetic learned, when that number
// is often right.
func TopAnswerShare(samples []Sample) float64 {
	if len(samples) == 0 {
		return math.NaN()
	}
	count := map[string]int{}
	top := 0
	for _, s := range samples {
		if a, ok := ptdata.ExtractBoxed(s.Completion); ok {
			a = ptdata.NormalizeAnswer(a)
			count[a]++
			top = max(top, count[a])
		}
	}
	return float64(top) / float64(len(samples))
}

func mean(x []float64) float64 {
	if len(x) == 0 {
		return math.NaN()
	}
	var s float64
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func growZero(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	s = s[:n]
	clear(s)
	return s
}
