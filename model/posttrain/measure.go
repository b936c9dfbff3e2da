package posttrain

import (
	"math/rand/v2"

	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/eval"
	"tinystages/model/tokenizer"
)

// SampledAccuracy is the mean verifiable reward of n completions per
// problem sampled at temperature 1 (the policy RL optimises; pass@1 with
// sampling), up to maxTokens each. The report card's math accuracy
// decodes greedily instead; RL usually moves the sampled accuracy first,
// by making the policy surer of the answers it can already reach.
func SampledAccuracy(m *model.GPT, tok *tokenizer.Tokenizer, probs []record.MathProblem, n, maxTokens int, seed uint64) (float64, error) {
	if len(probs) == 0 || n < 1 {
		return 0, nil
	}
	rng := rand.New(rand.NewPCG(seed, 4))
	opt := model.SampleOptions{Temperature: 1, MaxTokens: maxTokens, Stop: []int32{tokenizer.End}}
	var sum float64
	for _, p := range probs {
		out, err := m.Generate(chat.UserPrompt(tok, p.Prompt), n, opt, rng)
		if err != nil {
			return 0, err
		}
		for _, c := range out {
			text, done := chat.Reply(tok, c.Tokens)
			r, _ := MathReward(text, p.Answer, done)
			sum += r
		}
	}
	return sum / float64(len(probs)*n), nil
}

// ImplicitAccuracy is DPO's own preference accuracy on pairs
// (eval.Suite.ImplicitPrefAccuracy): the share of pairs whose implicit
// reward β·log(π_policy/π_ref) is higher for the chosen reply than for the
// rejected one (what TRL reports as rewards/accuracies, here on pairs the
// policy did not train on). Ties, as when the policy is the reference,
// count as wrong. The report card's preference accuracy compares the
// policy's raw likelihoods instead, which SFT may already have settled for
// the kinds a preference can teach.
func ImplicitAccuracy(policy, ref *model.GPT, tok *tokenizer.Tokenizer, pairs []record.Preference) (float64, error) {
	if len(pairs) == 0 {
		return 0, nil
	}
	s := eval.NewSuite(tok, policy.Config.MaxSeqLen, eval.Data{Prefs: pairs}, eval.Limits{})
	return s.ImplicitPrefAccuracy(policy, ref)
}
