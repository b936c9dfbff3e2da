package ui

import (
	"fmt"
	"html"
	"math"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
)

// projectionPanel shows held-out paired views (a doc comment and its
// signature, a page title and its URL...) embedded by the model and
// projected to 2-D with PCA, before and after the run: JEPA's loss pulls
// the two views of a pair together.
type projectionPanel struct {
	app.Compo

	JEPA          bool
	Before, After string // SVGs
	BeforeLinked  float64
	AfterLinked   float64
	HasAfter      bool
}

func (p *projectionPanel) Render() app.UI {
	note := "JEPA is off: the views are embedded with the model as next-token training leaves it. Set a JEPA λ above 0 to train the embeddings of paired views together."
	if p.JEPA {
		note = "JEPA is on: its loss pulls the embedding of each view towards a prediction from the other."
	}
	linked := func(v float64) string {
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf("%.0f%%", 100*v)
	}
	return app.Section().Class("card").Aria("labelledby", "h-projection").Body(
		app.H2().ID("h-projection").Text("Paired views in embedding space"),
		app.P().Class("muted").Text("24 held-out pairs of views of one item, each view embedded by the model (the mean of its last hidden state), "+
			"projected on the two principal components of all of them. A line joins the two views of a pair. "+note),
		app.Div().Class("projections").DataSet("testid", "projection").Body(
			app.Figure().Body(app.Raw(p.Before), app.FigCaption().Text("start model · pairs linked: "+linked(p.BeforeLinked))),
			app.If(p.HasAfter, func() app.UI {
				return app.Figure().Body(app.Raw(p.After), app.FigCaption().Text("after training · pairs linked: "+linked(p.AfterLinked)))
			}),
		),
		app.P().Class("muted small").Text("Pairs linked: the share of pairs whose second view is the nearest second view to their first (cosine)."),
	)
}

// projectionSVG draws a projection as an SVG scatter plot: first views
// as circles, second views as squares, a line between the two of a pair.
func projectionSVG(title string, pr *protocol.Projection) string {
	const W, H, pad = 320.0, 240.0, 14.0
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart scatter" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s"><title>%s</title>`,
		W, H, html.EscapeString(title), html.EscapeString(title))
	if pr == nil || len(pr.Points) == 0 {
		fmt.Fprintf(&b, `<text class="empty" x="%.0f" y="%.0f" text-anchor="middle">appears when a run starts</text></svg>`, W/2, H/2)
		return b.String()
	}
	xMin, xMax, yMin, yMax := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for _, p := range pr.Points {
		xMin, xMax = math.Min(xMin, p.X), math.Max(xMax, p.X)
		yMin, yMax = math.Min(yMin, p.Y), math.Max(yMax, p.Y)
	}
	sx := (W - 2*pad) / math.Max(xMax-xMin, 1e-9)
	sy := (H - 2*pad) / math.Max(yMax-yMin, 1e-9)
	px := func(v float64) float64 { return pad + (v-xMin)*sx }
	py := func(v float64) float64 { return H - pad - (v-yMin)*sy }
	byPair := map[int][2]*protocol.ProjPoint{}
	for i := range pr.Points {
		p := &pr.Points[i]
		e := byPair[p.Pair]
		if p.View == "A" {
			e[0] = p
		} else {
			e[1] = p
		}
		byPair[p.Pair] = e
	}
	for _, e := range byPair {
		if e[0] != nil && e[1] != nil {
			fmt.Fprintf(&b, `<line class="pairline" x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f"/>`, px(e[0].X), py(e[0].Y), px(e[1].X), py(e[1].Y))
		}
	}
	for _, p := range pr.Points {
		label := html.EscapeString(fmt.Sprintf("%s view of pair %d (%s): %s", p.View, p.Pair+1, p.Source, p.Text))
		if p.View == "A" {
			fmt.Fprintf(&b, `<circle class="pt-a" cx="%.1f" cy="%.1f" r="4"><title>%s</title></circle>`, px(p.X), py(p.Y), label)
		} else {
			fmt.Fprintf(&b, `<rect class="pt-b" x="%.1f" y="%.1f" width="7" height="7"><title>%s</title></rect>`, px(p.X)-3.5, py(p.Y)-3.5, label)
		}
	}
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="end">PC1 %.0f%% · PC2 %.0f%% of the variance</text>`, W-4, H-2, 100*pr.Explained[0], 100*pr.Explained[1])
	b.WriteString(`</svg>`)
	return b.String()
}
