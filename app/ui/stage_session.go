package ui

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
)

// Actions of the stage lessons' panels, beyond actionSetting and
// actionCommand. Every one carries the tag "page" (the lesson's id), so
// that two lessons rendered at once keep their own.
const (
	// actionPreset applies a lesson's settings and starts it: tags
	// "lesson" and "run" (the index of the lesson's run).
	actionPreset = "stage/preset"
	// actionUpload carries a user's file (value: uploadFile).
	actionUpload = "stage/upload"
	// actionUploadError reports a file refused before it reached the
	// engine (value: *protocol.FileError).
	actionUploadError = "stage/upload-error"
	// actionClearCard empties the report card.
	actionClearCard = "stage/clear-card"
	// actionEvaluate asks for a report-card row of the run's model now.
	actionEvaluate = "stage/evaluate"
	// actionPipeline starts ("start") or stops ("stop") the whole pipeline:
	// tag "op".
	actionPipeline = "stage/pipeline"
)

// uploadFile is a file the user chose, read in the page.
type uploadFile struct {
	Kind, File string
	Data       []byte
}

// stagePhases are the phases of a run of a stage after pre-training.
var stagePhases = []string{protocol.PhaseCheckpoint, protocol.PhaseLoading, protocol.PhaseTokenize,
	protocol.PhaseModel, protocol.PhaseEvaluating, protocol.PhaseTraining}

// maxReports bounds the report card's rows.
const maxReports = 24

// stageRun is the state a lesson page of the stages after pre-training
// keeps: its settings (from the URL), the engine, and what the engine
// reported of the current run — metrics as chart series, the heatmap of
// the live batch, samples, completions, the projection — plus the report
// card, which outlives runs, and the state of uploads. The lesson
// components (midtraining.go, posttraining.go) embed it and draw it with
// panels that hold plain values.
type stageRun struct {
	id     string   // the page's id, tagged on its actions
	path   string   // the page's path
	stages []string // the stages the page runs; the first is its default

	settings protocol.Settings
	problems []protocol.Problem

	// full is set on a full stage page (not in an embed, which starts
	// and pauses the run itself): its URL's view parameters apply, and
	// autoplay=1 starts the run as soon as the engine is ready.
	full        bool
	view        view
	autostarted bool

	eng         *engine
	engineReady bool
	status      protocol.Status
	backend     string
	backendWhy  string
	info        protocol.State // stage, preset and start checkpoint of the run
	progress    protocol.Progress
	phase       int
	err         string

	last        *protocol.Metrics
	train       []Point
	val         []Point
	bySource    map[string][]Point
	extra       map[string][]Point
	heat        *protocol.Heatmap
	heatHTML    string
	samples     []protocol.Sample
	completions *protocol.Completions
	projection  *protocol.Projection
	projFirst   *protocol.Projection
	done        *protocol.Done
	charts      map[string]string // cached SVG, by chart; cleared when a series grows
	firstStepAt float64

	reports []protocol.Report
	domain  *protocol.Domain
	upload  uploadState

	// onMessage, if set, sees every engine message after the run state
	// took it (the pipeline follows runs with it).
	onMessage func(ctx app.Context, m received)
}

// uploadState is what the upload panel shows.
type uploadState struct {
	Busy    bool
	Kind    string
	File    string
	Records int
	Err     *protocol.FileError
	InUse   map[string]string // kind → the user's file the next runs use
}

// mount reads the settings from the URL, registers the actions and starts
// the engine.
func (r *stageRun) mount(ctx app.Context) {
	r.status = protocol.StatusIdle
	r.readURL(ctx)
	mine := func(a app.Action) bool { return a.Tags.Get("page") == r.id }
	ctx.Handle(actionSetting, func(ctx app.Context, a app.Action) {
		if mine(a) {
			r.applySetting(ctx, a.Tags.Get("param"), a.Tags.Get("value"))
		}
	})
	ctx.Handle(actionCommand, func(ctx app.Context, a app.Action) {
		if mine(a) {
			r.command(protocol.Kind(a.Tags.Get("kind")))
		}
	})
	ctx.Handle(actionUpload, func(ctx app.Context, a app.Action) {
		if f, ok := a.Value.(uploadFile); ok && mine(a) {
			r.sendUpload(f)
		}
	})
	ctx.Handle(actionUploadError, func(ctx app.Context, a app.Action) {
		if fe, ok := a.Value.(*protocol.FileError); ok && mine(a) {
			r.upload.Busy, r.upload.Err, r.upload.File, r.upload.Records = false, fe, fe.File, 0
		}
	})
	ctx.Handle(actionClearCard, func(ctx app.Context, a app.Action) {
		if mine(a) {
			r.reports = nil
		}
	})
	ctx.Handle(actionEvaluate, func(ctx app.Context, a app.Action) {
		if mine(a) && r.canEvaluate() {
			step := 0
			if r.last != nil {
				step = r.last.Step
			}
			name := fmt.Sprintf("%s + %s %d steps", r.info.Init, r.info.Stage, step)
			r.progress = protocol.Progress{Phase: protocol.PhaseEvaluating, Total: 1, Detail: name}
			r.send(protocol.Message{Kind: protocol.KindEvaluate, Evaluate: &protocol.Evaluate{Name: name}})
		}
	})
	if app.IsServer {
		return
	}
	r.eng = startEngine(ctx, r.handle)
}

func (r *stageRun) dismount() {
	r.eng.stop()
	r.eng = nil
}

// readURL takes the settings from the page's URL.
func (r *stageRun) readURL(ctx app.Context) {
	q := ctx.Page().URL().Query()
	r.settings, r.problems = protocol.ParseStageQuery(q, r.stages...)
	if r.full {
		var probs []protocol.Problem
		r.view, probs = parseView(q, false)
		r.problems = append(r.problems, probs...)
	}
	r.charts = nil
}

// shareCard is a full page's card with the share panel.
func (r *stageRun) shareCard(s stage) app.UI {
	id := "h-share-" + r.id
	return app.Section().Class("card").Aria("labelledby", id).Body(
		app.H2().ID(id).Text("Share this run"),
		app.P().Class("hint").Text("A link that opens this page with these settings (add autoplay=1 to start it at once), or an <iframe> for a blog post."),
		r.sharePanel(s, view{}),
	)
}

// sharePanel offers the link that reproduces the run on stage s's full
// page (autoplay kept when the page was opened with it) and the code that
// embeds it, shown as embed (its controls).
func (r *stageRun) sharePanel(s stage, embed view) app.UI {
	return &sharePanel{
		Page: s.Path, Query: shareQuery(r.settings, view{Autoplay: r.view.Autoplay}, false).Encode(),
		Embed: embedPath(s), EmbedQuery: shareQuery(r.settings, embed, true).Encode(),
		Title: "tinystages: " + strings.ToLower(s.Title) + " of a tiny GPT, live",
	}
}

// handle applies one message from the engine.
func (r *stageRun) handle(ctx app.Context, m received) {
	switch m.Kind {
	case protocol.KindReady:
		r.engineReady = true
		if r.full && r.view.Autoplay && !r.autostarted {
			r.autostarted = true
			r.command(protocol.KindStart)
		}
	case protocol.KindState:
		if m.State.Status == protocol.StatusIdle {
			if r.status == protocol.StatusPreparing && r.info.Stage == "" {
				break // the engine's first state, sent before it took up the start just sent
			}
			r.clearRun()
		}
		r.status = m.State.Status
		if m.State.Backend != "" {
			r.backend, r.backendWhy = m.State.Backend, m.State.BackendReason
		}
		if m.State.Stage != "" {
			r.info = *m.State
		}
	case protocol.KindProgress:
		r.progress = *m.Progress
		for i, ph := range stagePhases {
			if ph == m.Progress.Phase {
				r.phase = i
			}
		}
	case protocol.KindMetrics:
		r.addMetrics(m)
	case protocol.KindHeatmap:
		r.heat, r.heatHTML = m.Heatmap, ""
	case protocol.KindCompletions:
		r.completions = m.Completions
	case protocol.KindSample:
		if m.Sample.When != "" {
			r.samples = append(r.samples, *m.Sample)
		}
	case protocol.KindReport:
		rep := *m.Report
		if rep.Row.Name == "" {
			rep.Row.Name = rep.When
		}
		r.reports = append(r.reports, rep)
		if len(r.reports) > maxReports {
			r.reports = r.reports[len(r.reports)-maxReports:]
		}
	case protocol.KindProjection:
		if r.projFirst == nil || m.Projection.Step == 0 {
			r.projFirst = m.Projection
		}
		r.projection = m.Projection
	case protocol.KindDomain:
		r.domain = m.Domain
	case protocol.KindUploaded:
		u := m.Uploaded
		r.upload.Busy, r.upload.Kind, r.upload.File, r.upload.Records, r.upload.Err = false, u.Kind, u.File, u.Records, u.Error
		if u.Error == nil {
			if r.upload.InUse == nil {
				r.upload.InUse = map[string]string{}
			}
			r.upload.InUse[u.Kind] = u.File
		}
	case protocol.KindError:
		r.err = m.Error.Message
		if m.Error.Phase != "" {
			r.err = m.Error.Phase + ": " + r.err
		}
	case protocol.KindDone:
		d := *m.Done
		r.done = &d
	}
	if r.onMessage != nil {
		r.onMessage(ctx, m)
	}
}

// addMetrics adds a step's metrics to the chart series. Step 0 is the
// start model's validation, before training.
func (r *stageRun) addMetrics(m received) {
	mt := *m.Metrics
	r.charts = nil
	x := float64(mt.Step)
	if mt.Step > 0 {
		if r.last == nil || r.last.Step == 0 {
			r.firstStepAt = m.At
		}
		r.phase = len(stagePhases) - 1
		r.train = append(r.train, Point{x, mt.Loss})
		for k, v := range mt.Extra {
			if r.extra == nil {
				r.extra = map[string][]Point{}
			}
			r.extra[k] = append(r.extra[k], Point{x, v})
		}
	}
	r.last = &mt
	if mt.ValLoss != nil {
		r.val = append(r.val, Point{x, *mt.ValLoss})
		for src, v := range mt.ValBySource {
			if r.bySource == nil {
				r.bySource = map[string][]Point{}
			}
			r.bySource[src] = append(r.bySource[src], Point{x, v})
		}
	}
}

// clearRun drops what the engine reported of the last run; the report
// card, the domain data and the uploads stay.
func (r *stageRun) clearRun() {
	r.last, r.done, r.err, r.heat, r.heatHTML = nil, nil, "", nil, ""
	r.train, r.val, r.bySource, r.extra, r.charts = nil, nil, nil, nil, nil
	r.samples, r.completions, r.projection, r.projFirst = nil, nil, nil, nil
	r.progress, r.phase, r.firstStepAt, r.info = protocol.Progress{}, 0, 0, protocol.State{}
}

// canEvaluate reports whether the run's model can be evaluated now: a
// run paused or done.
func (r *stageRun) canEvaluate() bool {
	return r.info.Stage != "" && (r.status == protocol.StatusPaused || r.status == protocol.StatusDone)
}

// active reports whether a run exists (its settings are then fixed).
func (r *stageRun) active() bool {
	switch r.status {
	case protocol.StatusPreparing, protocol.StatusRunning, protocol.StatusPaused:
		return true
	}
	return false
}

// command sends a run command to the engine.
func (r *stageRun) command(kind protocol.Kind) {
	m := protocol.Message{Kind: kind}
	switch kind {
	case protocol.KindStart:
		r.runWith(r.settings)
		return
	case protocol.KindReset:
		r.clearRun()
	}
	r.send(m)
}

// runWith starts a run of s (which need not be the page's settings: the
// pipeline runs stages the page's own form does not offer).
func (r *stageRun) runWith(s protocol.Settings) {
	if !r.engineReady || r.active() {
		return
	}
	r.clearRun()
	r.status = protocol.StatusPreparing
	r.send(protocol.Message{Kind: protocol.KindStart, Settings: &s})
}

func (r *stageRun) send(m protocol.Message) {
	if err := r.eng.send(m); err != nil {
		r.err = err.Error()
	}
}

// start runs s now: the settings become the page's (and its URL's).
func (r *stageRun) start(ctx app.Context, s protocol.Settings) {
	if !r.engineReady || r.active() {
		return
	}
	r.settings, r.problems = s, nil
	r.writeURL(ctx)
	r.command(protocol.KindStart)
}

// applySetting applies an edit of one setting, validated as a URL
// parameter would be; the page's URL is updated to reproduce the run.
// A new stage starts from that stage's defaults, keeping the backend and
// seed.
func (r *stageRun) applySetting(ctx app.Context, param, value string) {
	if r.active() {
		return
	}
	q := r.settings.Query()
	if param == protocol.ParamStage {
		if value == r.settings.StageName() {
			return
		}
		backend, seed := q.Get(protocol.ParamBackend), q.Get(protocol.ParamSeed)
		q = protocol.DefaultStageSettings(value).Query()
		q.Set(protocol.ParamBackend, backend)
		q.Set(protocol.ParamSeed, seed)
		r.clearRun()
	}
	q.Set(param, value)
	r.settings, r.problems = protocol.ParseStageQuery(q, r.stages...)
	r.charts = nil
	r.writeURL(ctx)
}

func (r *stageRun) writeURL(ctx app.Context) {
	u := *ctx.Page().URL()
	u.RawQuery = shareQuery(r.settings, view{Autoplay: r.view.Autoplay}, false).Encode()
	ctx.Page().ReplaceURL(&u)
}

// sendUpload hands a user's file to the engine.
func (r *stageRun) sendUpload(f uploadFile) {
	if !r.engineReady {
		r.upload.Err = &protocol.FileError{File: f.File, Message: "the engine is not ready yet: try again in a moment"}
		return
	}
	r.upload.Busy, r.upload.Kind, r.upload.File, r.upload.Err = true, f.Kind, f.File, nil
	r.send(protocol.Message{Kind: protocol.KindUpload, Upload: &protocol.Upload{Kind: f.Kind, File: f.File, Data: f.Data}})
}

func (r *stageRun) statusText() string {
	switch {
	case !r.engineReady && r.err == "":
		return "starting the engine…"
	case r.status == "":
		return string(protocol.StatusIdle)
	}
	return string(r.status)
}

// controls are the run's settings form and buttons.
func (r *stageRun) controls() app.UI {
	return &stageControls{Page: r.id, Stages: r.stages, Settings: r.settings, Locked: r.active(),
		CanStart: r.engineReady && !r.active(), CanPause: r.status == protocol.StatusRunning,
		CanResume: r.status == protocol.StatusPaused, CanReset: r.engineReady && r.status != protocol.StatusIdle,
		Status: r.statusText()}
}

// notices are the problems of the URL and the errors of the run.
func (r *stageRun) notices() app.UI {
	var out []app.UI
	if len(r.problems) > 0 {
		out = append(out, app.Div().Class("notice warn").Role("status").DataSet("testid", "settings-problems").Body(
			app.Text("Some settings could not be used:"),
			app.Ul().Body(app.Range(r.problems).Slice(func(i int) app.UI {
				return app.Li().Text(r.problems[i].String())
			})),
		))
	}
	if r.err != "" {
		out = append(out, app.Div().Class("notice error").Role("alert").DataSet("testid", "error").Text(r.err))
	}
	return app.Div().Body(out...)
}

func (r *stageRun) progressPanel() app.UI {
	pp := &progressPanel{Status: r.status, Phase: r.phase, Progress: r.progress, Phases: stagePhases}
	if r.last != nil && r.last.Step > 0 {
		pp.Step, pp.Steps, pp.ElapsedMS = r.last.Step, r.last.Steps, r.last.ElapsedMS
	}
	if r.done != nil {
		pp.DoneMS = r.done.ElapsedMS
	}
	if r.status == protocol.StatusRunning && r.progress.Phase == protocol.PhaseEvaluating && r.progress.Done < r.progress.Total {
		pp.Step = 0 // the final evaluation: show its progress
	}
	return pp
}

// lastOf returns the last value of a series, NaN when empty.
func lastOf(pts []Point) float64 {
	if len(pts) == 0 {
		return math.NaN()
	}
	return pts[len(pts)-1].Y
}

// seriesValues writes a series' values for data attributes the tests
// read: "x:y" pairs separated by spaces.
func seriesValues(pts []Point) string {
	var b strings.Builder
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%g:%.5g", p.X, p.Y)
	}
	return b.String()
}

// runStats are the numbers of a run every stage shows: step, loss,
// tokens/s and backend.
func (r *stageRun) runStats() []statItem {
	step, steps := 0, r.settings.Steps
	loss, tps := math.NaN(), "–"
	if r.last != nil {
		if r.last.Step > 0 {
			step, steps, loss = r.last.Step, r.last.Steps, r.last.Loss
		}
		if r.last.ElapsedMS > 0 {
			tps = fmt.Sprintf("%.0f", float64(r.last.Tokens)/(r.last.ElapsedMS/1000))
		}
	}
	backend := r.backend
	if backend == "" {
		backend = "chosen at start"
	}
	if r.backendWhy != "" {
		backend += " (" + r.backendWhy + ")"
	}
	model := "from " + r.settings.Init
	switch {
	case r.info.Preset != "":
		model = fmt.Sprintf("%s, from %s", r.info.Preset, r.info.Init)
	case r.info.Init != "":
		model = "from " + r.info.Init
	}
	return []statItem{
		{Label: "step", Value: strconv.Itoa(step), Unit: " / " + strconv.Itoa(steps), TestID: "step"},
		{Label: "training loss", Value: formatLoss(loss), TestID: "loss"},
		{Label: "tokens/s", Value: tps, TestID: "tokens-per-s"},
		{Label: "model", Value: model, TestID: "model", Small: true},
		{Label: "backend", Value: backend, TestID: "backend", Small: true},
	}
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// queryOf is the page-relative link that reproduces s.
func queryOf(path string, s protocol.Settings) string {
	return path + "?" + s.Query().Encode()
}
