// Package eval is the evaluation harness every stage is judged by, and the
// report card that shows its results: one row per checkpoint or stage, one
// column per metric.
//
// The metrics follow the stage table of DESIGN.md:
//
//   - general: next-token loss and bits per byte on held-out pre-training
//     text, and the loss per source (encyclopedia, forum, spam, ...);
//   - domain: next-token loss on held-out mid-training text (Go code and
//     the organisation's knowledge base);
//   - facts recalled: the share of the world's facts placed in pre- or
//     mid-training text that the model completes from the start of their
//     sentence (a cloze probe: knowledge stored, whatever the format);
//   - QA: exact match on questions about facts that appeared only in
//     pre-training text, only in mid-training text, or nowhere (for those,
//     the share of "I don't know" replies is reported too);
//   - math: accuracy of the \boxed{} answer to held-out word problems, and
//     format compliance (the reply is boxed and terminated);
//   - preference: the share of held-out pairs where the model gives the
//     chosen reply a higher log-probability than the rejected one.
//
// QA and math are asked in the chat template (package chat) and answered
// by greedy decoding, so a base model that was never taught the format
// scores near zero there: the report card shows post-training eliciting
// what pre- and mid-training put in.
package eval

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"tinystages/datasets/evalsets"
	"tinystages/datasets/posttrain"
	"tinystages/datasets/record"
	"tinystages/datasets/world"
	"tinystages/model"
	"tinystages/model/chat"
	"tinystages/model/tokenizer"
	"tinystages/model/train"
)

// Data is the raw material of a Suite, as loaded from the shipped
// datasets (see Files).
type Data struct {
	General  []train.Doc // held-out pre-training documents
	Domain   []train.Doc // held-out mid-training documents (code, knowledge base)
	QA       []record.QA // questions with Seen = pretrain, midtrain or never
	Math     []record.MathProblem
	Prefs    []record.Preference
	Facts    []record.Fact     // the world's facts, for the cloze probe of stored knowledge
	SourceOf map[string]string // optional: display names of domain sources
}

// Limits bound the work of an evaluation (0 means all).
type Limits struct {
	WindowsPerSource int // validation windows per source (default 8)
	QA               int // questions per placement
	Math             int
	Prefs            int
	MaxReply         int // tokens a QA reply may take (default 16)
	MaxMathReply     int // tokens a math reply may take (default 40)
}

// Suite is a prepared evaluation for one tokenizer and context length.
type Suite struct {
	tok     *tokenizer.Tokenizer
	limits  Limits
	general *train.ValSet
	domain  *train.ValSet
	qa      map[string][]record.QA // by Seen
	math    []record.MathProblem
	prefs   []record.Preference
	facts   *FactProbe
}

// NewSuite tokenizes data for models with context T.
func NewSuite(tok *tokenizer.Tokenizer, T int, data Data, lim Limits) *Suite {
	if lim.WindowsPerSource == 0 {
		lim.WindowsPerSource = 8
	}
	if lim.MaxReply == 0 {
		lim.MaxReply = 16
	}
	if lim.MaxMathReply == 0 {
		lim.MaxMathReply = 40
	}
	s := &Suite{tok: tok, limits: lim, qa: map[string][]record.QA{}}
	if len(data.General) > 0 {
		s.general = train.NewValSet(train.Tokenize(tok, data.General, nil), T, lim.WindowsPerSource)
	}
	if len(data.Domain) > 0 {
		s.domain = train.NewValSet(train.Tokenize(tok, data.Domain, nil), T, lim.WindowsPerSource)
	}
	for _, q := range data.QA {
		if lim.QA == 0 || len(s.qa[q.Seen]) < lim.QA {
			s.qa[q.Seen] = append(s.qa[q.Seen], q)
		}
	}
	if len(data.Facts) > 0 {
		s.facts = NewFactProbe(tok, data.Facts, record.SeenPretrain, record.SeenMidtrain)
	}
	s.math = head(data.Math, lim.Math)
	s.prefs = head(data.Prefs, lim.Prefs)
	return s
}

func head[T any](x []T, n int) []T {
	if n > 0 && len(x) > n {
		return x[:n]
	}
	return x
}

// Row is one line of the report card. Metrics that were not measured are
// NaN.
type Row struct {
	Name        string             `json:"name"`
	GeneralLoss float64            `json:"general_loss"`
	GeneralBPB  float64            `json:"general_bits_per_byte"`
	PerSource   map[string]float64 `json:"per_source_loss,omitempty"`
	DomainLoss  float64            `json:"domain_loss"`
	RecallPre   float64            `json:"facts_recalled_pretrain"`
	RecallMid   float64            `json:"facts_recalled_midtrain"`
	QAPretrain  float64            `json:"qa_pretrain_only"`
	QAMidtrain  float64            `json:"qa_midtrain_only"`
	QANever     float64            `json:"qa_never_seen"`
	QANeverIDK  float64            `json:"qa_never_seen_idk"`
	// QASeenIDK is the share of questions about facts seen in pre- or
	// mid-training that the model declines ("I don't know"): refusal
	// taught for never-seen facts, over-applied to what it did read.
	QASeenIDK float64 `json:"qa_seen_idk"`
	// QASeenAsText is the accuracy on the same questions about seen facts
	// asked as plain text in the question-and-answer form of the
	// pre-training pages' FAQs ("Q: …\nA:"), without the chat template
	// (AnswerAsText): whether the knowledge is there to ask for, before
	// and after SFT. In the JSON only, not a column of the card.
	QASeenAsText float64 `json:"qa_seen_as_text"`
	MathAccuracy float64 `json:"math_accuracy"`
	// MathByLevel is MathAccuracy by problem level ("1" one-digit sums …
	// "5" two-step word problems): where a gap between two models lives.
	MathByLevel map[string]float64 `json:"math_by_level,omitempty"`
	// MathAnswers is how many different answers the greedy replies box
	// over all the math problems. A model that boxes one number whatever
	// the question has MathAnswers 1 and scores the share of problems
	// whose answer that number is (see ConstantAccuracy), with no
	// arithmetic at all.
	MathAnswers  float64 `json:"math_distinct_answers"`
	Format       float64 `json:"format_compliance"`
	PrefAccuracy float64 `json:"preference_accuracy"`
	// DPOAccuracy is DPO's own preference accuracy on the held-out pairs:
	// the share where the implicit reward log(π/π_start) of the chosen
	// reply beats the rejected one's (ImplicitPrefAccuracy). It is
	// measured only for a model DPO trained, against its start.
	DPOAccuracy float64 `json:"dpo_accuracy"`
	Seconds     float64 `json:"seconds"`
}

// NewRow returns the row of name with every metric NaN (not measured).
func NewRow(name string) Row {
	r := Row{Name: name}
	for _, f := range r.metrics() {
		*f = math.NaN()
	}
	return r
}

// metrics points at every metric of r: the card's columns and the
// JSON-only QASeenAsText.
func (r *Row) metrics() []*float64 {
	return []*float64{&r.GeneralLoss, &r.GeneralBPB, &r.DomainLoss, &r.RecallPre, &r.RecallMid, &r.QAPretrain,
		&r.QAMidtrain, &r.QANever, &r.QANeverIDK, &r.QASeenIDK, &r.QASeenAsText, &r.MathAccuracy, &r.MathAnswers, &r.Format, &r.PrefAccuracy, &r.DPOAccuracy}
}

// Progress reports evaluation progress: a phase name and done of total.
type Progress func(phase string, done, total int)

// Evaluate measures m on every part of the suite that has data.
func (s *Suite) Evaluate(name string, m *model.GPT, progress Progress) (Row, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	start := time.Now()
	r := NewRow(name)
	const B = 8
	if s.general != nil {
		progress("general loss", 0, 1)
		loss, by, err := s.general.Loss(m, B)
		if err != nil {
			return r, err
		}
		r.GeneralLoss, r.PerSource = loss, by
		r.GeneralBPB = BitsPerByte(loss, s.general)
	}
	if s.domain != nil {
		progress("domain loss", 0, 1)
		loss, _, err := s.domain.Loss(m, B)
		if err != nil {
			return r, err
		}
		r.DomainLoss = loss
	}
	if s.facts != nil && s.facts.Len() > 0 {
		progress("facts", 0, 1)
		by, err := s.facts.Recall(m, s.tok)
		if err != nil {
			return r, err
		}
		r.RecallPre, r.RecallMid = by[record.SeenPretrain], by[record.SeenMidtrain]
	}
	var seenAsked, seenDeclined, seenAsText int
	for _, seen := range []string{record.SeenPretrain, record.SeenMidtrain, record.SeenNever} {
		items := s.qa[seen]
		if len(items) == 0 {
			continue
		}
		replies, asText := make([]string, len(items)), make([]string, len(items))
		for i, q := range items {
			progress("QA ("+seen+")", i, len(items))
			reply, _, err := s.Answer(m, q.Question, s.limits.MaxReply)
			if err != nil {
				return r, err
			}
			replies[i] = reply
			if seen != record.SeenNever {
				if asText[i], err = s.AnswerAsText(m, q.Question, s.limits.MaxReply); err != nil {
					return r, err
				}
			}
		}
		sc := evalsets.ScoreQA(items, replies)
		switch seen {
		case record.SeenPretrain:
			r.QAPretrain = sc.Accuracy()
		case record.SeenMidtrain:
			r.QAMidtrain = sc.Accuracy()
		case record.SeenNever:
			r.QANever = sc.Accuracy()
			r.QANeverIDK = float64(sc.Declined) / float64(sc.Asked)
			continue
		}
		seenAsked, seenDeclined = seenAsked+sc.Asked, seenDeclined+sc.Declined
		seenAsText += evalsets.ScoreQA(items, asText).Correct
	}
	if seenAsked > 0 {
		r.QASeenIDK = float64(seenDeclined) / float64(seenAsked)
		r.QASeenAsText = float64(seenAsText) / float64(seenAsked)
	}
	if len(s.math) > 0 {
		correct, formatted := 0, 0
		asked, right := map[string]int{}, map[string]int{}
		boxed := map[string]bool{}
		for i, p := range s.math {
			progress("math", i, len(s.math))
			reply, done, err := s.Answer(m, p.Prompt, s.limits.MaxMathReply)
			if err != nil {
				return r, err
			}
			g := posttrain.Check(reply, p.Answer, done)
			if g.HasBoxed {
				boxed[posttrain.NormalizeAnswer(g.Boxed)] = true
			}
			level := strconv.Itoa(p.Level)
			asked[level]++
			if g.Correct {
				correct++
				right[level]++
			}
			if g.Formatted {
				formatted++
			}
		}
		r.MathAccuracy = float64(correct) / float64(len(s.math))
		r.Format = float64(formatted) / float64(len(s.math))
		r.MathAnswers = float64(len(boxed))
		r.MathByLevel = map[string]float64{}
		for level, n := range asked {
			r.MathByLevel[level] = float64(right[level]) / float64(n)
		}
	}
	if len(s.prefs) > 0 {
		right := 0
		for i, p := range s.prefs {
			progress("preferences", i, len(s.prefs))
			lc, lr, err := s.PairLogProbs(m, p)
			if err != nil {
				return r, err
			}
			if lc > lr {
				right++
			}
		}
		r.PrefAccuracy = float64(right) / float64(len(s.prefs))
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// BitsPerByte converts a mean next-token loss in nats over v's windows to
// bits per byte of the text they cover.
func BitsPerByte(loss float64, v *train.ValSet) float64 {
	if v.Bytes == 0 || len(v.Windows) == 0 {
		return math.NaN()
	}
	tokens := len(v.Windows) * (len(v.Windows[0]) - 1)
	return loss * float64(tokens) / float64(v.Bytes) / math.Ln2
}

// Answer asks m question as a user turn and decodes its greedy reply (up
// to maxTokens), reporting whether the reply ended with <|end|>.
func (s *Suite) Answer(m *model.GPT, question string, maxTokens int) (string, bool, error) {
	prompt := chat.UserPrompt(s.tok, question)
	if len(prompt) >= m.Config.MaxSeqLen {
		return "", false, fmt.Errorf("eval: question of %d tokens does not fit the context of %d", len(prompt), m.Config.MaxSeqLen)
	}
	out, err := m.Generate(prompt, 1, model.SampleOptions{MaxTokens: maxTokens, Stop: []int32{tokenizer.End}}, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return "", false, err
	}
	text, done := chat.Reply(s.tok, out[0].Tokens)
	return text, done, nil
}

// AnswerAsText asks m question as plain text in the form of the
// pre-training pages' FAQs, "Q: question\nA:" after a <|bos|> (the chat
// template's turn without its <|user|>, package chat), and returns the
// first line of its greedy continuation (up to maxTokens, or to a <|bos|>
// or <|end|>) without its final full stop.
func (s *Suite) AnswerAsText(m *model.GPT, question string, maxTokens int) (string, error) {
	prompt := append([]int32{tokenizer.BOS}, s.tok.EncodeString(chat.QuestionCue+question+"\n"+chat.ReplyCue)...)
	if len(prompt) >= m.Config.MaxSeqLen {
		return "", fmt.Errorf("eval: question of %d tokens does not fit the context of %d", len(prompt), m.Config.MaxSeqLen)
	}
	out, err := m.Generate(prompt, 1, model.SampleOptions{MaxTokens: maxTokens, Stop: []int32{tokenizer.BOS, tokenizer.End}}, rand.New(rand.NewPCG(0, 0)))
	if err != nil {
		return "", err
	}
	toks := out[0].Tokens
	if out[0].Stopped {
		toks = toks[:len(toks)-1] // the <|bos|> or <|end|> that ended it is not text
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(s.tok.Decode(toks))), "\n")
	return strings.TrimSuffix(strings.TrimSpace(line), "."), nil
}

// PairLogProbs returns the log-probabilities m gives the chosen and the
// rejected reply of p (each summed over the reply's tokens and its
// <|end|>), in the chat template. Replies are cut to the context.
func (s *Suite) PairLogProbs(m *model.GPT, p record.Preference) (chosen, rejected float64, err error) {
	T := m.Config.MaxSeqLen
	var rows [2][]int32
	var masks [2][]float32
	for i, reply := range []string{p.Chosen, p.Rejected} {
		toks, mask, err := chat.Render(s.tok, []chat.Message{{Role: chat.RoleUser, Content: p.Prompt}, {Role: chat.RoleAssistant, Content: reply}})
		if err != nil {
			return 0, 0, err
		}
		if len(toks) > T+1 {
			toks, mask = toks[:T+1], mask[:T+1]
		}
		rows[i], masks[i] = toks, mask
	}
	b := train.PackSequences(rows[:], masks[:], T)
	if err := m.Forward(b); err != nil {
		return 0, 0, err
	}
	losses := make([]float32, b.B*b.T)
	m.TokenLosses(losses)
	var lp [2]float64
	for i := range lp {
		for t := 0; t < b.T; t++ {
			lp[i] -= float64(losses[i*b.T+t]) * float64(b.Weights[i*b.T+t])
		}
	}
	return lp[0], lp[1], nil
}

// ImplicitPrefAccuracy is DPO's preference accuracy on the suite's pairs
// for policy m trained from ref: the share of pairs whose implicit reward
// log(π_m/π_ref) is higher for the chosen reply than for the rejected one
// (β, a positive scale, does not change the order). Ties, as when m is
// ref, count as wrong.
func (s *Suite) ImplicitPrefAccuracy(m, ref *model.GPT) (float64, error) {
	if len(s.prefs) == 0 {
		return math.NaN(), nil
	}
	right := 0
	for _, p := range s.prefs {
		c, r, err := s.PairLogProbs(m, p)
		if err != nil {
			return 0, err
		}
		c0, r0, err := s.PairLogProbs(ref, p)
		if err != nil {
			return 0, err
		}
		if (c-c0)-(r-r0) > 0 {
			right++
		}
	}
	return float64(right) / float64(len(s.prefs)), nil
}

// Match is re-exported for callers that score replies themselves.
var Match = world.Match
