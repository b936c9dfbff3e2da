package posttrain_test

import (
	"testing"

	"tinystages/datasets/posttrain"
	"tinystages/datasets/record"
)

func TestExtractBoxed(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{`\boxed{7}`, "7", true},
		{`2 + 5 = 7. \boxed{7}`, "7", true},
		{`\boxed{3} no wait \boxed{4}`, "4", true},
		{`\boxed{\frac{1}{2}}`, `\frac{1}{2}`, true},
		{`\boxed{5} then \boxed{6`, "5", true},
		{`\boxed{}`, "", true},
		{`boxed{7}`, "", false},
		{`the answer is 7`, "", false},
		{`\boxed{7`, "", false},
	}
	for _, tt := range tests {
		got, ok := posttrain.ExtractBoxed(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ExtractBoxed(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNormalizeAnswer(t *testing.T) {
	tests := []struct{ in, want string }{
		{"7", "7"}, {" 7 ", "7"}, {"007", "7"}, {"+7", "7"}, {"-0", "0"}, {"-007", "-7"},
		{"1,200", "1200"}, {"1 200", "1200"}, {"0", "0"}, {"7.0", "7.0"}, {"x", "x"},
	}
	for _, tt := range tests {
		if got := posttrain.NormalizeAnswer(tt.in); got != tt.want {
			t.Errorf("NormalizeAnswer(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		completion, answer string
		terminated         bool
		want               posttrain.Grade
	}{
		{`3 + 4 = 7. \boxed{7}`, "7", true, posttrain.Grade{Boxed: "7", HasBoxed: true, Correct: true, Terminated: true, Formatted: true}},
		{`\boxed{07}.` + "\n", "7", true, posttrain.Grade{Boxed: "07", HasBoxed: true, Correct: true, Terminated: true, Formatted: true}},
		{`\boxed{7}<|end|>`, "7", false, posttrain.Grade{Boxed: "7", HasBoxed: true, Correct: true, Terminated: true, Formatted: true}},
		{`\boxed{7} and so on and so on`, "7", false, posttrain.Grade{Boxed: "7", HasBoxed: true, Correct: true}},
		{`\boxed{7} and more<|end|>`, "7", false, posttrain.Grade{Boxed: "7", HasBoxed: true, Correct: true, Terminated: true}},
		{`\boxed{8}`, "7", true, posttrain.Grade{Boxed: "8", HasBoxed: true, Terminated: true, Formatted: true}},
		{`7`, "7", true, posttrain.Grade{Terminated: true}},
		{`\boxed{1,200}`, "1200", true, posttrain.Grade{Boxed: "1,200", HasBoxed: true, Correct: true, Terminated: true, Formatted: true}},
		{`\boxed{5} \boxed{7`, "5", true, posttrain.Grade{Boxed: "5", HasBoxed: true, Correct: true, Terminated: true}},
	}
	for _, tt := range tests {
		if got := posttrain.Check(tt.completion, tt.answer, tt.terminated); got != tt.want {
			t.Errorf("Check(%q, %q, %v) = %+v, want %+v", tt.completion, tt.answer, tt.terminated, got, tt.want)
		}
	}
	if posttrain.Reward(`so \boxed{12}`, "12") != 1 || posttrain.Reward(`\boxed{13}`, "12") != 0 {
		t.Error("Reward")
	}
	if posttrain.FormatReward(`\boxed{1}`, true) != 1 || posttrain.FormatReward(`\boxed{1}`, false) != 0 {
		t.Error("FormatReward")
	}
}

func TestMathGen(t *testing.T) {
	a, b := posttrain.NewMathGen(1), posttrain.NewMathGen(1)
	levels := map[int]int{}
	for range 20000 {
		p, q := a.Next(), b.Next()
		if p != q {
			t.Fatalf("same seed, different problems: %+v, %+v", p, q)
		}
		if posttrain.IsEvalProblem(p.Prompt) {
			t.Fatalf("Next yielded an eval problem: %q", p.Prompt)
		}
		levels[p.Level]++
		ans, ok := posttrain.Solve(p.Prompt)
		if !ok || ans != p.Answer {
			t.Fatalf("%q: answer %s, Solve says %s, %v", p.Prompt, p.Answer, ans, ok)
		}
		if n := len(p.Answer); n == 0 || n > 2 || p.Answer[0] == '-' {
			t.Fatalf("%q: answer %s is not a small non-negative number", p.Prompt, p.Answer)
		}
		sol := posttrain.Solution(p)
		if g := posttrain.Check(sol, p.Answer, true); !g.Correct || !g.Formatted {
			t.Fatalf("Solution %q grades %+v", sol, g)
		}
	}
	for l := posttrain.MinLevel; l <= posttrain.MaxLevel; l++ {
		if levels[l] < 3000 {
			t.Errorf("level %d drawn %d times in 20000", l, levels[l])
		}
	}
	if _, ok := posttrain.Solve("What is the capital of Dravin?"); ok {
		t.Error("Solve solved an unknown prompt")
	}
}

func TestConstantAccuracy(t *testing.T) {
	for _, tc := range []struct {
		answers []string
		want    string
		share   float64
	}{
		{nil, "", 0},
		{[]string{"7"}, "7", 1},
		{[]string{"1", "2", "01", "3"}, "1", 0.5},
		{[]string{"2", "1", "1", "2", "5"}, "1", 0.4},
		{[]string{"1,200", "1200", "3", "4"}, "1200", 0.5},
	} {
		var probs []record.MathProblem
		for _, a := range tc.answers {
			probs = append(probs, record.MathProblem{Prompt: "What is it?", Answer: a})
		}
		a, s := posttrain.ConstantAccuracy(probs)
		if a != tc.want || s != tc.share {
			t.Errorf("ConstantAccuracy(%q) = %q, %v; want %q, %v", tc.answers, a, s, tc.want, tc.share)
		}
	}
}
