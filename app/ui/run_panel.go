package ui

import (
	"fmt"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	"tinystages/model"
)

// Actions the stage panels post to their page.
const (
	// actionSetting carries an edited setting: tags "param" (a URL
	// parameter name) and "value".
	actionSetting = "stage/setting"
	// actionCommand carries a run command: tag "kind" (a protocol.Kind).
	actionCommand = "stage/command"
	// actionInspect asks for another random document.
	actionInspect = "stage/inspect"
)

// runPanel is a run's settings form and its start, pause, resume and reset
// buttons. It holds values only, so go-app re-renders it only when one
// changes; edits and presses go to the page as actions.
type runPanel struct {
	app.Compo

	Settings  protocol.Settings
	Locked    bool // a run exists: its settings are fixed
	CanStart  bool
	CanPause  bool
	CanResume bool
	CanReset  bool
	Status    string
}

func setting(param string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		ctx.NewAction(actionSetting, app.T("param", param), app.T("value", ctx.JSSrc().Get("value").String()))
	}
}

func command(kind protocol.Kind) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		ctx.NewAction(actionCommand, app.T("kind", string(kind)))
	}
}

// Boolean attributes are set only when true: go-app writes false ones into
// the server-rendered page as disabled="false" and selected="false", which
// HTML reads as true.

func (r *runPanel) lock(s app.HTMLSelect) app.HTMLSelect {
	if r.Locked {
		return s.Disabled(true)
	}
	return s
}

func (r *runPanel) lockInput(in app.HTMLInput) app.HTMLInput {
	if r.Locked {
		return in.Disabled(true)
	}
	return in
}

func option(value, label string, selected bool) app.HTMLOption {
	o := app.Option().Value(value).Text(label)
	if selected {
		o = o.Selected(true)
	}
	return o
}

func button(testid, label string, kind protocol.Kind, enabled bool) app.HTMLButton {
	b := app.Button().Type("button").DataSet("testid", testid).OnClick(command(kind)).Text(label)
	if !enabled {
		b = b.Disabled(true)
	}
	return b
}

// field is one labelled control of a settings form.
func field(id, label, hint string, input app.UI, wide bool) app.UI {
	cls := "field"
	if wide {
		cls += " wide"
	}
	return app.Div().Class(cls).Body(
		app.Label().For(id).Text(label),
		input,
		app.If(hint != "", func() app.UI { return app.Span().Class("hint").ID(id + "-hint").Text(hint) }),
	)
}

func (r *runPanel) Render() app.UI {
	s := r.Settings
	preset, _ := model.PresetByName(s.Preset)
	num := func(id, param, value, min, max, step string) app.HTMLInput {
		in := app.Input().Type("number").ID(id).Name(param).Value(value).
			Min(min).Attr("step", step).
			DataSet("testid", "setting-"+param).OnChange(setting(param))
		if max != "" {
			in = in.Max(max)
		}
		if r.Locked {
			in = in.Disabled(true)
		}
		return in
	}
	return app.Section().Class("card").Aria("labelledby", "h-run").Body(
		app.H2().ID("h-run").Text("Run"),
		app.Form().Class("controls").OnSubmit(func(ctx app.Context, e app.Event) { e.PreventDefault() }).Body(
			field("set-preset", "Model size", preset.About,
				r.lock(app.Select().ID("set-preset").Name(protocol.ParamPreset)).
					DataSet("testid", "setting-preset").Aria("describedby", "set-preset-hint").
					OnChange(setting(protocol.ParamPreset)).
					Body(app.Range(model.Presets).Slice(func(i int) app.UI {
						pr := model.Presets[i]
						return option(pr.Name, fmt.Sprintf("%s (%s parameters)", pr.Name, formatCompact(float64(pr.Config.NumParams()))), pr.Name == s.Preset)
					})), true),
			field("set-lr", "Learning rate", "", num("set-lr", protocol.ParamLR, strconv.FormatFloat(float64(s.LR), 'g', -1, 32), "0.00001", "1", "any"), false),
			field("set-batch", "Batch (sequences)", "", num("set-batch", protocol.ParamBatch, strconv.Itoa(s.Batch), "1", "256", "1"), false),
			field("set-steps", "Steps", "", num("set-steps", protocol.ParamSteps, strconv.Itoa(s.Steps), "1", "100000", "1"), false),
			field("set-seed", "Seed", "", num("set-seed", protocol.ParamSeed, strconv.FormatUint(s.Seed, 10), "0", "", "1"), false),
			field("set-quality", fmt.Sprintf("Quality filter: keep documents scoring at least %.2f", s.MinQuality),
				"Data curation: 0 keeps everything, spam and boilerplate included.",
				r.lockInput(app.Input().Type("range").ID("set-quality").Name(protocol.ParamMinQuality).
					Min(0).Max(1).Step(0.05).Value(strconv.FormatFloat(s.MinQuality, 'g', -1, 64))).
					DataSet("testid", "setting-min_quality").
					Aria("describedby", "set-quality-hint").
					OnChange(setting(protocol.ParamMinQuality)), true),
			field("set-backend", "Compute backend", "", r.lock(app.Select().ID("set-backend").Name(protocol.ParamBackend)).
				DataSet("testid", "setting-backend").
				OnChange(setting(protocol.ParamBackend)).
				Body(app.Range(protocol.Backends).Slice(func(i int) app.UI {
					b := protocol.Backends[i]
					label := map[string]string{protocol.BackendAuto: "automatic", protocol.BackendWebGPU: "WebGPU", protocol.BackendCPU: "CPU"}[b]
					return option(b, label, b == s.Backend)
				})), true),
			app.Div().Class("buttons").Body(
				button("start", "Start", protocol.KindStart, r.CanStart).Class("primary"),
				button("pause", "Pause", protocol.KindPause, r.CanPause),
				button("resume", "Resume", protocol.KindResume, r.CanResume),
				button("reset", "Reset", protocol.KindReset, r.CanReset),
			),
		),
		app.P().Class("muted").Body(
			app.Text("Status: "),
			app.Span().DataSet("testid", "status").Aria("live", "polite").Text(r.Status),
		),
	)
}
