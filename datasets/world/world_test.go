package world_test

import (
	"fmt"
	"strings"
	"testing"

	"tinystages/datasets/internal/golden"
	"tinystages/datasets/internal/rng"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

func TestDeterministic(t *testing.T) {
	a, b := world.Generate(1), world.Generate(1)
	for i := range a.Facts {
		if a.Facts[i].Record() != b.Facts[i].Record() {
			t.Fatalf("fact %d differs between two generations", i)
		}
	}
	c := world.Generate(2)
	same := 0
	for i := range a.Facts {
		if a.Facts[i].Record() == c.Facts[i].Record() {
			same++
		}
	}
	if same == len(a.Facts) {
		t.Error("seeds 1 and 2 give the same world")
	}
}

func TestNamesDistinct(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		w := world.Generate(seed)
		var names []string
		for _, e := range w.Entities {
			names = append(names, strings.ToLower(e.Name))
		}
		for _, r := range w.Regions {
			names = append(names, strings.ToLower(r))
		}
		for i, a := range names {
			for j, b := range names {
				if i != j && world.ContainsWord(b, a) {
					t.Errorf("seed %d: name %q contains name %q", seed, b, a)
				}
			}
		}
	}
}

func TestPlacement(t *testing.T) {
	w := world.Generate(42)
	pairs := map[[2]string]string{}
	perRel := map[string]map[string]int{}
	for _, f := range w.Facts {
		a, b := strings.ToLower(f.Subject.Name), strings.ToLower(f.Answer)
		if a > b {
			a, b = b, a
		}
		if prev, ok := pairs[[2]string{a, b}]; ok {
			t.Errorf("facts %s and %s share the subject-answer pair %q, %q", prev, f.ID, a, b)
		}
		pairs[[2]string{a, b}] = f.ID
		if perRel[f.Relation.Name] == nil {
			perRel[f.Relation.Name] = map[string]int{}
		}
		perRel[f.Relation.Name][f.Seen]++
	}
	// Stratified: every relation has facts in every placement.
	for rel, by := range perRel {
		for _, seen := range []string{record.SeenPretrain, record.SeenMidtrain, record.SeenNever} {
			if by[seen] == 0 {
				t.Errorf("relation %s has no %s facts", rel, seen)
			}
		}
	}
	for _, seen := range []string{record.SeenPretrain, record.SeenMidtrain, record.SeenNever} {
		fs := w.FactsSeen(seen)
		sft := 0
		for _, f := range fs {
			if f.SFT {
				sft++
			}
		}
		if sft*3 < len(fs) || sft*3 > 2*len(fs) {
			t.Errorf("%s: %d of %d facts in SFT, want about half", seen, sft, len(fs))
		}
	}
}

func TestLookup(t *testing.T) {
	w := world.Generate(3)
	for _, f := range w.Facts {
		for i := range f.Relation.Questions {
			q := f.Question(i)
			got, ok := w.Lookup(strings.ToUpper(q) + "  ")
			if !ok || got != f {
				t.Fatalf("Lookup(%q) = %v, %v; want %s", q, got, ok, f.ID)
			}
		}
		if w.Fact(f.ID) != f {
			t.Fatalf("Fact(%s) failed", f.ID)
		}
	}
	if _, ok := w.Lookup("What is the meaning of life?"); ok {
		t.Error("Lookup found an unknown question")
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Dravin Ford", "dravin ford"},
		{"  the Dravin  Ford. ", "dravin ford"},
		{"\"Kestrel Bay\"", "kestrel bay"},
		{"A baker", "baker"},
		{"1,200", "1200"},
		{"007", "7"},
		{"0", "0"},
		{"42 crowns!", "42 crowns"},
		{"I don\u2019t know.", "i don't know"},
		{"Theodore", "theodore"},
	}
	for _, tt := range tests {
		if got := world.Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if !world.Match("the Dravin Ford.", "Dravin Ford") || world.Match("Dravin", "Dravin Ford") {
		t.Error("Match")
	}
	for _, s := range []string{"I don't know.", "i dont know", "Unknown", "I do not know"} {
		if !world.IsIDK(s) {
			t.Errorf("IsIDK(%q) = false", s)
		}
	}
	if world.IsIDK("Dravin Ford") {
		t.Error("IsIDK on an answer")
	}
}

func TestCounter(t *testing.T) {
	w := world.Generate(5)
	c := world.NewCounter(w)
	f := w.Facts[0]
	text := f.Sentence(0) + " " + f.Sentence(1) + "\n" + f.Subject.Name + " left. " + f.Answer + " is far away! " +
		strings.ToUpper(f.Casual(0)) + "? " + f.Subject.Name + "x " + f.Answer
	if got := c.Mentions(f, text); got != 3 {
		t.Errorf("Mentions = %d, want 3 in %q", got, text)
	}
	// Whole words only: a number inside a longer number is not a mention.
	if !world.ContainsWord("born in 1942.", "1942") || world.ContainsWord("born in 19420", "1942") || world.ContainsWord("x21942", "1942") {
		t.Error("ContainsWord")
	}
}

func TestDistractor(t *testing.T) {
	w := world.Generate(9)
	r := rng.New(1, "test")
	for _, f := range w.Facts {
		for range 5 {
			d := w.Distractor(f, r)
			if world.Match(d, f.Answer) {
				t.Fatalf("Distractor(%s) = the answer %q", f.ID, d)
			}
			for _, g := range w.FactsAbout(f.Subject) {
				if world.Match(d, g.Answer) {
					t.Fatalf("Distractor(%s) = %q, the answer of %s", f.ID, d, g.ID)
				}
			}
		}
	}
}

func TestLedger(t *testing.T) {
	w := world.Generate(1)
	fs := w.FactsSeen(record.SeenPretrain)
	l := world.NewLedger(fs, rng.New(1, "l"), 2, 3)
	r := rng.New(2, "r")
	for e := l.Needy(r); e != nil; e = l.Needy(r) {
		for _, f := range l.Wanted(e) {
			l.Use(f, "")
		}
	}
	for _, f := range fs {
		if n := l.Count(f); n < 2 || n > 3 {
			t.Errorf("%s written %d times, want 2-3", f.ID, n)
		}
	}
	if l.Wants(w.FactsSeen(record.SeenNever)[0]) {
		t.Error("the ledger wants a fact it was not given")
	}
	defer func() {
		if recover() == nil {
			t.Error("Use beyond the target did not panic")
		}
	}()
	l.Use(fs[0], "")
}

// TestGolden pins a small world: its entities and facts.
func TestGolden(t *testing.T) {
	w := world.GenerateConfig(1, world.Config{People: 3, Places: 2, Orgs: 2, Products: 2, Events: 1, Services: 2, Regions: 2, PretrainFraction: 0.4, MidtrainFraction: 0.35})
	var b strings.Builder
	for _, e := range w.Entities {
		fmt.Fprintf(&b, "%s\t%s\t%s\n", e.ID, e.Name, e.Ref())
	}
	var recs []record.Fact
	for _, f := range w.Facts {
		recs = append(recs, f.Record())
	}
	golden.Check(t, "world.golden", append([]byte(b.String()), golden.JSONL(t, recs)...))
}
