package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"tinystages/app/server"
	"tinystages/app/ui"
)

// blogPage is a blog post on another origin that embeds a live stage
// between two long stretches of text, as a blogger would paste it.
const blogPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A post about pre-training</title>
<style>body{font:16px/1.5 serif;max-width:760px;margin:0 auto;padding:16px} .spacer{height:3000px}</style></head>
<body><h1>What does pre-training do?</h1>
<p>Here is a tiny GPT, trained live in your browser:</p>
%s
<div class="spacer">More text, far below the model.</div>
<p>The end.</p></body></html>`

// otherOrigin returns the URL of ts on another origin of the same machine:
// localhost in place of 127.0.0.1. Both are secure contexts; to the browser
// they are different sites, so a frame of one in the other is a
// third-party frame, in a process of its own, with partitioned storage.
func otherOrigin(ts *httptest.Server) string {
	return strings.Replace(ts.URL, "127.0.0.1", "localhost", 1)
}

// frameContext returns a chromedp context attached to the frame whose URL
// contains part (a cross-site frame is a target of its own).
func frameContext(t *testing.T, ctx context.Context, part string) context.Context {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type == "iframe" && strings.Contains(info.URL, part) {
				fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID))
				t.Cleanup(cancel)
				return fctx
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("no frame target with %q", part)
	return nil
}

// TestEmbedCrossOrigin embeds the pre-training stage in a blog page of
// another origin: the frame starts by itself (autoplay), trains, and its
// loss falls; scrolled out of view it stops training, and it resumes when
// it is back; the same when its tab goes to the background and back.
func TestEmbedCrossOrigin(t *testing.T) {
	dir := site(t)
	app := serve(t, dir)
	appOrigin := otherOrigin(app)
	src := appOrigin + "/embed/pretraining?autoplay=1&preset=nano&backend=cpu&steps=2000"
	blog := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, blogPage, `<iframe src="`+src+`" title="tinystages: pre-training, live" loading="lazy" width="100%" height="600" style="max-width:720px;border:0"></iframe>`)
	}))
	t.Cleanup(blog.Close)

	ctx, consoleErrors := browser(t, TrainBound+3*time.Minute)
	if err := chromedp.Do(ctx, chromedp.Navigate(blog.URL)); err != nil {
		t.Fatal(err)
	}
	fctx := frameContext(t, ctx, "/embed/pretraining")
	frameErrors := watchConsole(fctx)
	waitFor(t, fctx, "the frame's first training step", stepExpr+` >= 1`, 2*time.Minute)
	first := number(t, fctx, "loss")
	waitFor(t, fctx, "the frame's loss to fall by "+strconv.FormatFloat(LossMargin, 'f', 1, 64),
		`+(document.querySelector('[data-testid="loss"]').textContent) <= `+strconv.FormatFloat(first-LossMargin, 'f', 4, 64), TrainBound)
	t.Logf("in the frame: loss %.3f -> %.3f at step %.0f", first, number(t, fctx, "loss"), number(t, fctx, "step"))
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		os.WriteFile(filepath.Join(artifacts(t), "embed-blog.png"), png, 0o644) // the post as a reader sees it
	}

	// Out of view: the frame pauses itself and the step counter stops.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 2500)`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, fctx, "the frame to pause out of view", `document.querySelector('[data-testid="status"]').textContent === "paused"`, 30*time.Second)
	paused := number(t, fctx, "step")
	time.Sleep(4 * time.Second) // several steps' time
	if got := number(t, fctx, "step"); got != paused {
		t.Fatalf("out of view, the step counter went from %.0f to %.0f", paused, got)
	}
	if text(t, fctx, "auto-paused") == "" {
		t.Error("the frame does not say why it paused")
	}
	// Back in view: it goes on.
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, fctx, "the frame to resume in view", stepExpr+` >= `+strconv.FormatFloat(paused+3, 'f', 0, 64), time.Minute)
	t.Logf("paused at step %.0f out of view; step %.0f after scrolling back", paused, number(t, fctx, "step"))

	// A tab in the background pauses the frame too, through the Page
	// Visibility API. Headless Chromium reports every tab visible, so the
	// frame's document is told it is hidden (its visibilityState, and the
	// visibilitychange event a real tab switch fires), then visible again.
	setHidden := func(hidden bool) {
		js := `delete document.visibilityState; document.dispatchEvent(new Event("visibilitychange"))`
		if hidden {
			js = `Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"}); document.dispatchEvent(new Event("visibilitychange"))`
		}
		if err := chromedp.Do(fctx, chromedp.Evaluate[chromedp.Void](js)); err != nil {
			t.Fatal(err)
		}
	}
	setHidden(true)
	waitFor(t, fctx, "the frame to pause in a background tab", `document.querySelector('[data-testid="status"]').textContent === "paused"`, 30*time.Second)
	hiddenAt := number(t, fctx, "step")
	time.Sleep(3 * time.Second)
	if got := number(t, fctx, "step"); got != hiddenAt {
		t.Fatalf("in a background tab, the step counter went from %.0f to %.0f", hiddenAt, got)
	}
	setHidden(false)
	waitFor(t, fctx, "the frame to resume in the foreground", stepExpr+` >= `+strconv.FormatFloat(hiddenAt+3, 'f', 0, 64), time.Minute)
	t.Logf("paused at step %.0f in a background tab; step %.0f in the foreground again", hiddenAt, number(t, fctx, "step"))

	// The frame may not register a service worker (a third-party frame
	// with partitioned storage): it says nothing about it, and works.
	checkClean(t, ctx, consoleErrors)
	checkClean(t, fctx, frameErrors)
}

// watchConsole collects the console errors and exceptions of a target.
func watchConsole(ctx context.Context) func() []string {
	var mu sync.Mutex
	var errs []string
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line))
				mu.Unlock()
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), errs...)
	}
}

// wireCounter counts the bytes a server sends, bodies as sent (compressed),
// by path.
type wireCounter struct {
	h     http.Handler
	mu    sync.Mutex
	total int64
	paths map[string]int64
}

func (c *wireCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	cw := &countingWriter{ResponseWriter: w}
	c.h.ServeHTTP(cw, r)
	c.mu.Lock()
	c.total += cw.n
	c.paths[r.URL.Path] += cw.n
	c.mu.Unlock()
}

func (c *wireCounter) snapshot() (int64, map[string]int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := map[string]int64{}
	for k, v := range c.paths {
		m[k] = v
	}
	return c.total, m
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (w *countingWriter) Write(b []byte) (int, error) {
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// netBytes sums, with the DevTools protocol, the bytes a page receives
// (Network.loadingFinished's encodedDataLength: headers and body as sent).
type netBytes struct {
	mu    sync.Mutex
	total float64
	urls  map[network.RequestID]string
	byURL map[string]float64
}

func listenBytes(t *testing.T, ctx context.Context) *netBytes {
	t.Helper()
	nb := &netBytes{urls: map[network.RequestID]string{}, byURL: map[string]float64{}}
	if err := chromedp.Listen(ctx, nb.listen); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	// The browser's cache must not hide what a first visit costs.
	if _, err := chromedp.Call(ctx, network.SetCacheDisabled, network.SetCacheDisabledParams{CacheDisabled: true}); err != nil {
		t.Fatal(err)
	}
	return nb
}

// workers makes the page's dedicated workers (the engine) report to nb
// too: the browser attaches to each when it starts and holds it until nb
// listens to its network.
func (nb *netBytes) workers(t *testing.T, ctx context.Context) {
	t.Helper()
	attached := make(chan target.ID, 4)
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*target.EventAttachedToTarget); ok && e.TargetInfo.Type == "worker" {
			select {
			case attached <- e.TargetInfo.TargetID:
			default:
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, target.SetAutoAttach, target.SetAutoAttachParams{AutoAttach: true, WaitForDebuggerOnStart: true, Flatten: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for id := range attached {
			wctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id), chromedp.WithListener(nb.listen))
			t.Cleanup(cancel)
			if _, err := chromedp.Call(wctx, network.Enable, network.EnableParams{}); err != nil {
				t.Logf("worker %s: %v", id, err)
			}
			if _, err := chromedp.Call(wctx, cdpruntime.RunIfWaitingForDebugger, cdp.Empty{}); err != nil {
				t.Logf("worker %s: %v", id, err)
			}
		}
	}()
}

func ptr[T any](v T) *T { return &v }

func (nb *netBytes) listen(ev any) {
	nb.mu.Lock()
	defer nb.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		nb.urls[e.RequestID] = e.Request.URL
	case *network.EventLoadingFinished:
		nb.total += e.EncodedDataLength
		u := nb.urls[e.RequestID]
		if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		nb.byURL[u] += e.EncodedDataLength
	}
}

func (nb *netBytes) snapshot() (float64, map[string]float64) {
	nb.mu.Lock()
	defer nb.mu.Unlock()
	m := map[string]float64{}
	for k, v := range nb.byURL {
		m[k] = v
	}
	return nb.total, m
}

// embedBytes is what TestEmbedBytes measured; it is written to
// artifacts/embed_bytes.json.
type embedBytes struct {
	BeforePlay       float64            `json:"devtools_bytes_before_play"`
	AfterPlay        float64            `json:"devtools_bytes_after_play_first_step"`
	ServerBefore     int64              `json:"server_body_bytes_before_play"`
	ServerAfter      int64              `json:"server_body_bytes_after_play_first_step"`
	BeforeByURL      map[string]float64 `json:"devtools_before_by_url"`
	AfterByURL       map[string]float64 `json:"devtools_after_by_url"`
	ServerAfterPaths map[string]int64   `json:"server_after_by_path"`
}

// TestEmbedBytes measures what a reader downloads for an embed: before
// pressing play (the page, the loader, the stylesheets: no app.wasm, no
// engine), and after (app.wasm, the engine, the corpus), up to the first
// training step. The DevTools protocol reports the requests of the page
// and of its engine worker (Network.loadingFinished: headers and body as
// sent); the server counts the bodies it sends, as a cross-check.
//
// The test builds its own site (wasm without -s -w, compressed on the
// fly); to measure what make build ships (stripped, brotli), point it at
// the built web directory:
//
//	make build && TINYSTAGES_E2E_WEB=$PWD/web go test ./app/e2e -run TestEmbedBytes -v
func TestEmbedBytes(t *testing.T) {
	dir := os.Getenv("TINYSTAGES_E2E_WEB")
	if dir == "" {
		dir = site(t)
	}
	s := serveHandler(t, dir)
	counter := &wireCounter{h: s, paths: map[string]int64{}}
	ts := httptest.NewServer(counter)
	t.Cleanup(ts.Close)

	ctx, consoleErrors := browser(t, 4*time.Minute)
	nb := listenBytes(t, ctx)
	nb.workers(t, ctx)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/embed/pretraining?preset=nano&backend=cpu&steps=200&controls=play,metrics,chart"),
		chromedp.WaitVisible(testid("play"))); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second) // anything late (there should be nothing)
	var m embedBytes
	m.BeforePlay, m.BeforeByURL = nb.snapshot()
	m.ServerBefore, _ = counter.snapshot()
	for u := range m.BeforeByURL {
		if strings.HasSuffix(u, ".wasm") || strings.Contains(u, "/datasets/") {
			t.Errorf("before play the embed downloaded %s", u)
		}
	}
	// The still chart and the Play button are there without app.wasm.
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('.embed-still svg polyline').length`)); err != nil || n < 2 {
		t.Errorf("the preview chart has %d lines (%v)", n, err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(testid("play"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the first training step after play", stepExpr+` >= 1`, 3*time.Minute)
	m.AfterPlay, m.AfterByURL = nb.snapshot()
	m.ServerAfter, m.ServerAfterPaths = counter.snapshot()
	t.Logf("embed %s: %.0f bytes before play, %.0f after play up to the first step (DevTools: the page and its worker); "+
		"the server sent %d and %d body bytes", dir, m.BeforePlay, m.AfterPlay, m.ServerBefore, m.ServerAfter)
	data, _ := json.MarshalIndent(m, "", "  ")
	os.WriteFile(filepath.Join(artifacts(t), "embed_bytes.json"), data, 0o644)
	t.Logf("%s", data)
	if m.BeforePlay > 100_000 {
		t.Errorf("an embed costs %.0f bytes before play; want it light (under 100 kB)", m.BeforePlay)
	}
	checkClean(t, ctx, consoleErrors)
}

// serveHandler returns the real server for dir.
func serveHandler(t *testing.T, dir string) http.Handler {
	t.Helper()
	s, err := server.New(server.Config{WebDir: dir, Pages: ui.Paths()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestShareLink copies a run's link on one browser and opens it in a fresh
// one: the same settings. The embed code is an iframe with a title and
// lazy loading. A bad parameter of an embed says which and what is allowed.
func TestShareLink(t *testing.T) {
	dir := site(t)
	ts := serve(t, dir)
	ctx, consoleErrors := browser(t, 3*time.Minute)
	q := "preset=tiny&lr=0.005&batch=4&steps=77&seed=42&backend=cpu&min_quality=0.25"
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/pretraining?"+q), chromedp.WaitEnabled(testid("start")),
		chromedp.Click(testid("share")), chromedp.WaitVisible(testid("share-text"))); err != nil {
		t.Fatal(err)
	}
	link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="share-text"]').value`))
	if err != nil {
		t.Fatal(err)
	}
	status := text(t, ctx, "share-status")
	t.Logf("share link %s (%s)", link, status)
	if !strings.HasPrefix(link, ts.URL+"/pretraining?") {
		t.Fatalf("share link %q", link)
	}
	if err := chromedp.Do(ctx, chromedp.Click(testid("embed-code"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the embed code", `document.querySelector('[data-testid="share-text"]').value.startsWith("<iframe")`, 10*time.Second)
	code, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="share-text"]').value`))
	for _, want := range []string{`src="` + ts.URL + `/embed/pretraining?`, "preset=tiny", "seed=42", `title="`, `loading="lazy"`, `height="600"`} {
		if !strings.Contains(code, want) {
			t.Errorf("embed code %s lacks %s", code, want)
		}
	}
	checkClean(t, ctx, consoleErrors)

	// A fresh browser, another profile: the link alone reproduces the run.
	fresh, freshErrors := browser(t, 2*time.Minute)
	if err := chromedp.Do(fresh, chromedp.Navigate(link), chromedp.WaitEnabled(testid("start"))); err != nil {
		t.Fatal(err)
	}
	vals, err := chromedp.Run(fresh, chromedp.Evaluate[[]string](`["preset","lr","batch","steps","seed","backend","min_quality"].map(p => document.querySelector('[data-testid="setting-' + p + '"]').value)`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(vals, " "); got != "tiny 0.005 4 77 42 cpu 0.25" {
		t.Errorf("the shared link shows settings %q, want those of %s", got, q)
	}
	if text(t, fresh, "settings-problems") != "" {
		t.Errorf("the shared link has problems: %s", text(t, fresh, "settings-problems"))
	}

	// A bad parameter on an embed: its message, and the default used.
	if err := chromedp.Do(fresh, chromedp.Navigate(ts.URL+"/embed/pretraining?preset=nano&steps=0&controls=chart,dials"),
		chromedp.WaitVisible(testid("settings-problems"))); err != nil {
		t.Fatal(err)
	}
	msg := text(t, fresh, "settings-problems")
	for _, want := range []string{`steps="0"`, "a whole number from 1 to", `controls="chart,dials"`, "comma-separated list of play, settings"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the embed's problems notice %q does not say %s", msg, want)
		}
	}
	checkClean(t, fresh, freshErrors)
}

// TestStaticSubPath builds the static site (go run ./app static) for the
// sub-path /sub/path/, serves it with a plain file server, and runs the
// pre-training test on it: online, the loss falls; then offline, from the
// service worker's cache, it trains.
func TestStaticSubPath(t *testing.T) {
	dir := site(t)
	out := t.TempDir()
	cmd := goCommand(t, "run", "./app", "static", "-web", dir, "-out", out, "-base", "/sub/path/")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./app static: %v\n%s", err, b)
	} else {
		t.Logf("%s", strings.TrimSpace(string(b)))
	}
	mux := http.NewServeMux()
	mux.Handle("/sub/path/", http.StripPrefix("/sub/path", http.FileServer(http.Dir(out))))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	base := "http://" + ln.Addr().String() + "/sub/path/"

	ctx, consoleErrors := browser(t, TrainBound+4*time.Minute)
	// The overview, and a link from it: the URL stays under the sub-path.
	if err := chromedp.Do(ctx, chromedp.Navigate(base)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the overview", `document.querySelectorAll('[data-testid="strip-pretraining"] .tok').length > 0`, time.Minute)
	if err := chromedp.Do(ctx, chromedp.Click(`.site-nav a[href$="/pretraining/"]`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the pre-training page", `document.querySelector('[data-testid="start"]') !== null`, 30*time.Second)
	if path, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`)); path != "/sub/path/pretraining/" {
		t.Errorf("after following the navigation, the page is %s", path)
	}

	startRun(t, ctx, base+"pretraining/?preset=nano&steps=2000&backend=cpu&seed=3")
	waitFor(t, ctx, "the first training step", stepExpr+` >= 1`, 2*time.Minute)
	first := number(t, ctx, "loss")
	waitFor(t, ctx, "the loss to fall by "+strconv.FormatFloat(LossMargin, 'f', 1, 64),
		`+(document.querySelector('[data-testid="loss"]').textContent) <= `+strconv.FormatFloat(first-LossMargin, 'f', 4, 64), TrainBound)
	t.Logf("static site: loss %.3f -> %.3f at step %.0f", first, number(t, ctx, "loss"), number(t, ctx, "step"))

	// Offline: the service worker serves everything.
	waitFor(t, ctx, "the service worker", `navigator.serviceWorker.controller !== null`, time.Minute)
	waitFor(t, ctx, "the service worker's cache", `caches.keys().then(async ks => { for (const k of ks) { const c = await caches.open(k); if (await c.match("/sub/path/web/engine.wasm")) return true } return false })`, time.Minute)
	if err := goOffline(ctx); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"pretraining/?preset=nano&steps=50&seed=3&backend=cpu"), chromedp.WaitEnabled(testid("start"))); err != nil {
		t.Fatalf("offline: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(testid("start"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "training offline", stepExpr+` >= 2`, 2*time.Minute)
	screenshot(t, ctx, "static-offline.png")
	var rest []string
	for _, e := range consoleErrors() {
		if !strings.Contains(e, "Failed to fetch") && !strings.Contains(e, "ERR_") {
			rest = append(rest, e)
		}
	}
	checkClean(t, ctx, func() []string { return rest })
}

// goCommand returns the go tool running args in the repository root, with
// the environment of the test (GOFLAGS included).
func goCommand(t *testing.T, args ...string) *exec.Cmd {
	cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), args...)
	cmd.Dir = repoRoot(t)
	return cmd
}

// TestEmbedLaterStages plays the mid- and post-training embeds: the still
// preview, then, on Play, the stage's compact lesson, which starts its run
// by itself and trains.
func TestEmbedLaterStages(t *testing.T) {
	dir := site(t)
	if _, err := os.Stat(filepath.Join(dir, "checkpoints", "base.safetensors")); err != nil {
		t.Skip("no shipped checkpoints (make checkpoints): the later stages cannot start")
	}
	ts := serve(t, dir)
	ctx, consoleErrors := browser(t, 5*time.Minute)
	for _, st := range []struct{ path, lesson string }{
		{"/embed/midtraining?steps=4&batch=2&backend=cpu", "midtraining"},
		{"/embed/posttraining?stage=sft&steps=4&batch=2&backend=cpu", "posttraining"},
	} {
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+st.path), chromedp.WaitVisible(testid("play"))); err != nil {
			t.Fatal(err)
		}
		if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType("resource").filter(e => e.name.endsWith(".wasm")).length`)); n != 0 {
			t.Errorf("%s: %d wasm files loaded before play", st.path, n)
		}
		if err := chromedp.Do(ctx, chromedp.Click(testid("play")), chromedp.WaitVisible(testid(st.lesson))); err != nil {
			t.Fatalf("%s: %v", st.path, err)
		}
		waitFor(t, ctx, st.lesson+" to train in its embed", stepExpr+` >= 1`, 3*time.Minute)
		t.Logf("%s: step %.0f, status %s", st.path, number(t, ctx, "step"), text(t, ctx, "status"))
	}
	checkClean(t, ctx, consoleErrors)
}
