package posttrain

import (
	"sort"
	"strings"

	"tinystages/datasets/internal/prose"
	"tinystages/datasets/internal/rng"
	"tinystages/datasets/record"
	"tinystages/datasets/split"
	"tinystages/datasets/world"
)

// SFT example kinds (record.Example.Kind).
const (
	KindFact  = "fact"  // a question about a world fact, answered
	KindIDK   = "idk"   // a question about a never-seen fact, declined
	KindMulti = "multi" // two fact questions about one subject, two turns
	KindCode  = "code"  // the Go code domain
	KindKB    = "kb"    // the knowledge base's structure
	KindMath  = "math"  // a math problem with a worked, boxed answer
	KindChat  = "chat"  // small talk
)

// SystemPrompt is the optional system message some examples carry.
const SystemPrompt = "You are a helpful assistant. Answer briefly."

// Config sizes the post-training sets.
type Config struct {
	MathPerLevel   int // stored math problems per level (train and eval together; level 1 has only 81)
	SFTMath        int // math problems (from the train split) used as SFT examples
	CodeQA         int // code-domain SFT examples
	KBQA           int // knowledge-base SFT examples
	Multi          int // two-turn fact examples
	PrefMath       int // math preference pairs drawn from the train split
	PrefMathEval   int // math preference pairs drawn from the eval split
	PrefFormat     int // format preference pairs drawn from the train split
	PrefFormatEval int // format preference pairs drawn from the eval split
	SFTEvalShare   float64
	SystemPercent  int // share of fact examples, in percent, that carry SystemPrompt
}

// DefaultConfig is the shipped post-training data: about 1,180 SFT
// examples, about 1,350 math problems and about 890 preference pairs.
var DefaultConfig = Config{
	MathPerLevel: 400, SFTMath: 450, CodeQA: 300, KBQA: 120, Multi: 40,
	PrefMath: 300, PrefMathEval: 100, PrefFormat: 150, PrefFormatEval: 50, SFTEvalShare: 0.1, SystemPercent: 10,
}

// Sets are the generated post-training files.
type Sets struct {
	SFTTrain, SFTEval   []record.Example
	MathTrain, MathEval []record.MathProblem
	PrefTrain, PrefEval []record.Preference
}

// Generate builds the post-training sets for w. code and kb are the
// mid-training train splits, from which the domain questions are drawn.
func Generate(w *world.World, code []record.CodeDoc, kb []record.KBDoc, seed uint64, cfg Config) Sets {
	var s Sets
	s.MathTrain, s.MathEval = mathSets(seed, cfg.MathPerLevel)
	s.SFTTrain, s.SFTEval = sftSets(w, code, kb, s.MathTrain, seed, cfg)
	s.PrefTrain, s.PrefEval = prefSets(w, s.MathTrain, s.MathEval, seed, cfg)
	return s
}

// mathSets draws distinct problems, perLevel per level, and splits them by a
// hash of the prompt.
func mathSets(seed uint64, perLevel int) (train, eval []record.MathProblem) {
	g := NewMathGen(seed)
	seen := map[string]bool{}
	for level := MinLevel; level <= MaxLevel; level++ {
		n := 0
		for tries := 0; n < perLevel && tries < perLevel*50; tries++ {
			p := g.Problem(level)
			if seen[p.Prompt] {
				continue
			}
			seen[p.Prompt] = true
			n++
			rec := record.MathProblem{ID: p.ID(), Prompt: p.Prompt, Answer: p.Answer, Level: p.Level}
			if IsEvalProblem(p.Prompt) {
				eval = append(eval, rec)
			} else {
				train = append(train, rec)
			}
		}
	}
	return train, eval
}

func ex(kind, id string, msgs ...string) record.Example {
	e := record.Example{ID: id, Kind: kind}
	roles := []string{record.RoleUser, record.RoleAssistant}
	for i, m := range msgs {
		e.Messages = append(e.Messages, record.Message{Role: roles[i%2], Content: m})
	}
	return e
}

func sftSets(w *world.World, code []record.CodeDoc, kb []record.KBDoc, math []record.MathProblem, seed uint64, cfg Config) (train, eval []record.Example) {
	r := rng.New(seed, "posttrain/sft")
	// World facts: placement decides, never the hash.
	for _, f := range w.Facts {
		if !f.SFT {
			continue
		}
		for i := range f.Relation.Questions {
			q := f.Question(i)
			var e record.Example
			if f.Seen == record.SeenNever {
				e = ex(KindIDK, "sft-idk:"+q, q, world.IDK)
			} else {
				e = ex(KindFact, "sft-fact:"+q, q, f.Answer)
			}
			if r.IntN(100) < cfg.SystemPercent {
				e.Messages = append([]record.Message{{Role: record.RoleSystem, Content: SystemPrompt}}, e.Messages...)
			}
			train = append(train, e)
		}
	}
	// Two-turn conversations about one subject.
	bySubject := map[*world.Entity][]*world.Fact{}
	var subjects []*world.Entity
	for _, f := range w.Facts {
		if f.SFT && f.Seen != record.SeenNever {
			if bySubject[f.Subject] == nil {
				subjects = append(subjects, f.Subject)
			}
			bySubject[f.Subject] = append(bySubject[f.Subject], f)
		}
	}
	var multi []*world.Entity
	for _, e := range subjects {
		if len(bySubject[e]) >= 2 {
			multi = append(multi, e)
		}
	}
	for i := 0; i < cfg.Multi && len(multi) > 0; i++ {
		e := rng.Pick(r, multi)
		fs := bySubject[e]
		ia := r.IntN(len(fs))
		ib := (ia + 1 + r.IntN(len(fs)-1)) % len(fs)
		a, b := fs[ia], fs[ib]
		qa, qb := a.Question(r.IntN(3)), b.Question(r.IntN(3))
		train = append(train, ex(KindMulti, "sft-multi:"+qa+"|"+qb, qa, a.Answer, qb, b.Answer))
	}

	var domain []record.Example
	// Code: which package declares a signature; what a function does.
	sigPkgs := map[string]map[string]bool{}
	for _, c := range code {
		for _, d := range c.Decls {
			if sigPkgs[d.Signature] == nil {
				sigPkgs[d.Signature] = map[string]bool{}
			}
			sigPkgs[d.Signature][c.Package] = true
		}
	}
	type declIn struct {
		pkg string
		d   record.Decl
	}
	var decls []declIn
	for _, c := range code {
		for _, d := range c.Decls {
			if (d.Kind == "func" || d.Kind == "method") && len(sigPkgs[d.Signature]) == 1 {
				decls = append(decls, declIn{c.Package, d})
			}
		}
	}
	sort.SliceStable(decls, func(i, j int) bool { return decls[i].pkg+"."+decls[i].d.Name < decls[j].pkg+"."+decls[j].d.Name })
	for _, i := range r.Perm(len(decls)) {
		if len(domain) >= cfg.CodeQA {
			break
		}
		d := decls[i]
		if r.Chance(0.6) || d.d.Doc == "" {
			q := "Which package declares " + d.d.Signature + "?"
			domain = append(domain, ex(KindCode, "sft-code:"+q, q, d.pkg))
			continue
		}
		doc := firstSentence(d.d.Doc)
		if len(doc) > 100 {
			continue
		}
		q := "In Go, what does " + qualified(d.pkg, d.d.Name) + " do?"
		domain = append(domain, ex(KindCode, "sft-code:"+q, q, doc))
	}
	// Knowledge base: the URL of a page.
	n := 0
	for _, i := range r.Perm(len(kb)) {
		if n >= cfg.KBQA {
			break
		}
		q := "What is the URL of the page \"" + kb[i].Title + "\"?"
		domain = append(domain, ex(KindKB, "sft-kb:"+q, q, kb[i].URL))
		n++
	}
	// Small talk.
	for _, c := range smallTalk {
		domain = append(domain, ex(KindChat, "sft-chat:"+c[0], c[0], c[1]))
	}
	for _, e := range domain {
		if split.IsEval(e.ID, cfg.SFTEvalShare) {
			eval = append(eval, e)
		} else {
			train = append(train, e)
		}
	}
	// Math, from the math train split only.
	for i, p := range math {
		if i >= cfg.SFTMath {
			break
		}
		train = append(train, ex(KindMath, "sft-math:"+p.Prompt, p.Prompt, Solution(Problem{Prompt: p.Prompt, Answer: p.Answer, Level: p.Level})))
	}
	r.Shuffle(len(train), func(i, j int) { train[i], train[j] = train[j], train[i] })
	return train, eval
}

func qualified(pkg, name string) string {
	return pkg[strings.LastIndex(pkg, "/")+1:] + "." + name
}

func firstSentence(doc string) string {
	doc = strings.Join(strings.Fields(doc), " ")
	if i := strings.Index(doc, ". "); i >= 0 {
		return doc[:i+1]
	}
	return doc
}

var smallTalk = [][2]string{
	{"Hello!", "Hello! How can I help?"},
	{"Hi there.", "Hi! What would you like to know?"},
	{"Good morning.", "Good morning! How can I help?"},
	{"Thank you.", "You're welcome."},
	{"Thanks a lot!", "Glad to help."},
	{"Who are you?", "I am a small language model trained in your browser."},
	{"What can you do?", "I can answer short questions about the world I was trained on, about Go, and simple math."},
	{"Can you help me?", "Yes. Ask me a question."},
	{"Goodbye.", "Goodbye!"},
	{"Are you a person?", "No, I am a small language model."},
	{"How are you?", "I am fine, thank you. How can I help?"},
	{"Tell me a secret.", "I don't know any secrets."},
	{"What is your name?", "I am tinystages, a small language model."},
	{"Please answer briefly.", "Sure."},
	{"Say something.", "Hello!"},
	{"Is this working?", "Yes, it is working."},
}

// rambling is filler a rejected "concise" reply runs on with.
func rambling(r *rng.Source) string {
	p := prose.New(r, prose.Town)
	s := p.Sentence()
	return " Also, " + strings.ToLower(s[:1]) + s[1:] + " " + p.Paragraph(r.Range(2, 4)) + " And there is more to say, and more, and more"
}
