package midtrain_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"tinystages/datasets/internal/golden"
	"tinystages/datasets/midtrain"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

// fixture is a tiny Go tree, written for these tests, shaped like
// $GOROOT/src.
var fixture = fstest.MapFS{
	"demo/text/text.go": {Data: []byte(`// Copyright 2024 The Fixture Authors. All rights reserved.
// Use of this source code is governed by a BSD-style
// license that can be found in the LICENSE file.

// Package text does small things to strings.
package text

import "strings"

// Shout returns s in upper case.
func Shout(s string) string {
	return strings.ToUpper(s) // the only line
}

// Count counts the vowels in s.
// It is long enough to be cut.
func Count(s string) int {
	n := 0
	for _, r := range s {
		switch r {
		case 'a', 'e', 'i', 'o', 'u':
			n++
		}
	}
	_ = n
	_ = n
	return n
}

func helper() {}

// Max is the largest count.
const Max = 10

const (
	// A is first.
	A = iota
	b
)

// Table is a long table that is dropped.
var Table = []int{` + strings.Repeat("1, ", 300) + `}

// Box holds a value.
type Box struct {
	// Value is the boxed value.
	Value int
	hidden bool
}

// Get returns the value.
func (b *Box) Get() int { return b.Value }

func (b *Box) set(v int) { b.Value = v }
`)},
	"demo/text/gen.go":       {Data: []byte("//go:build ignore\n\npackage main\n\nfunc main() {}\n")},
	"demo/text/text_test.go": {Data: []byte("package text\n\nfunc TestX() {}\n")},
	"demo/text/internal.go":  {Data: []byte("package text\n\nfunc internalOnly() {}\n")},
	"demo/text/other.go": {Data: []byte(`package text

// Shout returns s loudly.
func Shout2(s string) string { return s }
`)},
}

func TestCode(t *testing.T) {
	docs, err := midtrain.Code(fixture, []string{"demo/text"}, midtrain.CodeConfig{MaxBodyLines: 4, MaxDeclBytes: 200})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 {
		t.Fatalf("got %d documents, want 2 (other.go, text.go)", len(docs))
	}
	d := docs[1]
	if d.Path != "demo/text/text.go" || d.Package != "demo/text" || d.ID != "code-demo-text-text" {
		t.Errorf("header %q %q %q", d.Path, d.Package, d.ID)
	}
	for _, want := range []string{"Copyright 2024", "// Package text does small things", "package text", `import "strings"`,
		"return strings.ToUpper(s) // the only line", "func Count(s string) int\n", "// Value is the boxed value.",
		"func (b *Box) Get() int { return b.Value }", "const Max = 10", "A = iota"} {
		if !strings.Contains(d.Text, want) {
			t.Errorf("text lacks %q:\n%s", want, d.Text)
		}
	}
	for _, gone := range []string{"helper", "n++", "Table", "func (b *Box) set", "internalOnly"} {
		if strings.Contains(d.Text, gone) {
			t.Errorf("text still has %q", gone)
		}
	}
	var names []string
	for _, dc := range d.Decls {
		names = append(names, dc.Kind+" "+dc.Name)
	}
	if got, want := strings.Join(names, ","), "func Shout,func Count,const Max,const A,type Box,method Box.Get"; got != want {
		t.Errorf("decls %s, want %s", got, want)
	}
	golden.Check(t, "code.golden", golden.JSONL(t, docs))
}

func kbSmall(t *testing.T) (*world.World, []record.KBDoc) {
	t.Helper()
	w := world.Generate(1)
	return w, midtrain.KB(w, 1, midtrain.KBConfig{Pages: 12, MinMentions: 1, MaxMentions: 2})
}

func TestKB(t *testing.T) {
	w, kb := kbSmall(t)
	urls, titles, ids := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, d := range kb {
		if err := d.Validate(); err != nil {
			t.Errorf("%s: %v", d.ID, err)
		}
		if urls[d.URL] || titles[d.Title] || ids[d.ID] {
			t.Errorf("%s: URL, title or id not unique", d.URL)
		}
		urls[d.URL], titles[d.Title], ids[d.ID] = true, true, true
		if !strings.HasPrefix(d.URL, midtrain.Base(w)+"/") {
			t.Errorf("URL %s outside %s", d.URL, midtrain.Base(w))
		}
	}
	for _, d := range kb {
		for _, c := range d.Cites {
			if !urls[c] {
				t.Errorf("%s cites %s, which does not exist", d.URL, c)
			}
			if !strings.Contains(d.Text, "]("+c+")") {
				t.Errorf("%s cites %s but does not link it", d.URL, c)
			}
		}
	}
	if by := midtrain.CitedBy(kb); len(by) == 0 {
		t.Error("no citations")
	}
	c := world.NewCounter(w)
	n := map[*world.Fact]int{}
	for _, d := range kb {
		c.Count(d.Text, n, nil)
	}
	for _, f := range w.Facts {
		if got := n[f]; f.Seen == record.SeenMidtrain && (got < 1 || got > 2) || f.Seen != record.SeenMidtrain && got != 0 {
			t.Errorf("fact %s (%s) written %d times", f.ID, f.Seen, got)
		}
	}
	golden.Check(t, "kb.golden", golden.JSONL(t, kb[:6]))
}

func TestSynthetic(t *testing.T) {
	w, kb := kbSmall(t)
	code, err := midtrain.Code(fixture, []string{"demo/text"}, midtrain.DefaultCodeConfig)
	if err != nil {
		t.Fatal(err)
	}
	syn := midtrain.Synthetic(w, code, kb, 1, midtrain.DefaultSyntheticConfig)
	gens := map[string]int{}
	for _, s := range syn {
		gens[s.Generator]++
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.ID, err)
		}
		if in, out := s.Views(); in == "" || out == "" || s.Text != in+"\n"+out || s.From == "" {
			t.Errorf("%s: text is not two views, or no source", s.ID)
		}
		// "Shout" has one signature in one package, "Shout2" too; both are
		// unambiguous, so both get sig2pkg items.
	}
	for _, g := range record.Generators {
		if gens[g] == 0 {
			t.Errorf("no items from %s", g)
		}
	}
	c := world.NewCounter(w)
	for _, s := range syn {
		c.Count(s.Text, map[*world.Fact]int{}, func(f *world.Fact, sentence string) {
			if f.Seen != record.SeenMidtrain {
				t.Errorf("synthetic item %s states %s fact %s: %q", s.ID, f.Seen, f.ID, sentence)
			}
		})
	}
	var sample []record.Synthetic
	seen := map[string]int{}
	for _, s := range syn {
		if seen[s.Generator] < 3 {
			seen[s.Generator]++
			sample = append(sample, s)
		}
	}
	golden.Check(t, "synthetic.golden", golden.JSONL(t, sample))
}
