package evalsets_test

import (
	"testing"

	"tinystages/datasets/evalsets"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

func TestQA(t *testing.T) {
	w := world.Generate(1)
	total := 0
	for _, seen := range []string{record.SeenPretrain, record.SeenMidtrain, record.SeenNever} {
		qa := evalsets.QA(w, seen)
		if len(qa) == 0 {
			t.Errorf("no %s questions", seen)
		}
		total += len(qa)
		for _, q := range qa {
			f := w.Fact(q.Fact)
			if f.SFT || f.Seen != seen || q.Seen != seen || q.Question != f.Question(0) || q.Answer != f.Answer {
				t.Errorf("%+v does not match fact %+v", q, f.Record())
			}
			if err := q.Validate(); err != nil {
				t.Error(err)
			}
		}
	}
	if total*3 < len(w.Facts) {
		t.Errorf("only %d of %d facts are asked", total, len(w.Facts))
	}
}

func TestScoreQA(t *testing.T) {
	items := []record.QA{{Answer: "Dravin Ford"}, {Answer: "1961"}, {Answer: "42 crowns"}, {Answer: "baker"}}
	s := evalsets.ScoreQA(items, []string{"dravin ford.", "1962", "I don't know", "a baker"})
	if s.Asked != 4 || s.Correct != 2 || s.Declined != 1 || s.Accuracy() != 0.5 {
		t.Errorf("got %+v", s)
	}
}
