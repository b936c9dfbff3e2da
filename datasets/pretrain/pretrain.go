package pretrain

import (
	"crypto/sha256"
	"encoding/hex"
	"sort"

	"tinystages/datasets/internal/rng"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

// Config sets the number of pages of each kind and the number of
// answer-bearing sentences per pre-training fact.
type Config struct {
	Pages                    map[string]int // source -> number of generated pages
	MinMentions, MaxMentions int            // per fact, over the whole corpus
}

// DefaultConfig is the shipped corpus: about 2,700 generated pages (about
// 1.6 MB) around the book's passages, each pre-training fact written 70 to
// 100 times. A tiny model needs that many mentions to store a fact: with
// 20 to 34 mentions the tiny preset recalled 5 of 31 held-out facts after
// 1,500 steps; with 70 to 100, the nano preset recalled 22 of 31 after
// 3,000 steps (completion probes of the fact sentences).
var DefaultConfig = Config{
	Pages: map[string]int{
		record.SourceEncyclopedia: 420,
		record.SourceNews:         510,
		record.SourceStory:        350,
		record.SourceForum:        510,
		record.SourceRecipe:       210,
		record.SourceList:         160,
		record.SourceSpam:         260,
		record.SourceBoilerplate:  260,
		record.SourceWorksheet:    300,
	},
	MinMentions: 70, MaxMentions: 100,
}

// EvalFraction is the share of documents held out as general evaluation
// text (split by a hash of the document id).
const EvalFraction = 0.06

// Generate returns the generated web pages about w for seed (without the
// book passages), deduplicated, in generation order. Their ids are
// content-addressed: "<source>-<first 12 hex digits of SHA-256(text)>".
func Generate(w *world.World, seed uint64, cfg Config) []record.Document {
	g := &gen{
		w:      w,
		ledger: world.NewLedger(w.FactsSeen(record.SeenPretrain), rng.New(seed, "pretrain/targets"), cfg.MinMentions, cfg.MaxMentions),
		rs:     map[string]*rng.Source{},
		seed:   seed,
	}
	var schedule []string
	for _, src := range sortedKeys(cfg.Pages) {
		for range cfg.Pages[src] {
			schedule = append(schedule, src)
		}
	}
	sr := rng.New(seed, "pretrain/schedule")
	sr.Shuffle(len(schedule), func(i, j int) { schedule[i], schedule[j] = schedule[j], schedule[i] })

	var docs []record.Document
	seen := map[string]bool{}
	emit := func(d record.Document) {
		d.ID = ID(d.Source, d.Text)
		if seen[d.ID] {
			return
		}
		seen[d.ID] = true
		docs = append(docs, d)
	}
	for _, src := range schedule {
		emit(g.page(src))
	}
	// Top up: every fact must reach its target.
	for i := 0; len(g.ledger.Short()) > 0; i++ {
		if i%2 == 0 {
			emit(g.brief())
		} else {
			emit(g.list(true))
		}
	}
	return docs
}

// ID returns the content-addressed id of a document.
func ID(source, text string) string {
	sum := sha256.Sum256([]byte(text))
	return source + "-" + hex.EncodeToString(sum[:6])
}

func sortedKeys(m map[string]int) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
