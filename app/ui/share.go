package ui

import (
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
)

// envBase is the environment variable that holds the base path of a static
// build ("/tinystages/"), unset on the Go server (server.EnvBase).
const envBase = "TINYSTAGES_BASE"

// pageURL returns the URL path of the app's page path ("/pretraining") as
// a link must spell it. On the Go server it is the path itself. In a static
// build (server.WriteStatic) it is under the site's base path, with a
// trailing slash, since a static host serves the page as a folder's
// index.html: /tinystages/pretraining/. Every link to a page goes through
// pageURL, so that it stays under the base path after go-app takes over
// the page (go-app resolves only /web/ paths in the browser).
func pageURL(path string) string {
	base := app.Getenv(envBase)
	if base == "" {
		return path
	}
	if path == "/" || path == "" {
		return base
	}
	return base + strings.TrimPrefix(path, "/") + "/"
}

// absoluteURL returns the absolute URL of the page path with query q, on
// the origin the page was loaded from.
func absoluteURL(ctx app.Context, path string, q url.Values) string {
	u := *ctx.Page().URL()
	u.Path, u.RawPath, u.RawQuery, u.Fragment = pageURL(path), "", q.Encode(), ""
	return u.String()
}

// URL parameters of how a page is shown, beside a run's settings.
const (
	// ParamAutoplay=1 starts the run as soon as the engine is ready (on
	// an embed: once the frame is visible).
	ParamAutoplay = "autoplay"
	// ParamControls chooses the parts of an embed: a comma-separated
	// list of EmbedControls, all, or none.
	ParamControls = "controls"
)

// The parts of an embed that controls= chooses.
const (
	ControlPlay     = "play"     // start, pause, resume, reset
	ControlSettings = "settings" // the run's settings form (with the buttons)
	ControlProgress = "progress"
	ControlMetrics  = "metrics" // step, loss, tokens/s
	ControlChart    = "chart"
	ControlSamples  = "samples"
	ControlShare    = "share" // copy link, copy embed code
)

// EmbedControls lists the parts of an embed, in page order;
// DefaultEmbedControls are those shown without controls=.
var (
	EmbedControls        = []string{ControlPlay, ControlSettings, ControlProgress, ControlMetrics, ControlChart, ControlSamples, ControlShare}
	DefaultEmbedControls = []string{ControlPlay, ControlMetrics, ControlChart, ControlSamples, ControlShare}
)

// view is how a page is shown: the URL parameters besides the run's
// settings.
type view struct {
	Autoplay bool
	Controls []string // on an embed
}

func (v view) has(control string) bool {
	for _, c := range v.Controls {
		if c == control {
			return true
		}
	}
	return false
}

// pageViewParams are the view parameters of a full stage page, and
// embedViewParams those of an embed. They join the settings' table in the
// same messages: which parameter, what is allowed, what is used instead.
var (
	pageViewParams = protocol.Params[view]{
		protocol.Bool(ParamAutoplay, func(v *view) *bool { return &v.Autoplay }),
	}
	embedViewParams = protocol.Params[view]{
		protocol.Bool(ParamAutoplay, func(v *view) *bool { return &v.Autoplay }),
		protocol.List(ParamControls, EmbedControls, func(v *view) *[]string { return &v.Controls }),
	}
)

// parseView reads a page's view parameters (embed: an embed's).
func parseView(q url.Values, embed bool) (view, []protocol.Problem) {
	if embed {
		return embedViewParams.Parse(q, view{Controls: DefaultEmbedControls})
	}
	return pageViewParams.Parse(q, view{})
}

// shareQuery is the query of a link that reproduces a run of settings s,
// shown as v (the embed's controls when they are not the default).
func shareQuery(s protocol.Settings, v view, embed bool) url.Values {
	q := s.Query()
	if v.Autoplay {
		q.Set(ParamAutoplay, "1")
	}
	if embed && v.Controls != nil && !slices.Equal(v.Controls, DefaultEmbedControls) {
		c := strings.Join(v.Controls, ",")
		if c == "" {
			c = "none"
		}
		q.Set(ParamControls, c)
	}
	return q
}

// EmbedWidth and EmbedHeight are the size of the frame the embed code
// asks for: the full width of a blog's column (at most EmbedWidth) and a
// height that shows the controls, the numbers and the chart.
const (
	EmbedWidth  = 720
	EmbedHeight = 600
)

// embedCode returns the HTML a blogger pastes to embed the page at src: an
// iframe with a title for screen readers, lazy loading (the frame loads
// when the reader scrolls near it), and a sensible size.
func embedCode(src, title string) string {
	return `<iframe src="` + htmlEscape(src) + `" title="` + htmlEscape(title) + `" loading="lazy" ` +
		`width="100%" height="` + strconv.Itoa(EmbedHeight) + `" style="max-width:` + strconv.Itoa(EmbedWidth) + `px;border:0" ` +
		`allow="clipboard-write"></iframe>`
}

func htmlEscape(s string) string {
	return strings.NewReplacer(`&`, "&amp;", `"`, "&quot;", `<`, "&lt;", `>`, "&gt;").Replace(s)
}

// sharePanel offers the link that reproduces a run and the code that
// embeds it. Copying uses the Clipboard API; where it is missing or
// refused (an iframe without clipboard-write, an insecure origin) the text
// is shown selected, to copy by hand. It is shown after a copy either way.
type sharePanel struct {
	app.Compo

	// Page and Embed are the paths of the full page and of its embed;
	// Query the run's settings (shareQuery), EmbedQuery the embed's.
	Page, Embed       string
	Query, EmbedQuery string
	Title             string // of the embed's frame, for screen readers

	shown  string // "link", "embed" or ""
	text   string
	copied bool
}

func (s *sharePanel) copy(ctx app.Context, what string) {
	s.shown, s.copied = what, false
	if what == "link" {
		q, _ := url.ParseQuery(s.Query)
		s.text = absoluteURL(ctx, s.Page, q)
	} else {
		q, _ := url.ParseQuery(s.EmbedQuery)
		s.text = embedCode(absoluteURL(ctx, s.Embed, q), s.Title)
	}
	copyText(ctx, s.text, func(ctx app.Context, ok bool) {
		s.copied = ok
		if !ok {
			// Select the text for a copy by hand.
			ctx.Defer(func(ctx app.Context) {
				if el := app.Window().GetElementByID("share-text"); el.Truthy() {
					el.Call("focus")
					el.Call("select")
				}
			})
		}
	})
}

func (s *sharePanel) Render() app.UI {
	return app.Div().Class("share").Body(
		app.Div().Class("buttons").Body(
			app.Button().Type("button").DataSet("testid", "share").Text("Copy link").
				Title("A link that reproduces this run: the same settings, seed and backend").
				OnClick(func(ctx app.Context, e app.Event) { s.copy(ctx, "link") }),
			app.Button().Type("button").DataSet("testid", "embed-code").Text("Copy embed code").
				Title("An <iframe> to paste into a blog post").
				OnClick(func(ctx app.Context, e app.Event) { s.copy(ctx, "embed") }),
		),
		app.If(s.shown != "", func() app.UI {
			label := "Link to this run"
			if s.shown == "embed" {
				label = "Embed code"
			}
			status := "Copied to the clipboard."
			if !s.copied {
				status = "Select and copy it:"
			}
			return app.Div().Class("field wide").Body(
				app.Label().For("share-text").Text(label),
				app.P().Class("hint").Aria("live", "polite").DataSet("testid", "share-status").Text(status),
				app.Textarea().ID("share-text").Class("share-text").ReadOnly(true).Rows(3).
					DataSet("testid", "share-text").Text(s.text),
			)
		}),
	)
}

// copyText writes text to the clipboard and calls done with whether it
// did, on the UI goroutine.
func copyText(ctx app.Context, text string, done func(ctx app.Context, ok bool)) {
	clip := app.Window().Get("navigator").Get("clipboard")
	if !clip.Truthy() || !clip.Get("writeText").Truthy() {
		done(ctx, false)
		return
	}
	var ok, fail app.Func
	release := func() { ok.Release(); fail.Release() }
	ok = app.FuncOf(func(this app.Value, args []app.Value) any {
		ctx.Dispatch(func(ctx app.Context) { done(ctx, true) })
		release()
		return nil
	})
	fail = app.FuncOf(func(this app.Value, args []app.Value) any {
		ctx.Dispatch(func(ctx app.Context) { done(ctx, false) })
		release()
		return nil
	})
	clip.Call("writeText", text).Call("then", ok, fail)
}

// download saves data as a file named name, of media type mime.
func download(name, mime string, data []byte) {
	arr := app.Window().Get("Uint8Array").New(len(data))
	app.CopyBytesToJS(arr, data)
	downloadValue(name, mime, arr)
}

// downloadValue saves a JavaScript ArrayBuffer or typed array as a file,
// through an object URL and a link with the download attribute.
func downloadValue(name, mime string, data app.Value) {
	w := app.Window()
	parts := w.Get("Array").New()
	parts.Call("push", data)
	opts := w.Get("Object").New()
	opts.Set("type", mime)
	blob := w.Get("Blob").New(parts, opts)
	u := w.Get("URL").Call("createObjectURL", blob)
	doc := w.Get("document")
	a := doc.Call("createElement", "a")
	a.Set("href", u)
	a.Set("download", name)
	a.Set("hidden", true)
	doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	// The download has started; the URL is released a moment later.
	var revoke app.Func
	revoke = app.FuncOf(func(this app.Value, args []app.Value) any {
		w.Get("URL").Call("revokeObjectURL", u)
		revoke.Release()
		return nil
	})
	w.Call("setTimeout", revoke, 60_000)
}
