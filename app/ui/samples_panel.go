package ui

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
)

// samplesPanel lists the model's samples, newest first.
type samplesPanel struct {
	app.Compo

	Samples []protocol.Sample
}

func (s *samplesPanel) Render() app.UI {
	return app.Section().Class("card").Aria("labelledby", "h-samples").Body(
		app.H2().ID("h-samples").Text("Samples"),
		app.If(len(s.Samples) == 0, func() app.UI {
			return app.P().Class("muted").Text("The model writes a few words every few steps; they appear here.")
		}).Else(func() app.UI {
			return app.Ol().Class("samples").Aria("live", "polite").Body(app.Range(s.Samples).Slice(func(i int) app.UI {
				sm := s.Samples[i]
				text := app.Span().Class("text").Body(app.Span().Class("prompt").Text(sm.Prompt), app.Text(sm.Text))
				if i == 0 {
					text = text.DataSet("testid", "sample")
				}
				return app.Li().Body(app.Div().Class("step").Text(fmt.Sprintf("step %d", sm.Step)), text)
			}))
		}),
	)
}
