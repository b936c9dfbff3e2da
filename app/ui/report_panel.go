package ui

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	"tinystages/model/eval"
)

// reportPanel is the report card: one row per model measured (a run's
// start and end, or a checkpoint asked for), one column per metric, as
// package model/eval defines them, with the card exported as Markdown and
// CSV. The browser measures with small limits (a few questions, problems
// and pairs of each kind) so that a row takes seconds; `go run ./app eval`
// measures all of them.
type reportPanel struct {
	app.Compo

	Page    string
	Intro   string
	Reports []protocol.Report
	Busy    string // what is being evaluated now, "" when nothing
	// CanEvaluate says whether there is a model to add a row for now (a
	// run paused or done).
	CanEvaluate bool
}

// card returns the rows as a report card.
func cardOf(reports []protocol.Report) *eval.Card {
	c := &eval.Card{}
	for _, r := range reports {
		c.Add(r.Row)
	}
	return c
}

// dataURL is a data: URL of text, for a download link.
func dataURL(mime, text string) string {
	return "data:" + mime + ";charset=utf-8," + strings.ReplaceAll(url.PathEscape(text), "+", "%2B")
}

func (r *reportPanel) Render() app.UI {
	card := cardOf(r.Reports)
	heads, about := eval.Headers(), eval.About()
	md, csv := card.Markdown(), card.CSV()
	return app.Section().Class("card").Aria("labelledby", "h-report").Body(
		app.H2().ID("h-report").Text("Report card"),
		app.P().Class("muted").Text(r.Intro),
		app.If(r.Busy != "", func() app.UI {
			return app.P().Class("muted").Role("status").Aria("live", "polite").Text("Evaluating " + r.Busy + "…")
		}),
		app.Div().Class("table-scroll").TabIndex(0).Aria("label", "report card, scrolls sideways").Body(
			app.Table().Class("report").DataSet("testid", "report-card").DataSet("rows", len(r.Reports)).Body(
				app.Caption().Class("visually-hidden").Text("Report card: one row per model measured"),
				app.THead().Body(app.Tr().Body(
					app.Th().Scope("col").Text("model"),
					app.Range(heads).Slice(func(i int) app.UI { return app.Th().Scope("col").Title(about[i]).Text(heads[i]) }),
				)),
				app.TBody().Body(app.Range(r.Reports).Slice(func(i int) app.UI {
					rep := r.Reports[i]
					cells := eval.Cells(rep.Row)
					return app.Tr().DataSet("testid", "report-row").DataSet("when", rep.When).Body(
						app.Th().Scope("row").Text(rep.Row.Name),
						app.Range(cells).Slice(func(j int) app.UI { return app.Td().Text(cells[j]) }),
					)
				})),
			),
		),
		app.If(len(r.Reports) == 0, func() app.UI {
			return app.P().Class("muted").Text("Rows appear when a run starts (its start model) and ends (the trained model).")
		}),
		app.Div().Class("buttons").Body(
			func() app.UI {
				b := app.Button().Type("button").DataSet("testid", "report-evaluate").Text("Add a row: the model now").
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(actionEvaluate, app.T("page", r.Page)) })
				if !r.CanEvaluate || r.Busy != "" {
					b = b.Disabled(true)
				}
				return b
			}(),
			app.A().Class("button").Href(dataURL("text/markdown", md)).Attr("download", "report-card.md").
				DataSet("testid", "report-markdown").Text("Download Markdown"),
			app.A().Class("button").Href(dataURL("text/csv", csv)).Attr("download", "report-card.csv").
				DataSet("testid", "report-csv").Text("Download CSV"),
			app.Button().Type("button").DataSet("testid", "report-copy").Text("Copy Markdown").
				OnClick(func(ctx app.Context, e app.Event) {
					// the card now: go-app keeps a handler from the first render
					if cb := app.Window().Get("navigator").Get("clipboard"); cb.Truthy() {
						cb.Call("writeText", cardOf(r.Reports).Markdown())
					}
				}),
			app.Button().Type("button").DataSet("testid", "report-clear").Text("Clear the card").
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(actionClearCard, app.T("page", r.Page)) }),
		),
		app.Details().DataSet("testid", "report-columns").Body(
			app.Summary().Text("What each column measures"),
			app.Dl().Class("columns").Body(app.Range(heads).Slice(func(i int) app.UI {
				return app.Div().Body(app.Dt().Text(heads[i]), app.Dd().Text(about[i]))
			})),
		),
		app.Details().Body(
			app.Summary().Text("The card as Markdown"),
			app.Pre().Class("doc").DataSet("testid", "report-markdown-text").Text(md),
		),
	)
}
