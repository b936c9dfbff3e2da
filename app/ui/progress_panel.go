package ui

import (
	"fmt"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
)

// phases of a run, in order, as the engine reports them.
var phases = []string{protocol.PhaseLoading, protocol.PhaseTokenizer, protocol.PhaseTokenize, protocol.PhaseModel, protocol.PhaseTraining}

// progressPanel shows the phases of a run, a progress bar for the current
// one (the steps while training) and the time left.
type progressPanel struct {
	app.Compo

	Status    protocol.Status
	Phases    []string // the run's phases; nil: pre-training's (phases)
	Phase     int      // index in Phases
	Progress  protocol.Progress
	Step      int
	Steps     int
	ElapsedMS float64
	DoneMS    float64 // training time of a finished run, else 0
}

func (p *progressPanel) Render() app.UI {
	value, max, label, etaText := 0, 1, "", ""
	switch {
	case p.Step > 0:
		value, max = p.Step, p.Steps
		label = fmt.Sprintf("step %d of %d", p.Step, p.Steps)
		if left, ok := eta(p.Step, p.Steps, time.Duration(p.ElapsedMS*float64(time.Millisecond))); ok {
			etaText = "about " + formatDuration(left) + " left"
		}
		if p.DoneMS > 0 {
			etaText = "done in " + formatDuration(time.Duration(p.DoneMS*float64(time.Millisecond)))
		}
	case p.Status == protocol.StatusPreparing && p.Progress.Phase != "":
		value, max = p.Progress.Done, p.Progress.Total
		label = p.Progress.Phase
		if p.Progress.Detail != "" {
			label += ": " + p.Progress.Detail
		}
	}
	if max <= 0 {
		value, max = 0, 1
	}
	list := p.Phases
	if list == nil {
		list = phases
	}
	return app.Section().Class("card").Aria("labelledby", "h-progress").Body(
		app.H2().ID("h-progress").Text("Progress"),
		app.Ol().Class("phases").Aria("label", "phases of the run").Body(app.Range(list).Slice(func(i int) app.UI {
			li := app.Li().Text(list[i])
			switch {
			case p.Status == protocol.StatusIdle || p.Status == "":
			case i < p.Phase || p.Status == protocol.StatusDone:
				li = li.Class("done")
			case i == p.Phase:
				li = li.Class("current").Aria("current", "step")
			}
			return li
		})),
		app.Progress().DataSet("testid", "progress").Value(value).Max(max).
			Aria("label", "progress of the current phase").Aria("valuetext", label),
		app.Div().Class("progress-line").Body(
			app.Span().DataSet("testid", "progress-label").Aria("live", "polite").Text(label),
			app.Span().DataSet("testid", "eta").Text(etaText),
		),
	)
}
