//go:build !wasm

package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"tinystages/app/ui"
)

// TestFramingHeaders: only the embeddable pages may be framed by other
// sites; everything else, their files included, keeps 'self'.
func TestFramingHeaders(t *testing.T) {
	s := newFixture(t).server(t)
	tests := []struct {
		path  string
		embed bool
	}{
		{"/embed/pretraining", true},
		{"/embed/pretraining?autoplay=1&preset=nano", true},
		{"/embed/midtraining", true},
		{"/embed/posttraining", true},
		{"/", false},
		{"/pretraining", false},
		{"/app.js", false},
		{"/wasm_exec.js", false},
		{"/app-worker.js", false},
		{"/web/app.wasm", false},
		{"/web/engine.wasm", false},
		{"/web/engine-worker.js", false},
		{"/web/datasets/pretrain.train.jsonl", false},
	}
	for _, tt := range tests {
		w := get(t, s, tt.path)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s = %d", tt.path, w.Code)
			continue
		}
		h := w.Header()
		csp, xfo, corp := h.Get("Content-Security-Policy"), h.Get("X-Frame-Options"), h.Get("Cross-Origin-Resource-Policy")
		if tt.embed {
			if csp != EmbedContentSecurityPolicy || !strings.HasSuffix(csp, "frame-ancestors *") || xfo != "" || corp != "cross-origin" {
				t.Errorf("%s: CSP %q, X-Frame-Options %q, CORP %q; want any site to frame it", tt.path, csp, xfo, corp)
			}
		} else if csp != ContentSecurityPolicy || !strings.HasSuffix(csp, "frame-ancestors 'self'") || xfo != "SAMEORIGIN" || corp != "same-origin" {
			t.Errorf("%s: CSP %q, X-Frame-Options %q, CORP %q; want framing by this origin only", tt.path, csp, xfo, corp)
		}
		// Everything else of the policy is the same.
		if !strings.Contains(csp, "script-src 'self' 'wasm-unsafe-eval'; ") || !strings.Contains(csp, "style-src 'self'; ") {
			t.Errorf("%s: CSP %q", tt.path, csp)
		}
	}
	// The embed prefix is not a wildcard for anything else.
	for _, p := range []string{"/embed/", "/embed/nope", "/embed", "/embed/pretraining/x", "/embedded/pretraining"} {
		w := get(t, s, p)
		if w.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, w.Code)
		}
	}
}

// TestEmbedPreview: the server-rendered embed is a still preview that works
// without app.wasm: what the stage does, an inline SVG chart, a Play
// button app.js listens for, and the URL's problems.
func TestEmbedPreview(t *testing.T) {
	s := newFixture(t).server(t)
	body := get(t, s, "/embed/pretraining?preset=nano&steps=120&autoplay=1").Body.String()
	for _, want := range []string{`data-embed="pretraining"`, `data-autoplay="1"`, "embed-idle", `data-play="1"`,
		`<svg`, `class="chart"`, "polyline", "Train it here", "120 steps", `target="_blank"`, `href="/pretraining?`} {
		if !strings.Contains(body, want) {
			t.Errorf("embed page lacks %s", want)
		}
	}
	for _, bad := range []string{`site-nav`, ` style="`, `disabled="false"`} {
		if strings.Contains(body, bad) {
			t.Errorf("embed page has %s", bad)
		}
	}
	body = get(t, s, "/embed/pretraining?steps=0&controls=chart,dials&autoplay=maybe").Body.String()
	for _, want := range []string{"settings-problems", `steps=&#34;0&#34;`, "controls=", "dials", "autoplay=", "1 or 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("embed page with bad parameters lacks %s", want)
		}
	}
	if strings.Contains(body, `data-autoplay`) {
		t.Error("a bad autoplay value autoplays")
	}
}

// TestAppJS: go-app's loader is patched (light embeds, a quiet service
// worker failure), and go-app's files are compressed like the others.
func TestAppJS(t *testing.T) {
	s := newFixture(t).server(t)
	js := get(t, s, "/app.js").Body.String()
	for _, want := range []string{"tinystagesStart()", "[data-embed]", "IntersectionObserver", "tinystagesPlay", "goappInitWebAssembly()", "tinystagesNoServiceWorker"} {
		if !strings.Contains(js, want) {
			t.Errorf("app.js lacks %s", want)
		}
	}
	if strings.Contains(js, `console.error("goapp service worker registration failed`) {
		t.Error("app.js still reports a refused service worker as an error")
	}
	for _, p := range []string{"/app.js", "/wasm_exec.js", "/app-worker.js"} {
		w := get(t, s, p, "Accept-Encoding", "br")
		plain := get(t, s, p).Body.Len()
		if w.Header().Get("Content-Encoding") != "br" || w.Body.Len() >= plain {
			t.Errorf("%s: Content-Encoding %q, %d bytes for %d", p, w.Header().Get("Content-Encoding"), w.Body.Len(), plain)
		}
		etag := w.Header().Get("ETag")
		if w := get(t, s, p, "Accept-Encoding", "br", "If-None-Match", etag); w.Code != http.StatusNotModified {
			t.Errorf("%s: If-None-Match = %d, want 304", p, w.Code)
		}
	}
	if _, err := patchAppJS("function nothing() {}"); err == nil {
		t.Error("patching an unknown app.js succeeded")
	}
}

func TestResolver(t *testing.T) {
	tests := []struct{ base, in, want string }{
		{"/", "", "/"},
		{"/", "/", "/"},
		{"/", "/web/app.css", "/web/app.css"},
		{"/", "/pretraining", "/pretraining"},
		{"/sub/path/", "/", "/sub/path/"},
		{"/sub/path/", "/web", "/sub/path/web"},
		{"/sub/path/", "/web/app.wasm", "/sub/path/web/app.wasm"},
		{"/sub/path/", "/app-worker.js", "/sub/path/app-worker.js"},
		{"/sub/path/", "/sub/path/pretraining/", "/sub/path/pretraining/"}, // spelled by package ui
		{"/sub/path/", "https://example.org/x.png", "https://example.org/x.png"},
		{"/sub/path/", "#content", "#content"},
	}
	for _, tt := range tests {
		if got := (resolver{tt.base}).Resolve(tt.in); got != tt.want {
			t.Errorf("resolver{%q}.Resolve(%q) = %q, want %q", tt.base, tt.in, got, tt.want)
		}
	}
}

// TestWriteStatic builds the static site for a sub-path and serves it with
// a plain file server: every page, every file the service worker caches
// and every file a page links to is there, under the sub-path.
func TestWriteStatic(t *testing.T) {
	f := newFixture(t)
	os.WriteFile(filepath.Join(f.web, "engine.wasm.gz"), []byte("pre-compressed"), 0o644)
	for _, icon := range []string{"icon-192.png", "icon-512.png"} {
		os.WriteFile(filepath.Join(f.web, icon), []byte("\x89PNG"), 0o644)
	}
	os.MkdirAll(filepath.Join(f.web, "checkpoints"), 0o755)
	os.WriteFile(filepath.Join(f.web, "checkpoints", "base.safetensors"), []byte("weights"), 0o644)
	out := filepath.Join(f.root, "static")
	rep, err := WriteStatic(out, Config{WebDir: f.web, Pages: ui.Paths()}, "sub/path")
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep)
	if rep.Base != "/sub/path/" || rep.Files < 15 {
		t.Errorf("report %+v", rep)
	}
	if v := os.Getenv(EnvBase); v != "" {
		t.Errorf("WriteStatic left %s=%q in the environment", EnvBase, v)
	}
	for _, rel := range []string{"index.html", "pretraining/index.html", "midtraining/index.html", "embed/pretraining/index.html",
		"app.js", "app-worker.js", "wasm_exec.js", "manifest.webmanifest", "app.css", ".nojekyll",
		"web/app.wasm", "web/engine.wasm", "web/engine-worker.js", "web/app.css", "web/icon.svg",
		"web/datasets/manifest.json", "web/datasets/pretrain.train.jsonl", "web/checkpoints/base.safetensors"} {
		if _, err := os.Stat(filepath.Join(out, rel)); err != nil {
			t.Errorf("missing %s: %v", rel, err)
		}
	}
	for _, rel := range []string{"web/app.wasm.br", "web/app.wasm.gz", "web/engine.wasm.gz", "web/.hidden", "secret.txt"} {
		if _, err := os.Stat(filepath.Join(out, rel)); err == nil {
			t.Errorf("%s was written", rel)
		}
	}
	css, _ := os.ReadFile(filepath.Join(out, "web", "app.css"))
	if strings.Contains(string(css), "comment") {
		t.Error("web/app.css is not minified")
	}
	data, _ := os.ReadFile(filepath.Join(out, "web", "datasets", "manifest.json"))
	if want, _ := os.ReadFile(filepath.Join(f.web, "datasets", "manifest.json")); string(data) != string(want) {
		t.Error("data was not copied byte for byte")
	}

	mux := http.NewServeMux()
	mux.Handle("/sub/path/", http.StripPrefix("/sub/path", http.FileServer(http.Dir(out))))
	ts := httptest.NewServer(mux)
	defer ts.Close()
	fetch := func(p string) (int, string) {
		res, err := http.Get(ts.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, index := fetch("/sub/path/")
	if code != 200 {
		t.Fatalf("GET /sub/path/ = %d", code)
	}
	// Every URL of the pages is under the base path.
	attr := regexp.MustCompile(`(?:href|src)="([^"]*)"`)
	for _, page := range []string{"/sub/path/", "/sub/path/pretraining/?preset=tiny", "/sub/path/embed/pretraining/"} {
		code, html := fetch(page)
		if code != 200 {
			t.Errorf("GET %s = %d", page, code)
			continue
		}
		for _, m := range attr.FindAllStringSubmatch(html, -1) {
			u := m[1]
			if strings.HasPrefix(u, "#") || strings.HasPrefix(u, "https://") {
				continue
			}
			if !strings.HasPrefix(u, "/sub/path/") {
				t.Errorf("%s links to %s, outside the base path", page, u)
				continue
			}
			if c, _ := fetch(strings.SplitN(u, "?", 2)[0]); c != 200 {
				t.Errorf("%s links to %s: %d", page, u, c)
			}
		}
	}
	if !strings.Contains(index, `href="/sub/path/pretraining/"`) {
		t.Error("the overview does not link to /sub/path/pretraining/")
	}
	// The loader knows the base path.
	_, appJS := fetch("/sub/path/app.js")
	for _, want := range []string{`GOAPP_ROOT_PREFIX:"/sub/path/"`, `GOAPP_STATIC_RESOURCES_URL:"/sub/path/web"`, `TINYSTAGES_BASE:"/sub/path/"`,
		`/sub/path/app-worker.js`, `/sub/path/web/app.wasm`} {
		if !strings.Contains(strings.ReplaceAll(appJS, `"GOAPP`, "GOAPP"), want) {
			t.Errorf("app.js lacks %s", want)
		}
	}
	// Everything the service worker pre-caches is there: one missing file
	// fails its installation, and with it the offline app.
	_, sw := fetch("/sub/path/app-worker.js")
	m := regexp.MustCompile(`resourcesToCache=(\[[^\]]*\])`).FindStringSubmatch(sw)
	if m == nil {
		t.Fatalf("no resourcesToCache in app-worker.js:\n%s", sw)
	}
	var list []string
	if err := json.Unmarshal([]byte(m[1]), &list); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"/sub/path/", "/sub/path/pretraining/", "/sub/path/web/engine.wasm", "/sub/path/wasm_exec.js"} {
		if !contains(list, want) {
			t.Errorf("the service worker does not cache %s", want)
		}
	}
	if contains(list, "/sub/path/embed/pretraining/") {
		t.Error("the service worker caches an embed")
	}
	for _, u := range list {
		if c, _ := fetch(u); c != 200 {
			t.Errorf("cached resource %s = %d", u, c)
		}
	}

	if _, err := WriteStatic(filepath.Join(f.root, "x"), Config{WebDir: f.web, Pages: ui.Paths()}, "/a b/"); err == nil {
		t.Error("a base path with a space was accepted")
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
