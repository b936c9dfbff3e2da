package ui

import (
	"fmt"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	"tinystages/model/train"
)

// pipelineDefaultSteps is the length of each run of the whole pipeline.
const pipelineDefaultSteps = 20

// pipeline runs the course in one page: mid-training from the shipped
// base checkpoint, SFT from the shipped mid-trained checkpoint, then RL (or
// distillation) from the shipped SFT checkpoint — each a short run whose
// start and end fill two rows of the report card.
//
// Each stage starts from the previous stage's shipped checkpoint rather
// than from the last in-browser run: a run of a few dozen steps in a
// browser moves a model a little, not as far as the runs of `make
// checkpoints` (thousands of steps) that made the shipped ones, and a
// stage started from a half-trained predecessor shows that predecessor's
// shortfall instead of its own effect. Starting from the shipped
// checkpoints, the rows "before" are the real pipeline (the same code made
// them natively) and each "after" row shows what a few steps of that
// stage change.
type pipeline struct {
	Steps int
	Final string // train.StageRL or StageDistill

	running bool
	index   int  // of the run in progress
	seen    bool // the engine has reported the run in progress
	status  string
}

// plan returns the runs of the pipeline.
func (p *pipeline) plan(base protocol.Settings) []protocol.Settings {
	var out []protocol.Settings
	for _, st := range []string{train.StageMidtrain, train.StageSFT, p.Final} {
		s := protocol.DefaultStageSettings(st)
		s.Backend, s.Seed, s.Steps, s.Report = base.Backend, base.Seed, p.Steps, true
		s.EvalEvery = max(1, p.Steps/2)
		out = append(out, s)
	}
	return out
}

func (p *pipeline) start(ctx app.Context, r *stageRun) {
	if p.running || !r.engineReady || r.active() {
		return
	}
	p.running, p.index, p.seen, p.status = true, 0, false, ""
	r.reports = nil
	r.runWith(p.plan(r.settings)[0])
}

func (p *pipeline) stop(r *stageRun) {
	if !p.running {
		return
	}
	p.running, p.status = false, "stopped"
	r.command(protocol.KindReset)
}

// follow returns the run's message hook that moves the pipeline on: the
// next run starts when one is done; a failure or a reset stops it.
func (p *pipeline) follow(r *stageRun) func(ctx app.Context, m received) {
	return func(ctx app.Context, m received) {
		if !p.running || m.Kind != protocol.KindState {
			return
		}
		plan := p.plan(r.settings)
		switch m.State.Status {
		case protocol.StatusPreparing, protocol.StatusRunning, protocol.StatusPaused:
			p.seen = true
		case protocol.StatusDone:
			if !p.seen {
				return // the end of a run from before the pipeline
			}
			p.index++
			if p.index < len(plan) {
				p.seen = false
				r.runWith(plan[p.index])
				return
			}
			p.running, p.status = false, "done: the report card holds the course"
		case protocol.StatusFailed:
			p.running, p.status = false, fmt.Sprintf("stopped: the %s run failed", stageLabels[plan[p.index].Stage])
		case protocol.StatusIdle:
			// a reset; an idle state before the engine took up the run is
			// the engine's first, from before the pipeline started
			if p.seen {
				p.running, p.status = false, "stopped"
			}
		}
	}
}

// pipelineView is what the pipeline panel shows.
type pipelineView struct {
	Running bool
	Index   int
	Stages  []string
	Steps   int
	Final   string
	Status  string
}

func (p *pipeline) view() pipelineView {
	v := pipelineView{Running: p.running, Index: p.index, Steps: p.Steps, Final: p.Final, Status: p.status}
	for _, st := range p.plan(protocol.Settings{}) {
		v.Stages = append(v.Stages, fmt.Sprintf("%s from %s", stageLabels[st.Stage], st.Init))
	}
	return v
}

// pipelinePanel runs the whole pipeline.
type pipelinePanel struct {
	app.Compo

	Page     string
	State    pipelineView
	CanStart bool
}

func (pp *pipelinePanel) Render() app.UI {
	v := pp.State
	act := func(op, value string) app.Tagger { return app.Tags{"page": pp.Page, "op": op, "value": value} }
	start := app.Button().Type("button").Class("primary").DataSet("testid", "pipeline-start").Text("Run the pipeline").
		OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(actionPipeline, act("start", "")) })
	if !pp.CanStart || v.Running {
		start = start.Disabled(true)
	}
	stop := app.Button().Type("button").DataSet("testid", "pipeline-stop").Text("Stop").
		OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(actionPipeline, act("stop", "")) })
	if !v.Running {
		stop = stop.Disabled(true)
	}
	steps := app.Input().Type("number").ID("pipeline-steps").Min(1).Max(1000).Value(strconv.Itoa(v.Steps)).
		DataSet("testid", "pipeline-steps").
		OnChange(func(ctx app.Context, e app.Event) {
			ctx.NewAction(actionPipeline, act("steps", ctx.JSSrc().Get("value").String()))
		})
	final := app.Select().ID("pipeline-final").DataSet("testid", "pipeline-final").
		OnChange(func(ctx app.Context, e app.Event) {
			ctx.NewAction(actionPipeline, act("final", ctx.JSSrc().Get("value").String()))
		}).Body(
		option(train.StageRL, "RL (GRPO)", v.Final == train.StageRL),
		option(train.StageDistill, "on-policy distillation", v.Final == train.StageDistill),
	)
	if v.Running {
		steps, final = steps.Disabled(true), final.Disabled(true)
	}
	return app.Section().Class("card").Aria("labelledby", "h-pipeline").DataSet("testid", "pipeline").Body(
		app.H2().ID("h-pipeline").Text("The whole pipeline"),
		app.P().Text("Pre-training → mid-training → SFT → RL (or distillation), as a course in one page. Each stage runs a few steps "+
			"from the shipped checkpoint of the stage before it — base (pre-trained), midtrained, sft — and the report card "+
			"fills row by row: the shipped model before each stage, then the same model after a few steps of it."),
		app.P().Class("muted small").Text("Why the shipped checkpoints and not the last run in the browser: a few dozen steps move a model only a little, "+
			"and a stage started from a half-trained predecessor shows that shortfall instead of its own effect. The shipped checkpoints were made "+
			"natively by the same code (make checkpoints), thousands of steps each."),
		app.P().Class("muted small").Text("Distillation here starts from sft, which never learned the teacher's arithmetic: in a few steps it takes "+
			"the teacher's format and little else. The distill-vs-rl lesson starts from the shipped student, which had the arithmetic and forgot it, "+
			"and there distillation recovers it in fewer steps than RL."),
		app.Div().Class("controls").Body(
			field("pipeline-steps", "Steps per stage", "", steps, false),
			field("pipeline-final", "Last stage", "", final, false),
		),
		app.Ol().Class("phases pipeline-stages").Body(app.Range(v.Stages).Slice(func(i int) app.UI {
			li := app.Li().Text(v.Stages[i])
			switch {
			case v.Running && i < v.Index, !v.Running && v.Status != "" && v.Index >= len(v.Stages):
				li = li.Class("done")
			case v.Running && i == v.Index:
				li = li.Class("current").Aria("current", "step")
			}
			return li
		})),
		app.Div().Class("buttons").Body(start, stop),
		app.P().Class("muted").Aria("live", "polite").DataSet("testid", "pipeline-status").Text(v.Status),
	)
}
