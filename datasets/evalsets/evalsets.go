package evalsets

import (
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

// QA returns the evaluation questions about held-out facts placed in seen
// (record.SeenPretrain, SeenMidtrain or SeenNever), in fact order.
func QA(w *world.World, seen string) []record.QA {
	var out []record.QA
	for _, f := range w.FactsSeen(seen) {
		if f.SFT {
			continue
		}
		out = append(out, record.QA{Question: f.Question(0), Answer: f.Answer, Fact: f.ID, Seen: f.Seen})
	}
	return out
}

// Score is exact-match accuracy on a QA set.
type Score struct {
	Asked, Correct, Declined int
}

// Accuracy is Correct / Asked (0 for an empty set).
func (s Score) Accuracy() float64 {
	if s.Asked == 0 {
		return 0
	}
	return float64(s.Correct) / float64(s.Asked)
}

// ScoreQA grades replies[i] against items[i]: correct if world.Match, and
// declined if world.IsIDK. It panics if the lengths differ.
func ScoreQA(items []record.QA, replies []string) Score {
	if len(items) != len(replies) {
		panic("evalsets: ScoreQA: items and replies differ in length")
	}
	s := Score{Asked: len(items)}
	for i, q := range items {
		if world.Match(replies[i], q.Answer) {
			s.Correct++
		}
		if world.IsIDK(replies[i]) {
			s.Declined++
		}
	}
	return s
}
