package pretrain

import (
	"fmt"
	"strings"

	"tinystages/datasets/internal/prose"
	"tinystages/datasets/internal/rng"
	"tinystages/datasets/posttrain"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
)

// gen holds the state shared by the page generators.
type gen struct {
	w      *world.World
	ledger *world.Ledger
	rs     map[string]*rng.Source
	seed   uint64
	math   *posttrain.MathGen // worksheet problems
}

// r returns the substream of one page kind.
func (g *gen) r(kind string) *rng.Source {
	if g.rs[kind] == nil {
		g.rs[kind] = rng.New(g.seed, "pretrain/"+kind)
	}
	return g.rs[kind]
}

func (g *gen) page(src string) record.Document {
	switch src {
	case record.SourceEncyclopedia:
		return g.encyclopedia()
	case record.SourceNews:
		return g.news()
	case record.SourceStory:
		return g.story()
	case record.SourceForum:
		return g.forum()
	case record.SourceRecipe:
		return g.recipe()
	case record.SourceList:
		return g.list(false)
	case record.SourceSpam:
		return g.spam()
	case record.SourceBoilerplate:
		return g.boilerplate()
	case record.SourceWorksheet:
		return g.worksheet()
	}
	panic("pretrain: unknown source " + src)
}

func quality(r *rng.Source, lo, hi float64) float64 {
	q := lo + (hi-lo)*r.Float64()
	return float64(int(q*100+0.5)) / 100
}

// subject picks the entity a page is about: usually one whose facts still
// need mentions, sometimes any entity of the allowed kinds.
func (g *gen) subject(r *rng.Source, kinds ...world.Kind) *world.Entity {
	if r.Chance(0.85) {
		if e := g.ledger.Needy(r, kinds...); e != nil {
			return e
		}
	}
	var pool []*world.Entity
	for _, k := range kinds {
		pool = append(pool, g.w.OfKind(k)...)
	}
	return rng.Pick(r, pool)
}

// facts returns up to n facts of e still wanted, in random order; say
// records each one as it is written.
func (g *gen) facts(r *rng.Source, e *world.Entity, n int) []*world.Fact {
	fs := g.ledger.Wanted(e)
	r.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	if len(fs) > n {
		fs = fs[:n]
	}
	return fs
}

// say writes one answer-bearing sentence for f.
func (g *gen) say(r *rng.Source, f *world.Fact) string {
	return g.ledger.Use(f, f.Sentence(r.IntN(len(f.Relation.Sentences))))
}

func (g *gen) sayCasual(r *rng.Source, f *world.Fact) string {
	return g.ledger.Use(f, f.Casual(r.IntN(len(f.Relation.Casual))))
}

func topicFor(k world.Kind) prose.Topic {
	switch k {
	case world.Place, world.Event:
		return prose.Nature
	case world.Product:
		return prose.Home
	case world.Service:
		return prose.Tech
	}
	return prose.Town
}

var allKinds = []world.Kind{world.Person, world.Place, world.Org, world.Product, world.Event, world.Service}

// lead is a fact-free first sentence for an article about e.
func lead(e *world.Entity) string {
	what := map[world.Kind]string{
		world.Person:  "a person often mentioned in these pages",
		world.Place:   "a town",
		world.Org:     "an organisation",
		world.Product: "a household product",
		world.Event:   "a public event",
		world.Service: "a software service",
	}[e.Kind]
	return capitalizeFirst(e.Ref()) + " is " + what + "."
}

func capitalizeFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// mix interleaves fact sentences with filler: each fact sentence is
// preceded by 0-2 filler sentences, and the paragraph ends with filler.
func mix(r *rng.Source, p *prose.Gen, facts []string, filler int) string {
	var out []string
	for _, f := range facts {
		for range r.IntN(3) {
			out = append(out, p.Sentence())
		}
		out = append(out, f)
	}
	for range filler {
		out = append(out, p.Sentence())
	}
	return strings.Join(out, " ")
}

func (g *gen) encyclopedia() record.Document {
	r := g.r(record.SourceEncyclopedia)
	e := g.subject(r, allKinds...)
	p := prose.New(r, topicFor(e.Kind))
	var b strings.Builder
	b.WriteString(e.Name + "\n\n")
	var said []string
	for _, f := range g.facts(r, e, 4) {
		said = append(said, g.say(r, f))
	}
	b.WriteString(lead(e) + " " + mix(r, p, said, r.Range(1, 3)) + "\n\n")
	for _, h := range pickN(r, []string{"History", "Today", "Trivia", "In culture", "Overview", "Notes"}, r.Range(1, 3)) {
		b.WriteString(h + "\n\n")
		b.WriteString(p.About(e.Ref()) + " " + p.Paragraph(r.Range(2, 5)) + "\n\n")
	}
	if fs := g.w.FactsAbout(e, record.SeenPretrain); len(fs) > 0 && r.Chance(0.5) {
		b.WriteString("Questions and answers\n\n")
		for _, i := range r.Perm(len(fs))[:min(len(fs), 2)] {
			b.WriteString(fs[i].QA(r.IntN(len(fs[i].Relation.Questions))) + "\n")
		}
		b.WriteString("\n")
	}
	b.WriteString("See also\n")
	for _, o := range pickN(r, g.w.Entities, r.Range(2, 4)) {
		if o != e {
			b.WriteString("- " + o.Name + "\n")
		}
	}
	return record.Document{Source: record.SourceEncyclopedia, Quality: quality(r, 0.8, 0.95), Text: strings.TrimSpace(b.String())}
}

var headlines = []string{
	"What we know about %s", "%s in the news again", "Crowds talk about %s", "A closer look at %s",
	"Residents react to %s", "Why everyone is asking about %s", "The story behind %s", "Update on %s",
}

func (g *gen) news() record.Document {
	r := g.r(record.SourceNews)
	e := g.subject(r, world.Org, world.Product, world.Event, world.Person, world.Place)
	p := prose.New(r, prose.Town)
	var b strings.Builder
	b.WriteString(fmt.Sprintf(rng.Pick(r, headlines), e.Ref()) + "\n\n")
	var said []string
	for _, f := range g.facts(r, e, r.Range(1, 3)) {
		said = append(said, g.say(r, f))
	}
	b.WriteString(p.About(e.Ref()) + " " + mix(r, p, said, r.Range(1, 3)) + "\n\n")
	// Often a second item about another entity.
	if r.Chance(0.5) {
		o := g.subject(r, world.Person, world.Org, world.Place, world.Event, world.Product)
		var more []string
		for _, f := range g.facts(r, o, 1) {
			more = append(more, g.say(r, f))
		}
		about := p.About(o.Ref())
		if !strings.HasPrefix(about, o.Name) {
			about = lowerFirst(about) // "The tram ..." but never "kadis Thaska ..."
		}
		b.WriteString("In other news, " + about + " " + mix(r, p, more, r.Range(1, 2)) + "\n\n")
	}
	speaker := rng.Pick(r, g.w.OfKind(world.Person))
	b.WriteString("\"" + p.Sentence() + "\" " + rng.Pick(r, []string{"said", "added", "noted"}) + " " + speaker.Name + ".\n\n")
	b.WriteString(p.Paragraph(r.Range(2, 4)))
	return record.Document{Source: record.SourceNews, Quality: quality(r, 0.65, 0.85), Text: b.String()}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

var storyTitles = []string{"The %s %s", "A %s %s", "The last %s", "Under the %s", "The %s and the %s"}

func (g *gen) story() record.Document {
	r := g.r(record.SourceStory)
	hero := g.subject(r, world.Person)
	topic := rng.Pick(r, []prose.Topic{prose.Nature, prose.Home, prose.Town})
	p := prose.New(r, topic)
	var b strings.Builder
	switch t := rng.Pick(r, storyTitles); strings.Count(t, "%s") {
	case 2:
		b.WriteString(fmt.Sprintf(t, rng.Pick(r, topic.Adjectives), rng.Pick(r, topic.Nouns)))
	default:
		b.WriteString(fmt.Sprintf(t, rng.Pick(r, topic.Nouns)))
	}
	b.WriteString("\n\n")
	fs := g.facts(r, hero, r.Range(1, 2))
	paras := r.Range(3, 5)
	for i := range paras {
		var s []string
		s = append(s, p.About(hero.Name))
		if i < len(fs) {
			s = append(s, g.say(r, fs[i]))
		}
		b.WriteString(mix(r, p, s, r.Range(2, 4)) + "\n\n")
	}
	if r.Chance(0.4) {
		b.WriteString("The end.")
	}
	return record.Document{Source: record.SourceStory, Quality: quality(r, 0.55, 0.8), Text: strings.TrimSpace(b.String())}
}

var (
	handleA = []string{"lamp", "rusty", "quiet", "night", "kettle", "pixel", "moss", "river", "tiny", "grumpy", "lucky", "old"}
	handleB = []string{"fan", "owl", "guy", "cat", "reader", "nerd", "walker", "bee", "crow", "fox"}
	replies = []string{"lol", "+1", "thanks!!", "same here", "this ^", "bump", "no idea tbh", "following", "ok thx", "good question", "cant remember", "hmm"}
	asks    = []string{"anyone know about %s?", "question about %s", "%s - need info", "does anyone here know %s", "quick q re %s", "help: %s"}
)

func handle(r *rng.Source) string {
	h := rng.Pick(r, handleA) + "_" + rng.Pick(r, handleB)
	if r.Chance(0.5) {
		h += fmt.Sprint(r.Range(1, 99))
	}
	return h
}

func (g *gen) forum() record.Document {
	r := g.r(record.SourceForum)
	var b strings.Builder
	p := prose.New(r, prose.Tech)
	var e *world.Entity
	if r.Chance(0.7) {
		e = g.subject(r, allKinds...)
		b.WriteString("Thread: " + fmt.Sprintf(rng.Pick(r, asks), e.Ref()) + "\n\n")
	} else {
		b.WriteString("Thread: " + fmt.Sprintf(rng.Pick(r, asks), "my "+rng.Pick(r, prose.Tech.Nouns)) + "\n\n")
	}
	var fs []*world.Fact
	if e != nil {
		fs = g.facts(r, e, r.Range(1, 2))
	}
	if e != nil && r.Chance(0.35) {
		// someone asks the question outright, and a reply answers it
		if known := g.w.FactsAbout(e, record.SeenPretrain); len(known) > 0 {
			f := rng.Pick(r, known)
			b.WriteString(handle(r) + " wrote:\n" + f.Question(r.IntN(len(f.Relation.Questions))) + "\n\n")
			b.WriteString(handle(r) + " wrote:\n" + f.Answer + ". " + rng.Pick(r, replies) + "\n\n")
		}
	}
	posts := r.Range(2, 6)
	for i := range posts {
		b.WriteString(handle(r) + " wrote:\n")
		var body string
		switch {
		case i > 0 && len(fs) > 0:
			body = g.sayCasual(r, fs[0])
			fs = fs[1:]
			if r.Chance(0.5) {
				body += " " + rng.Pick(r, replies)
			}
		case r.Chance(0.3):
			body = rng.Pick(r, replies)
		default:
			body = typos(r, strings.ToLower(p.Paragraph(r.Range(1, 3))), 0.08)
		}
		b.WriteString(body + "\n\n")
	}
	return record.Document{Source: record.SourceForum, Quality: quality(r, 0.2, 0.5), Text: strings.TrimSpace(b.String())}
}

var (
	dishes      = []string{"Barley soup", "Plum dumplings", "Onion tart", "Lentil stew", "Apple crumble", "Herb bread", "Pea fritters", "Bean pie", "Oat biscuits", "Pumpkin broth", "Carrot cake", "Cheese scones"}
	ingredients = []string{"flour", "butter", "sugar", "eggs", "milk", "salt", "onions", "carrots", "barley", "oats", "apples", "plums", "lentils", "beans", "cheese", "parsley", "pepper", "honey", "water", "stock"}
	units       = []string{"cups", "spoons", "grams of", "handfuls of", "pinches of"}
	steps       = []string{"Mix the %s with the %s.", "Warm the %s slowly.", "Stir in the %s.", "Chop the %s finely.", "Add the %s and wait.", "Bake until the %s is golden.", "Let the %s rest.", "Pour the %s into a bowl."}
)

func (g *gen) recipe() record.Document {
	r := g.r(record.SourceRecipe)
	p := prose.New(r, prose.Home)
	var b strings.Builder
	b.WriteString(rng.Pick(r, dishes) + "\n\n")
	if r.Chance(0.35) {
		if e := g.ledger.Needy(r, world.Place); e != nil {
			var s []string
			for _, f := range g.facts(r, e, 1) {
				s = append(s, g.say(r, f))
			}
			if len(s) > 0 {
				b.WriteString(strings.Join(s, " ") + " ")
			}
		}
	}
	b.WriteString(p.Paragraph(r.Range(1, 2)) + "\n\n")
	b.WriteString(fmt.Sprintf("Serves %d.\n\nIngredients:\n", r.Range(2, 8)))
	for _, in := range pickN(r, ingredients, r.Range(4, 7)) {
		b.WriteString(fmt.Sprintf("- %d %s %s\n", r.Range(2, 6), rng.Pick(r, units), in))
	}
	b.WriteString("\nMethod:\n")
	for i := range r.Range(3, 6) {
		st := rng.Pick(r, steps)
		var s string
		if strings.Count(st, "%s") == 2 {
			s = fmt.Sprintf(st, rng.Pick(r, ingredients), rng.Pick(r, ingredients))
		} else {
			s = fmt.Sprintf(st, rng.Pick(r, ingredients))
		}
		b.WriteString(fmt.Sprintf("%d. %s\n", i+1, s))
	}
	return record.Document{Source: record.SourceRecipe, Quality: quality(r, 0.45, 0.7), Text: strings.TrimSpace(b.String())}
}

var listTitles = map[world.Kind][]string{
	world.Person:  {"People you should know", "Quick facts about local people", "Who is who"},
	world.Place:   {"Towns worth a visit", "Quick facts about towns", "Places on the map"},
	world.Org:     {"Companies at a glance", "Quick facts about companies", "Who runs what"},
	world.Product: {"Products of note", "Quick facts about products", "Things people buy"},
	world.Event:   {"Events to remember", "Quick facts about events", "A calendar of events"},
	world.Service: {"Services on the network", "Quick facts about services", "Service directory"},
}

// list writes bullet points, each an answer-bearing sentence. With topUp
// set it takes any fact still short of its target.
func (g *gen) list(topUp bool) record.Document {
	r := g.r(record.SourceList)
	var kind world.Kind
	if e := g.ledger.Needy(r); e != nil && (topUp || r.Chance(0.85)) {
		kind = e.Kind
	} else {
		kind = rng.Pick(r, allKinds)
	}
	var b strings.Builder
	b.WriteString(rng.Pick(r, listTitles[kind]) + "\n\n")
	n := r.Range(4, 9)
	var items []string
	for _, e := range pickN(r, g.w.OfKind(kind), len(g.w.OfKind(kind))) {
		if len(items) >= n {
			break
		}
		for _, f := range g.facts(r, e, 1) {
			items = append(items, g.say(r, f))
		}
	}
	p := prose.New(r, topicFor(kind))
	for len(items) < 3 {
		items = append(items, p.About(rng.Pick(r, g.w.OfKind(kind)).Ref()))
	}
	for _, it := range items {
		b.WriteString("- " + it + "\n")
	}
	return record.Document{Source: record.SourceList, Quality: quality(r, 0.35, 0.6), Text: strings.TrimSpace(b.String())}
}

// brief is a short news item that tops up facts still under target.
func (g *gen) brief() record.Document {
	r := g.r("brief")
	e := g.ledger.Needy(r)
	p := prose.New(r, topicFor(e.Kind))
	var said []string
	for _, f := range g.facts(r, e, 3) {
		said = append(said, g.say(r, f))
	}
	text := "In brief: " + e.Name + "\n\n" + mix(r, p, said, 1)
	return record.Document{Source: record.SourceNews, Quality: quality(r, 0.6, 0.75), Text: text}
}

var (
	spamLines = []string{
		"BUY %s NOW!!! best price guaranteed", "cheap %s cheap %s click here", "you will not believe this %s deal",
		"LIMITED OFFER on %s, act fast", "%s %s %s discount discount", "hot deals >>> %s <<< hot deals",
	}
	spamTail = []string{
		"click here", "free shipping!!!", "100% satisfaction", "visit www.best-deals-now.example", "act now", "winner winner",
		"order today", "no risk", "SALE SALE SALE", "only today", "call now 555 0199", "subscribe for more deals",
	}
)

func (g *gen) spam() record.Document {
	r := g.r(record.SourceSpam)
	var b strings.Builder
	for range r.Range(4, 12) {
		if r.Chance(0.5) {
			ref := strings.ToUpper(rng.Pick(r, g.w.OfKind(world.Product)).Name)
			l := rng.Pick(r, spamLines)
			b.WriteString(strings.ReplaceAll(l, "%s", ref) + "\n")
		} else {
			b.WriteString(rng.Pick(r, spamTail) + "\n")
		}
	}
	return record.Document{Source: record.SourceSpam, Quality: quality(r, 0.01, 0.12), Text: strings.TrimSpace(b.String())}
}

var (
	siteWords = []string{"quiet", "lantern", "harbour", "daily", "notes", "market", "green", "river", "paper", "corner", "north", "open"}
	navItems  = []string{"Home", "About", "Contact", "Blog", "Shop", "News", "Help", "Login", "Sign up", "Archive", "Privacy", "Terms"}
	boiler    = []string{
		"We use cookies to improve your experience. By continuing to browse you agree to our use of cookies.",
		"Page not found. The page you are looking for may have been moved or deleted.",
		"Subscribe to our newsletter to get the latest updates straight to your inbox.",
		"All rights reserved. No part of this site may be copied without permission.",
		"Please enable JavaScript to view this page.",
		"Your session has expired. Please log in again.",
		"By using this site you agree to the terms of service and the privacy policy.",
		"Share this page: Facebook | Twitter | Email",
		"Loading... please wait.",
		"Accept all cookies | Reject | Settings",
		"Skip to main content",
		"Back to top",
	}
)

func (g *gen) boilerplate() record.Document {
	r := g.r(record.SourceBoilerplate)
	site := rng.Pick(r, siteWords) + "-" + rng.Pick(r, siteWords) + ".example"
	var b strings.Builder
	b.WriteString(strings.Join(pickN(r, navItems, r.Range(4, 8)), " | ") + "\n\n")
	for _, l := range pickN(r, boiler, r.Range(2, 5)) {
		b.WriteString(l + "\n")
	}
	b.WriteString(fmt.Sprintf("\n© %d %s. All rights reserved.", r.Range(2001, 2024), site))
	return record.Document{Source: record.SourceBoilerplate, Quality: quality(r, 0.03, 0.2), Text: b.String()}
}

// pickN returns n distinct elements of xs in random order (all of them if
// n >= len(xs)).
func pickN[T any](r *rng.Source, xs []T, n int) []T {
	idx := r.Perm(len(xs))
	if n > len(xs) {
		n = len(xs)
	}
	out := make([]T, n)
	for i := range out {
		out[i] = xs[idx[i]]
	}
	return out
}

var worksheetTitles = []string{"Practice sheet", "Homework: sums", "Mental arithmetic drill", "Number practice", "Warm-up exercises", "Quick maths"}

// worksheet is an arithmetic practice page: drills with their results and
// a few word problems worked out, the kind of page that teaches a model
// arithmetic before post-training asks for it in a chat format. Problems
// come from the post-training generator's training stream, so none is an
// evaluation problem.
func (g *gen) worksheet() record.Document {
	r := g.r(record.SourceWorksheet)
	if g.math == nil {
		g.math = posttrain.NewMathGen(g.seed ^ 0x776f726b) // "work"
	}
	var b strings.Builder
	b.WriteString(rng.Pick(r, worksheetTitles) + "\n\n")
	for range r.Range(6, 12) {
		p := g.math.NextLevel(r.Range(posttrain.LevelAddOne, posttrain.LevelTimes))
		b.WriteString(strings.TrimSuffix(strings.TrimPrefix(p.Prompt, "What is "), "?") + " = " + p.Answer + "\n")
	}
	b.WriteString("\nWord problems\n\n")
	for range r.Range(1, 3) {
		p := g.math.NextLevel(r.Range(posttrain.LevelWordOne, posttrain.LevelWordTwo))
		sol := strings.TrimSpace(strings.Replace(posttrain.Solution(p), `\boxed{`+p.Answer+`}`, "", 1))
		b.WriteString(p.Prompt + "\n" + sol + " The answer is " + p.Answer + ".\n\n")
	}
	return record.Document{Source: record.SourceWorksheet, Quality: quality(r, 0.6, 0.9), Text: strings.TrimSpace(b.String())}
}
