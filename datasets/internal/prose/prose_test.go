package prose

import (
	"strings"
	"testing"
	"unicode"

	"tinystages/datasets/internal/rng"
)

// forbidden are the words filler must never contain: the world's jobs and
// specialities (see package world), so filler never completes a fact.
var forbidden = []string{"baker", "pilot", "potter", "weaver", "fisher", "teacher", "glassblower", "clockmaker",
	"cartographer", "beekeeper", "ferry captain", "lamp maker", "surveyor", "bookbinder", "chemist", "tailor",
	"salt fish", "blue glass", "copper bells", "paper kites", "honey cake", "river stones", "wool rugs", "clay pipes",
	"silver lace", "plum wine", "stone bridges", "tall ships", "night markets", "pine resin", "crowns", "port"}

func TestFillerIsClean(t *testing.T) {
	r := rng.New(1, "prose")
	for _, topic := range []Topic{Town, Nature, Home, Tech} {
		g := New(r, topic)
		for range 3000 {
			for _, s := range []string{g.Sentence(), g.About("NAME")} {
				if strings.IndexFunc(s, unicode.IsDigit) >= 0 {
					t.Fatalf("digit in %q", s)
				}
				ls := " " + strings.Trim(strings.ToLower(s), ".") + " "
				for _, w := range forbidden {
					if strings.Contains(ls, " "+w+" ") || strings.Contains(ls, " "+w+",") {
						t.Fatalf("%q contains %q", s, w)
					}
				}
				if !unicode.IsUpper(rune(s[0])) || !strings.HasSuffix(s, ".") {
					t.Fatalf("not a sentence: %q", s)
				}
				if strings.Count(s, "NAME") > 1 {
					t.Fatalf("entity named twice: %q", s)
				}
			}
		}
	}
}
