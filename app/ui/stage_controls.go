package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	"tinystages/model/midtrain"
	"tinystages/model/train"
)

// stageControls is the settings form of a run of a stage after
// pre-training, and its start, pause, resume and reset buttons: the
// common knobs (steps, learning rate, batch, seed, backend, validation,
// the report card) and the stage's own (protocol.StageParams). The model's
// size is the start checkpoint's. Every control has a label; edits go to
// the page as actions and into its URL.
type stageControls struct {
	app.Compo

	Page      string
	Stages    []string // the stages the page runs; more than one: a selector
	Settings  protocol.Settings
	Locked    bool
	CanStart  bool
	CanPause  bool
	CanResume bool
	CanReset  bool
	Status    string
}

// stageLabels names the stages for people.
var stageLabels = map[string]string{
	train.StagePretrain: "pre-training", train.StageMidtrain: "mid-training",
	train.StageSFT: "SFT", train.StageRL: "RL (GRPO)", train.StageDPO: "DPO", train.StageDistill: "on-policy distillation",
}

// set returns the change handler of a control. go-app keeps an element's
// handler from its first render while the form changes shape with the
// stage, so the handler reads the parameter from the element's name and
// the page from the component, when the event comes.
func (c *stageControls) set(string) app.EventHandler {
	return func(ctx app.Context, e app.Event) {
		el := ctx.JSSrc()
		param, v := el.Get("name").String(), el.Get("value").String()
		if el.Get("type").String() == "checkbox" {
			v = strconv.FormatBool(el.Get("checked").Bool())
		}
		ctx.NewAction(actionSetting, app.T("page", c.Page), app.T("param", param), app.T("value", v))
	}
}

func (c *stageControls) id(param string) string { return c.Page + "-set-" + param }

// number is a labelled number input of param.
func (c *stageControls) number(param, label, hint, value, min, max, step string, wide bool) app.UI {
	in := app.Input().Type("number").ID(c.id(param)).Name(param).Value(value).Min(min).Attr("step", step).
		DataSet("testid", "setting-"+param).OnChange(c.set(param))
	if max != "" {
		in = in.Max(max)
	}
	if hint != "" {
		in = in.Aria("describedby", c.id(param)+"-hint")
	}
	if c.Locked {
		in = in.Disabled(true)
	}
	return field(c.id(param), label, hint, in, wide)
}

// choice is a labelled select of param.
func (c *stageControls) choice(param, label, hint, value string, values []string, labels map[string]string) app.UI {
	sel := app.Select().ID(c.id(param)).Name(param).DataSet("testid", "setting-"+param).OnChange(c.set(param))
	if c.Locked {
		sel = sel.Disabled(true)
	}
	if hint != "" {
		sel = sel.Aria("describedby", c.id(param)+"-hint")
	}
	return field(c.id(param), label, hint, sel.Body(app.Range(values).Slice(func(i int) app.UI {
		l := labels[values[i]]
		if l == "" {
			l = values[i]
		}
		return option(values[i], l, values[i] == value)
	})), true)
}

// check is a labelled checkbox of param.
func (c *stageControls) check(param, label, hint string, checked bool) app.UI {
	in := app.Input().Type("checkbox").ID(c.id(param)).Name(param).DataSet("testid", "setting-"+param).OnChange(c.set(param))
	if checked {
		in = in.Checked(true)
	}
	if c.Locked {
		in = in.Disabled(true)
	}
	return app.Div().Class("field wide check").Body(in, app.Label().For(c.id(param)).Text(label),
		app.If(hint != "", func() app.UI { return app.Span().Class("hint").Text(hint) }))
}

func fmtF(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func (c *stageControls) Render() app.UI {
	s := c.Settings
	stage := s.StageName()
	var ctls []app.UI
	if len(c.Stages) > 1 {
		ctls = append(ctls, c.choice(protocol.ParamStage, "Objective", "", stage, c.Stages, stageLabels))
	}
	ckLabels := map[string]string{protocol.CheckpointBase: "base (pre-trained)", protocol.CheckpointMidtrained: "midtrained",
		protocol.CheckpointSFT: "sft", protocol.CheckpointTeacher: "teacher (sft + long math training)",
		protocol.CheckpointStudent: "student (teacher + chat tuning: forgot its math)"}
	ctls = append(ctls,
		c.choice(protocol.ParamInit, "Start from the shipped checkpoint", "The model's size is the checkpoint's.", s.Init, protocol.Checkpoints, ckLabels),
		c.number(protocol.ParamSteps, "Steps", "", strconv.Itoa(s.Steps), "1", "100000", "1", false),
		c.number(protocol.ParamLR, "Learning rate", "", strconv.FormatFloat(float64(s.LR), 'g', -1, 32), "0.00001", "1", "any", false),
		c.number(protocol.ParamBatch, "Batch (rows)", "", strconv.Itoa(s.Batch), "1", "256", "1", false),
		c.number(protocol.ParamSeed, "Seed", "", strconv.FormatUint(s.Seed, 10), "0", "", "1", false),
	)
	switch stage {
	case train.StageMidtrain:
		ctls = append(ctls,
			c.number(protocol.ParamReplay, "Replay: share of rows of general text", "0 lets the model forget; a quarter keeps the general loss close.", fmtF(s.Mid.Replay), "0", "0.95", "0.05", true),
			c.number(protocol.ParamSynthetic, "Synthetic: share of rows of structure-derived items", "0 is plain next-token training on the domain.", fmtF(s.Mid.Synthetic), "0", "0.95", "0.05", true),
			c.generators(s.Mid.Generators),
			c.number(protocol.ParamJEPA, "JEPA λ: weight of the embedding loss", "0 turns JEPA off.", fmtF(s.Mid.JEPA), "0", strconv.Itoa(midtrain.MaxLambda), "0.05", false),
			c.choice(protocol.ParamViews, "JEPA's paired views", "", orDefault(s.Mid.Views, midtrain.ViewsStructured), midtrain.ViewSources,
				map[string]string{midtrain.ViewsStructured: "structured (doc ↔ signature, title ↔ page)", midtrain.ViewsWeb: "web text (neighbouring spans)"}),
		)
	case train.StageSFT:
		ctls = append(ctls,
			c.number(protocol.ParamReplay, "Replay: share of rows of pre-training text", "0 lets SFT overwrite what pre-training put in; a quarter keeps it there to elicit.", fmtF(s.Post.Replay), "0", "0.95", "0.05", true))
		ctls = append(ctls, c.check(protocol.ParamDropEnd, "Leave <|end|> out of the loss mask (the classic bug)", "The model then never learns to stop.", s.Post.DropEnd))
	case train.StageRL:
		ctls = append(ctls,
			c.number(protocol.ParamGroup, "Group: completions per prompt", "", strconv.Itoa(s.Post.Group), "1", "64", "1", false),
			c.number(protocol.ParamTemperature, "Sampling temperature", "", strconv.FormatFloat(float64(s.Post.Temperature), 'g', -1, 32), "0.05", "4", "0.05", false),
			c.number(protocol.ParamMaxTokens, "Completion length limit", "", strconv.Itoa(s.Post.MaxTokens), "1", strconv.Itoa(protocol.MaxCompletion), "1", false),
			c.number(protocol.ParamKL, "KL penalty β", "0 reports the KL without penalising it.", fmtF(s.Post.KL), "0", "10", "0.01", false),
			c.number(protocol.ParamFormatReward, "Format reward weight", "", fmtF(s.Post.FormatReward), "0", "1", "0.05", true),
		)
	case train.StageDPO:
		ctls = append(ctls, c.number(protocol.ParamBeta, "β: how far the policy may move from the reference", "", fmtF(s.Post.Beta), "0.001", "10", "0.01", true))
	case train.StageDistill:
		ctls = append(ctls,
			c.choice(protocol.ParamTeacher, "Teacher checkpoint", "", s.Teacher, protocol.Checkpoints, ckLabels),
			c.number(protocol.ParamGroup, "Completions per prompt", "", strconv.Itoa(s.Post.Group), "1", "64", "1", false),
			c.number(protocol.ParamTemperature, "Sampling temperature", "", strconv.FormatFloat(float64(s.Post.Temperature), 'g', -1, 32), "0.05", "4", "0.05", false),
			c.number(protocol.ParamMaxTokens, "Completion length limit", "", strconv.Itoa(s.Post.MaxTokens), "1", strconv.Itoa(protocol.MaxCompletion), "1", false),
		)
	}
	ctls = append(ctls,
		c.number(protocol.ParamEvalEvery, "Validate every (steps)", "0: at the first and last step.", strconv.Itoa(s.EvalEvery), "0", "100000", "1", true),
		c.check(protocol.ParamReport, "Report-card row before and after the run (a few seconds each)", "", s.Report),
		c.choice(protocol.ParamBackend, "Compute backend", "", s.Backend, protocol.Backends,
			map[string]string{protocol.BackendAuto: "automatic", protocol.BackendWebGPU: "WebGPU", protocol.BackendCPU: "CPU"}),
	)
	btn := func(testid, label string, kind protocol.Kind, enabled bool) app.HTMLButton {
		b := app.Button().Type("button").DataSet("testid", testid).Text(label).
			OnClick(func(ctx app.Context, e app.Event) {
				ctx.NewAction(actionCommand, app.T("page", c.Page), app.T("kind", string(kind)))
			})
		if !enabled {
			b = b.Disabled(true)
		}
		return b
	}
	ctls = append(ctls, app.Div().Class("buttons").Body(
		btn("stage-start", "Start", protocol.KindStart, c.CanStart).Class("primary"),
		btn("stage-pause", "Pause", protocol.KindPause, c.CanPause),
		btn("stage-resume", "Resume", protocol.KindResume, c.CanResume),
		btn("stage-reset", "Reset", protocol.KindReset, c.CanReset),
	))
	return app.Section().Class("card").Aria("labelledby", "h-run-"+c.Page).Body(
		app.H2().ID("h-run-"+c.Page).Text("Run"),
		app.Form().Class("controls").OnSubmit(func(ctx app.Context, e app.Event) { e.PreventDefault() }).Body(ctls...),
		app.P().Class("muted").Body(
			app.Text("Status: "),
			app.Span().DataSet("testid", "status").Aria("live", "polite").Text(c.Status),
		),
	)
}

// generators is a group of checkboxes, one per synthetic generator; none
// checked means all.
func (c *stageControls) generators(list string) app.UI {
	on := generatorsOn(list)
	return app.FieldSet().Class("field wide generators").Body(
		app.Legend().Text("Synthetic generators"),
		app.Range(midtrain.Generators).Slice(func(i int) app.UI {
			g := midtrain.Generators[i]
			id := c.id("gen-" + g)
			in := app.Input().Type("checkbox").ID(id).DataSet("testid", "setting-generator-"+g).
				OnChange(func(ctx app.Context, e app.Event) {
					// go-app keeps a handler from the first render: read the
					// list now
					ctx.NewAction(actionSetting, app.T("page", c.Page), app.T("param", protocol.ParamGenerators),
						app.T("value", toggleGenerator(c.Settings.Mid.Generators, g)))
				})
			if on[g] {
				in = in.Checked(true)
			}
			if c.Locked {
				in = in.Disabled(true)
			}
			return app.Span().Class("check").Body(in, app.Label().For(id).Text(g))
		}),
	)
}

// generatorsOn says which generators a list ("" or "all": every one)
// turns on.
func generatorsOn(list string) map[string]bool {
	on := map[string]bool{}
	all := list == "" || list == "all"
	for _, g := range midtrain.Generators {
		on[g] = all
	}
	for _, g := range strings.Split(list, ",") {
		if g = strings.TrimSpace(g); g != "" && g != "all" {
			on[g] = true
		}
	}
	return on
}

// toggleGenerator returns list with g switched; a list of every
// generator, or of none, is "all".
func toggleGenerator(list, g string) string {
	on := generatorsOn(list)
	on[g] = !on[g]
	var next []string
	for _, h := range midtrain.Generators {
		if on[h] {
			next = append(next, h)
		}
	}
	if len(next) == len(midtrain.Generators) || len(next) == 0 {
		return "all"
	}
	return strings.Join(next, ",")
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
