package posttrain

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"tinystages/datasets/internal/rng"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

func prefSets(w *world.World, mathTrain, mathEval []record.MathProblem, seed uint64, cfg Config) (train, eval []record.Preference) {
	r := rng.New(seed, "posttrain/preference")
	add := func(dst *[]record.Preference, kind, prompt, chosen, rejected string) {
		*dst = append(*dst, record.Preference{ID: "pref-" + kind + ":" + prompt, Prompt: prompt, Chosen: chosen, Rejected: rejected, Kind: kind})
	}
	for _, f := range w.Facts {
		dst := &eval
		if f.SFT {
			dst = &train
		}
		q := f.Question(0)
		if f.Seen == record.SeenNever {
			add(dst, record.KindFaithful, q, world.IDK, w.Distractor(f, r))
			continue
		}
		add(dst, record.KindFaithful, q, f.Answer, w.Distractor(f, r))
		q1 := f.Question(1)
		add(dst, record.KindConcise, q1, f.Answer, f.Answer+"."+rambling(r))
	}
	for i, p := range mathTrain {
		if i >= cfg.PrefMath {
			break
		}
		add(&train, record.KindCorrect, p.Prompt, solution(p), wrongSolution(p, r))
	}
	for i, p := range mathEval {
		if i >= cfg.PrefMathEval {
			break
		}
		add(&eval, record.KindCorrect, p.Prompt, solution(p), wrongSolution(p, r))
	}
	// Format pairs: problems spread over the split (so over the levels),
	// the right answer either way.
	for i := range min(cfg.PrefFormat, len(mathTrain)) {
		p := mathTrain[i*len(mathTrain)/cfg.PrefFormat]
		add(&train, record.KindFormat, p.Prompt, solution(p), unboxed(p))
	}
	for i := range min(cfg.PrefFormatEval, len(mathEval)) {
		p := mathEval[i*len(mathEval)/cfg.PrefFormatEval]
		add(&eval, record.KindFormat, p.Prompt, solution(p), unboxed(p))
	}
	r.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
	return train, eval
}

func solution(p record.MathProblem) string {
	return Solution(Problem{Prompt: p.Prompt, Answer: p.Answer, Level: p.Level})
}

// wrongSolution is the reference solution with its final result changed by
// 1 to 3, in the working and in the box.
func wrongSolution(p record.MathProblem, r *rng.Source) string {
	ans, _ := strconv.Atoi(p.Answer)
	wrong := ans + r.Range(1, 3)
	if r.Chance(0.5) && ans-3 >= 0 {
		wrong = ans - r.Range(1, 3)
	}
	s := solution(p)
	ws := strconv.Itoa(wrong)
	if i := strings.LastIndex(s, "= "+p.Answer+"."); i >= 0 {
		s = s[:i] + "= " + ws + "." + s[i+len("= "+p.Answer+"."):]
	}
	return strings.Replace(s, `\boxed{`+p.Answer+`}`, `\boxed{`+ws+`}`, 1)
}

// unboxed is the reference solution without its \boxed{} answer: the
// working ends with the right result, but not in the format asked for.
// It is shorter than the chosen reply, so a model that gives the pair's
// replies their summed likelihood prefers it unless it has learned the
// format.
func unboxed(p record.MathProblem) string {
	s := strings.TrimSpace(strings.Replace(solution(p), `\boxed{`+p.Answer+`}`, "", 1))
	if s == "" {
		return p.Answer
	}
	return s
}

// ErrUnverifiable is returned by CheckPreference when a pair's label cannot
// be verified: its kind is unknown, or its prompt is not a known question or
// problem.
var ErrUnverifiable = errors.New("preference label cannot be verified")

// CheckPreference verifies, by code alone, that p's chosen reply is better
// than its rejected one for the reason its kind states:
//
//   - "correct": Solve(prompt) recomputes the answer; chosen's last \boxed{}
//     must hold it and rejected's must not.
//   - "faithful": the prompt must be a question of w (world.Lookup). For a
//     fact seen in training, chosen must Match its answer and rejected must
//     not; for a never-seen fact, chosen must decline (world.IsIDK) and
//     rejected must not.
//   - "format": Solve(prompt) recomputes the answer; chosen must box it
//     and end with the box; rejected must not box anything but must
//     state the answer.
//   - "concise": the prompt must be a question of w; chosen must Match its
//     answer, and rejected must start with the same answer and run on for at
//     least 40 more bytes.
//
// It returns nil when the label holds, else an error saying why not.
func CheckPreference(w *world.World, p record.Preference) error {
	switch p.Kind {
	case record.KindCorrect:
		ans, ok := Solve(p.Prompt)
		if !ok {
			return fmt.Errorf("%w: %q is not a known problem", ErrUnverifiable, p.Prompt)
		}
		if !Check(p.Chosen, ans, false).Correct {
			return fmt.Errorf("chosen %q does not box the answer %s", p.Chosen, ans)
		}
		if Check(p.Rejected, ans, false).Correct {
			return fmt.Errorf("rejected %q boxes the answer %s", p.Rejected, ans)
		}
		return nil
	case record.KindFormat:
		ans, ok := Solve(p.Prompt)
		if !ok {
			return fmt.Errorf("%w: %q is not a known problem", ErrUnverifiable, p.Prompt)
		}
		if g := Check(p.Chosen, ans, true); !g.Correct || !g.Formatted {
			return fmt.Errorf("chosen %q does not end with the boxed answer %s", p.Chosen, ans)
		}
		if strings.Contains(p.Rejected, `\boxed{`) || !strings.Contains(p.Rejected, ans) {
			return fmt.Errorf("rejected %q should state the answer %s without \\boxed{}", p.Rejected, ans)
		}
		return nil
	case record.KindFaithful, record.KindConcise:
		f, ok := w.Lookup(p.Prompt)
		if !ok {
			return fmt.Errorf("%w: %q is not a question of the world", ErrUnverifiable, p.Prompt)
		}
		if p.Kind == record.KindConcise {
			if !world.Match(p.Chosen, f.Answer) {
				return fmt.Errorf("chosen %q is not the answer %q", p.Chosen, f.Answer)
			}
			if !strings.HasPrefix(p.Rejected, strings.TrimRight(p.Chosen, ".")) || len(p.Rejected) < len(p.Chosen)+40 {
				return fmt.Errorf("rejected %q does not run on after the answer", p.Rejected)
			}
			return nil
		}
		if f.Seen == record.SeenNever {
			if !world.IsIDK(p.Chosen) || world.IsIDK(p.Rejected) {
				return fmt.Errorf("never-seen fact %s: want chosen to decline and rejected to guess, got %q / %q", f.ID, p.Chosen, p.Rejected)
			}
			return nil
		}
		if !world.Match(p.Chosen, f.Answer) || world.Match(p.Rejected, f.Answer) {
			return fmt.Errorf("fact %s (%q): chosen %q, rejected %q", f.ID, f.Answer, p.Chosen, p.Rejected)
		}
		return nil
	}
	return fmt.Errorf("%w: unknown kind %q", ErrUnverifiable, p.Kind)
}
