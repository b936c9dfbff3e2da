package ui

import (
	"fmt"
	"slices"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
	"tinystages/model"
	"tinystages/model/train"
)

// EmbedPages are the pages other sites frame in an <iframe> (a blog post
// about a stage): the stage page's parameters, a compact layout without
// the site's navigation that reads well from 320 px wide to a full column,
// and a link back to the full app. The server lets any site frame them
// (and only them).
var EmbedPages = []Page{
	{Path: "/embed/pretraining", Title: "Pre-training", New: func() app.Composer { return &embedStage{stage: stagePre} }},
	{Path: "/embed/midtraining", Title: "Mid-training", New: func() app.Composer { return &embedStage{stage: stageMid} }},
	{Path: "/embed/posttraining", Title: "Post-training", New: func() app.Composer { return &embedStage{stage: stagePost} }},
}

// embedPath is the path of a stage's embed.
func embedPath(s stage) string { return "/embed" + s.Path }

// actionVisible carries, as its value, whether an embed is visible: on
// screen and in a tab in the foreground.
const actionVisible = "embed/visible"

// embedStage is an embeddable stage. It is light until it is used: the
// server renders a still preview (what the stage does, for pre-training a
// recorded loss curve as an inline SVG, a Play button) and app.js loads
// app.wasm only when the reader presses Play, or, with autoplay=1, when
// the frame comes on screen (server: appJSPatches). Then the stage's live
// component mounts: the pre-training page in its embed form
// (embed_pretraining.go), or the mid- or post-training lesson in its
// compact form. It starts the engine (engine.wasm and the data are
// downloaded only then) and the run. It trains only while visible: the
// run pauses when the frame leaves the screen or the tab goes to the
// background, and resumes when it is back (visibility.go).
type embedStage struct {
	app.Compo

	stage        stage
	settings     protocol.Settings
	view         view
	problems     []protocol.Problem // of the run's settings
	viewProblems []protocol.Problem

	started bool // the live stage is mounted
	visible bool
	watch   *visibility

	// The mid- and post-training lessons, once started: the component
	// and its run, which the embed starts, pauses and resumes.
	lesson      app.Composer
	run         *stageRun
	autostarted bool
	autoPaused  bool
}

// embedStages are the stages a mid- or post-training embed runs (their
// lesson's); nil for pre-training.
func (e *embedStage) stages() []string {
	switch e.stage.Key {
	case stageMid.Key:
		return []string{train.StageMidtrain}
	case stagePost.Key:
		return postStages
	}
	return nil
}

func (e *embedStage) OnNav(ctx app.Context) {
	ctx.Page().SetTitle(e.stage.Title + " · tinystages")
	q := ctx.Page().URL().Query()
	if st := e.stages(); st != nil {
		e.settings, e.problems = protocol.ParseStageQuery(q, st...)
	} else {
		e.settings, e.problems = protocol.ParseQuery(q)
	}
	e.view, e.viewProblems = parseView(q, true)
	// app.js loaded app.wasm because the reader pressed Play.
	if app.IsClient && app.Window().Get("tinystagesPlay").Truthy() {
		e.play(ctx)
	}
}

func (e *embedStage) OnMount(ctx app.Context) {
	if app.IsServer {
		return
	}
	e.watch = watchVisibility(ctx, "embed", func(ctx app.Context, visible bool) {
		e.visible = visible
		if visible && e.view.Autoplay {
			e.play(ctx)
		}
		ctx.NewActionWithValue(actionVisible, visible)
		e.followVisibility()
	})
}

func (e *embedStage) OnDismount() {
	e.watch.stop()
}

// play mounts the live stage.
func (e *embedStage) play(ctx app.Context) {
	if e.started {
		return
	}
	e.started = true
	switch e.stage.Key {
	case stageMid.Key:
		l := &MidtrainingLesson{Compact: true}
		e.lesson, e.run = l, &l.run
	case stagePost.Key:
		l := &PosttrainingLesson{Compact: true}
		e.lesson, e.run = l, &l.run
	default:
		return // the pre-training page follows visibility itself
	}
	e.autostart(ctx)
}

// autostart starts a lesson's run once its engine is ready and the frame
// is visible: the reader pressed Play, or autoplay=1.
func (e *embedStage) autostart(ctx app.Context) {
	r := e.run
	switch {
	case r == nil || e.autostarted || r.err != "" || r.status == protocol.StatusFailed:
		return
	case r.engineReady && e.visible && r.status == protocol.StatusIdle:
		e.autostarted = true
		r.command(protocol.KindStart)
		return
	}
	ctx.After(300*time.Millisecond, e.autostart)
}

// followVisibility pauses a lesson's run out of sight and resumes the runs
// it paused itself.
func (e *embedStage) followVisibility() {
	r := e.run
	switch {
	case r == nil:
	case !e.visible && (r.status == protocol.StatusRunning || r.status == protocol.StatusPreparing):
		e.autoPaused = true
		r.command(protocol.KindPause)
	case e.visible && e.autoPaused:
		e.autoPaused = false
		r.command(protocol.KindResume)
	}
}

func (e *embedStage) Render() app.UI {
	full := pageURL(e.stage.Path)
	if q := e.settings.Query().Encode(); q != "" {
		full += "?" + q
	}
	root := app.Div().ID("embed").Class("embed").DataSet("embed", e.stage.Key)
	if e.view.Autoplay {
		root = root.DataSet("autoplay", "1")
	}
	if !e.started {
		root = root.Class("embed-idle")
	}
	// A lesson shows its own settings' problems once it runs.
	probs := e.viewProblems
	if !e.started || e.lesson == nil {
		probs = append(slices.Clone(e.problems), probs...)
	}
	return root.Body(
		app.Header().Class("embed-head").Body(
			app.Img().Src("/web/icon.svg").Alt("").Class("embed-icon"),
			app.Span().Class("embed-title").Body(app.Strong().Text(e.stage.Title), app.Text(" · tinystages")),
			app.A().Class("embed-open").Href(full).Target("_blank").Rel("noopener").
				DataSet("testid", "open-full").Text("Open the full lesson ↗"),
		),
		app.If(len(probs) > 0, func() app.UI { return problemsNotice(probs) }),
		app.If(!e.started, func() app.UI { return e.preview() }).
			ElseIf(e.lesson != nil, func() app.UI { return e.live() }).
			Else(func() app.UI {
				return &pretraining{ext: pageExtras{embed: &embedOptions{settings: e.settings, view: e.view}}}
			}),
	)
}

// live is a running mid- or post-training embed: the lesson, and the
// share buttons.
func (e *embedStage) live() app.UI {
	r := e.run
	return app.Div().Class("embed-live col").Body(
		e.lesson,
		app.If(e.autoPaused, func() app.UI {
			return app.P().Class("muted").DataSet("testid", "auto-paused").Text("Paused out of sight: it goes on when you scroll back.")
		}),
		app.If(e.view.has(ControlShare), func() app.UI {
			return r.sharePanel(e.stage, view{Controls: e.view.Controls})
		}),
	)
}

// preview is what an embed shows before it runs: no engine, no app.wasm
// needed.
func (e *embedStage) preview() app.UI {
	s := e.stage
	st := e.settings
	play := app.Div().Class("buttons").Body(
		app.Button().Type("button").Class("primary").DataSet("play", "1").DataSet("testid", "play").
			Text("▶ Train it here").
			OnClick(func(ctx app.Context, ev app.Event) { e.play(ctx) }),
	)
	if s.Key != stagePre.Key {
		return app.Div().Class("embed-preview").Body(
			app.P().Class("lead").Text(s.Goal),
			app.Dl().Class("embed-facts").Body(
				app.Dt().Text("Data"), app.Dd().Text(s.Data),
				app.Dt().Text("Objective"), app.Dd().Text(s.Objective),
				app.Dt().Text("What it changes"), app.Dd().Text(s.Changes),
			),
			play,
			app.P().Class("muted small").Text(fmt.Sprintf(
				"Runs %s (%d steps, seed %d) in your browser from a model that ships with the app: it downloads the training engine, "+
					"the model and the data, runs only while you can see it, and sends nothing anywhere.",
				st.StageName(), st.Steps, st.Seed)),
		)
	}
	return app.Div().Class("embed-preview").Body(
		app.P().Class("lead").Text(s.Goal),
		app.Figure().Class("embed-still").Body(
			app.Raw(previewChart()),
			app.Ul().Class("legend").Body(
				app.Li().Body(app.Span().Class("swatch s0"), app.Text("training loss")),
				app.Li().Body(app.Span().Class("swatch s1"), app.Text("validation loss")),
			),
			app.FigCaption().Class("muted").Text(previewCaption),
		),
		play,
		app.P().Class("muted small").Text(fmt.Sprintf(
			"Trains a %s model (%s, %d steps, seed %d) in your browser: it downloads the training engine and a small corpus, "+
				"runs only while you can see it, and sends nothing anywhere.",
			st.Preset, presetSize(st.Preset), st.Steps, st.Seed)),
	)
}

// problemsNotice lists the URL parameters that could not be used.
func problemsNotice(probs []protocol.Problem) app.UI {
	return app.Div().Class("notice warn").Role("status").DataSet("testid", "settings-problems").Body(
		app.Text("Some settings could not be used:"),
		app.Ul().Body(app.Range(probs).Slice(func(i int) app.UI {
			return app.Li().Text(probs[i].String())
		})),
	)
}

// presetSize says how many parameters a preset's model has.
func presetSize(name string) string {
	p, err := model.PresetByName(name)
	if err != nil {
		return ""
	}
	return formatCompact(float64(p.Config.NumParams())) + " parameters"
}
