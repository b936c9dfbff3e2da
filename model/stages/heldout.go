package stages

import (
	ptdata "tinystages/datasets/posttrain"
	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/eval"
	"tinystages/model/posttrain"
	"tinystages/model/tokenizer"
)

// SampledMaxTokens is the length limit of the completions sampled for
// "math_sampled".
const SampledMaxTokens = 40

// MathHeldOut measures "math_accuracy" and "format" on probs, greedy as
// the report card decodes, "math_answers", how many different answers
// those replies box, "math_constant", what the best constant answer
// scores on probs (a math accuracy near it with few answers is a model
// that boxes one number, not arithmetic), and, when sampled > 0,
// "math_sampled": the mean reward of sampled completions per problem at
// temperature 1.
func MathHeldOut(tok *tokenizer.Tokenizer, T int, probs []record.MathProblem, sampled int) func(*model.GPT) (map[string]float64, error) {
	suite := eval.NewSuite(tok, T, eval.Data{Math: probs}, eval.Limits{})
	_, constant := ptdata.ConstantAccuracy(probs)
	return func(m *model.GPT) (map[string]float64, error) {
		r, err := suite.Evaluate("", m, nil)
		if err != nil {
			return nil, err
		}
		out := map[string]float64{"math_accuracy": r.MathAccuracy, "format": r.Format,
			"math_answers": r.MathAnswers, "math_constant": constant}
		if sampled > 0 {
			acc, err := posttrain.SampledAccuracy(m, tok, probs, sampled, SampledMaxTokens, 1)
			if err != nil {
				return nil, err
			}
			out["math_sampled"] = acc
		}
		return out, nil
	}
}

// PrefHeldOut measures "preference_accuracy" on pairs: the share where
// the model gives the chosen reply a higher log-probability than the
// rejected one (the report card's). With a reference model it also
// measures "dpo_accuracy": the share where DPO's implicit reward ranks
// them so (posttrain.ImplicitAccuracy), which moves on the kinds of pair
// a preference carries over to new questions even where SFT already
// settled the first.
func PrefHeldOut(tok *tokenizer.Tokenizer, T int, pairs []record.Preference, ref *model.GPT) func(*model.GPT) (map[string]float64, error) {
	suite := eval.NewSuite(tok, T, eval.Data{Prefs: pairs}, eval.Limits{})
	return func(m *model.GPT) (map[string]float64, error) {
		r, err := suite.Evaluate("", m, nil)
		if err != nil {
			return nil, err
		}
		out := map[string]float64{"preference_accuracy": r.PrefAccuracy}
		if ref != nil {
			if out["dpo_accuracy"], err = posttrain.ImplicitAccuracy(m, ref, tok, pairs); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
}

// spread returns n items of x taken at even strides (all when n is 0 or
// at least len(x)), so that a subset of a file sorted by level or kind
// still covers every level and kind.
func spread[T any](x []T, n int) []T {
	if n <= 0 || n >= len(x) {
		return x
	}
	out := make([]T, n)
	for i := range out {
		out[i] = x[i*len(x)/n]
	}
	return out
}
