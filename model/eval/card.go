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

// column is one metric of the card: its header and how to read and show
// it from a row.
type column struct {
	header string
	value  func(Row) float64
	format string // fmt verb for the value
	pct    bool   // shown as a percentage
}

var columns = []column{
	{"general loss", func(r Row) float64 { return r.GeneralLoss }, "%.3f", false},
	{"bits/byte", func(r Row) float64 { return r.GeneralBPB }, "%.3f", false},
	{"domain loss", func(r Row) float64 { return r.DomainLoss }, "%.3f", false},
	{"recall pre-train facts", func(r Row) float64 { return r.RecallPre }, "%.0f%%", true},
	{"recall mid-train facts", func(r Row) float64 { return r.RecallMid }, "%.0f%%", true},
	{"QA pre-train facts", func(r Row) float64 { return r.QAPretrain }, "%.0f%%", true},
	{"QA mid-train facts", func(r Row) float64 { return r.QAMidtrain }, "%.0f%%", true},
	{"QA unseen facts", func(r Row) float64 { return r.QANever }, "%.0f%%", true},
	{"unseen: \"I don't know\"", func(r Row) float64 { return r.QANeverIDK }, "%.0f%%", true},
	{"seen: \"I don't know\"", func(r Row) float64 { return r.QASeenIDK }, "%.0f%%", true},
	{"math", func(r Row) float64 { return r.MathAccuracy }, "%.0f%%", true},
	{"math answers", func(r Row) float64 { return r.MathAnswers }, "%.0f", false},
	{"format", func(r Row) float64 { return r.Format }, "%.0f%%", true},
	{"preference", func(r Row) float64 { return r.PrefAccuracy }, "%.0f%%", true},
	{"DPO preference vs start", func(r Row) float64 { return r.DPOAccuracy }, "%.0f%%", true},
}

// Headers are the column titles of the card, after the row name.
func Headers() []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.header
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
