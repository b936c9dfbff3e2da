package eval

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Card is a report card: one Row per checkpoint or stage, in order.
type Card struct {
	Rows []Row `json:"rows"`
}

// Add appends a row.
func (c *Card) Add(r Row) { c.Rows = append(c.Rows, r) }

// column is one metric of the card: its header, what it measures and how
// to read and show it from a row.
type column struct {
	header string
	about  string
	value  func(Row) float64
	format string // fmt verb for the value
	pct    bool   // shown as a percentage
}

var columns = []column{
	{"general loss", "cross-entropy per token on held-out pre-training text (lower is better)", func(r Row) float64 { return r.GeneralLoss }, "%.3f", false},
	{"bits/byte", "the general loss in bits per byte of text, comparable across tokenizers", func(r Row) float64 { return r.GeneralBPB }, "%.3f", false},
	{"domain loss", "cross-entropy per token on held-out mid-training text (code and the knowledge base)", func(r Row) float64 { return r.DomainLoss }, "%.3f", false},
	{"recall pre-train facts", "facts placed in pre-training pages whose answer the model completes exactly after the fact's opening words (a cloze test, no question asked)", func(r Row) float64 { return r.RecallPre }, "%.0f%%", true},
	{"recall mid-train facts", "the same for facts placed in mid-training pages", func(r Row) float64 { return r.RecallMid }, "%.0f%%", true},
	{"QA pre-train facts", "questions in the chat template about facts read only in pre-training, answered right", func(r Row) float64 { return r.QAPretrain }, "%.0f%%", true},
	{"QA mid-train facts", "questions about facts read only in mid-training, answered right", func(r Row) float64 { return r.QAMidtrain }, "%.0f%%", true},
	{"QA unseen facts", "questions about facts the model never read, answered right (a guess)", func(r Row) float64 { return r.QANever }, "%.0f%%", true},
	{"unseen: \"I don't know\"", "questions about never-read facts the model declines", func(r Row) float64 { return r.QANeverIDK }, "%.0f%%", true},
	{"seen: \"I don't know\"", "questions about facts it did read that the model declines", func(r Row) float64 { return r.QASeenIDK }, "%.0f%%", true},
	{"math", "math word problems whose greedy reply boxes the right answer", func(r Row) float64 { return r.MathAccuracy }, "%.0f%%", true},
	{"math answers", "how many different answers those replies box: 1 means one number for every problem, and the math column is then what that number happens to score", func(r Row) float64 { return r.MathAnswers }, "%.0f", false},
	{"format", "math replies that stop with <|end|> right after a \\boxed{} answer", func(r Row) float64 { return r.Format }, "%.0f%%", true},
	{"preference", "preference pairs where the model gives the chosen reply the higher likelihood", func(r Row) float64 { return r.PrefAccuracy }, "%.0f%%", true},
	{"DPO preference vs start", "for a model DPO trained: pairs where its implicit reward, log(π/π_start), ranks the chosen reply higher", func(r Row) float64 { return r.DPOAccuracy }, "%.0f%%", true},
}

// Headers are the column titles of the card, after the row name.
func Headers() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.header
	}
	return out
}

// About says what each column of Headers measures, in the same order.
func About() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.about
	}
	return out
}

// Cells returns the formatted metrics of r, "–" where not measured.
func Cells(r Row) []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		v := c.value(r)
		switch {
		case math.IsNaN(v):
			out[i] = "–"
		case c.pct:
			out[i] = fmt.Sprintf(c.format, 100*v)
		default:
			out[i] = fmt.Sprintf(c.format, v)
		}
	}
	return out
}

// Markdown renders the card as a GitHub-flavoured Markdown table.
func (c *Card) Markdown() string {
	var b bytes.Buffer
	b.WriteString("| stage |")
	for _, h := range Headers() {
		fmt.Fprintf(&b, " %s |", h)
	}
	b.WriteString("\n|---|")
	for range columns {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, r := range c.Rows {
		fmt.Fprintf(&b, "| %s |", r.Name)
		for _, cell := range Cells(r) {
			fmt.Fprintf(&b, " %s |", cell)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// CSV renders the card with raw values (fractions, not percentages; empty
// where not measured), one row per stage.
func (c *Card) CSV() string {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(append([]string{"stage"}, Headers()...))
	for _, r := range c.Rows {
		rec := []string{r.Name}
		for _, col := range columns {
			v := col.value(r)
			if math.IsNaN(v) {
				rec = append(rec, "")
			} else {
				rec = append(rec, strconv.FormatFloat(v, 'f', 4, 64))
			}
		}
		w.Write(rec)
	}
	w.Flush()
	return b.String()
}

// MarshalJSON writes r with null for metrics that were not measured (NaN
// has no JSON form).
func (r Row) MarshalJSON() ([]byte, error) {
	type plain Row // without this method
	if !hasNaN(r) {
		return json.Marshal(plain(r))
	}
	var m map[string]any
	nullable := r
	for _, f := range nullable.metrics() {
		if math.IsNaN(*f) {
			*f = nanMarker
		}
	}
	b, err := json.Marshal(plain(nullable))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range m {
		if f, ok := v.(float64); ok && f == nanMarker {
			m[k] = nil
		}
	}
	return json.Marshal(m)
}

// nanMarker stands in for NaN while a row is encoded.
const nanMarker = -1e308

func hasNaN(r Row) bool {
	for _, f := range r.metrics() {
		if math.IsNaN(*f) {
			return true
		}
	}
	return false
}
