package ui

import (
	"fmt"
	"math"
	"sort"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	"tinystages/datasets/manifest"
)

// pretraining is the pre-training lesson: what the stage is, the corpus,
// the run's settings and controls, and the run itself as the engine reports
// it (progress, loss chart, tokens/s, samples).
//
// The page owns the state and the engine; its panels (run_panel.go,
// corpus_panel.go, ...) hold plain values, so that go-app re-renders only
// the panels whose values changed when a batch of engine messages arrives,
// and they post actions for what the reader does.
type pretraining struct {
	app.Compo

	settings protocol.Settings
	problems []protocol.Problem // of the URL or the last edit

	corpus *manifest.Dataset // the pre-training dataset in the manifest
	manErr string

	eng         *engine
	engineReady bool
	status      protocol.Status
	backend     string
	backendWhy  string
	progress    protocol.Progress
	phase       int // index in phases of the current phase
	dataset     *protocol.Dataset
	inspectSeed uint64

	last        *protocol.Metrics
	lastVal     float64
	train, val  []Point
	bySource    map[string][]Point
	chartSVG    string // cached rendering of the loss chart; "" when stale
	samples     []protocol.Sample
	done        *protocol.Done
	err         string
	firstStepAt float64 // performance.now() when the first step arrived

	ext pageExtras // issue 9: embed, autoplay, share, run record, model in and out (embed_pretraining.go)
}

// maxSamples is how many samples the page keeps, newest first.
const maxSamples = 8

func (p *pretraining) OnNav(ctx app.Context) {
	ctx.Page().SetTitle("Pre-training · tinystages")
	p.settings, p.problems = protocol.ParseQuery(ctx.Page().URL().Query())
	p.chartSVG = ""
	p.navExt(ctx) // issue 9
}

func (p *pretraining) OnMount(ctx app.Context) {
	p.status = protocol.StatusIdle
	p.lastVal = math.NaN()
	ctx.Handle(actionSetting, func(ctx app.Context, a app.Action) {
		p.applySetting(ctx, a.Tags.Get("param"), a.Tags.Get("value"))
	})
	ctx.Handle(actionCommand, func(ctx app.Context, a app.Action) {
		p.command(protocol.Kind(a.Tags.Get("kind")))
	})
	ctx.Handle(actionInspect, func(ctx app.Context, a app.Action) { p.inspect() })
	p.mountExt(ctx) // issue 9
	if app.IsServer {
		return
	}
	p.eng = startEngine(ctx, p.handle)
	ctx.Async(func() {
		m, err := loadManifest(ctx)
		ctx.Dispatch(func(ctx app.Context) {
			if err != nil {
				p.manErr = err.Error()
				return
			}
			for i := range m.Datasets {
				if m.Datasets[i].Stage == manifest.StagePretraining {
					p.corpus = &m.Datasets[i]
					break
				}
			}
		})
	})
}

func (p *pretraining) OnDismount() {
	p.eng.stop()
	p.eng = nil
}

// handle applies one message from the engine.
func (p *pretraining) handle(ctx app.Context, m received) {
	defer p.afterMessage(ctx, m) // issue 9
	switch m.Kind {
	case protocol.KindReady:
		p.engineReady = true
		p.inspect()
	case protocol.KindState:
		if m.State.Status == protocol.StatusIdle {
			// After a reset: drop what the engine sent before it.
			p.clearRun()
		}
		p.status = m.State.Status
		if m.State.Backend != "" {
			p.backend, p.backendWhy = m.State.Backend, m.State.BackendReason
		}
	case protocol.KindProgress:
		p.progress = *m.Progress
		for i, ph := range phases {
			if ph == m.Progress.Phase {
				p.phase = i
			}
		}
	case protocol.KindDataset:
		p.dataset = m.Dataset
	case protocol.KindMetrics:
		mt := *m.Metrics
		if p.last == nil {
			p.firstStepAt = m.At
		}
		p.last = &mt
		p.phase = len(phases) - 1
		p.chartSVG = ""
		x := float64(mt.Step)
		p.train = append(p.train, Point{x, mt.Loss})
		if mt.ValLoss != nil {
			p.lastVal = *mt.ValLoss
			p.val = append(p.val, Point{x, *mt.ValLoss})
			for src, v := range mt.ValBySource {
				if p.bySource == nil {
					p.bySource = map[string][]Point{}
				}
				p.bySource[src] = append(p.bySource[src], Point{x, v})
			}
		}
	case protocol.KindSample:
		p.samples = append([]protocol.Sample{*m.Sample}, p.samples...)
		if len(p.samples) > maxSamples {
			p.samples = p.samples[:maxSamples]
		}
	case protocol.KindError:
		p.err = m.Error.Message
		if m.Error.Phase != "" {
			p.err = m.Error.Phase + ": " + p.err
		}
	case protocol.KindDone:
		d := *m.Done
		p.done = &d
	}
}

func (p *pretraining) inspect() {
	p.inspectSeed++
	p.eng.send(protocol.Message{Kind: protocol.KindInspect, Inspect: &protocol.Inspect{
		Seed: p.settings.Seed*1000 + p.inspectSeed, MinQuality: p.settings.MinQuality,
	}})
}

// active reports whether a run exists (its settings are then fixed).
func (p *pretraining) active() bool {
	switch p.status {
	case protocol.StatusPreparing, protocol.StatusRunning, protocol.StatusPaused:
		return true
	}
	return false
}

func (p *pretraining) clearRun() {
	p.last, p.lastVal, p.done, p.err = nil, math.NaN(), nil, ""
	p.train, p.val, p.bySource, p.samples, p.chartSVG = nil, nil, nil, nil, ""
	p.progress, p.phase, p.firstStepAt = protocol.Progress{}, 0, 0
}

// command sends a run command to the engine.
func (p *pretraining) command(kind protocol.Kind) {
	m := protocol.Message{Kind: kind}
	switch kind {
	case protocol.KindStart:
		p.start("")
		return
	case protocol.KindReset:
		p.clearRun()
	}
	if err := p.eng.send(m); err != nil {
		p.err = err.Error()
	}
}

// start starts a run of the page's settings: of a fresh model, or, with
// init protocol.CheckpointImported, of the imported model.
func (p *pretraining) start(init string) {
	if !p.engineReady || p.active() {
		return
	}
	p.clearRun()
	// The current model becomes the new run's.
	p.ext.models.info, p.ext.models.sample = nil, ""
	s := p.settings
	s.Init = init
	p.status = protocol.StatusPreparing
	if err := p.eng.send(protocol.Message{Kind: protocol.KindStart, Settings: &s}); err != nil {
		p.err = err.Error()
	}
}

// applySetting applies an edit of one setting: the new value is validated
// as a URL parameter would be, and the page URL is updated to reproduce
// the run.
func (p *pretraining) applySetting(ctx app.Context, param, value string) {
	if p.active() {
		return
	}
	q := p.settings.Query()
	if param == protocol.ParamPreset {
		q.Del(protocol.ParamLR) // the new preset's defaults
		q.Del(protocol.ParamBatch)
	}
	q.Set(param, value)
	p.settings, p.problems = protocol.ParseQuery(q)
	p.chartSVG = ""
	u := *ctx.Page().URL()
	u.RawQuery = p.settings.Query().Encode()
	ctx.Page().ReplaceURL(&u)
	if param == protocol.ParamMinQuality && p.engineReady {
		p.inspect()
	}
}

func (p *pretraining) statusText() string {
	switch {
	case !p.engineReady && p.err == "":
		return "starting the engine…"
	case p.status == "":
		return string(protocol.StatusIdle)
	}
	return string(p.status)
}

func (p *pretraining) Render() app.UI {
	if p.ext.embed != nil { // issue 9
		return p.renderEmbed()
	}
	return layout("/pretraining",
		app.H1().Text("Pre-training"),
		app.P().Class("lead").Text(stagePre.Goal),
		app.P().Text("The data is a miniature internet: "+
			"thousands of pages of mixed quality. The objective is the simplest in machine learning: "+
			"at every position, predict the next token; every token counts with weight 1. "+
			"Watch the loss fall and the samples turn from noise into words, then sentences. "+
			"Try the quality filter: keeping only better documents changes what the model learns."),
		p.notices(),
		app.Div().Class("grid").Body(
			app.Div().Class("col").Body(
				p.runPanel(),
				&corpusPanel{Manifest: p.corpus, Dataset: p.dataset},
				p.outPanel(), // issue 9
			),
			app.Div().Class("col").Body(
				p.progressPanel(),
				p.metricsPanel(),
				p.chartPanel(),
				&samplesPanel{Samples: p.samples},
			),
		),
	)
}

func (p *pretraining) notices() app.UI {
	var out []app.UI
	if len(p.problems) > 0 {
		out = append(out, app.Div().Class("notice warn").Role("status").DataSet("testid", "settings-problems").Body(
			app.Text("Some settings could not be used:"),
			app.Ul().Body(app.Range(p.problems).Slice(func(i int) app.UI {
				return app.Li().Text(p.problems[i].String())
			})),
		))
	}
	if p.err != "" {
		out = append(out, app.Div().Class("notice error").Role("alert").DataSet("testid", "error").Text(p.err))
	}
	if p.manErr != "" {
		out = append(out, app.Div().Class("notice error").Role("alert").Text(p.manErr))
	}
	return app.Div().Body(out...)
}

func (p *pretraining) progressPanel() app.UI {
	pp := &progressPanel{Status: p.status, Phase: p.phase, Progress: p.progress}
	if p.last != nil {
		pp.Step, pp.Steps, pp.ElapsedMS = p.last.Step, p.last.Steps, p.last.ElapsedMS
	}
	if p.done != nil {
		pp.DoneMS = p.done.ElapsedMS
	}
	return pp
}

func (p *pretraining) metricsPanel() app.UI {
	m := &metricsPanel{Steps: p.settings.Steps, Loss: math.NaN(), ValLoss: p.lastVal,
		Backend: p.backend, Reason: p.backendWhy, FirstStepAt: p.firstStepAt}
	if p.last != nil {
		m.Step, m.Steps, m.Loss = p.last.Step, p.last.Steps, p.last.Loss
		// Over the run so far: a single step's rate jitters.
		if p.last.ElapsedMS > 0 {
			m.TokensPerS = float64(p.last.Tokens) / (p.last.ElapsedMS / 1000)
		}
	}
	return m
}

func (p *pretraining) chartPanel() app.UI {
	series := []Series{
		{Name: "training loss, each step", Class: "s0", Faint: true, Points: p.train},
		{Name: "training loss, smoothed", Class: "s0", Points: Smooth(p.train, 0.1)},
		{Name: "validation loss", Class: "s1", Points: p.val},
	}
	var srcs []string
	for s := range p.bySource {
		srcs = append(srcs, s)
	}
	sort.Strings(srcs)
	for i, s := range srcs {
		series = append(series, Series{Name: "validation: " + s, Class: fmt.Sprintf("s%d", 2+i%8), Thin: true, Points: p.bySource[s]})
	}
	if p.chartSVG == "" {
		steps := float64(p.settings.Steps)
		if p.last != nil {
			steps = float64(p.last.Steps)
		}
		p.chartSVG = LineChart("Loss by training step: training, validation, and validation per source",
			"step", "The loss appears here when training starts.", series, steps, 640, 300)
	}
	c := &chartPanel{
		Title: "Loss", SVG: p.chartSVG, Legend: legendOf(series),
		Note:  "Loss is the cross-entropy in nats per token; ln 1024 ≈ 6.93 is a uniform guess over the vocabulary.",
		Steps: len(p.train),
	}
	if len(p.train) > 0 {
		c.FirstStep, c.LastStep = int(p.train[0].X), int(p.train[len(p.train)-1].X)
	}
	return c
}
