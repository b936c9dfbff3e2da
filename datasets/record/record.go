package record

import (
	"fmt"
	"strings"
)

// Record is implemented by every line type. Required lists the JSON keys
// that must be present and non-null; Validate checks the values once
// decoded and reports the first violation as a *FieldError.
type Record interface {
	Required() []string
	Validate() error
}

// FieldError says which field of a record breaks the schema and why.
type FieldError struct {
	Field  string // JSON path of the field, e.g. "messages[1].content"
	Reason string // e.g. "empty", "must be in [0, 1]"
}

// Error formats the error as `field "name": reason`.
func (e *FieldError) Error() string { return fmt.Sprintf("field %q: %s", e.Field, e.Reason) }

func bad(field, reason string) error { return &FieldError{Field: field, Reason: reason} }

func nonEmpty(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return bad(field, "empty")
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Pre-training document sources (the kind of page a document imitates).
const (
	SourceEncyclopedia = "encyclopedia"
	SourceNews         = "news"
	SourceStory        = "story"
	SourceForum        = "forum"
	SourceRecipe       = "recipe"
	SourceList         = "list"
	SourceSpam         = "spam"
	SourceBoilerplate  = "boilerplate"
	SourceBook         = "book"
	SourceWorksheet    = "worksheet" // arithmetic practice pages with worked answers
)

// Document is one pre-training document: a page of the miniature internet.
type Document struct {
	ID      string  `json:"id"`
	Source  string  `json:"source"`  // kind of page: encyclopedia, news, story, forum, recipe, list, spam, boilerplate, book
	Quality float64 `json:"quality"` // 0 (junk) to 1 (edited prose)
	Text    string  `json:"text"`
}

// Required implements Record.
func (*Document) Required() []string { return []string{"id", "source", "quality", "text"} }

// Validate implements Record.
func (d *Document) Validate() error {
	if d.Quality < 0 || d.Quality > 1 {
		return bad("quality", "must be in [0, 1]")
	}
	return firstErr(nonEmpty("id", d.ID), nonEmpty("source", d.Source), nonEmpty("text", d.Text))
}

// Decl is one top-level declaration of a code document, kept as structure
// for the synthetic generators and for paired views (doc comment ↔ code).
type Decl struct {
	Name      string `json:"name"`          // "HasPrefix", or "Builder.WriteString" for a method
	Kind      string `json:"kind"`          // func, method, type, const, var
	Signature string `json:"signature"`     // "func HasPrefix(s, prefix string) bool"
	Doc       string `json:"doc,omitempty"` // the doc comment's text, without comment markers
}

// CodeDoc is one mid-training source file: a Go standard-library file with
// its package path, doc comments and signatures kept and long bodies cut.
type CodeDoc struct {
	ID      string `json:"id"`
	Path    string `json:"path"`    // file path under $GOROOT/src, e.g. "strings/builder.go"
	Package string `json:"package"` // import path, e.g. "unicode/utf8"
	Text    string `json:"text"`
	Decls   []Decl `json:"decls,omitempty"`
}

// Required implements Record.
func (*CodeDoc) Required() []string { return []string{"id", "path", "package", "text"} }

// Validate implements Record.
func (c *CodeDoc) Validate() error {
	for i, d := range c.Decls {
		if err := nonEmpty(fmt.Sprintf("decls[%d].name", i), d.Name); err != nil {
			return err
		}
		if err := nonEmpty(fmt.Sprintf("decls[%d].signature", i), d.Signature); err != nil {
			return err
		}
	}
	return firstErr(nonEmpty("id", c.ID), nonEmpty("path", c.Path), nonEmpty("package", c.Package), nonEmpty("text", c.Text))
}

// KBDoc is one page of the fictional organisation's internal knowledge base.
// Cites lists the URLs of the pages this one cites; Record holds the page's
// structured fields (for a service page: owner, port), when it has any.
type KBDoc struct {
	ID     string            `json:"id"`
	URL    string            `json:"url"`
	Title  string            `json:"title"`
	Kind   string            `json:"kind,omitempty"` // person, org, product, place, event, service, design, runbook, notes, guide
	Cites  []string          `json:"cites"`
	Text   string            `json:"text"`
	Record map[string]string `json:"record,omitempty"`
}

// Required implements Record.
func (*KBDoc) Required() []string { return []string{"id", "url", "title", "cites", "text"} }

// Validate implements Record.
func (k *KBDoc) Validate() error {
	for i, c := range k.Cites {
		if err := nonEmpty(fmt.Sprintf("cites[%d]", i), c); err != nil {
			return err
		}
	}
	return firstErr(nonEmpty("id", k.ID), nonEmpty("url", k.URL), nonEmpty("title", k.Title), nonEmpty("text", k.Text))
}

// Synthetic is one structure-derived training item: text produced by code
// from the structure of the mid-training data (doc comment → signature,
// title → URL, citations, record → sentence). Text is two views of one
// item, the first line and the rest (see Views), for paired-view losses
// such as JEPA; next-token training reads the whole text.
type Synthetic struct {
	ID        string `json:"id"`
	Generator string `json:"generator"` // doc2sig, sig2pkg, title2url, cites, record2text
	Text      string `json:"text"`
	From      string `json:"from,omitempty"` // id of the code or KB document it was derived from
}

// Views splits Text into its two views: the first line, and the rest.
func (s *Synthetic) Views() (input, output string) {
	input, output, _ = strings.Cut(s.Text, "\n")
	return input, output
}

// Required implements Record.
func (*Synthetic) Required() []string { return []string{"id", "generator", "text"} }

// Validate implements Record.
func (s *Synthetic) Validate() error {
	return firstErr(nonEmpty("id", s.ID), nonEmpty("generator", s.Generator), nonEmpty("text", s.Text))
}

// Chat roles.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Example is one SFT conversation in TRL's "messages" format. A valid
// example has an optional leading system message, then alternating user and
// assistant turns, starting with user and ending with assistant.
type Example struct {
	ID       string    `json:"id,omitempty"`
	Messages []Message `json:"messages"`
	Kind     string    `json:"kind,omitempty"` // fact, idk, code, kb, math, chat
}

// Required implements Record.
func (*Example) Required() []string { return []string{"messages"} }

// Validate implements Record.
func (e *Example) Validate() error {
	msgs := e.Messages
	if len(msgs) == 0 {
		return bad("messages", "empty")
	}
	start := 0
	if msgs[0].Role == RoleSystem {
		start = 1
	}
	if len(msgs) == start {
		return bad("messages", "missing role \"user\"")
	}
	for i, m := range msgs {
		f := fmt.Sprintf("messages[%d]", i)
		want := RoleUser
		if (i-start)%2 == 1 {
			want = RoleAssistant
		}
		switch {
		case m.Role == "":
			return bad(f+".role", "missing role")
		case m.Role == RoleSystem && i != 0:
			return bad(f+".role", "system message only allowed first")
		case m.Role != RoleSystem && m.Role != RoleUser && m.Role != RoleAssistant:
			return bad(f+".role", fmt.Sprintf("unknown role %q", m.Role))
		case i >= start && m.Role != want:
			return bad(f+".role", fmt.Sprintf("got %q, want %q (turns alternate user, assistant)", m.Role, want))
		}
		if strings.TrimSpace(m.Content) == "" {
			if m.Role == RoleAssistant {
				return bad(f+".content", "empty answer")
			}
			return bad(f+".content", "empty")
		}
	}
	if msgs[len(msgs)-1].Role != RoleAssistant {
		return bad("messages", "missing role \"assistant\" (the last turn must be the answer)")
	}
	return nil
}

// MathProblem is one math word problem with a verifiable answer. The expected
// assistant reply ends with \boxed{Answer}.
type MathProblem struct {
	ID     string `json:"id,omitempty"`
	Prompt string `json:"prompt"`
	Answer string `json:"answer"`
	Level  int    `json:"level,omitempty"` // difficulty, 1 (one-digit addition) to 5 (two-step word problem)
}

// Required implements Record.
func (*MathProblem) Required() []string { return []string{"prompt", "answer"} }

// Validate implements Record.
func (m *MathProblem) Validate() error {
	if err := nonEmpty("prompt", m.Prompt); err != nil {
		return err
	}
	if strings.TrimSpace(m.Answer) == "" {
		return bad("answer", "empty answer")
	}
	return nil
}

// Synthetic generator names: the "generator" field of
// synthetic.train.jsonl, the items mid-training derives from the structure
// of the code and the knowledge base (package datasets/midtrain writes
// them; package model/midtrain mixes them into its batches).
const (
	GenDocToSig   = "doc2sig"     // doc comment → signature
	GenSigToPkg   = "sig2pkg"     // signature → package path
	GenTitleToURL = "title2url"   // page title → URL
	GenCites      = "cites"       // page → a page it cites
	GenRecord     = "record2text" // record field → sentence
)

// Generators lists the synthetic generators in output order.
var Generators = []string{GenDocToSig, GenSigToPkg, GenTitleToURL, GenCites, GenRecord}

// Preference kinds: what makes the chosen reply better, each checkable by code.
const (
	KindCorrect  = "correct"  // a correct vs a wrong \boxed{} answer to a math problem
	KindFaithful = "faithful" // the world's fact vs a hallucinated one
	KindConcise  = "concise"  // a short reply that stops vs one that rambles on
	KindFormat   = "format"   // the same correct solution, with vs without its \boxed{} answer
)

// Preference is one preference pair in TRL's implicit-prompt format.
type Preference struct {
	ID       string `json:"id,omitempty"`
	Prompt   string `json:"prompt"`
	Chosen   string `json:"chosen"`
	Rejected string `json:"rejected"`
	Kind     string `json:"kind,omitempty"`
}

// Required implements Record.
func (*Preference) Required() []string { return []string{"prompt", "chosen", "rejected"} }

// Validate implements Record.
func (p *Preference) Validate() error {
	if err := firstErr(nonEmpty("prompt", p.Prompt), nonEmpty("chosen", p.Chosen), nonEmpty("rejected", p.Rejected)); err != nil {
		return err
	}
	if p.Chosen == p.Rejected {
		return bad("rejected", "chosen equals rejected")
	}
	return nil
}

// Where a fact was placed in the training data.
const (
	SeenPretrain = "pretrain" // only in pre-training text
	SeenMidtrain = "midtrain" // only in mid-training text
	SeenNever    = "never"    // in no training text
)

// QA is one question about the fictional world, for exact-match evaluation.
// Answer is the world's true answer; for Seen == "never" no training text
// contains it, and the desired reply is "I don't know".
type QA struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Fact     string `json:"fact"` // the fact's id in facts.jsonl
	Seen     string `json:"seen"` // pretrain, midtrain or never
}

// Required implements Record.
func (*QA) Required() []string { return []string{"question", "answer", "fact", "seen"} }

// Validate implements Record.
func (q *QA) Validate() error {
	if err := firstErr(nonEmpty("question", q.Question), nonEmpty("answer", q.Answer), nonEmpty("fact", q.Fact)); err != nil {
		return err
	}
	if !validSeen(q.Seen) {
		return bad("seen", fmt.Sprintf("got %q, want pretrain, midtrain or never", q.Seen))
	}
	return nil
}

func validSeen(s string) bool { return s == SeenPretrain || s == SeenMidtrain || s == SeenNever }

// Fact is one line of facts.jsonl: a fact of the fictional world and where
// it was placed, so evaluation (and tests) know which fact is where.
type Fact struct {
	ID       string `json:"id"`
	Subject  string `json:"subject"`
	Kind     string `json:"kind"`     // kind of the subject: person, place, org, product, event, service
	Relation string `json:"relation"` // born_in, works_at, ...
	Answer   string `json:"answer"`
	Question string `json:"question"` // the canonical question
	Sentence string `json:"sentence"` // the canonical answer-bearing sentence
	Seen     string `json:"seen"`     // pretrain, midtrain or never
	SFT      bool   `json:"sft"`      // whether its QA pair (or "I don't know") is in SFT training data
	Mentions int    `json:"mentions"` // answer-bearing sentences in the stage's training text (0 for never)
}

// Required implements Record.
func (*Fact) Required() []string {
	return []string{"id", "subject", "kind", "relation", "answer", "question", "sentence", "seen", "sft"}
}

// Validate implements Record.
func (f *Fact) Validate() error {
	if err := firstErr(nonEmpty("id", f.ID), nonEmpty("subject", f.Subject), nonEmpty("kind", f.Kind),
		nonEmpty("relation", f.Relation), nonEmpty("answer", f.Answer), nonEmpty("question", f.Question),
		nonEmpty("sentence", f.Sentence)); err != nil {
		return err
	}
	if !validSeen(f.Seen) {
		return bad("seen", fmt.Sprintf("got %q, want pretrain, midtrain or never", f.Seen))
	}
	return nil
}

// Text is the loosest record: any object with a non-empty "text" field. It
// reads a user's .jsonl domain corpus.
type Text struct {
	Text string `json:"text"`
}

// Required implements Record.
func (*Text) Required() []string { return []string{"text"} }

// Validate implements Record.
func (t *Text) Validate() error { return nonEmpty("text", t.Text) }
