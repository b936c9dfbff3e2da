package stages

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"tinystages/datasets/load"
	"tinystages/datasets/record"
	"tinystages/model/chat"
	"tinystages/model/eval"
	"tinystages/model/midtrain"
	"tinystages/model/posttrain"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// Kinds of user files Data.Use accepts.
const (
	// KindCorpus is a mid-training domain corpus in place of the shipped
	// code and knowledge base: a .txt, .md or .go file (one document) or
	// a .jsonl file of {"text": ...} lines, at most load.MaxUserCorpusBytes.
	KindCorpus = "corpus"
	// KindSFT is SFT conversations ({"messages": [{"role", "content"}...]}),
	// or math problems answered with their reference solutions.
	KindSFT = posttrain.KindSFT
	// KindPreference is DPO pairs ({"prompt", "chosen", "rejected"}).
	KindPreference = posttrain.KindPreference
	// KindPrompts is RL and distillation problems ({"prompt", "answer"}).
	KindPrompts = posttrain.KindPrompts
)

// Kinds lists the kinds of user files, in the order pages offer them.
var Kinds = []string{KindCorpus, KindSFT, KindPreference, KindPrompts}

// KindFor returns the kind of user file stage trains on ("" for
// pre-training, whose corpus of one's own the caller reads).
func KindFor(stage string) string {
	switch stage {
	case train.StageMidtrain:
		return KindCorpus
	case train.StageSFT:
		return KindSFT
	case train.StageRL, train.StageDistill:
		return KindPrompts
	case train.StageDPO:
		return KindPreference
	}
	return ""
}

// Shipped dataset files read by the stages, besides midtrain.Files and
// eval.Files.
const (
	FilePretrainTrain = "pretrain.train.jsonl"
	FilePretrainEval  = "pretrain.eval.jsonl"
	FileSFTTrain      = "sft.train.jsonl"
	FileSFTEval       = "sft.eval.jsonl"
	FilePrefTrain     = "preference.train.jsonl"
)

// Data is where stages get their data: the shipped dataset files, read by
// name through Read, and the files a user brings (Use). It keeps what it
// loaded, and mid-training's tokenized corpora, for the next Build.
//
// A Data is not safe for concurrent use.
type Data struct {
	// Read returns the shipped dataset file called name (os.ReadFile on
	// a datasets folder natively, a fetch in the browser).
	Read func(name string) ([]byte, error)
	// Progress, if not nil, is told the name of each part of the data as
	// it is loaded or tokenized.
	Progress func(part string)
	// Tok and T, when set, let Use refuse a domain corpus too short to
	// fill a training and a validation window of T+1 tokens under Tok at
	// once, rather than at the next Build.
	Tok *tokenizer.Tokenizer
	T   int

	user        map[string]string // kind → file name of the user's file in use
	userCorpus  *midtrain.UserCorpus
	userSFT     *conversations
	userPairs   []record.Preference
	userPrompts []record.MathProblem

	mid        *midtrain.Data
	corpora    *midtrain.Corpora
	corporaKey string
	convs      map[string]*conversations
	pairs      map[string][]record.Preference
	math       []record.MathProblem
	pre        [2][]train.Doc
	replay     *train.Corpus // SFT's replayed pre-training text, under replayKey's tokenizer
	replayKey  string
}

// conversations are SFT conversations with the kind of each, and the file
// they came from.
type conversations struct {
	File  string
	Convs [][]chat.Message
	Kinds []string
}

// without returns the conversations not of the given kinds, in file
// order. A kind the file lacks is an error naming the kinds it has, and
// so is leaving nothing.
func (c *conversations) without(kinds []string) (*conversations, error) {
	have := map[string]int{}
	for _, k := range c.Kinds {
		have[k]++
	}
	skip := map[string]bool{}
	for _, k := range kinds {
		if have[k] == 0 {
			names := make([]string, 0, len(have))
			for h := range have {
				names = append(names, h)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("stages: kind %q: no conversation of that kind in %s (its kinds: %s)", k, c.File, strings.Join(names, ", "))
		}
		skip[k] = true
	}
	out := &conversations{File: c.File}
	for i, k := range c.Kinds {
		if !skip[k] {
			out.Convs = append(out.Convs, c.Convs[i])
			out.Kinds = append(out.Kinds, k)
		}
	}
	if len(out.Convs) == 0 {
		return nil, fmt.Errorf("stages: leaving out %s leaves no conversation of %s", strings.Join(kinds, ", "), c.File)
	}
	return out, nil
}

// Upload says what Use accepted.
type Upload struct {
	Kind    string `json:"kind"`
	File    string `json:"file"`
	Records int    `json:"records"` // documents, conversations, pairs or problems
}

// Use validates a user's file of the given kind and, only if all of it
// is valid, makes it replace that kind of shipped data for the next
// Build. A bad file — non-UTF-8, empty, larger than the loader's limits,
// a malformed line, a missing role, an empty answer, chosen equal to
// rejected — fails with a *load.ParseError naming the file, the line and
// the field; everything in use stays as it was, and so does anything
// built before.
func (d *Data) Use(kind, file string, data []byte) (Upload, error) {
	up := Upload{Kind: kind, File: file}
	switch kind {
	case KindCorpus:
		u, err := midtrain.ParseUserCorpus(file, data)
		if err != nil {
			return Upload{}, err
		}
		if d.Tok != nil && d.T > 0 {
			// the user's text alone, tokenized and split as Build will
			if _, err := midtrain.Tokenize(d.Tok, d.T, (&midtrain.Data{}).WithUserCorpus(u), nil); err != nil {
				return Upload{}, err
			}
		}
		d.userCorpus, up.Records = u, len(u.Docs)
	case KindSFT:
		c, err := parseConversations(file, data)
		if err != nil {
			return Upload{}, err
		}
		d.userSFT, up.Records = c, len(c.Convs)
	case KindPreference:
		var p posttrain.Data
		if err := p.Load(kind, file, data); err != nil {
			return Upload{}, err
		}
		d.userPairs, up.Records = p.Pairs, len(p.Pairs)
	case KindPrompts:
		var p posttrain.Data
		if err := p.Load(kind, file, data); err != nil {
			return Upload{}, err
		}
		d.userPrompts, up.Records = p.Prompts, len(p.Prompts)
	default:
		return Upload{}, fmt.Errorf("stages: unknown kind of file %q (want one of %v)", kind, Kinds)
	}
	if d.user == nil {
		d.user = map[string]string{}
	}
	d.user[kind] = file
	return up, nil
}

// Forget drops the user's file of kind: the shipped data is used again.
func (d *Data) Forget(kind string) {
	switch kind {
	case KindCorpus:
		d.userCorpus = nil
	case KindSFT:
		d.userSFT = nil
	case KindPreference:
		d.userPairs = nil
	case KindPrompts:
		d.userPrompts = nil
	}
	delete(d.user, kind)
}

// UserFile returns the name of the user's file of kind in use, "" when
// the shipped data is.
func (d *Data) UserFile(kind string) string { return d.user[kind] }

func (d *Data) progress(part string) {
	if d.Progress != nil {
		d.Progress(part)
	}
}

func (d *Data) read(name string) ([]byte, error) {
	d.progress(name)
	return d.Read(name)
}

// MidData returns the shipped mid-training data, loaded once.
func (d *Data) MidData() (*midtrain.Data, error) {
	if d.mid == nil {
		m, err := midtrain.LoadData(d.read)
		if err != nil {
			return nil, err
		}
		d.mid = m
	}
	return d.mid, nil
}

// MidCorpora returns mid-training's data tokenized for tok and context T,
// with the user's corpus in place of the shipped domain when one is in
// use. The last corpora are kept: asking again with the same tokenizer,
// context and corpus costs nothing. On error (a user corpus too short to
// train and validate on) the corpora kept are those of before.
func (d *Data) MidCorpora(tok *tokenizer.Tokenizer, T int) (*midtrain.Corpora, error) {
	data, err := d.MidData()
	if err != nil {
		return nil, err
	}
	if d.userCorpus != nil {
		data = data.WithUserCorpus(d.userCorpus)
	}
	key, err := tokenizerKey(tok)
	if err != nil {
		return nil, err
	}
	key = fmt.Sprintf("%s/%d/%p", key, T, d.userCorpus)
	if d.corpora != nil && d.corporaKey == key {
		return d.corpora, nil
	}
	c, err := midtrain.Tokenize(tok, T, data, func(part string) { d.progress("tokenizing " + part) })
	if err != nil {
		return nil, err
	}
	d.corpora, d.corporaKey = c, key
	return c, nil
}

// replayCorpus is the pre-training text tokenized with tok, which SFT
// replays (the mid-training corpora's Replay when they are already
// tokenized with tok; kept for the next run otherwise).
func (d *Data) replayCorpus(tok *tokenizer.Tokenizer) (*train.Corpus, error) {
	key, err := tokenizerKey(tok)
	if err != nil {
		return nil, err
	}
	if d.corpora != nil && strings.HasPrefix(d.corporaKey, key+"/") {
		return d.corpora.Replay, nil
	}
	if d.replay != nil && d.replayKey == key {
		return d.replay, nil
	}
	docs, _, err := d.pretrainDocs()
	if err != nil {
		return nil, err
	}
	d.progress("tokenizing the pre-training text to replay")
	d.replay, d.replayKey = train.Tokenize(tok, docs, nil), key
	return d.replay, nil
}

// tokenizerKey identifies a tokenizer by its contents: the browser loads
// a checkpoint (and its tokenizer) again for every run.
func tokenizerKey(tok *tokenizer.Tokenizer) (string, error) {
	b, err := tok.MarshalJSON()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%x", sha256.Sum256(b)), nil
}

// pretrainDocs reads the shipped pre-training corpus, once.
func (d *Data) pretrainDocs() (trainDocs, evalDocs []train.Doc, err error) {
	if d.pre[0] != nil {
		return d.pre[0], d.pre[1], nil
	}
	for i, name := range []string{FilePretrainTrain, FilePretrainEval} {
		data, err := d.read(name)
		if err != nil {
			return nil, nil, err
		}
		recs, err := load.Documents(name, data)
		if err != nil {
			return nil, nil, err
		}
		d.pre[i] = DocsOf(recs)
	}
	return d.pre[0], d.pre[1], nil
}

// DocsOf converts pre-training records to training documents.
func DocsOf(recs []record.Document) []train.Doc {
	out := make([]train.Doc, len(recs))
	for i, r := range recs {
		out[i] = train.Doc{Source: r.Source, Quality: r.Quality, Text: []byte(r.Text)}
	}
	return out
}

// shippedConversations reads a shipped SFT file, once.
func (d *Data) shippedConversations(name string) (*conversations, error) {
	if c, ok := d.convs[name]; ok {
		return c, nil
	}
	data, err := d.read(name)
	if err != nil {
		return nil, err
	}
	c, err := parseConversations(name, data)
	if err != nil {
		return nil, err
	}
	if d.convs == nil {
		d.convs = map[string]*conversations{}
	}
	d.convs[name] = c
	return c, nil
}

// shippedPairs reads a shipped preference file, once.
func (d *Data) shippedPairs(name string) ([]record.Preference, error) {
	if p, ok := d.pairs[name]; ok {
		return p, nil
	}
	data, err := d.read(name)
	if err != nil {
		return nil, err
	}
	p, err := load.Preferences(name, data)
	if err != nil {
		return nil, err
	}
	if d.pairs == nil {
		d.pairs = map[string][]record.Preference{}
	}
	d.pairs[name] = p
	return p, nil
}

// shippedMath reads the held-out math problems, once.
func (d *Data) shippedMath() ([]record.MathProblem, error) {
	if d.math != nil {
		return d.math, nil
	}
	data, err := d.read(eval.Files.Math)
	if err != nil {
		return nil, err
	}
	p, err := load.MathProblems(eval.Files.Math, data)
	if err != nil {
		return nil, err
	}
	d.math = p
	return p, nil
}

// parseConversations reads an SFT file: TRL conversations, or a math
// file ({"prompt","answer"} lines), each problem answered with its
// reference solution.
func parseConversations(file string, data []byte) (*conversations, error) {
	c := &conversations{File: file}
	if isMathFile(data) {
		probs, err := load.MathProblems(file, data)
		if err != nil {
			return nil, err
		}
		c.Convs = posttrain.MathConversations(probs)
		c.Kinds = make([]string, len(c.Convs))
		for i := range c.Kinds {
			c.Kinds[i] = "math"
		}
		return c, nil
	}
	recs, err := load.Examples(file, data)
	if err != nil {
		return nil, err
	}
	c.Convs, c.Kinds = posttrain.Conversations(recs)
	return c, nil
}

// isMathFile tells a math file ({"prompt","answer"} lines) from an SFT
// file ({"messages"} lines) by the keys of its first line.
func isMathFile(data []byte) bool {
	line, _, _ := bytes.Cut(bytes.TrimSpace(data), []byte("\n"))
	var keys map[string]json.RawMessage
	if json.Unmarshal(line, &keys) != nil {
		return false
	}
	_, msgs := keys["messages"]
	_, answer := keys["answer"]
	return answer && !msgs
}
