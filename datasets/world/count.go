package world

import "strings"

// A Counter counts answer-bearing sentences: for each fact, the sentences of
// a text that contain both the subject's name and the answer as whole
// words, ignoring case. It is how the tests check fact placement and how
// facts.jsonl's mention counts are made.
type Counter struct {
	names    []string // lower-cased entity names
	entities []*Entity
	facts    map[*Entity][]*Fact
	answers  map[*Fact]string // lower-cased answers
}

// NewCounter returns a Counter over every fact of w.
func NewCounter(w *World) *Counter {
	c := &Counter{facts: map[*Entity][]*Fact{}, answers: map[*Fact]string{}}
	for _, e := range w.Entities {
		c.names = append(c.names, strings.ToLower(e.Name))
		c.entities = append(c.entities, e)
	}
	for _, f := range w.Facts {
		c.facts[f.Subject] = append(c.facts[f.Subject], f)
		c.answers[f] = strings.ToLower(f.Answer)
	}
	return c
}

// Count adds to counts the number of answer-bearing sentences of text for
// each fact, and calls visit (if not nil) with each such sentence.
func (c *Counter) Count(text string, counts map[*Fact]int, visit func(f *Fact, sentence string)) {
	for _, s := range Sentences(text) {
		ls := strings.ToLower(s)
		for i, name := range c.names {
			if !strings.Contains(ls, name) || !containsLowerWord(ls, name) {
				continue
			}
			for _, f := range c.facts[c.entities[i]] {
				if containsLowerWord(ls, c.answers[f]) {
					counts[f]++
					if visit != nil {
						visit(f, s)
					}
				}
			}
		}
	}
}

// Mentions returns the number of answer-bearing sentences of text for f.
func (c *Counter) Mentions(f *Fact, text string) int {
	counts := map[*Fact]int{}
	c.Count(text, counts, nil)
	return counts[f]
}
