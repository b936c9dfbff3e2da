package ui

import (
	"fmt"
	"math"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	"tinystages/model/posttrain"
	"tinystages/model/train"
)

// posttrainingPage is the /posttraining route: the site's layout around
// the post-training lesson.
type posttrainingPage struct{ app.Compo }

func (p *posttrainingPage) OnNav(ctx app.Context) { ctx.Page().SetTitle("Post-training · tinystages") }

func (p *posttrainingPage) Render() app.UI {
	return layout(stagePost.Path, &PosttrainingLesson{})
}

// postStages are the objectives the post-training page runs.
var postStages = []string{train.StageSFT, train.StageRL, train.StageDPO, train.StageDistill}

// objective is what the page says about one post-training objective.
type objective struct {
	Stage  string
	Name   string
	What   string
	Signal string // posttrain.Signal*
	Weight string // the weight of a target token
	Source string // where the signal comes from, in words
}

var objectives = []objective{
	{train.StageSFT, "Supervised fine-tuning (SFT)",
		"Train on example conversations: the prompt is context, the reply is the target.",
		posttrain.SignalOffPolicyDense, "1 on the assistant's tokens and its <|end|>, 0 on the prompt",
		"fixed data written by someone else (off-policy); every reply token carries a target (dense)"},
	{train.StageRL, "Reinforcement learning with a verifiable reward (GRPO)",
		"Sample G answers to each math problem, check each \\boxed{} answer, and push up the answers that beat their group's average.",
		posttrain.SignalOnPolicySparse, "the completion's group-normalised advantage, on every sampled token",
		"the model's own samples (on-policy); one number per completion (sparse)"},
	{train.StageDPO, "Direct preference optimisation (DPO)",
		"Given a prompt, a chosen and a rejected reply, make the chosen one more likely than the reference model did, the rejected one less.",
		posttrain.SignalOffPolicyDense, "+w on the chosen reply's tokens, −w on the rejected's, w = β·σ(−β·margin)",
		"fixed pairs (off-policy); every token of both replies (dense)"},
	{train.StageDistill, "On-policy distillation",
		"The student samples answers; a teacher scores every sampled token; each token is pushed towards the teacher's view of it.",
		posttrain.SignalOnPolicyDense, "−(log p_student − log p_teacher): the per-token reverse KL, negated",
		"the model's own samples (on-policy); a verdict on every token (dense)"},
}

// metricInfo says what a stage's own metric means and which way it
// should move.
type metricInfo struct {
	Key, Title, Note string
}

// topAnswerInfo is RL's and distillation's top answer share.
var topAnswerInfo = metricInfo{posttrain.MetricTopAnswer, "top answer share", "completions boxing the batch's most common answer; near 1: one number for every problem"}

// stageMetrics lists the metrics each objective reports (Metrics.Extra).
var stageMetrics = map[string][]metricInfo{
	train.StageRL: {
		{posttrain.MetricReward, "mean reward", "share of right answers; should rise"},
		{posttrain.MetricFormatReward, "format reward", "terminated and boxed"},
		{posttrain.MetricZeroVariance, "zero-variance groups", "all G rewards equal: no signal"},
		topAnswerInfo,
		{posttrain.MetricLength, "completion length", "tokens"},
		{posttrain.MetricCutOff, "cut off", "share at the length limit"},
		{posttrain.MetricKL, "KL to the SFT model", "per token; grows slowly"},
	},
	train.StageDPO: {
		{posttrain.MetricRewardMargin, "reward margin", "β·(chosen − rejected) vs the reference; should rise"},
		{posttrain.MetricRewardAcc, "preference accuracy", "pairs with a positive margin; should rise"},
		{posttrain.MetricDPOLoss, "DPO loss", "−log σ(β·margin); should fall"},
		{posttrain.MetricChosenReward, "chosen reward", "β·(log π − log π_ref) of chosen replies"},
		{posttrain.MetricRejectedReward, "rejected reward", "the same for rejected replies"},
	},
	train.StageDistill: {
		{posttrain.MetricReverseKL, "mean reverse KL", "log p_student − log p_teacher per token; should fall"},
		{posttrain.MetricReward, "reward (not trained on)", "share of right answers"},
		topAnswerInfo,
		{posttrain.MetricLength, "completion length", "tokens"},
		{posttrain.MetricCutOff, "cut off", "share at the length limit"},
	},
}

// PosttrainingLesson is the post-training lesson, the body of
// /posttraining: the four objectives side by side with where their signal
// comes from, a run of one from its shipped checkpoint, the weights of
// its live batch, its curves and diagnostics, its completions and what
// they earned, samples and the report card before and after, the lessons,
// the reader's own data, and the whole pipeline.
//
// It owns its engine and reads its settings from the page's URL, so an
// embedding route can render it alone; Compact leaves out the
// explanations, the lessons, the upload and the pipeline.
type PosttrainingLesson struct {
	app.Compo

	Compact bool

	run  stageRun
	pipe pipeline
}

// init prepares the lesson's state before its first render (go-app
// renders a component before it mounts it).
func (p *PosttrainingLesson) init() {
	if p.run.id != "" {
		return
	}
	p.run = stageRun{id: "post", path: stagePost.Path, stages: postStages, settings: protocol.DefaultStageSettings(postStages[0]), full: !p.Compact}
	p.pipe = pipeline{Steps: pipelineDefaultSteps, Final: train.StageRL}
	p.run.onMessage = p.pipe.follow(&p.run)
}

func (p *PosttrainingLesson) OnNav(ctx app.Context) {
	p.init()
	if !p.run.active() {
		p.run.readURL(ctx)
	}
}

func (p *PosttrainingLesson) OnMount(ctx app.Context) {
	p.init()
	p.run.mount(ctx)
	ctx.Handle(actionPreset, func(ctx app.Context, a app.Action) {
		if a.Tags.Get("page") != p.run.id {
			return
		}
		if s, ok := postLessonSettings(a.Tags.Get("lesson"), p.run.settings); ok {
			p.run.start(ctx, s)
		}
	})
	ctx.Handle(actionPipeline, func(ctx app.Context, a app.Action) {
		if a.Tags.Get("page") != p.run.id {
			return
		}
		switch a.Tags.Get("op") {
		case "start":
			p.pipe.start(ctx, &p.run)
		case "stop":
			p.pipe.stop(&p.run)
		case "final":
			p.pipe.Final = a.Tags.Get("value")
		case "steps":
			var n int
			if _, err := fmt.Sscan(a.Tags.Get("value"), &n); err == nil && n >= 1 && n <= 1000 {
				p.pipe.Steps = n
			}
		}
	})
}

func (p *PosttrainingLesson) OnDismount() { p.run.dismount() }

func (p *PosttrainingLesson) Render() app.UI {
	p.init()
	r := &p.run
	stage := r.settings.StageName()
	if r.info.Stage != "" {
		stage = r.info.Stage // what runs, which the pipeline may choose
	}
	var body []app.UI
	if !p.Compact {
		body = append(body,
			app.H1().Text("Post-training"),
			app.P().Class("lead").Text(stagePost.Goal),
			app.P().Text("Every objective below trains with the same loss — a cross-entropy with a weight on each target token — "+
				"and differs only in where the tokens come from and how they are weighed. The heatmap of the live batch shows it: "+
				"SFT masks the prompt, RL weighs a whole completion by its advantage, DPO pushes one reply up and the other down, "+
				"distillation weighs each token by how much the teacher disagrees."),
			p.objectivesTable(stage),
		)
	}
	body = append(body, r.notices())
	left := []app.UI{r.controls()}
	if !p.Compact {
		left = append(left,
			r.shareCard(stagePost),
			&pipelinePanel{Page: r.id, State: p.pipe.view(), CanStart: r.engineReady && !r.active()},
			&uploadPanel{Page: r.id, Kinds: []uploadKind{uploadSFT, uploadPrefs, uploadPrompts}, Kind: uploadKindFor(r.settings.StageName()), State: r.upload},
			&lessonsPanel{Page: r.id, Lessons: postLessons(), Disabled: r.active() || !r.engineReady,
				Intro: "Ready-made experiments, each from its shipped checkpoint; the lesson's steps are those of the native run it quotes — press Pause when you have seen enough."},
		)
	}
	right := []app.UI{r.progressPanel(), p.stats(stage), p.lossChart(stage)}
	if c := p.curves(stage); c != nil {
		right = append(right, c)
	}
	right = append(right, p.heatmap(stage))
	if stage == train.StageRL || stage == train.StageDistill {
		cp := &completionsPanel{Distill: stage == train.StageDistill}
		if r.completions != nil {
			cp.Step, cp.Items = r.completions.Step, r.completions.Items
		}
		right = append(right, cp)
	}
	right = append(right,
		&beforeAfterPanel{Title: "Replies before and after", Samples: r.samples,
			Intro: "The model's greedy reply, in the chat template, to a question about a fact written only in mid-training and to a held-out math problem."},
		&reportPanel{Page: r.id, Reports: r.reports, Busy: evaluating(r), CanEvaluate: r.canEvaluate(),
			Intro: "Each run adds its start model's row and the trained model's. The browser asks a few questions of each kind; `go run ./app eval` asks all."},
	)
	body = append(body, app.Div().Class("grid").Body(
		app.Div().Class("col").Body(left...),
		app.Div().Class("col").Body(right...),
	))
	return app.Div().Class("lesson-body").DataSet("testid", "posttraining").Body(body...)
}

func uploadKindFor(stage string) string {
	switch stage {
	case train.StageDPO:
		return uploadPrefs.Kind
	case train.StageRL, train.StageDistill:
		return uploadPrompts.Kind
	}
	return uploadSFT.Kind
}

func (p *PosttrainingLesson) objectivesTable(current string) app.UI {
	return app.Section().Class("card").Aria("labelledby", "h-objectives").Body(
		app.H2().ID("h-objectives").Text("Four objectives, one loss"),
		app.Div().Class("table-scroll").Body(app.Table().Class("objectives").DataSet("testid", "objectives").Body(
			app.THead().Body(app.Tr().Body(
				app.Th().Scope("col").Text("objective"), app.Th().Scope("col").Text("what it does"),
				app.Th().Scope("col").Text("signal"), app.Th().Scope("col").Text("weight of a target token"),
			)),
			app.TBody().Body(app.Range(objectives).Slice(func(i int) app.UI {
				o := objectives[i]
				tr := app.Tr()
				if o.Stage == current {
					tr = tr.Class("current").Aria("current", "true")
				}
				choose := app.Button().Type("button").Class("link").DataSet("testid", "objective-"+o.Stage).Text(o.Name).
					Aria("label", "Choose "+o.Name).
					OnClick(func(ctx app.Context, e app.Event) {
						ctx.NewAction(actionSetting, app.T("page", p.run.id), app.T("param", protocol.ParamStage), app.T("value", o.Stage))
					})
				if p.run.active() {
					choose = choose.Disabled(true)
				}
				return tr.Body(
					app.Th().Scope("row").Body(choose),
					app.Td().Text(o.What),
					app.Td().Body(app.Strong().Text(o.Signal), app.Br(), app.Span().Class("muted small").Text(o.Source)),
					app.Td().Text(o.Weight),
				)
			})),
		)),
	)
}

func (p *PosttrainingLesson) stats(stage string) app.UI {
	r := &p.run
	st := r.runStats()
	last := func(key string) float64 { return lastOf(r.extra[key]) }
	num := func(v float64, format string) string {
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf(format, v)
	}
	switch stage {
	case train.StageSFT:
		start := math.NaN()
		if len(r.val) > 0 {
			start = r.val[0].Y
		}
		st = append(st, statItem{Label: "validation loss (replies)", Value: formatLoss(lastOf(r.val)), TestID: "val-loss"},
			statItem{Label: "validation loss at the start", Value: formatLoss(start), TestID: "val-loss-start"})
	case train.StageRL:
		st = append(st,
			statItem{Label: "mean reward", Value: num(last(posttrain.MetricReward), "%.2f"), TestID: "reward"},
			statItem{Label: "zero-variance groups", Value: num(last(posttrain.MetricZeroVariance), "%.2f"), TestID: "zero-var"},
			statItem{Label: "top answer share", Value: num(last(posttrain.MetricTopAnswer), "%.2f"), TestID: "top-answer"},
			statItem{Label: "KL to the SFT model", Value: num(last(posttrain.MetricKL), "%.3f"), TestID: "kl"})
	case train.StageDPO:
		st = append(st,
			statItem{Label: "reward margin", Value: num(last(posttrain.MetricRewardMargin), "%.3f"), TestID: "dpo-margin"},
			statItem{Label: "preference accuracy", Value: num(last(posttrain.MetricRewardAcc), "%.2f"), TestID: "pref-accuracy"})
	case train.StageDistill:
		st = append(st,
			statItem{Label: "mean reverse KL", Value: num(last(posttrain.MetricReverseKL), "%.3f"), TestID: "reverse-kl"},
			statItem{Label: "reward", Value: num(last(posttrain.MetricReward), "%.2f"), TestID: "reward"},
			statItem{Label: "top answer share", Value: num(last(posttrain.MetricTopAnswer), "%.2f"), TestID: "top-answer"})
	}
	return &statsPanel{ID: "h-post-stats", Title: "Training", Stats: st}
}

func (p *PosttrainingLesson) lossChart(stage string) app.UI {
	r := &p.run
	series := []Series{
		{Name: "training loss, each step", Class: "s0", Faint: true, Points: r.train},
		{Name: "training loss, smoothed", Class: "s0", Points: Smooth(r.train, 0.1)},
		{Name: "validation loss (replies)", Class: "s1", Points: r.val},
	}
	if r.charts == nil {
		r.charts = map[string]string{}
	}
	if r.charts["loss"] == "" {
		steps := float64(r.settings.Steps)
		if r.last != nil && r.last.Steps > 0 {
			steps = float64(r.last.Steps)
		}
		r.charts["loss"] = LineChart("Loss by training step", "step", "The loss appears when training starts.", series, steps, 640, 260)
	}
	note := "The weighted cross-entropy the step minimised."
	switch stage {
	case train.StageRL, train.StageDistill:
		note += " For RL and distillation it is not a loss to watch fall: its weights are advantages, centred on zero; watch the curves below."
	case train.StageDPO:
		note += " For DPO it is the weighted sum ±w·CE; the DPO loss itself is below."
	}
	c := &chartPanel{ID: "h-post-chart", Title: "Loss", SVG: r.charts["loss"], Legend: legendOf(series), Note: note, Steps: len(r.train)}
	if len(r.train) > 0 {
		c.FirstStep, c.LastStep = int(r.train[0].X), int(r.train[len(r.train)-1].X)
	}
	return c
}

func (p *PosttrainingLesson) curves(stage string) app.UI {
	r := &p.run
	infos := stageMetrics[stage]
	if len(infos) == 0 {
		return nil
	}
	if r.charts == nil {
		r.charts = map[string]string{}
	}
	steps := r.settings.Steps
	if r.last != nil && r.last.Steps > 0 {
		steps = r.last.Steps
	}
	var cs []curve
	for i, in := range infos {
		pts := r.extra[in.Key]
		key := "extra/" + in.Key
		if r.charts[key] == "" {
			r.charts[key] = smallChart(in.Title, pts, steps, fmt.Sprintf("s%d", (i+1)%10))
		}
		cs = append(cs, curve{Key: in.Key, Title: in.Title, Note: in.Note, SVG: r.charts[key], Values: seriesValues(pts)})
	}
	return &curvesPanel{Title: "What practitioners watch", Curves: cs,
		Intro: "The objective's own numbers, one per step, measured on the live batch."}
}

func (p *PosttrainingLesson) heatmap(stage string) app.UI {
	r := &p.run
	if r.heatHTML == "" {
		r.heatHTML = heatmapHTML(r.heat)
	}
	intro := map[string]string{
		train.StageSFT:     "SFT: the prompt's tokens weigh 0 (grey), the reply's and its <|end|> weigh 1 — the model learns to answer, not to ask.",
		train.StageRL:      "RL: each row is a sampled completion; all its tokens carry the same weight, its group-normalised advantage — blue for answers better than the group's average, red for worse.",
		train.StageDPO:     "DPO: a chosen reply (blue, +w) above its rejected reply (red, −w); w is large for pairs the model gets wrong, small for pairs it already separates.",
		train.StageDistill: "Distillation: each sampled token weighs −(log p_student − log p_teacher): red where the student is surer than the teacher, blue where the teacher likes the token more.",
	}[stage]
	hp := &heatmapPanel{HTML: r.heatHTML, Intro: intro}
	if r.heat != nil {
		hp.Step, hp.Rows, hp.Value = r.heat.Step, len(r.heat.Rows), r.heat.Value
	}
	return hp
}
