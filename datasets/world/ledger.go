package world

import "tinystages/datasets/internal/rng"

// A Ledger keeps the generators to their promise about how often each fact
// is written: every fact it was given gets a target number of
// answer-bearing sentences, drawn in [lo, hi], and a generator asks the
// ledger before writing one. Facts it was not given are never wanted, which
// is how a generator is kept from writing facts placed elsewhere.
type Ledger struct {
	facts  []*Fact
	target map[*Fact]int
	count  map[*Fact]int
}

// NewLedger returns a ledger for facts with targets drawn by r in [lo, hi].
func NewLedger(facts []*Fact, r *rng.Source, lo, hi int) *Ledger {
	l := &Ledger{facts: facts, target: map[*Fact]int{}, count: map[*Fact]int{}}
	for _, f := range facts {
		l.target[f] = r.Range(lo, hi)
	}
	return l
}

// Wants reports whether f may be written once more.
func (l *Ledger) Wants(f *Fact) bool { return l.count[f] < l.target[f] }

// Deficit returns how many more times f should be written.
func (l *Ledger) Deficit(f *Fact) int { return l.target[f] - l.count[f] }

// Use records one answer-bearing sentence for f and returns s.
func (l *Ledger) Use(f *Fact, s string) string {
	if !l.Wants(f) {
		panic("world: ledger: fact " + f.ID + " written beyond its target")
	}
	l.count[f]++
	return s
}

// Count returns how many times f has been written.
func (l *Ledger) Count(f *Fact) int { return l.count[f] }

// Wanted returns the facts of subject e that may still be written, in the
// ledger's order.
func (l *Ledger) Wanted(e *Entity) []*Fact {
	var out []*Fact
	for _, f := range l.facts {
		if f.Subject == e && l.Wants(f) {
			out = append(out, f)
		}
	}
	return out
}

// Short returns the facts still under their targets.
func (l *Ledger) Short() []*Fact {
	var out []*Fact
	for _, f := range l.facts {
		if l.Wants(f) {
			out = append(out, f)
		}
	}
	return out
}

// Needy picks a subject with facts still wanted, with probability
// proportional to its total deficit, restricted to the given kinds (any
// kind if none). It returns nil if nothing is wanted.
func (l *Ledger) Needy(r *rng.Source, kinds ...Kind) *Entity {
	var subjects []*Entity
	weight := map[*Entity]int{}
	for _, f := range l.facts {
		if !l.Wants(f) || len(kinds) > 0 && !hasKind(kinds, f.Subject.Kind) {
			continue
		}
		if weight[f.Subject] == 0 {
			subjects = append(subjects, f.Subject)
		}
		weight[f.Subject] += l.Deficit(f)
	}
	total := 0
	for _, e := range subjects {
		total += weight[e]
	}
	if total == 0 {
		return nil
	}
	x := r.IntN(total)
	for _, e := range subjects {
		if x < weight[e] {
			return e
		}
		x -= weight[e]
	}
	return subjects[len(subjects)-1]
}

func hasKind(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}
