package ui

import (
	"fmt"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
)

// pageExtras is what issue 9 adds to the pre-training page: how it is
// shown (its embed form, autoplay), the links that share it, the record of
// its run, and moving its model in and out. The page calls into it at a
// few marked places (navExt, mountExt, afterMessage, renderEmbed,
// outPanel).
type pageExtras struct {
	embed *embedOptions // nil on the full page
	view  view

	autostarted bool // autoplay has pressed Start once
	visible     bool // an embed: on screen and in the foreground
	autoPaused  bool // an embed: paused because it went out of sight

	record runRecord
	models modelIO
}

// embedOptions are what an embed page (embed.go) hands the stage it
// mounts: the parsed URL (the stage is mounted after the navigation, so
// its own OnNav may not run).
type embedOptions struct {
	settings protocol.Settings
	view     view
}

// navExt reads the view parameters of the page's URL.
func (p *pretraining) navExt(ctx app.Context) {
	if p.ext.embed != nil {
		p.problems = nil // the embed page shows them
		return
	}
	var probs []protocol.Problem
	p.ext.view, probs = parseView(ctx.Page().URL().Query(), false)
	p.problems = append(p.problems, probs...)
}

// mountExt prepares the page's extras when it mounts.
func (p *pretraining) mountExt(ctx app.Context) {
	if e := p.ext.embed; e != nil {
		p.settings, p.problems, p.ext.view = e.settings, nil, e.view
		p.ext.visible = true // mounted because the reader pressed Play or the frame came on screen
		ctx.Handle(actionVisible, func(ctx app.Context, a app.Action) {
			visible, _ := a.Value.(bool)
			p.setVisible(visible)
		})
	}
	p.mountModels(ctx)
}

// autoplay reports whether the run starts without a press of Start: an
// embed (mounted because of Play or autoplay) or autoplay=1.
func (p *pretraining) autoplay() bool {
	return p.ext.embed != nil || p.ext.view.Autoplay
}

// afterMessage follows the engine's messages after the page applied them:
// it starts an autoplayed run and keeps the run's record.
func (p *pretraining) afterMessage(ctx app.Context, m received) {
	switch m.Kind {
	case protocol.KindReady:
		p.wireModels(ctx)
		if p.autoplay() && !p.ext.autostarted && p.ext.visibleOrFull() {
			p.ext.autostarted = true
			p.command(protocol.KindStart)
		}
	case protocol.KindState:
		if m.State.Status == protocol.StatusPreparing {
			p.ext.record.start(stagePre.Key, p.settings)
		}
	}
	p.ext.record.add(m.Message)
}

func (x *pageExtras) visibleOrFull() bool { return x.embed == nil || x.visible }

// setVisible pauses an embed's run when it goes out of sight, and resumes
// it (only a run it paused itself) when it is back; an autoplayed embed
// that was hidden when its engine got ready starts then.
func (p *pretraining) setVisible(visible bool) {
	p.ext.visible = visible
	switch {
	case !visible && (p.status == protocol.StatusRunning || p.status == protocol.StatusPreparing):
		p.ext.autoPaused = true
		p.command(protocol.KindPause)
	case visible && p.ext.autoPaused:
		p.ext.autoPaused = false
		p.command(protocol.KindResume)
	case visible && p.engineReady && !p.ext.autostarted:
		p.ext.autostarted = true
		p.command(protocol.KindStart)
	}
}

// sharePanel offers the link that reproduces the run on the full page
// and the embed code of the run.
func (p *pretraining) sharePanel() app.UI {
	return &sharePanel{
		Page: stagePre.Path, Query: shareQuery(p.settings, view{}, false).Encode(),
		Embed: embedPath(stagePre), EmbedQuery: shareQuery(p.settings, view{Controls: p.ext.view.Controls}, true).Encode(),
		Title: "tinystages: pre-training a tiny GPT, live",
	}
}

// outPanel is the full page's card for what leaves the page: the share
// link, the embed code, the run's record and the model.
func (p *pretraining) outPanel() app.UI {
	return app.Section().Class("card").Aria("labelledby", "h-out").Body(
		app.H2().ID("h-out").Text("Share and download"),
		p.sharePanel(),
		p.recordButtons(),
		p.modelPanel(),
	)
}

// renderEmbed is the page in an embed: one column, the parts controls=
// chooses.
func (p *pretraining) renderEmbed() app.UI {
	v := p.ext.view
	var parts []app.UI
	if p.err != "" {
		parts = append(parts, app.Div().Class("notice error").Role("alert").DataSet("testid", "error").Text(p.err))
	}
	switch {
	case v.has(ControlSettings):
		parts = append(parts, p.runPanel())
	case v.has(ControlPlay):
		parts = append(parts, p.embedButtons())
	default:
		parts = append(parts, app.P().Class("muted").Body(app.Text("Status: "),
			app.Span().DataSet("testid", "status").Aria("live", "polite").Text(p.statusText())))
	}
	if v.has(ControlProgress) {
		parts = append(parts, p.progressPanel())
	}
	if v.has(ControlMetrics) {
		parts = append(parts, p.metricsPanel())
	}
	if v.has(ControlChart) {
		parts = append(parts, p.chartPanel())
	}
	if v.has(ControlSamples) {
		n := min(len(p.samples), 3)
		parts = append(parts, &samplesPanel{Samples: p.samples[:n]})
	}
	if v.has(ControlShare) {
		parts = append(parts, p.sharePanel())
	}
	return app.Div().Class("embed-live col").Body(parts...)
}

// runPanel is the run's settings and buttons.
func (p *pretraining) runPanel() app.UI {
	return &runPanel{
		Settings:  p.settings,
		Locked:    p.active(),
		CanStart:  p.engineReady && !p.active(),
		CanPause:  p.status == protocol.StatusRunning,
		CanResume: p.status == protocol.StatusPaused,
		CanReset:  p.engineReady && p.status != protocol.StatusIdle,
		Status:    p.statusText(),
	}
}

// embedButtons are the run's buttons without the settings form.
func (p *pretraining) embedButtons() app.UI {
	return app.Div().Class("embed-controls").Body(
		app.Div().Class("buttons").Body(
			button("start", "Start", protocol.KindStart, p.engineReady && !p.active()).Class("primary"),
			button("pause", "Pause", protocol.KindPause, p.status == protocol.StatusRunning),
			button("resume", "Resume", protocol.KindResume, p.status == protocol.StatusPaused),
			button("reset", "Reset", protocol.KindReset, p.engineReady && p.status != protocol.StatusIdle),
		),
		app.P().Class("muted").Body(app.Text("Status: "),
			app.Span().DataSet("testid", "status").Aria("live", "polite").Text(p.statusText()),
			app.If(p.status == protocol.StatusPreparing && p.progress.Phase != "", func() app.UI {
				return app.Text(" · " + p.progress.Phase + progressPercent(p.progress))
			}),
			app.If(p.ext.autoPaused, func() app.UI {
				return app.Span().DataSet("testid", "auto-paused").Text(" (out of sight: it goes on when you scroll back)")
			})),
	)
}

// progressPercent is " 40%" for a phase 40% done, "" when unknown.
func progressPercent(pr protocol.Progress) string {
	if pr.Total <= 0 {
		return ""
	}
	return fmt.Sprintf(" %d%%", 100*pr.Done/pr.Total)
}
