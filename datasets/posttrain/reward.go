package posttrain

import (
	"strings"

	"tinystages/datasets/record"
)

// EndMarker is the chat template's end-of-turn token as text. A completion
// whose text ends with it (ignoring trailing white space) counts as
// terminated.
const EndMarker = "<|end|>"

// ExtractBoxed returns the contents of the last \boxed{...} in s, with
// nested braces balanced, and whether there was a complete one.
func ExtractBoxed(s string) (string, bool) {
	start, end, ok := lastBoxed(s)
	if !ok {
		return "", false
	}
	return s[start:end], true
}

// lastBoxed returns the byte range of the last complete \boxed{} contents;
// s[end] is its closing brace.
func lastBoxed(s string) (start, end int, ok bool) {
	const open = `\boxed{`
	i := strings.LastIndex(s, open)
	for i >= 0 {
		depth := 1
		start := i + len(open)
		for j := start; j < len(s); j++ {
			switch s[j] {
			case '{':
				depth++
			case '}':
				depth--
				if depth == 0 {
					return start, j, true
				}
			}
		}
		// Unclosed: try an earlier one.
		i = strings.LastIndex(s[:i], open)
	}
	return 0, 0, false
}

// NormalizeAnswer prepares a math answer for comparison: all white space and
// commas are removed ("1, 200" → "1200"), a leading '+' is dropped, and
// leading zeros are dropped ("007" → "7", "-0" → "0"). Anything else is kept
// as is, so "7.0" and "7" differ: the problems' answers are integers.
func NormalizeAnswer(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, s)
	neg := false
	if strings.HasPrefix(s, "+") {
		s = s[1:]
	} else if strings.HasPrefix(s, "-") {
		neg, s = true, s[1:]
	}
	for len(s) > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9' {
		s = s[1:]
	}
	if neg && s != "0" {
		s = "-" + s
	}
	return s
}

// Grade is the verdict on one completion.
type Grade struct {
	Boxed      string // the last \boxed{} contents, as written
	HasBoxed   bool   // a complete \boxed{...} was found
	Correct    bool   // NormalizeAnswer(Boxed) == NormalizeAnswer(answer)
	Terminated bool   // the completion ended with the end-of-turn token
	Formatted  bool   // terminated, boxed, and nothing but white space or '.' after the box
}

// Check grades a completion against the answer. terminated says whether
// generation stopped on the end-of-turn token (the engine knows); a
// completion whose text ends with EndMarker counts as terminated too, and the
// marker is ignored for the rest of the check.
func Check(completion, answer string, terminated bool) Grade {
	c := strings.TrimRight(completion, " \t\n\r")
	if strings.HasSuffix(c, EndMarker) {
		terminated = true
		c = strings.TrimRight(strings.TrimSuffix(c, EndMarker), " \t\n\r")
	}
	g := Grade{Terminated: terminated}
	start, end, ok := lastBoxed(c)
	if !ok {
		return g
	}
	g.Boxed, g.HasBoxed = c[start:end], true
	g.Correct = NormalizeAnswer(g.Boxed) == NormalizeAnswer(answer) && NormalizeAnswer(answer) != ""
	after := c[end+1:]
	g.Formatted = terminated && strings.Trim(after, " \t\n\r.") == ""
	return g
}

// Reward is the verifiable reward for RL: 1 if the last \boxed{} of the
// completion holds the answer, else 0.
func Reward(completion, answer string) float64 {
	if Check(completion, answer, false).Correct {
		return 1
	}
	return 0
}

// FormatReward is the separately reported format reward: 1 if the completion
// is terminated and ends with a \boxed{} answer, else 0.
func FormatReward(completion string, terminated bool) float64 {
	if Check(completion, "", terminated).Formatted {
		return 1
	}
	return 0
}

// ConstantAccuracy is what the best constant answer scores on probs: the
// most common answer (after
// NormalizeAnswer; the first to reach the count on a tie) and the share
// of problems it answers. A model that boxes that one number whatever the
// question scores this much with no arithmetic at all, so a math accuracy
// near it says nothing; the report card's "math answers" (how many
// different answers a model boxes) tells the two apart.
func ConstantAccuracy(probs []record.MathProblem) (answer string, share float64) {
	if len(probs) == 0 {
		return "", 0
	}
	count := map[string]int{}
	best := 0
	for _, p := range probs {
		a := NormalizeAnswer(p.Answer)
		count[a]++
		if count[a] > best {
			answer, best = a, count[a]
		}
	}
	return answer, float64(best) / float64(len(probs))
}
