package ui

import (
	"fmt"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// metricsPanel shows the numbers of the last training step and the
// backend that computes them.
type metricsPanel struct {
	app.Compo

	Step       int
	Steps      int
	Loss       float64 // NaN before the first step
	ValLoss    float64 // NaN until measured
	TokensPerS float64 // training tokens per second over the run; 0 before the first step
	Backend    string
	Reason     string // why the backend differs from the one asked for
	// FirstStepAt is when the first step's metrics arrived, in
	// milliseconds since the page's navigation (0 before): a measurement
	// the browser tests read.
	FirstStepAt float64
}

func (m *metricsPanel) Render() app.UI {
	tps := "–"
	if m.TokensPerS > 0 {
		tps = fmt.Sprintf("%.0f", m.TokensPerS)
	}
	backend := m.Backend
	if backend == "" {
		backend = "chosen at start"
	}
	if m.Reason != "" {
		backend += " (" + m.Reason + ")"
	}
	return app.Section().Class("card").Aria("labelledby", "h-metrics").
		DataSet("first-step-at", fmt.Sprintf("%.0f", m.FirstStepAt)).Body(
		app.H2().ID("h-metrics").Text("Training"),
		app.Dl().Class("stats").Body(
			app.Div().Class("stat").Body(app.Dt().Text("step"),
				app.Dd().Body(app.Span().DataSet("testid", "step").Text(strconv.Itoa(m.Step)),
					app.Span().Class("muted").Text(" / "+strconv.Itoa(m.Steps)))),
			stat("loss", formatLoss(m.Loss), "loss"),
			stat("validation loss", formatLoss(m.ValLoss), "val-loss"),
			stat("tokens/s", tps, "tokens-per-s"),
			app.Div().Class("stat").Body(app.Dt().Text("backend"),
				app.Dd().Class("small").DataSet("testid", "backend").Text(backend)),
		),
	)
}
