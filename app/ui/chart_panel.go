package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// legendItem is one entry of a chart's legend.
type legendItem struct {
	Name  string
	Class string
	Thin  bool
	Faint bool
}

// chartPanel shows a rendered SVG chart and its legend.
type chartPanel struct {
	app.Compo

	// ID is the id of its heading ("h-chart" when empty) and TestID its
	// chart's data-testid ("loss-chart" when empty): a page with several
	// charts names each.
	ID     string
	TestID string
	Title  string
	SVG    string // from LineChart
	Legend []legendItem
	Note   string
	// Steps is the number of training steps drawn, and FirstStep and
	// LastStep the first and last of them: with one point per step, a
	// run that paused and resumed draws LastStep-FirstStep+1 points. The
	// browser tests read them (data-steps, data-first-step, data-last-step).
	Steps, FirstStep, LastStep int
}

func (c *chartPanel) Render() app.UI {
	id, testid := c.ID, c.TestID
	if id == "" {
		id = "h-chart"
	}
	if testid == "" {
		testid = "loss-chart"
	}
	return app.Section().Class("card").Aria("labelledby", id).Body(
		app.H2().ID(id).Text(c.Title),
		app.Div().Class("chart-box").DataSet("testid", testid).
			DataSet("steps", c.Steps).DataSet("first-step", c.FirstStep).DataSet("last-step", c.LastStep).
			Body(app.Raw(c.SVG)),
		app.Ul().Class("legend").Body(app.Range(c.Legend).Slice(func(i int) app.UI {
			l := c.Legend[i]
			cls := "swatch " + l.Class
			if l.Thin {
				cls += " thin"
			}
			if l.Faint {
				cls += " faint"
			}
			return app.Li().Body(app.Span().Class(cls), app.Text(l.Name))
		})),
		app.If(c.Note != "", func() app.UI { return app.P().Class("muted").Text(c.Note) }),
	)
}

// legendOf lists the series of a chart.
func legendOf(series []Series) []legendItem {
	out := make([]legendItem, len(series))
	for i, s := range series {
		out[i] = legendItem{Name: s.Name, Class: s.Class, Thin: s.Thin, Faint: s.Faint}
	}
	return out
}
