package ui

import (
	"fmt"
	"math"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	"tinystages/datasets/manifest"
	"tinystages/model/train"
)

// midtrainingPage is the /midtraining route: the site's layout around the
// mid-training lesson.
type midtrainingPage struct{ app.Compo }

func (p *midtrainingPage) OnNav(ctx app.Context) { ctx.Page().SetTitle("Mid-training · tinystages") }

func (p *midtrainingPage) Render() app.UI {
	return layout(stageMid.Path, &MidtrainingLesson{})
}

// MidtrainingLesson is the mid-training lesson, the body of /midtraining:
// what mid-training is and how its data differs from pre-training's, the
// domain data and its structure, a run from the shipped base checkpoint
// with its knobs (replay, synthetic data, JEPA), the general and domain
// loss on one chart, the live batch's weights by origin, samples and the
// report card before and after, the projection of paired views, the
// lessons and the reader's own corpus.
//
// It owns its engine and reads its settings from the page's URL, so an
// embedding route can render it alone; Compact leaves out the
// explanations, the inspector, the lessons and the upload.
type MidtrainingLesson struct {
	app.Compo

	Compact bool

	run         stageRun
	man         *manifest.Manifest
	manErr      string
	inspectSeed uint64
}

// init prepares the lesson's state before its first render (go-app
// renders a component before it mounts it).
func (m *MidtrainingLesson) init() {
	if m.run.id != "" {
		return
	}
	m.run = stageRun{id: "mid", path: stageMid.Path, stages: []string{train.StageMidtrain},
		settings: protocol.DefaultStageSettings(train.StageMidtrain), full: !m.Compact}
	m.run.onMessage = func(ctx app.Context, msg received) {
		if msg.Kind == protocol.KindReady {
			m.inspect()
		}
	}
}

func (m *MidtrainingLesson) OnNav(ctx app.Context) {
	m.init()
	if !m.run.active() {
		m.run.readURL(ctx)
	}
}

func (m *MidtrainingLesson) OnMount(ctx app.Context) {
	m.init()
	m.run.mount(ctx)
	ctx.Handle(actionPreset, func(ctx app.Context, a app.Action) {
		if a.Tags.Get("page") != m.run.id {
			return
		}
		k, _ := strconv.Atoi(a.Tags.Get("run"))
		if s, ok := midLessonSettings(a.Tags.Get("lesson"), k, m.run.settings); ok {
			m.run.start(ctx, s)
		}
	})
	ctx.Handle(actionInspectDomain, func(ctx app.Context, a app.Action) {
		if a.Tags.Get("page") == m.run.id {
			m.inspect()
		}
	})
	if app.IsServer {
		return
	}
	ctx.Async(func() {
		man, err := loadManifest(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				m.manErr = err.Error()
				return
			}
			m.man = man
		})
	})
}

func (m *MidtrainingLesson) OnDismount() { m.run.dismount() }

func (m *MidtrainingLesson) inspect() {
	m.inspectSeed++
	m.run.send(protocol.Message{Kind: protocol.KindInspect, Inspect: &protocol.Inspect{Stage: train.StageMidtrain, Seed: m.run.settings.Seed*1000 + m.inspectSeed}})
}

func (m *MidtrainingLesson) Render() app.UI {
	m.init()
	r := &m.run
	var body []app.UI
	if !m.Compact {
		body = append(body,
			app.H1().Text("Mid-training"),
			app.P().Class("lead").Text(stageMid.Goal),
			app.P().Text("Mid-training keeps the algorithm of pre-training — predict the next token, every token with weight 1 — and changes the data: "+
				"far less of it, much cleaner, and with structure the objective can be shown. Here a model pre-trained on a miniature internet "+
				"(the shipped base checkpoint) learns the code and the internal wiki of a fictional company. Watch the domain loss fall; "+
				"turn replay off and watch the general loss rise (forgetting); add items derived from the structure, or JEPA's embedding loss between "+
				"paired views, and compare the report card."),
			&stageCompare{Man: m.man, Pre: totalsFor(m.man, manifest.StagePretraining), Mid: totalsFor(m.man, manifest.StageMidtraining)},
		)
	}
	body = append(body, r.notices())
	if m.manErr != "" && !m.Compact {
		body = append(body, app.Div().Class("notice error").Role("alert").Text(m.manErr))
	}
	left := []app.UI{r.controls()}
	if !m.Compact {
		left = append(left,
			r.shareCard(stageMid),
			&uploadPanel{Page: r.id, Kinds: []uploadKind{uploadCorpus}, Kind: uploadCorpus.Kind, State: r.upload},
			&lessonsPanel{Page: r.id, Lessons: midLessons(), Disabled: r.active() || !r.engineReady,
				Intro: "Each lesson reproduces one finding with runs that differ in one knob, from the same base model and seed. " +
					"Run each, then compare their rows in the report card."},
			&domainPanel{Page: r.id, Domain: r.domain, Ready: r.engineReady},
		)
	}
	right := []app.UI{r.progressPanel(), m.stats(), m.chart()}
	if c := m.jepaCurves(); c != nil {
		right = append(right, c)
	}
	right = append(right,
		m.heatmap(),
		&beforeAfterPanel{Title: "Samples before and after", Samples: r.samples,
			Intro: "The model's greedy continuation of a doc comment and of sentences about facts written only in the wiki: the start model, then the trained one."},
		&reportPanel{Page: r.id, Reports: r.reports, Busy: evaluating(r), CanEvaluate: r.canEvaluate(),
			Intro: "Each run adds its start model's row and the trained model's. Mid-training should lower the domain loss; without replay, the general loss rises."},
	)
	if !m.Compact {
		right = append(right, m.projection())
	}
	body = append(body, app.Div().Class("grid").Body(
		app.Div().Class("col").Body(left...),
		app.Div().Class("col").Body(right...),
	))
	return app.Div().Class("lesson-body").DataSet("testid", "midtraining").Body(body...)
}

// evaluating names what the engine evaluates now, "" when nothing.
func evaluating(r *stageRun) string {
	if r.progress.Phase == protocol.PhaseEvaluating && r.progress.Done < r.progress.Total {
		return r.progress.Detail
	}
	return ""
}

func (m *MidtrainingLesson) stats() app.UI {
	r := &m.run
	st := r.runStats()
	dom, gen := r.bySource["domain"], r.bySource["general"]
	start := func(pts []Point) string {
		if len(pts) == 0 {
			return "–"
		}
		return formatLoss(pts[0].Y)
	}
	st = append(st,
		statItem{Label: "domain loss", Value: formatLoss(lastOf(dom)), TestID: "domain-loss", Note: "validation loss on held-out code and wiki pages"},
		statItem{Label: "domain loss at the start", Value: start(dom), TestID: "domain-loss-start"},
		statItem{Label: "general loss", Value: formatLoss(lastOf(gen)), TestID: "general-loss", Note: "validation loss on held-out pre-training pages"},
		statItem{Label: "general loss at the start", Value: start(gen), TestID: "general-loss-start"},
	)
	if j := r.extra["jepa_loss"]; len(j) > 0 {
		st = append(st, statItem{Label: "JEPA loss", Value: formatLoss(lastOf(j)), TestID: "jepa-loss"})
	}
	return &statsPanel{ID: "h-mid-stats", Title: "Training", Stats: st}
}

func (m *MidtrainingLesson) chart() app.UI {
	r := &m.run
	series := []Series{
		{Name: "training loss (the mixture), each step", Class: "s0", Faint: true, Points: r.train},
		{Name: "training loss, smoothed", Class: "s0", Points: Smooth(r.train, 0.1)},
		{Name: "domain loss (validation)", Class: "s1", Points: r.bySource["domain"]},
		{Name: "general loss (validation)", Class: "s2", Points: r.bySource["general"]},
		{Name: "answers of mid-training facts (validation)", Class: "s3", Thin: true, Points: r.bySource["facts/midtrain"]},
		{Name: "answers of pre-training facts (validation)", Class: "s4", Thin: true, Points: r.bySource["facts/pretrain"]},
	}
	key := "loss"
	if r.charts == nil {
		r.charts = map[string]string{}
	}
	if r.charts[key] == "" {
		steps := float64(r.settings.Steps)
		if r.last != nil && r.last.Steps > 0 {
			steps = float64(r.last.Steps)
		}
		r.charts[key] = LineChart("General and domain loss by training step", "step",
			"The losses appear when the run starts; step 0 is the base model.", series, steps, 640, 300)
	}
	c := &chartPanel{ID: "h-mid-chart", Title: "General and domain loss", SVG: r.charts[key], Legend: legendOf(series),
		Note:  "Validation loss in nats per token, measured on the base model (step 0) and every few steps.",
		Steps: len(r.train)}
	if len(r.train) > 0 {
		c.FirstStep, c.LastStep = int(r.train[0].X), int(r.train[len(r.train)-1].X)
	}
	return c
}

func (m *MidtrainingLesson) jepaCurves() app.UI {
	r := &m.run
	if len(r.extra["jepa_loss"]) == 0 {
		return nil
	}
	steps := r.settings.Steps
	return &curvesPanel{Title: "JEPA", Intro: "The embedding loss between paired views, added to the next-token loss.", Curves: []curve{
		{Key: "jepa_loss", Title: "JEPA loss", Note: "λ·(1 − cos), should fall", SVG: smallChart("JEPA loss", r.extra["jepa_loss"], steps, "s3"), Values: seriesValues(r.extra["jepa_loss"])},
		{Key: "jepa_cos", Title: "cosine", Note: "prediction ↔ target, should rise", SVG: smallChart("cosine", r.extra["jepa_cos"], steps, "s5"), Values: seriesValues(r.extra["jepa_cos"])},
	}}
}

func (m *MidtrainingLesson) heatmap() app.UI {
	r := &m.run
	if r.heatHTML == "" {
		r.heatHTML = heatmapHTML(r.heat)
	}
	hp := &heatmapPanel{HTML: r.heatHTML,
		Intro: "Every target token of mid-training weighs 1, as in pre-training; what differs is where the rows come from: " +
			"domain text, items derived from its structure (synthetic), or general text replayed so the model does not forget."}
	if r.heat != nil {
		hp.Step, hp.Rows = r.heat.Step, len(r.heat.Rows)
	}
	return hp
}

func (m *MidtrainingLesson) projection() app.UI {
	r := &m.run
	p := &projectionPanel{JEPA: r.settings.Mid.JEPA > 0, BeforeLinked: math.NaN(), AfterLinked: math.NaN()}
	p.Before = projectionSVG("paired views, start model", r.projFirst)
	if r.projFirst != nil {
		p.BeforeLinked = r.projFirst.Linked
	}
	if r.projection != nil && r.projection != r.projFirst {
		p.HasAfter, p.After, p.AfterLinked = true, projectionSVG(fmt.Sprintf("paired views after %d steps", r.projection.Step), r.projection), r.projection.Linked
	}
	return p
}
