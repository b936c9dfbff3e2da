package posttrain

import (
	"fmt"
	"regexp"
	"strconv"

	"tinystages/datasets/internal/rng"
	"tinystages/datasets/split"
)

// Levels of math problems, from easiest to hardest.
const (
	LevelAddOne   = 1 // one-digit addition: "What is 3 + 4?"
	LevelAddSub   = 2 // two-digit addition or subtraction, results 0..99
	LevelTimes    = 3 // one-digit multiplication: "What is 6 times 7?"
	LevelWordOne  = 4 // one-step word problem
	LevelWordTwo  = 5 // two-step word problem
	MinLevel      = LevelAddOne
	MaxLevel      = LevelWordTwo
	MathEvalShare = 0.1 // share of distinct prompts held out for evaluation
)

// Problem is one math word problem with its verifiable answer.
type Problem struct {
	Prompt string
	Answer string // an integer, in decimal
	Level  int
}

// ID returns the problem's id, derived from its prompt; the train/eval
// split is a hash of it.
func (p Problem) ID() string { return MathID(p.Prompt) }

// MathID returns the id of the problem with the given prompt.
func MathID(prompt string) string { return "math:" + prompt }

// IsEvalProblem reports whether a prompt belongs to the math eval split.
// The RL generator never yields such a prompt, so training never sees the
// problems evaluation asks.
func IsEvalProblem(prompt string) bool { return split.IsEval(MathID(prompt), MathEvalShare) }

var (
	mathNames = []string{"Ama", "Tovi", "Reko", "Lusa", "Bren", "Isko", "Mavi", "Dela", "Orin", "Sefa"}
	mathItems = []string{"apples", "marbles", "stamps", "shells", "pencils", "buttons", "cards", "plums", "coins", "beads"}
)

// The prompt templates. Solve parses each of them back.
const (
	tmplAdd   = "What is %d + %d?"
	tmplSub   = "What is %d - %d?"
	tmplTimes = "What is %d times %d?"
	tmplBuy   = "%s has %d %s. %s buys %d more. How many %s does %s have now?"
	tmplGive  = "%s has %d %s. %s gives away %d. How many %s does %s have now?"
	tmplBags  = "%s has %d bags with %d %s in each. How many %s does %s have?"
	tmplTwo   = "%s has %d %s, buys %d more and then gives away %d. How many %s does %s have now?"
	tmplBagsE = "%s has %d bags with %d %s in each and gives away %d. How many %s does %s have left?"
)

// MathGen generates math problems from a seeded stream, for RL on the fly
// and for the stored sets. It is deterministic: the same seed gives the same
// sequence.
type MathGen struct {
	r *rng.Source
}

// NewMathGen returns a generator for seed.
func NewMathGen(seed uint64) *MathGen { return &MathGen{r: rng.New(seed, "posttrain/math")} }

// Problem returns a new problem of the given level (clamped to
// MinLevel..MaxLevel). It may be an eval problem; see Next.
func (g *MathGen) Problem(level int) Problem {
	r := g.r
	level = max(MinLevel, min(MaxLevel, level))
	p := Problem{Level: level}
	var ans int
	switch level {
	case LevelAddOne:
		a, b := r.Range(1, 9), r.Range(1, 9)
		p.Prompt, ans = fmt.Sprintf(tmplAdd, a, b), a+b
	case LevelAddSub:
		if r.Chance(0.5) {
			a := r.Range(10, 60)
			b := r.Range(1, 99-a)
			p.Prompt, ans = fmt.Sprintf(tmplAdd, a, b), a+b
		} else {
			a := r.Range(10, 99)
			b := r.Range(1, a)
			p.Prompt, ans = fmt.Sprintf(tmplSub, a, b), a-b
		}
	case LevelTimes:
		a, b := r.Range(2, 9), r.Range(2, 9)
		p.Prompt, ans = fmt.Sprintf(tmplTimes, a, b), a*b
	case LevelWordOne:
		n, it := rng.Pick(r, mathNames), rng.Pick(r, mathItems)
		switch r.IntN(3) {
		case 0:
			a, b := r.Range(1, 12), r.Range(1, 9)
			p.Prompt, ans = fmt.Sprintf(tmplBuy, n, a, it, n, b, it, n), a+b
		case 1:
			a := r.Range(2, 15)
			b := r.Range(1, a)
			p.Prompt, ans = fmt.Sprintf(tmplGive, n, a, it, n, b, it, n), a-b
		default:
			a, b := r.Range(2, 6), r.Range(2, 6)
			p.Prompt, ans = fmt.Sprintf(tmplBags, n, a, b, it, it, n), a*b
		}
	case LevelWordTwo:
		n, it := rng.Pick(r, mathNames), rng.Pick(r, mathItems)
		if r.Chance(0.6) {
			a, b := r.Range(2, 12), r.Range(1, 9)
			c := r.Range(1, a+b)
			p.Prompt, ans = fmt.Sprintf(tmplTwo, n, a, it, b, c, it, n), a+b-c
		} else {
			a, b := r.Range(2, 5), r.Range(2, 5)
			c := r.Range(1, a*b)
			p.Prompt, ans = fmt.Sprintf(tmplBagsE, n, a, b, it, c, it, n), a*b-c
		}
	}
	p.Answer = strconv.Itoa(ans)
	return p
}

// Next returns a training problem of a uniformly random level, skipping
// problems in the eval split. It is the RL stage's endless prompt source.
func (g *MathGen) Next() Problem { return g.NextLevel(g.r.Range(MinLevel, MaxLevel)) }

// NextLevel returns a training problem of the given level, skipping
// problems in the eval split.
func (g *MathGen) NextLevel(level int) Problem {
	for {
		if p := g.Problem(level); !IsEvalProblem(p.Prompt) {
			return p
		}
	}
}

// Solution returns the reference assistant reply for p: the working in one
// line, then the answer boxed, as in "5 + 3 = 8. \boxed{8}". SFT trains on
// it; it always ends with \boxed{p.Answer}.
func Solution(p Problem) string {
	steps, ok := work(p.Prompt)
	if !ok {
		return `\boxed{` + p.Answer + `}`
	}
	return steps + ` \boxed{` + p.Answer + `}`
}

// Solve recomputes the answer of a prompt written from one of the
// generator's templates, by parsing the prompt's numbers and operations. It
// is independent of the generator's own arithmetic and is what the tests
// and the preference checker use to verify stored answers.
func Solve(prompt string) (string, bool) {
	for _, t := range solvers {
		if m := t.re.FindStringSubmatch(prompt); m != nil {
			n := make([]int, 0, len(m))
			for _, s := range m[1:] {
				if v, err := strconv.Atoi(s); err == nil {
					n = append(n, v)
				}
			}
			ans, _ := t.solve(n)
			return strconv.Itoa(ans), true
		}
	}
	return "", false
}

func work(prompt string) (string, bool) {
	for _, t := range solvers {
		if m := t.re.FindStringSubmatch(prompt); m != nil {
			n := make([]int, 0, len(m))
			for _, s := range m[1:] {
				if v, err := strconv.Atoi(s); err == nil {
					n = append(n, v)
				}
			}
			_, steps := t.solve(n)
			return steps, true
		}
	}
	return "", false
}

type solver struct {
	re    *regexp.Regexp
	solve func(n []int) (int, string)
}

var solvers = []solver{
	{regexp.MustCompile(`^What is (\d+) \+ (\d+)\?$`), func(n []int) (int, string) {
		return n[0] + n[1], fmt.Sprintf("%d + %d = %d.", n[0], n[1], n[0]+n[1])
	}},
	{regexp.MustCompile(`^What is (\d+) - (\d+)\?$`), func(n []int) (int, string) {
		return n[0] - n[1], fmt.Sprintf("%d - %d = %d.", n[0], n[1], n[0]-n[1])
	}},
	{regexp.MustCompile(`^What is (\d+) times (\d+)\?$`), func(n []int) (int, string) {
		return n[0] * n[1], fmt.Sprintf("%d * %d = %d.", n[0], n[1], n[0]*n[1])
	}},
	{regexp.MustCompile(`^\w+ has (\d+) \w+\. \w+ buys (\d+) more\. How many \w+ does \w+ have now\?$`), func(n []int) (int, string) {
		return n[0] + n[1], fmt.Sprintf("%d + %d = %d.", n[0], n[1], n[0]+n[1])
	}},
	{regexp.MustCompile(`^\w+ has (\d+) \w+\. \w+ gives away (\d+)\. How many \w+ does \w+ have now\?$`), func(n []int) (int, string) {
		return n[0] - n[1], fmt.Sprintf("%d - %d = %d.", n[0], n[1], n[0]-n[1])
	}},
	{regexp.MustCompile(`^\w+ has (\d+) bags with (\d+) \w+ in each\. How many \w+ does \w+ have\?$`), func(n []int) (int, string) {
		return n[0] * n[1], fmt.Sprintf("%d * %d = %d.", n[0], n[1], n[0]*n[1])
	}},
	{regexp.MustCompile(`^\w+ has (\d+) \w+, buys (\d+) more and then gives away (\d+)\. How many \w+ does \w+ have now\?$`), func(n []int) (int, string) {
		s := n[0] + n[1]
		return s - n[2], fmt.Sprintf("%d + %d = %d. %d - %d = %d.", n[0], n[1], s, s, n[2], s-n[2])
	}},
	{regexp.MustCompile(`^\w+ has (\d+) bags with (\d+) \w+ in each and gives away (\d+)\. How many \w+ does \w+ have left\?$`), func(n []int) (int, string) {
		p := n[0] * n[1]
		return p - n[2], fmt.Sprintf("%d * %d = %d. %d - %d = %d.", n[0], n[1], p, p, n[2], p-n[2])
	}},
}
