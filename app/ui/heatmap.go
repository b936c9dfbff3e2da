package ui

import (
	"fmt"
	"html"
	"math"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
)

// heatmapPanel paints the live batch of the last step as the loss sees
// it: every target token shaded by its weight (blue pushed up, red pushed
// down, grey not trained on), each row marked by where it came from. The
// picture is the same for every stage; only the weights differ.
type heatmapPanel struct {
	app.Compo

	Intro string
	Step  int
	Rows  int
	Value string // what the rows' second number is, if any
	HTML  string // from heatmapHTML
}

func (h *heatmapPanel) Render() app.UI {
	legend := []struct{ cls, text string }{{"tok wp5", "pushed up (weight > 0)"}, {"tok wn5", "pushed down (weight < 0)"}, {"tok wz", "not trained on (weight 0)"}}
	return app.Section().Class("card").Aria("labelledby", "h-heatmap").Body(
		app.H2().ID("h-heatmap").Text("The live batch, token by token"),
		app.P().Class("muted").Text(h.Intro),
		app.Ul().Class("legend").Body(app.Range(legend).Slice(func(i int) app.UI {
			return app.Li().Body(app.Span().Class(legend[i].cls).Text("tok"), app.Text(" "+legend[i].text))
		})),
		app.If(h.Value != "", func() app.UI {
			return app.P().Class("muted small").Text("Hover a token for its weight and " + h.Value + ".")
		}),
		app.Div().Class("heatmap").DataSet("testid", "heatmap").DataSet("step", h.Step).DataSet("rows", h.Rows).
			Aria("label", "the tokens of the last batch shaded by their loss weight").Body(
			app.If(h.HTML == "", func() app.UI {
				return app.P().Class("muted").Text("The batch appears after the first step.")
			}).Else(func() app.UI { return app.Raw(h.HTML) }),
		),
	)
}

// heatmapHTML renders a heatmap as one element of rows of token spans,
// escaped, with classes only (the Content-Security-Policy forbids inline
// styles): the shade is the weight's size relative to the largest in the
// batch, in five steps each way. Each token's title gives its weight (and
// value).
func heatmapHTML(h *protocol.Heatmap) string {
	if h == nil || len(h.Rows) == 0 {
		return ""
	}
	maxW := 0.0
	for _, r := range h.Rows {
		for _, w := range r.Weights {
			maxW = math.Max(maxW, math.Abs(float64(w)))
		}
	}
	var b strings.Builder
	b.WriteString(`<div class="heat-rows">`)
	for _, r := range h.Rows {
		fmt.Fprintf(&b, `<div class="heat-row origin-%s" data-origin="%s">`, html.EscapeString(cssName(r.Origin)), html.EscapeString(r.Origin))
		fmt.Fprintf(&b, `<div class="heat-label"><span class="origin">%s</span>`, html.EscapeString(r.Origin))
		if r.Label != "" {
			fmt.Fprintf(&b, ` <span class="muted">%s</span>`, html.EscapeString(r.Label))
		}
		b.WriteString(`</div><div class="strip">`)
		for i, t := range r.Tokens {
			w := float64(r.Weights[i])
			title := fmt.Sprintf("weight %.3g", w)
			if i < len(r.Values) {
				title += fmt.Sprintf(" · %.3g", r.Values[i])
			}
			fmt.Fprintf(&b, `<span class="tok %s" title="%s">%s</span>`, weightClass(w, maxW), html.EscapeString(title),
				html.EscapeString(strings.ReplaceAll(t, "\n", "↵\n")))
		}
		b.WriteString(`</div></div>`)
	}
	b.WriteString(`</div>`)
	return b.String()
}

// weightClass is the shade of a weight: wz for 0, wp1..wp5 and wn1..wn5
// by its size relative to maxW.
func weightClass(w, maxW float64) string {
	if w == 0 || maxW == 0 || math.IsNaN(w) {
		return "wz"
	}
	level := int(math.Ceil(5 * math.Abs(w) / maxW))
	level = min(max(level, 1), 5)
	if w > 0 {
		return fmt.Sprintf("wp%d", level)
	}
	return fmt.Sprintf("wn%d", level)
}

// cssName keeps letters, digits and dashes of s.
func cssName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s)
}
