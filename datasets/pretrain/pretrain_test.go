package pretrain_test

import (
	"os"
	"strings"
	"testing"

	"tinystages/datasets/internal/golden"
	"tinystages/datasets/pretrain"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

func TestBook(t *testing.T) {
	text, err := os.ReadFile("testdata/book-fixture.txt")
	if err != nil {
		t.Fatal(err)
	}
	docs := pretrain.Book(text, 200, 400)
	var all []string
	for _, d := range docs {
		if d.Source != record.SourceBook || d.Quality != 0.9 || d.ID != pretrain.ID(d.Source, d.Text) {
			t.Errorf("bad document header %+v", d)
		}
		if len(d.Text) > 400 {
			t.Errorf("passage of %d bytes, want at most 400", len(d.Text))
		}
		all = append(all, d.Text)
	}
	joined := strings.Join(all, "\n\n")
	for _, gone := range []string{"pgdp", "Transcriber", "[Illustration", "[A]", "_", "* *"} {
		if strings.Contains(joined, gone) {
			t.Errorf("output still contains %q", gone)
		}
	}
	for _, kept := range []string{"A candle burns with a yellow flame, and the flame is brightest where the wick is longest.", "Lamps and Candles"} {
		if !strings.Contains(joined, kept) {
			t.Errorf("output lacks %q", kept)
		}
	}
	golden.Check(t, "book.golden", golden.JSONL(t, docs))
}

var small = pretrain.Config{
	Pages: map[string]int{
		record.SourceEncyclopedia: 2, record.SourceNews: 2, record.SourceStory: 1, record.SourceForum: 2,
		record.SourceRecipe: 1, record.SourceList: 1, record.SourceSpam: 1, record.SourceBoilerplate: 1,
	},
	MinMentions: 1, MaxMentions: 2,
}

func TestGenerate(t *testing.T) {
	w := world.Generate(1)
	docs := pretrain.Generate(w, 1, small)
	again := pretrain.Generate(w, 1, small)
	if len(docs) != len(again) {
		t.Fatal("not deterministic")
	}
	ids := map[string]bool{}
	sources := map[string]bool{}
	for i, d := range docs {
		if d != again[i] {
			t.Fatalf("document %d differs between two runs", i)
		}
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", d.ID, err)
		}
		if ids[d.ID] || d.ID != pretrain.ID(d.Source, d.Text) {
			t.Errorf("id %s duplicated or not content-addressed", d.ID)
		}
		ids[d.ID] = true
		sources[d.Source] = true
	}
	if len(sources) != 8 {
		t.Errorf("got sources %v, want all 8 generated kinds", sources)
	}
	// Every pre-training fact reached its target, and nothing else was said.
	c := world.NewCounter(w)
	n := map[*world.Fact]int{}
	for _, d := range docs {
		c.Count(d.Text, n, nil)
	}
	for _, f := range w.Facts {
		got := n[f]
		if f.Seen == record.SeenPretrain && (got < 1 || got > 2) || f.Seen != record.SeenPretrain && got != 0 {
			t.Errorf("fact %s (%s) written %d times", f.ID, f.Seen, got)
		}
	}
	golden.Check(t, "pretrain.golden", golden.JSONL(t, docs[:12]))
}

func TestQualityOrder(t *testing.T) {
	// Spam and boilerplate score below forums, forums below encyclopedias.
	w := world.Generate(2)
	mean := map[string]float64{}
	cnt := map[string]int{}
	for _, d := range pretrain.Generate(w, 2, small) {
		mean[d.Source] += d.Quality
		cnt[d.Source]++
	}
	for s := range mean {
		mean[s] /= float64(cnt[s])
	}
	if !(mean[record.SourceSpam] < mean[record.SourceForum] && mean[record.SourceBoilerplate] < mean[record.SourceForum] && mean[record.SourceForum] < mean[record.SourceEncyclopedia]) {
		t.Errorf("quality means out of order: %v", mean)
	}
}
