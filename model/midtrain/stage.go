package midtrain

import (
	"fmt"
	"strings"

	"tinystages/datasets/record"
	"tinystages/model"
	"tinystages/model/eval"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// Validation windows per source.
const (
	DomainValPerSource  = 8 // code and kb: 16 windows
	GeneralValPerSource = 4 // nine kinds of web page: 36 windows
	userValWindows      = 16
)

// Corpora is Data tokenized once for one tokenizer and context length T.
// Every Stage made from it (a lesson runs several) shares its token
// streams.
type Corpora struct {
	Tok *tokenizer.Tokenizer
	T   int

	Domain     *train.Corpus            // domain text trained on
	DomainVal  *train.ValSet            // held-out domain text
	Synthetic  map[string]*train.Corpus // structure-derived items, by generator (none for a user corpus)
	Replay     *train.Corpus            // pre-training text replayed
	GeneralVal *train.ValSet            // held-out pre-training text
	Facts      *eval.FactProbe          // facts placed in mid- and pre-training
	User       string                   // the user corpus's file, "" for the shipped domain

	data *Data
	// pairs by view source and view length, made when first asked for
	pairs map[string][]Pair
}

// Tokenize prepares data for tok and context T. progress, if not nil, is
// told each part's name as it starts. A user corpus (data.User) that
// cannot fill a training window and a validation window is refused here,
// with its file name, before any stage changes.
func Tokenize(tok *tokenizer.Tokenizer, T int, data *Data, progress func(part string)) (*Corpora, error) {
	if progress == nil {
		progress = func(string) {}
	}
	c := &Corpora{Tok: tok, T: T, data: data, Synthetic: map[string]*train.Corpus{}, pairs: map[string][]Pair{}}
	progress("domain")
	if data.User == nil {
		c.Domain = train.Tokenize(tok, data.domainTrain(), nil)
		c.DomainVal = train.NewValSet(train.Tokenize(tok, data.DomainEval, nil), T, DomainValPerSource)
	} else {
		all := train.Tokenize(tok, data.domainTrain(), nil)
		var err error
		if c.Domain, c.DomainVal, err = holdOutTail(all, T, data.User.File); err != nil {
			return nil, err
		}
		c.User = data.User.File
	}
	if data.User == nil {
		progress("synthetic")
		byGen := map[string][]train.Doc{}
		for _, s := range data.Synthetic {
			byGen[s.Generator] = append(byGen[s.Generator], train.Doc{Source: s.Generator, Quality: 1, Text: []byte(s.Text)})
		}
		for g, docs := range byGen {
			c.Synthetic[g] = train.Tokenize(tok, docs, nil)
		}
	}
	progress("replay")
	c.Replay = train.Tokenize(tok, data.Replay, nil)
	c.GeneralVal = train.NewValSet(train.Tokenize(tok, data.General, nil), T, GeneralValPerSource)
	c.Facts = eval.NewFactProbe(tok, data.Facts, record.SeenMidtrain, record.SeenPretrain)
	return c, nil
}

// holdOutTail splits a user's corpus: the last tenth of its tokens (at
// least one window, at most userValWindows) is held out for validation,
// the rest trained on.
func holdOutTail(all *train.Corpus, T int, file string) (*train.Corpus, *train.ValSet, error) {
	n, W := len(all.Tokens), T+1
	need := (T + 2) + W
	if n < need {
		return nil, nil, tooSmall(file, n, need, T)
	}
	nVal := min(max(1, n/10/W), userValWindows)
	for n-nVal*W < T+2 {
		nVal--
	}
	cut := n - nVal*W
	trainC := &train.Corpus{Tokens: all.Tokens[:cut:cut], Sources: []string{"user"}, Starts: []int{0},
		Bytes: all.Bytes * cut / n}
	val := &train.ValSet{Bytes: all.Bytes * (n - cut) / n}
	for i := 0; i < nVal; i++ {
		val.Windows = append(val.Windows, all.Tokens[cut+i*W:cut+(i+1)*W])
		val.Sources = append(val.Sources, "user")
	}
	return trainC, val, nil
}

// Pairs returns JEPA's training pairs from views (ViewsStructured or
// ViewsWeb) with views cut to maxLen tokens. With a user corpus both are
// the user's text in neighbouring spans: the shipped structure belongs to
// the shipped domain.
func (c *Corpora) Pairs(views string, maxLen int) []Pair {
	key := fmt.Sprintf("%s/%d", views, maxLen)
	if p, ok := c.pairs[key]; ok {
		return p
	}
	var p []Pair
	switch {
	case c.data.User != nil:
		p = WebPairs(c.Tok, c.data.domainTrain(), maxLen)
	case views == ViewsWeb:
		p = WebPairs(c.Tok, c.data.Replay, maxLen)
	default:
		p = StructuredPairs(c.Tok, c.data.Synthetic, c.data.KB, maxLen)
	}
	c.pairs[key] = p
	return p
}

// EvalPairs returns held-out structured pairs (from the synthetic eval
// split), at most n, for JEPA's retrieval measurement.
func (c *Corpora) EvalPairs(n, maxLen int) []Pair {
	p := StructuredPairs(c.Tok, c.data.SyntheticEval, nil, maxLen)
	if len(p) > n {
		// every k-th, so that each generator is represented
		k := len(p) / n
		out := make([]Pair, 0, n)
		for i := 0; i < n; i++ {
			out = append(out, p[i*k])
		}
		p = out
	}
	return p
}

// Stage is one mid-training run's data and objectives: the batch
// producer, the validation, and the optional JEPA objective.
type Stage struct {
	Settings Settings
	Mixture  *train.Mixture // rows of "domain", "synthetic", "replay"
	// Val measures "domain" (its mean is the Validator's), "general" and
	// "facts" (the answer loss of facts placed in mid-training, as
	// "facts/midtrain", and in pre-training, "facts/pretrain").
	Val   train.MultiVal
	JEPA  *JEPA  // nil when Settings.JEPA is 0
	About string // the mixture in words, for logs and the page
}

// Stage builds a stage with settings s for a model with C channels.
func (c *Corpora) Stage(s Settings, C int) (*Stage, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	syn := c.syntheticFor(s)
	domainW, synW := 1-s.Replay-s.Synthetic, s.Synthetic
	var notes []string
	if s.Synthetic > 0 && syn == nil {
		domainW, synW = 1-s.Replay, 0
		notes = append(notes, "synthetic items come from the shipped domain's structure: off with "+c.User)
	}
	mix, err := train.NewMixture(c.T,
		train.Component{Name: "domain", Corpus: c.Domain, Weight: domainW},
		train.Component{Name: "synthetic", Corpus: syn, Weight: synW},
		train.Component{Name: "replay", Corpus: c.Replay, Weight: s.Replay},
	)
	if err != nil {
		return nil, err
	}
	st := &Stage{Settings: s, Mixture: mix, Val: train.MultiVal{
		{Name: "domain", Val: c.DomainVal},
		{Name: "general", Val: c.GeneralVal},
	}}
	if c.Facts.Len() > 0 {
		st.Val = append(st.Val, train.NamedValidator{Name: "facts", Val: c.Facts})
	}
	domain := "domain"
	if c.User != "" {
		domain = c.User
	}
	about := fmt.Sprintf("%s %.0f%%, synthetic %.0f%%, replay %.0f%%", domain, 100*domainW, 100*synW, 100*s.Replay)
	if synW > 0 && len(s.Generators) > 0 {
		about += " (" + strings.Join(s.Generators, ", ") + ")"
	}
	if s.JEPA > 0 {
		pairs := c.Pairs(s.views(), DefaultViewLen-1)
		if st.JEPA, err = NewJEPA(s.JEPA, pairs, s.pairs(), DefaultViewLen, C); err != nil {
			return nil, err
		}
		about += fmt.Sprintf("; JEPA λ=%g on %d %s pairs, %d a step", s.JEPA, len(pairs), s.views(), s.pairs())
	}
	st.About = strings.Join(append([]string{about}, notes...), "; ")
	return st, nil
}

// syntheticFor concatenates the token streams of the generators s uses
// (nil when there are none).
func (c *Corpora) syntheticFor(s Settings) *train.Corpus {
	var out *train.Corpus
	for _, g := range Generators {
		src, ok := c.Synthetic[g]
		if !ok || !s.uses(g) {
			continue
		}
		if out == nil {
			out = &train.Corpus{}
		}
		off := len(out.Tokens)
		out.Tokens = append(out.Tokens, src.Tokens...)
		for _, st := range src.Starts {
			out.Starts = append(out.Starts, off+st)
		}
		out.Sources = append(out.Sources, src.Sources...)
		out.Bytes += src.Bytes
	}
	return out
}

// NewRun starts a training run of the stage on m (a copy of the
// pre-trained model): its mixture, its validation and, with λ > 0, JEPA.
func (st *Stage) NewRun(ts train.Settings, m *model.GPT, tok *tokenizer.Tokenizer) (*train.Run, error) {
	run, err := train.NewRun(ts, m, tok, st.Mixture, st.Val)
	if err != nil {
		return nil, err
	}
	if st.JEPA != nil {
		run.Aux = st.JEPA
	}
	return run, nil
}
