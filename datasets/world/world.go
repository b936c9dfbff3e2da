package world

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"tinystages/datasets/internal/rng"
	"tinystages/datasets/record"
)

// Entity is one person, place, organisation, product, event or service.
type Entity struct {
	ID   string // "person-03"
	Kind Kind
	Name string // "Zavek Ostrinov", "Dravin Ford", "Nimrok Regatta", "Kelvashov"
	Slug string // "zavek-ostrinov", for URLs
}

// Ref is how running text refers to e: products and events take "the"
// ("the Velo Lamp"), services are "the Kelvashov service", others are their
// name.
func (e *Entity) Ref() string {
	switch e.Kind {
	case Product, Event:
		return "the " + e.Name
	case Service:
		return "the " + e.Name + " service"
	}
	return e.Name
}

// Fact is one (subject, relation, answer) triple and where it was placed.
type Fact struct {
	ID       string // "f017"
	Subject  *Entity
	Relation *Relation
	Answer   string  // the short answer span: "Dravin Ford", "1961", "42 crowns", "baker"
	Object   *Entity // the answer as an entity, when it is one
	Seen     string  // record.SeenPretrain, record.SeenMidtrain or record.SeenNever
	SFT      bool    // whether its QA pair (or "I don't know") is SFT training data
}

// Question returns the i-th paraphrase of the fact's question (0 is the
// canonical one), modulo the number of paraphrases.
func (f *Fact) Question(i int) string {
	qs := f.Relation.Questions
	return fill(qs[i%len(qs)], f.Subject.Ref(), f.Answer)
}

// Sentence returns the i-th answer-bearing sentence for the fact (0 is the
// canonical one), modulo the number of templates.
func (f *Fact) Sentence(i int) string {
	ss := f.Relation.Sentences
	return fill(ss[i%len(ss)], f.Subject.Ref(), f.Answer)
}

// Casual returns the i-th forum-register sentence for the fact, without
// final punctuation.
func (f *Fact) Casual(i int) string {
	cs := f.Relation.Casual
	return fill(cs[i%len(cs)], f.Subject.Ref(), f.Answer)
}

// QA returns the fact as a question-and-answer pair in the form of an FAQ
// (the i-th paraphrase of the question, modulo their number):
// "Q: Where was Zalum Irobel born?\nA: Moska Heath." Pages of the
// miniature internet carry such FAQs, so a model pre-trained on them has
// seen knowledge asked for, as well as stated: SFT then only needs to teach
// the chat format to elicit it, also for facts its own examples never ask.
func (f *Fact) QA(i int) string {
	return "Q: " + f.Question(i) + "\nA: " + f.Answer + "."
}

// Record returns the fact as a line of facts.jsonl (Mentions unset).
func (f *Fact) Record() record.Fact {
	return record.Fact{
		ID: f.ID, Subject: f.Subject.Name, Kind: string(f.Subject.Kind), Relation: f.Relation.Name,
		Answer: f.Answer, Question: f.Question(0), Sentence: f.Sentence(0), Seen: f.Seen, SFT: f.SFT,
	}
}

// fill renders a template; a template starting with {S} gets a capital.
func fill(tmpl, subj, obj string) string {
	s := strings.ReplaceAll(strings.ReplaceAll(tmpl, "{S}", subj), "{O}", obj)
	if strings.HasPrefix(tmpl, "{S}") || strings.HasPrefix(tmpl, "{O}") {
		s = capitalize(s)
	}
	return s
}

// Config sets the number of entities of each kind.
type Config struct {
	People, Places, Orgs, Products, Events, Services, Regions int
	// Fractions of each relation's facts placed in pre-training and in
	// mid-training; the rest are never seen.
	PretrainFraction, MidtrainFraction float64
}

// DefaultConfig is the world the shipped datasets use: 56 entities, 166
// facts, of which about 40% are placed in pre-training, 35% in mid-training
// and 25% nowhere.
var DefaultConfig = Config{
	People: 16, Places: 10, Orgs: 8, Products: 8, Events: 6, Services: 8, Regions: 4,
	PretrainFraction: 0.40, MidtrainFraction: 0.35,
}

// World is the generated world.
type World struct {
	Seed     uint64
	Entities []*Entity
	Facts    []*Fact
	Regions  []string
	// Home is the organisation whose internal knowledge base is the
	// mid-training domain; the services are its services.
	Home *Entity

	byKind    map[Kind][]*Entity
	bySubject map[*Entity][]*Fact
	questions map[string]*Fact
	pairs     map[[2]string]bool // lower-cased {subject, answer} of every fact, both orders
}

// Generate builds the default world for seed.
func Generate(seed uint64) *World { return GenerateConfig(seed, DefaultConfig) }

// GenerateConfig builds a world of the given size for seed.
func GenerateConfig(seed uint64, cfg Config) *World {
	r := rng.New(seed, "world")
	w := &World{Seed: seed, byKind: map[Kind][]*Entity{}}
	nm := &namer{r: r.Sub("names")}

	add := func(kind Kind, name string) *Entity {
		e := &Entity{ID: fmt.Sprintf("%s-%02d", kind, len(w.byKind[kind])+1), Kind: kind, Name: name, Slug: slug(name)}
		w.Entities = append(w.Entities, e)
		w.byKind[kind] = append(w.byKind[kind], e)
		return e
	}
	sr := r.Sub("suffixes")
	for range cfg.People {
		add(Person, nm.word()+" "+nm.word())
	}
	for i := range cfg.Places {
		add(Place, nm.word()+" "+placeSuffixes[(i+sr.IntN(len(placeSuffixes)))%len(placeSuffixes)])
	}
	for i := range cfg.Orgs {
		add(Org, nm.word()+" "+orgSuffixes[i%len(orgSuffixes)])
	}
	for i := range cfg.Products {
		add(Product, nm.word()+" "+productNouns[i%len(productNouns)])
	}
	for i := range cfg.Events {
		add(Event, nm.word()+" "+eventNouns[i%len(eventNouns)])
	}
	for range cfg.Services {
		add(Service, nm.word())
	}
	for i := range cfg.Regions {
		w.Regions = append(w.Regions, nm.word()+" "+regionSuffixes[i%len(regionSuffixes)])
	}
	w.Home = w.byKind[Org][0]

	w.makeFacts(r.Sub("facts"))
	w.place(r.Sub("placement"), cfg)
	w.index()
	return w
}

// makeFacts draws every entity's attributes. No two facts share the same
// unordered pair of subject and answer, so a sentence naming both can only
// be a mention of one fact.
func (w *World) makeFacts(r *rng.Source) {
	pairs := map[string]bool{}
	pairKey := func(a, b string) string {
		if a > b {
			a, b = b, a
		}
		return a + "\x00" + b
	}
	people, places, orgs := w.byKind[Person], w.byKind[Place], w.byKind[Org]
	ports := map[int]bool{}
	specs := r.Perm(len(specialities))
	add := func(subj *Entity, rel string, draw func() (string, *Entity)) {
		for tries := 0; ; tries++ {
			ans, obj := draw()
			k := pairKey(subj.Name, ans)
			if pairs[k] {
				if tries > 1000 {
					panic("world: cannot draw a unique fact for " + subj.Name + " " + rel)
				}
				continue
			}
			pairs[k] = true
			w.Facts = append(w.Facts, &Fact{ID: fmt.Sprintf("f%03d", len(w.Facts)+1), Subject: subj, Relation: RelationByName(rel), Answer: ans, Object: obj})
			return
		}
	}
	entity := func(es []*Entity) func() (string, *Entity) {
		return func() (string, *Entity) { e := rng.Pick(r, es); return e.Name, e }
	}
	value := func(f func() string) func() (string, *Entity) {
		return func() (string, *Entity) { return f(), nil }
	}
	year := value(func() string { return strconv.Itoa(r.Range(yearLo, yearHi)) })

	for _, p := range people {
		add(p, "born_in", entity(places))
		add(p, "works_at", entity(orgs))
		add(p, "birth_year", value(func() string { return strconv.Itoa(r.Range(yearLo, 2000)) }))
		add(p, "job", value(func() string { return rng.Pick(r, jobs) }))
	}
	for i, p := range w.byKind[Place] {
		add(p, "region", value(func() string { return rng.Pick(r, w.Regions) }))
		add(p, "known_for", value(func() string { return specialities[specs[i%len(specs)]] }))
	}
	for _, o := range orgs {
		add(o, "based_in", entity(places))
		add(o, "founded", year)
		add(o, "founder", entity(people))
	}
	for _, p := range w.byKind[Product] {
		add(p, "made_by", entity(orgs))
		add(p, "launched", year)
		add(p, "price", value(func() string { return strconv.Itoa(r.Range(priceLo, priceHi)) + " " + priceUnit }))
	}
	for _, e := range w.byKind[Event] {
		add(e, "held_in", entity(places))
		add(e, "event_year", year)
		add(e, "winner", entity(people))
	}
	for _, s := range w.byKind[Service] {
		add(s, "owner", entity(people))
		add(s, "port", value(func() string {
			for {
				p := r.Range(portLo, portHi)
				if !ports[p] {
					ports[p] = true
					return strconv.Itoa(p)
				}
			}
		}))
	}
}

// place assigns every fact a placement, stratified by relation, then splits
// each (relation, placement) group into SFT and held-out halves.
func (w *World) place(r *rng.Source, cfg Config) {
	for _, rel := range Relations {
		var fs []*Fact
		for _, f := range w.Facts {
			if f.Relation == rel {
				fs = append(fs, f)
			}
		}
		r.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
		n := len(fs)
		nPre := int(float64(n)*cfg.PretrainFraction + 0.5)
		nMid := int(float64(n)*cfg.MidtrainFraction + 0.5)
		for i, f := range fs {
			switch {
			case i < nPre:
				f.Seen = record.SeenPretrain
			case i < nPre+nMid:
				f.Seen = record.SeenMidtrain
			default:
				f.Seen = record.SeenNever
			}
		}
		for _, group := range [][]*Fact{fs[:nPre], fs[nPre : nPre+nMid], fs[nPre+nMid:]} {
			half := len(group) / 2
			if len(group)%2 == 1 && r.Chance(0.5) {
				half++
			}
			for i, f := range group {
				f.SFT = i < half
			}
		}
	}
}

func (w *World) index() {
	w.bySubject = map[*Entity][]*Fact{}
	w.questions = map[string]*Fact{}
	w.pairs = map[[2]string]bool{}
	for _, f := range w.Facts {
		a, b := strings.ToLower(f.Subject.Name), strings.ToLower(f.Answer)
		w.pairs[[2]string{a, b}], w.pairs[[2]string{b, a}] = true, true
		w.bySubject[f.Subject] = append(w.bySubject[f.Subject], f)
		for i := range f.Relation.Questions {
			w.questions[Normalize(f.Question(i))] = f
		}
	}
}

// OfKind returns the entities of one kind, in generation order.
func (w *World) OfKind(k Kind) []*Entity { return w.byKind[k] }

// FactsAbout returns the facts whose subject is e and whose placement is one
// of seen (all facts if seen is empty), in relation order.
func (w *World) FactsAbout(e *Entity, seen ...string) []*Fact {
	var out []*Fact
	for _, f := range w.bySubject[e] {
		if len(seen) == 0 || contains(seen, f.Seen) {
			out = append(out, f)
		}
	}
	return out
}

// FactsSeen returns the facts placed in seen, in id order.
func (w *World) FactsSeen(seen string) []*Fact {
	var out []*Fact
	for _, f := range w.Facts {
		if f.Seen == seen {
			out = append(out, f)
		}
	}
	return out
}

// Fact returns the fact with the given id, or nil.
func (w *World) Fact(id string) *Fact {
	i := sort.Search(len(w.Facts), func(i int) bool { return w.Facts[i].ID >= id })
	if i < len(w.Facts) && w.Facts[i].ID == id {
		return w.Facts[i]
	}
	return nil
}

// Entity returns the entity with the given name, or nil.
func (w *World) Entity(name string) *Entity {
	for _, e := range w.Entities {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// Lookup returns the fact a question asks about, if the question (after
// Normalize) is one of the world's question paraphrases.
func (w *World) Lookup(question string) (*Fact, bool) {
	f, ok := w.questions[Normalize(question)]
	return f, ok
}

// Distractor returns a plausible wrong answer for f: another value of the
// same type (another place, year, person, ...), chosen by r. It never
// forms, with f's subject, the subject–answer pair of any fact, so a
// sentence pairing the two is never a mention of a fact.
func (w *World) Distractor(f *Fact, r *rng.Source) string {
	var pool []string
	switch f.Relation.Object {
	case "place", "org", "person":
		kind := map[string]Kind{"place": Place, "org": Org, "person": Person}[f.Relation.Object]
		for _, e := range w.byKind[kind] {
			pool = append(pool, e.Name)
		}
	case "region":
		pool = w.Regions
	case "job":
		pool = jobs
	case "speciality":
		pool = specialities
	case "year":
		y, _ := strconv.Atoi(f.Answer)
		for d := -12; d <= 12; d++ {
			if d != 0 && y+d >= yearLo && y+d <= yearHi+5 {
				pool = append(pool, strconv.Itoa(y+d))
			}
		}
	case "price":
		var p int
		fmt.Sscanf(f.Answer, "%d", &p)
		for d := -10; d <= 10; d++ {
			if d != 0 && p+d > 0 {
				pool = append(pool, strconv.Itoa(p+d)+" "+priceUnit)
			}
		}
	case "port":
		p, _ := strconv.Atoi(f.Answer)
		for d := 1; d <= 20; d++ {
			pool = append(pool, strconv.Itoa(p+d*7))
		}
	}
	subj := strings.ToLower(f.Subject.Name)
	for {
		d := rng.Pick(r, pool)
		if Normalize(d) != Normalize(f.Answer) && !w.pairs[[2]string{subj, strings.ToLower(d)}] {
			return d
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
