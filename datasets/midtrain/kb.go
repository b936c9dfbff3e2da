package midtrain

import (
	"fmt"
	"sort"
	"strings"

	"tinystages/datasets/internal/prose"
	"tinystages/datasets/internal/rng"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

// KBConfig sizes the knowledge base.
type KBConfig struct {
	Pages                    int // generated pages besides one page per entity
	MinMentions, MaxMentions int // answer-bearing sentences per mid-training fact
}

// DefaultKBConfig is the shipped knowledge base, each mid-training fact
// written 45 to 65 times (a tiny model needs many mentions to store a fact;
// see pretrain.DefaultConfig).
var DefaultKBConfig = KBConfig{Pages: 300, MinMentions: 45, MaxMentions: 65}

// Base returns the knowledge base's URL prefix, e.g.
// "https://kb.dravek.example".
func Base(w *world.World) string {
	return "https://kb." + strings.ToLower(strings.Fields(w.Home.Name)[0]) + ".example"
}

// EntityURL returns the URL of e's page in the knowledge base.
func EntityURL(w *world.World, e *world.Entity) string {
	dir := map[world.Kind]string{
		world.Person: "people", world.Place: "places", world.Org: "orgs",
		world.Product: "products", world.Event: "events", world.Service: "services",
	}[e.Kind]
	return Base(w) + "/" + dir + "/" + e.Slug
}

// entityTitle is the title of e's page.
func entityTitle(e *world.Entity) string {
	if e.Kind == world.Service {
		return e.Name + " service"
	}
	return e.Name
}

// relLabel is how a record names a relation.
var relLabel = map[string]string{
	"born_in": "born in", "works_at": "works at", "birth_year": "birth year", "job": "job",
	"region": "region", "known_for": "known for", "based_in": "based in", "founded": "founded",
	"founder": "founder", "made_by": "made by", "launched": "launched", "price": "price",
	"held_in": "held in", "event_year": "year", "winner": "winner", "owner": "owner", "port": "port",
}

// RecordLabel returns the record key of a relation ("works_at" -> "works at").
func RecordLabel(relation string) string { return relLabel[relation] }

type kbGen struct {
	w      *world.World
	r      *rng.Source
	ledger *world.Ledger
	docs   []record.KBDoc
	urls   map[string]bool
	// forbidden holds pairs of entities linked by a fact not placed in
	// mid-training; no page about one of them may cite the other's page.
	forbidden map[[2]*world.Entity]bool
	noteDay   int
}

// KB generates the organisation's knowledge base for w and seed: one page
// per entity with a structured record of its mid-training facts, then design
// documents, runbooks, meeting notes, guides, announcements and incident
// reports, each citing the pages it builds on. Only mid-training facts are
// written, each between cfg.MinMentions and cfg.MaxMentions times.
func KB(w *world.World, seed uint64, cfg KBConfig) []record.KBDoc {
	g := &kbGen{
		w:         w,
		r:         rng.New(seed, "midtrain/kb"),
		ledger:    world.NewLedger(w.FactsSeen(record.SeenMidtrain), rng.New(seed, "midtrain/kb/targets"), cfg.MinMentions, cfg.MaxMentions),
		urls:      map[string]bool{},
		forbidden: map[[2]*world.Entity]bool{},
	}
	for _, f := range w.Facts {
		if f.Object != nil && f.Seen != record.SeenMidtrain {
			g.forbidden[[2]*world.Entity{f.Subject, f.Object}] = true
			g.forbidden[[2]*world.Entity{f.Object, f.Subject}] = true
		}
	}
	for _, e := range w.Entities {
		g.add(g.entityPage(e))
	}
	// Page kinds, weighted: guides and announcements draw on every kind of
	// entity, the others on services.
	kinds := []func() record.KBDoc{g.guide, g.guide, g.guide, g.announcement, g.announcement, g.announcement, g.design, g.design, g.incident, g.runbook, g.notes}
	for range cfg.Pages {
		g.add(rng.Pick(g.r, kinds)())
	}
	for len(g.ledger.Short()) > 0 {
		g.add(g.notes())
	}
	return g.docs
}

func (g *kbGen) add(d record.KBDoc) {
	if g.urls[d.URL] {
		panic("midtrain: duplicate KB URL " + d.URL)
	}
	g.urls[d.URL] = true
	d.ID = "kb-" + strings.TrimPrefix(d.URL, Base(g.w)+"/")
	d.ID = strings.ReplaceAll(d.ID, "/", "-")
	if d.Cites == nil {
		d.Cites = []string{}
	}
	g.docs = append(g.docs, d)
}

// unique returns url and title, or both with a counter if the URL is
// taken, so that titles and URLs stay one-to-one.
func (g *kbGen) unique(url, title string) (string, string) {
	u, t := url, title
	for i := 2; g.urls[u]; i++ {
		u, t = fmt.Sprintf("%s-%d", url, i), fmt.Sprintf("%s (%d)", title, i)
	}
	return u, t
}

func (g *kbGen) say(f *world.Fact) string {
	return g.ledger.Use(f, f.Sentence(g.r.IntN(len(f.Relation.Sentences))))
}

// wanted returns up to n facts of e still short of their targets.
func (g *kbGen) wanted(e *world.Entity, n int) []*world.Fact {
	fs := g.ledger.Wanted(e)
	g.r.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	if len(fs) > n {
		fs = fs[:n]
	}
	return fs
}

// seeAlso renders the citation list, one link per line.
func (g *kbGen) seeAlso(cites []string, titles map[string]string) string {
	if len(cites) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n\nSee also:\n")
	for _, c := range cites {
		b.WriteString("- [" + titles[c] + "](" + c + ")\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (g *kbGen) titles() map[string]string {
	m := map[string]string{}
	for _, d := range g.docs {
		m[d.URL] = d.Title
	}
	for _, e := range g.w.Entities {
		m[EntityURL(g.w, e)] = entityTitle(e)
	}
	return m
}

// cite returns the URLs a page about subjects may cite: their entity pages
// plus up to extra earlier non-entity pages, never a pair in forbidden.
func (g *kbGen) cite(from *world.Entity, subjects []*world.Entity, extra int) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range subjects {
		if s == from || from != nil && g.forbidden[[2]*world.Entity{from, s}] {
			continue
		}
		if u := EntityURL(g.w, s); !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	var pages []string
	for _, d := range g.docs {
		if d.Kind != "" && !isEntityKind(d.Kind) {
			pages = append(pages, d.URL)
		}
	}
	for i := 0; i < extra && len(pages) > 0; i++ {
		if u := rng.Pick(g.r, pages); !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

func isEntityKind(k string) bool {
	for _, x := range world.Kinds {
		if string(x) == k {
			return true
		}
	}
	return false
}

func topic(k world.Kind) prose.Topic {
	if k == world.Service {
		return prose.Tech
	}
	return prose.Town
}

func (g *kbGen) entityPage(e *world.Entity) record.KBDoc {
	p := prose.New(g.r, topic(e.Kind))
	rec := map[string]string{"type": string(e.Kind), "name": e.Name}
	var b strings.Builder
	b.WriteString("# " + entityTitle(e) + "\n\n")
	b.WriteString(fmt.Sprintf("This page is about %s. %s\n\n", e.Ref(), p.About(e.Ref())))
	facts := g.w.FactsAbout(e, record.SeenMidtrain)
	var related []*world.Entity
	if len(facts) > 0 {
		b.WriteString("Record:\n")
		b.WriteString("- name: " + e.Name + "\n")
		for _, f := range facts {
			rec[relLabel[f.Relation.Name]] = f.Answer
			b.WriteString("- " + relLabel[f.Relation.Name] + ": " + f.Answer + "\n")
			if f.Object != nil {
				related = append(related, f.Object)
			}
		}
		b.WriteString("\n")
		var said []string
		for _, f := range facts {
			if g.ledger.Wants(f) {
				said = append(said, g.say(f))
			}
		}
		b.WriteString(strings.Join(said, " ") + " " + p.Sentence())
		if g.r.Chance(0.5) {
			b.WriteString("\n\n## FAQ\n\n")
			for _, i := range g.r.Perm(len(facts))[:min(len(facts), 2)] {
				f := facts[i]
				b.WriteString(f.QA(g.r.IntN(len(f.Relation.Questions))) + "\n")
			}
			b.WriteString(p.Sentence())
		}
	} else {
		b.WriteString(p.Paragraph(2))
	}
	// A couple of unrelated pages, for a denser citation graph.
	for _, o := range pickEntities(g.r, g.w.Entities, 2) {
		related = append(related, o)
	}
	cites := g.cite(e, related, 0)
	b.WriteString(g.seeAlso(cites, g.titles()))
	return record.KBDoc{URL: EntityURL(g.w, e), Title: entityTitle(e), Kind: string(e.Kind), Cites: cites, Text: b.String(), Record: rec}
}

func pickEntities(r *rng.Source, es []*world.Entity, n int) []*world.Entity {
	var out []*world.Entity
	for _, i := range r.Perm(len(es))[:n] {
		out = append(out, es[i])
	}
	return out
}

// subject picks an entity whose facts still need mentions, of the given
// kinds when possible.
func (g *kbGen) subject(kinds ...world.Kind) *world.Entity {
	if e := g.ledger.Needy(g.r, kinds...); e != nil {
		return e
	}
	var pool []*world.Entity
	for _, k := range kinds {
		pool = append(pool, g.w.OfKind(k)...)
	}
	return rng.Pick(g.r, pool)
}

// body writes a few paragraphs about subjects: their wanted facts mixed
// with filler and one-entity sentences.
func (g *kbGen) body(p *prose.Gen, subjects []*world.Entity, perSubject int) string {
	var paras []string
	for _, s := range subjects {
		var parts []string
		parts = append(parts, p.About(s.Ref()))
		for _, f := range g.wanted(s, perSubject) {
			if g.r.Chance(0.5) {
				parts = append(parts, p.Sentence())
			}
			parts = append(parts, g.say(f))
		}
		parts = append(parts, p.Sentence())
		paras = append(paras, strings.Join(parts, " "))
	}
	return strings.Join(paras, "\n\n")
}

func (g *kbGen) design() record.KBDoc {
	s := g.subject(world.Service)
	p := prose.New(g.r, prose.Tech)
	version := g.r.Range(1, 4)
	url, title := g.unique(fmt.Sprintf("%s/design/%s-v%d", Base(g.w), s.Slug, version), fmt.Sprintf("Design: %s v%d", entityTitle(s), version))
	others := []*world.Entity{s}
	for range g.r.Range(1, 2) {
		others = append(others, g.subject(world.Person, world.Org, world.Product, world.Place))
	}
	others = dedupe(others)
	var b strings.Builder
	b.WriteString("# " + title + "\n\n## Summary\n\n" + p.Paragraph(g.r.Range(1, 2)) + "\n\n## Details\n\n")
	b.WriteString(g.body(p, others, 2))
	b.WriteString("\n\n## Open questions\n\n" + p.Paragraph(g.r.Range(1, 2)))
	cites := g.cite(nil, others, g.r.Range(0, 2))
	b.WriteString(g.seeAlso(cites, g.titles()))
	return record.KBDoc{URL: url, Title: title, Kind: "design", Cites: cites, Text: b.String()}
}

func (g *kbGen) runbook() record.KBDoc {
	s := g.subject(world.Service)
	p := prose.New(g.r, prose.Tech)
	url, title := g.unique(Base(g.w)+"/runbooks/"+s.Slug, "Runbook: "+entityTitle(s))
	var b strings.Builder
	b.WriteString("# " + title + "\n\n" + p.About(s.Ref()) + "\n\nSteps:\n")
	step := 1
	for _, f := range g.wanted(s, 2) {
		b.WriteString(fmt.Sprintf("%d. %s\n", step, g.say(f)))
		step++
	}
	for range g.r.Range(2, 4) {
		b.WriteString(fmt.Sprintf("%d. %s\n", step, p.Sentence()))
		step++
	}
	cites := g.cite(nil, []*world.Entity{s}, g.r.Range(0, 1))
	b.WriteString(strings.TrimRight(g.seeAlso(cites, g.titles()), "\n"))
	return record.KBDoc{URL: url, Title: title, Kind: "runbook", Cites: cites, Text: strings.TrimRight(b.String(), "\n")}
}

func (g *kbGen) notes() record.KBDoc {
	g.noteDay++
	p := prose.New(g.r, prose.Town)
	month, day := 1+(g.noteDay/28)%12, 1+g.noteDay%28
	date := fmt.Sprintf("2024-%02d-%02d", month, day)
	url, title := g.unique(Base(g.w)+"/notes/"+date, "Notes: weekly sync "+date)
	var subjects []*world.Entity
	for range g.r.Range(2, 3) {
		subjects = append(subjects, g.subject(world.Kinds...))
	}
	var b strings.Builder
	b.WriteString("# " + title + "\n\nAttendees:\n")
	for _, a := range pickEntities(g.r, g.w.OfKind(world.Person), 3) {
		b.WriteString("- " + a.Name + "\n")
	}
	b.WriteString("\nDiscussed:\n")
	seen := map[*world.Entity]bool{}
	for _, s := range subjects {
		if seen[s] {
			continue
		}
		seen[s] = true
		b.WriteString("- " + p.About(s.Ref()) + "\n")
		for _, f := range g.wanted(s, 2) {
			b.WriteString("- " + g.say(f) + "\n")
		}
	}
	b.WriteString("\nAction items:\n- " + p.Sentence())
	cites := g.cite(nil, subjects, g.r.Range(0, 1))
	b.WriteString(g.seeAlso(cites, g.titles()))
	return record.KBDoc{URL: url, Title: title, Kind: "notes", Cites: cites, Text: b.String()}
}

var guideTopics = []string{"getting started", "who is who", "our partners", "the product line", "our history", "travel between offices", "the event calendar", "on call", "the service map", "working with suppliers"}

func (g *kbGen) guide() record.KBDoc {
	t := rng.Pick(g.r, guideTopics)
	url, title := g.unique(Base(g.w)+"/guides/"+strings.ReplaceAll(t, " ", "-"), "Guide: "+t)
	p := prose.New(g.r, prose.Town)
	var subjects []*world.Entity
	for range g.r.Range(2, 4) {
		subjects = append(subjects, g.subject(world.Kinds...))
	}
	var b strings.Builder
	b.WriteString("# " + title + "\n\n" + p.Paragraph(1) + "\n\n" + g.body(p, dedupe(subjects), 3))
	cites := g.cite(nil, subjects, g.r.Range(1, 2))
	b.WriteString(g.seeAlso(cites, g.titles()))
	return record.KBDoc{URL: url, Title: title, Kind: "guide", Cites: cites, Text: b.String()}
}

func (g *kbGen) announcement() record.KBDoc {
	s := g.subject(world.Event, world.Product, world.Org)
	url, title := g.unique(Base(g.w)+"/announcements/"+s.Slug, "Announcement: "+entityTitle(s))
	p := prose.New(g.r, prose.Town)
	var b strings.Builder
	b.WriteString("# " + title + "\n\n" + g.body(p, []*world.Entity{s}, 3) + "\n\n" + g.body(p, []*world.Entity{g.subject(world.Kinds...)}, 3))
	cites := g.cite(nil, []*world.Entity{s}, g.r.Range(0, 1))
	b.WriteString(g.seeAlso(cites, g.titles()))
	return record.KBDoc{URL: url, Title: title, Kind: "announcement", Cites: cites, Text: b.String()}
}

func (g *kbGen) incident() record.KBDoc {
	s := g.subject(world.Service)
	url, title := g.unique(Base(g.w)+"/incidents/"+s.Slug, "Incident: "+entityTitle(s)+" outage")
	p := prose.New(g.r, prose.Tech)
	var b strings.Builder
	b.WriteString("# " + title + "\n\n## What happened\n\n" + g.body(p, []*world.Entity{s}, 2) + "\n\n## Follow-up\n\n" + p.Paragraph(g.r.Range(1, 2)))
	cites := g.cite(nil, []*world.Entity{s}, g.r.Range(0, 2))
	b.WriteString(g.seeAlso(cites, g.titles()))
	return record.KBDoc{URL: url, Title: title, Kind: "incident", Cites: cites, Text: b.String()}
}

func dedupe(es []*world.Entity) []*world.Entity {
	seen := map[*world.Entity]bool{}
	var out []*world.Entity
	for _, e := range es {
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// CitedBy inverts the citation graph: for each URL, the URLs of the pages
// that cite it, sorted.
func CitedBy(docs []record.KBDoc) map[string][]string {
	m := map[string][]string{}
	for _, d := range docs {
		for _, c := range d.Cites {
			m[c] = append(m[c], d.URL)
		}
	}
	for _, v := range m {
		sort.Strings(v)
	}
	return m
}
