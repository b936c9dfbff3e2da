package split_test

import (
	"fmt"
	"math"
	"testing"

	"tinystages/datasets/split"
)

func TestShareAndStability(t *testing.T) {
	const n = 20000
	eval := 0
	for i := range n {
		id := fmt.Sprintf("doc-%d", i)
		if split.IsEval(id, 0.1) {
			eval++
		}
		if split.IsEval(id, 0.1) != split.IsEval(id, 0.1) || split.Of(id, 0.1) != map[bool]string{true: split.Eval, false: split.Train}[split.IsEval(id, 0.1)] {
			t.Fatal("not a function of the id")
		}
		if split.IsEval(id, 0.05) && !split.IsEval(id, 0.1) {
			t.Fatal("a larger share must hold out a superset")
		}
	}
	if got := float64(eval) / n; math.Abs(got-0.1) > 0.01 {
		t.Errorf("eval share %.3f, want 0.10", got)
	}
}
