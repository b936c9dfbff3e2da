package midtrain

import (
	"fmt"
	"sort"
	"strings"

	"tinystages/datasets/internal/rng"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

// SyntheticConfig sets how many sentences each record field becomes.
type SyntheticConfig struct {
	RecordVariants int // sentences per record field, each from a different template
}

// DefaultSyntheticConfig writes each record field in every template of
// its relation (6).
var DefaultSyntheticConfig = SyntheticConfig{RecordVariants: 6}

// Synthetic derives training items from the structure of the code and the
// knowledge base, by code alone:
//
//   - doc2sig: "Doc: <first sentence of a doc comment>\nSignature: <sig>"
//   - sig2pkg: "Signature: <sig>\nPackage: <import path>", only for
//     signatures that occur in one package
//   - title2url: "Title: <title>\nURL: <url>"
//   - cites: "Page: <title>\nCites: <cited title>"
//   - record2text: "<record key: value>\n<sentence>", the record field said
//     as a sentence of the relation's templates
//
// The first line of each item's text is its input view and the rest its
// output view (record.Synthetic.Views). Items are in generator order, then
// by source.
func Synthetic(w *world.World, code []record.CodeDoc, kb []record.KBDoc, seed uint64, cfg SyntheticConfig) []record.Synthetic {
	r := rng.New(seed, "midtrain/synthetic")
	var out []record.Synthetic
	add := func(gen, input, output, from string) {
		if strings.Contains(input, "\n") {
			panic("midtrain: a synthetic input view spans lines: " + input)
		}
		out = append(out, record.Synthetic{
			ID: fmt.Sprintf("syn-%s-%05d", gen, len(out)), Generator: gen,
			Text: input + "\n" + output, From: from,
		})
	}

	// Signatures by package, to keep sig2pkg unambiguous.
	pkgsOf := map[string]map[string]bool{}
	for _, c := range code {
		for _, d := range c.Decls {
			if pkgsOf[d.Signature] == nil {
				pkgsOf[d.Signature] = map[string]bool{}
			}
			pkgsOf[d.Signature][c.Package] = true
		}
	}
	for _, c := range code {
		ds := append([]record.Decl(nil), c.Decls...)
		sortDecls(ds)
		for _, d := range ds {
			if d.Doc != "" && d.Kind != "const" && d.Kind != "var" {
				add(record.GenDocToSig, "Doc: "+firstSentence(d.Doc), "Signature: "+d.Signature, c.ID)
			}
		}
	}
	for _, c := range code {
		ds := append([]record.Decl(nil), c.Decls...)
		sortDecls(ds)
		for _, d := range ds {
			if (d.Kind == "func" || d.Kind == "method" || d.Kind == "type") && len(pkgsOf[d.Signature]) == 1 {
				add(record.GenSigToPkg, "Signature: "+d.Signature, "Package: "+c.Package, c.ID)
			}
		}
	}
	titles := map[string]string{}
	for _, d := range kb {
		titles[d.URL] = d.Title
		add(record.GenTitleToURL, "Title: "+d.Title, "URL: "+d.URL, d.ID)
	}
	for _, d := range kb {
		for _, c := range d.Cites {
			// a citation of a page outside the train split has no title
			// here; leaving it out keeps eval pages out of training text
			if titles[c] != "" {
				add(record.GenCites, "Page: "+d.Title, "Cites: "+titles[c], d.ID)
			}
		}
	}
	for _, d := range kb {
		if len(d.Record) == 0 {
			continue
		}
		e := w.Entity(d.Record["name"])
		keys := make([]string, 0, len(d.Record))
		for k := range d.Record {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			f := factFor(w, e, k)
			if f == nil {
				continue
			}
			n := len(f.Relation.Sentences)
			start := r.IntN(n)
			for v := range min(cfg.RecordVariants, n) {
				add(record.GenRecord, "Record: "+e.Name+", "+k+": "+d.Record[k], f.Sentence((start+v)%n), d.ID)
			}
		}
	}
	return out
}

// factFor returns the fact of e whose record key is key.
func factFor(w *world.World, e *world.Entity, key string) *world.Fact {
	if e == nil {
		return nil
	}
	for _, f := range w.FactsAbout(e) {
		if relLabel[f.Relation.Name] == key {
			return f
		}
	}
	return nil
}

// firstSentence returns the first sentence of a doc comment, on one line.
func firstSentence(doc string) string {
	doc = strings.Join(strings.Fields(doc), " ")
	if i := strings.Index(doc, ". "); i >= 0 {
		return doc[:i+1]
	}
	return doc
}
