//go:build !wasm

package server

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"tinystages/app/ui"
	"tinystages/datasets/manifest"
)

func TestMain(m *testing.M) {
	ui.Register()
	os.Exit(m.Run())
}

const secret = "TOP-SECRET-OUTSIDE-WEB"

// fixture is a web directory like the built one, next to a file that must
// never be served.
type fixture struct {
	root, web string
	appWasm   []byte
	engWasm   []byte
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	root := t.TempDir()
	f := &fixture{root: root, web: filepath.Join(root, "web")}
	write := func(rel string, data []byte) {
		p := filepath.Join(f.web, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "secret.txt"), []byte(secret), 0o644); err != nil {
		t.Fatal(err)
	}
	f.appWasm = wasmLike(300<<10, 1)
	f.engWasm = wasmLike(MaxOnTheFlyBrotli+(100<<10), 2)
	write("app.wasm", f.appWasm)
	write("engine.wasm", f.engWasm)
	// Pre-compressed copies as make build writes them (at a lower effort
	// than Precompress, to keep the tests fast).
	for _, enc := range []string{"gzip", "br"} {
		c, err := compress(enc, f.appWasm)
		if err != nil {
			t.Fatal(err)
		}
		write("app.wasm"+encodingSuffix[enc], c)
	}
	write("app.css", []byte("/* a comment that minification removes */\nbody {\n    color : #ff0000 ;\n}\n"+strings.Repeat(".x { margin: 0px; }\n", 60)))
	write("icon.svg", []byte(`<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">
  <!-- comment -->
  <rect x="0" y="0" width="10" height="10" fill="#000000"/>
</svg>`))
	write("engine-worker.js", []byte("// the worker\nconst   x = 1 ;\nself.onmessage = (e) => {  console.log( x ) ; } ;\n"))
	write(".hidden", []byte(secret))
	m := manifest.Manifest{Version: manifest.Version, Tokenizer: manifest.Tokenizer{File: "tokenizer.json"},
		Datasets: []manifest.Dataset{{Name: "pretrain", Stage: manifest.StagePretraining, Files: []manifest.File{
			{Name: "pretrain.train.jsonl", Split: "train"}, {Name: "pretrain.eval.jsonl", Split: "eval"},
		}}}}
	data, _ := json.MarshalIndent(m, "", "    ")
	write("datasets/manifest.json", data)
	write("datasets/pretrain.train.jsonl", []byte(strings.Repeat(`{"id":"a","source":"news","quality":0.5,"text":"hello world"}`+"\n", 100)))
	write("datasets/pretrain.eval.jsonl", []byte(`{"id":"b","source":"news","quality":0.5,"text":"hello"}`+"\n"))
	write("datasets/tokenizer.json", []byte(`{"vocab": {"a": 1000, "b": 1001}}`))
	return f
}

// wasmLike returns n bytes that compress about as well as a wasm binary.
func wasmLike(n int, seed uint64) []byte {
	rng := rand.New(rand.NewPCG(seed, 0))
	words := make([][]byte, 64)
	for i := range words {
		words[i] = make([]byte, 3+rng.IntN(12))
		for j := range words[i] {
			words[i][j] = byte(rng.IntN(256))
		}
	}
	var b bytes.Buffer
	for b.Len() < n {
		b.Write(words[rng.IntN(len(words))])
	}
	return b.Bytes()[:n]
}

func (f *fixture) server(t *testing.T) *Server {
	t.Helper()
	s, err := New(Config{WebDir: f.web, Pages: ui.Paths()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestRoutes(t *testing.T) {
	s := newFixture(t).server(t)
	tests := []struct {
		path, ctype, contains string
	}{
		{"/", "text/html", "app.js"},
		{"/pretraining", "text/html", "Pre-training"},
		{"/pretraining?preset=tiny&lr=0.01", "text/html", "Pre-training"},
		{"/midtraining", "text/html", "Mid-training"},
		{"/posttraining", "text/html", "Post-training"},
		{"/app.js", "text/javascript; charset=utf-8", "goappInitWebAssembly"},
		{"/app-worker.js", "text/javascript; charset=utf-8", "ignoreSearch"},
		{"/wasm_exec.js", "text/javascript; charset=utf-8", "globalThis.Go"},
		{"/manifest.webmanifest", "application/manifest+json", "tinystages"},
		{"/app.css", "text/css; charset=utf-8", "goapp"},
		{"/embed/pretraining", "text/html", "data-embed"},
		{"/embed/midtraining", "text/html", "Mid-training"},
		{"/embed/posttraining?preset=tiny", "text/html", "Post-training"},
		{"/web/app.css", "text/css; charset=utf-8", "color:red"},
		{"/web/icon.svg", "image/svg+xml", "<svg"},
		{"/web/engine-worker.js", "text/javascript; charset=utf-8", "onmessage"},
		{"/web/app.wasm", "application/wasm", ""},
		{"/web/engine.wasm", "application/wasm", ""},
		{"/web/datasets/manifest.json", "application/json", `"datasets": [`},
		{"/web/datasets/pretrain.train.jsonl", "application/jsonl; charset=utf-8", `"source":"news"`},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			w := get(t, s, tt.path)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s = %d, want 200\n%s", tt.path, w.Code, w.Body)
			}
			if got := w.Header().Get("Content-Type"); got != tt.ctype {
				t.Errorf("GET %s Content-Type %q, want %q", tt.path, got, tt.ctype)
			}
			if !strings.Contains(w.Body.String(), tt.contains) {
				t.Errorf("GET %s body does not contain %q", tt.path, tt.contains)
			}
			// HTML reads disabled="false" as disabled.
			for _, bad := range []string{`disabled="false"`, `selected="false"`, `checked="false"`, ` style="`} {
				if strings.Contains(w.Body.String(), bad) {
					t.Errorf("GET %s body contains %s", tt.path, bad)
				}
			}
		})
	}
}

func TestMinified(t *testing.T) {
	f := newFixture(t)
	s := f.server(t)
	for _, p := range []string{"/web/app.css", "/web/icon.svg", "/web/engine-worker.js"} {
		body := get(t, s, p).Body.String()
		if strings.Contains(body, "comment") || strings.Contains(body, "\n    ") || strings.Contains(body, "  ") {
			t.Errorf("%s is not minified:\n%s", p, body)
		}
	}
	// Data is served byte for byte: the manifest's SHA-256 sums must hold
	// and strict parsers must read what was written (a JSON minifier
	// writes 1000 as 1e3).
	for _, rel := range []string{"datasets/manifest.json", "datasets/pretrain.train.jsonl", "datasets/tokenizer.json"} {
		want, err := os.ReadFile(filepath.Join(f.web, rel))
		if err != nil {
			t.Fatal(err)
		}
		if got := get(t, s, "/web/"+rel).Body.Bytes(); !bytes.Equal(got, want) {
			t.Errorf("/web/%s is not served byte for byte", rel)
		}
	}
}

func decode(t *testing.T, enc string, body []byte) []byte {
	t.Helper()
	var r io.Reader
	switch enc {
	case "":
		return body
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(body))
	default:
		t.Fatalf("unexpected encoding %q", enc)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v", enc, err)
	}
	return out
}

func TestCompressionNegotiation(t *testing.T) {
	f := newFixture(t)
	s := f.server(t)
	tests := []struct {
		path, accept, want string
	}{
		{"/web/app.wasm", "gzip, deflate, br, zstd", "br"},
		{"/web/app.wasm", "br", "br"},
		{"/web/app.wasm", "gzip", "gzip"},
		{"/web/app.wasm", "br;q=0, gzip;q=0.8", "gzip"},
		{"/web/app.wasm", "*", "br"},
		{"/web/app.wasm", "*, br;q=0", "gzip"},
		{"/web/app.wasm", "", ""},
		{"/web/app.wasm", "identity", ""},
		{"/web/app.wasm", "gzip;q=0, br;q=0", ""},
		{"/web/app.wasm", "GZIP", "gzip"},
		// engine.wasm has no pre-compressed copies and is too big for
		// brotli on the fly: gzip is made on the fly.
		{"/web/engine.wasm", "br", ""},
		{"/web/engine.wasm", "br, gzip", "gzip"},
		// Small text is compressed on the fly, minified first.
		{"/web/app.css", "br", "br"},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.accept, func(t *testing.T) {
			w := get(t, s, tt.path, "Accept-Encoding", tt.accept)
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			h := w.Header()
			if got := h.Get("Content-Encoding"); got != tt.want {
				t.Errorf("Content-Encoding %q, want %q", got, tt.want)
			}
			if got := h.Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("Vary %q, want Accept-Encoding", got)
			}
			body := w.Body.Bytes()
			if cl := h.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length %s, body has %d bytes", cl, len(body))
			}
			plain := decode(t, tt.want, body)
			if ul := h.Get(UncompressedLengthHeader); ul != strconv.Itoa(len(plain)) {
				t.Errorf("%s %s, decoded body has %d bytes", UncompressedLengthHeader, ul, len(plain))
			}
			switch tt.path {
			case "/web/app.wasm":
				if !bytes.Equal(plain, f.appWasm) {
					t.Error("decoded app.wasm differs from the file")
				}
			case "/web/engine.wasm":
				if !bytes.Equal(plain, f.engWasm) {
					t.Error("decoded engine.wasm differs from the file")
				}
			}
			if tt.want != "" && len(body) >= len(plain) {
				t.Errorf("%s body of %d bytes is not smaller than the %d plain bytes", tt.want, len(body), len(plain))
			}
		})
	}
}

// TestContentLengthOnTheWire checks what a browser sees: a real connection,
// no transparent decompression by the client.
func TestContentLengthOnTheWire(t *testing.T) {
	f := newFixture(t)
	ts := httptest.NewServer(f.server(t))
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, enc := range []string{"br", "gzip", "identity"} {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			req, _ := http.NewRequest(method, ts.URL+"/web/app.wasm", nil)
			req.Header.Set("Accept-Encoding", enc)
			res, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.ContentLength <= 0 {
				t.Errorf("%s %s: no Content-Length", method, enc)
			}
			if method == http.MethodGet && int64(len(body)) != res.ContentLength {
				t.Errorf("%s %s: Content-Length %d, %d bytes sent", method, enc, res.ContentLength, len(body))
			}
			if method == http.MethodHead && len(body) != 0 {
				t.Errorf("HEAD sent a body")
			}
		}
	}
}

func TestETag(t *testing.T) {
	s := newFixture(t).server(t)
	br := get(t, s, "/web/app.wasm", "Accept-Encoding", "br").Header().Get("ETag")
	gz := get(t, s, "/web/app.wasm", "Accept-Encoding", "gzip").Header().Get("ETag")
	id := get(t, s, "/web/app.wasm").Header().Get("ETag")
	if br == "" || br == gz || gz == id || br == id {
		t.Errorf("ETags per encoding must differ: br %s, gzip %s, identity %s", br, gz, id)
	}
	w := get(t, s, "/web/app.wasm", "Accept-Encoding", "br", "If-None-Match", br)
	if w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("If-None-Match with the current ETag = %d with %d bytes, want 304 and none", w.Code, w.Body.Len())
	}
	if w := get(t, s, "/web/app.wasm", "Accept-Encoding", "gzip", "If-None-Match", br); w.Code != 200 {
		t.Errorf("If-None-Match with another encoding's ETag = %d, want 200", w.Code)
	}
}

func TestFileChangeIsServed(t *testing.T) {
	f := newFixture(t)
	s := f.server(t)
	get(t, s, "/web/app.css")
	p := filepath.Join(f.web, "app.css")
	if err := os.WriteFile(p, []byte("p { color: blue }"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(p, later, later)
	if body := get(t, s, "/web/app.css").Body.String(); !strings.Contains(body, "blue") {
		t.Errorf("changed file not served: %q", body)
	}
}

func TestSecurityHeaders(t *testing.T) {
	s := newFixture(t).server(t)
	for _, p := range []string{"/", "/pretraining", "/app-worker.js", "/web/engine-worker.js", "/web/app.wasm", "/nope", "/web/%2e%2e/x"} {
		h := get(t, s, p).Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "worker-src 'self'",
			"connect-src 'self'", "object-src 'none'", "frame-ancestors 'self'", "style-src 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", p, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "'unsafe-eval'") {
			t.Errorf("%s: CSP allows inline code or eval: %q", p, csp)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", p, got)
		}
		if got := h.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", p, got)
		}
	}
}

// rawGet sends target exactly as written, over a real connection, so that
// no client normalises it first.
func rawGet(t *testing.T, addr, target string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", target, addr)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

func TestPathTraversalRefused(t *testing.T) {
	f := newFixture(t)
	ts := httptest.NewServer(f.server(t))
	defer ts.Close()
	addr := strings.TrimPrefix(ts.URL, "http://")
	for _, target := range []string{
		"/web/../secret.txt",
		"/web/../../secret.txt",
		"/../secret.txt",
		"/web/%2e%2e/secret.txt",
		"/web/%2E%2E/secret.txt",
		"/web/.%2e/secret.txt",
		"/web/..%2fsecret.txt",
		"/web/%2e%2e%2fsecret.txt",
		"/web%2f..%2fsecret.txt",
		"/web/..%5csecret.txt",
		"/web/..\\secret.txt",
		"/web/%252e%252e/secret.txt",
		"/web/%252e%252e%252fsecret.txt",
		"/web/%c0%ae%c0%ae/secret.txt",
		"/web/./app.css",
		"/web//app.css",
		"/web/app.css%00.png",
		"/web/.hidden",
		"/web/datasets/../../secret.txt",
	} {
		code, body := rawGet(t, addr, target)
		if code != http.StatusBadRequest && code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 400 or 404", target, code)
		}
		if strings.Contains(body, secret) {
			t.Errorf("GET %s leaked the file outside web/", target)
		}
	}
	// The refusals are 400s for dot segments and encoded separators.
	for _, target := range []string{"/web/../secret.txt", "/web/%2e%2e/secret.txt", "/web/..%2fsecret.txt", "/web/%252e%252e/secret.txt"} {
		if code, _ := rawGet(t, addr, target); code != http.StatusBadRequest {
			t.Errorf("GET %s = %d, want 400", target, code)
		}
	}
}

func TestNotFound(t *testing.T) {
	s := newFixture(t).server(t)
	for _, p := range []string{"/nope", "/pretraining/extra", "/web/", "/web/nope.css", "/web/datasets", "/web/datasets/",
		"/robots.txt", "/sitemap.xml", "/app.wasm", "/secret.txt"} {
		if w := get(t, s, p); w.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, w.Code)
		}
	}
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d, want 405", w.Code)
	}
}

func TestServiceWorkerCachesForOffline(t *testing.T) {
	s := newFixture(t).server(t)
	sw := get(t, s, "/app-worker.js").Body.String()
	for _, want := range []string{"/pretraining", "/midtraining", "/web/engine.wasm", "/web/engine-worker.js", "/web/app.wasm",
		"/web/datasets/manifest.json", "/web/datasets/pretrain.train.jsonl", "/web/datasets/pretrain.eval.jsonl",
		"/web/datasets/tokenizer.json", "/web/app.css", "ignoreSearch:", s.Version()} {
		if !strings.Contains(sw, want) {
			t.Errorf("app-worker.js does not mention %q", want)
		}
	}
	// Every listed resource must exist, or the service worker's
	// installation (cache.addAll) fails as a whole.
	list, err := CacheableResources(newFixture(t).web, ui.Paths())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if w := get(t, s, p); w.Code != 200 {
			t.Errorf("cacheable %s = %d", p, w.Code)
		}
	}
}

func TestCacheableSkipsMissing(t *testing.T) {
	f := newFixture(t)
	os.Remove(filepath.Join(f.web, "engine.wasm"))
	list, err := CacheableResources(f.web, ui.Paths())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range list {
		if p == "/web/engine.wasm" {
			t.Error("a missing engine.wasm is listed")
		}
	}
}

func TestVersion(t *testing.T) {
	f := newFixture(t)
	a, b := f.server(t).Version(), f.server(t).Version()
	if a == "" || a != b {
		t.Fatalf("versions %q and %q of the same files differ", a, b)
	}
	os.WriteFile(filepath.Join(f.web, "datasets", "pretrain.eval.jsonl"), []byte(`{"id":"c","source":"news","quality":0.5,"text":"changed"}`+"\n"), 0o644)
	if c := f.server(t).Version(); c == a {
		t.Error("changing a dataset did not change the version")
	}
	s, err := New(Config{WebDir: f.web, Pages: ui.Paths(), Version: "build-7"})
	if err != nil || s.Version() != "build-7" {
		t.Errorf("Version from the config: %q, %v", s.Version(), err)
	}
	if _, err := New(Config{WebDir: filepath.Join(f.root, "missing")}); err == nil {
		t.Error("New with a missing web directory succeeded")
	}
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	_, err = Listen("127.0.0.1:" + port)
	if err == nil {
		t.Fatal("listening on a taken port succeeded")
	}
	n, _ := strconv.Atoi(port)
	want := fmt.Sprintf("port %s is in use: stop the other server or pass -addr 127.0.0.1:%d", port, n+1)
	if err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	f := newFixture(t)
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var log bytes.Buffer
	errc := make(chan error, 1)
	go func() { errc <- Serve(ctx, ln, f.server(t), &log) }()
	res, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("GET / = %d", res.StatusCode)
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("Serve returned %v after shutdown, want nil", err)
		}
	case <-time.After(ShutdownTimeout + time.Second):
		t.Fatal("Serve did not return after its context was cancelled")
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

func TestAcceptedEncodings(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", ""},
		{"gzip", "gzip"},
		{"br, gzip", "br,gzip"},
		{"gzip;q=0.5, br;q=0.1", "br,gzip"},
		{"br;q=0", ""},
		{"*;q=0.2", "br,gzip"},
		{"deflate, identity", ""},
		{"gzip;q=x", ""},
		{"gzip;q=1.5", ""},
	}
	for _, tt := range tests {
		if got := strings.Join(acceptedEncodings(tt.header), ","); got != tt.want {
			t.Errorf("acceptedEncodings(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

// TestProjectAssets minifies the repository's own web/ files: a syntax
// error in app.css or the worker script fails here, not in a browser.
func TestProjectAssets(t *testing.T) {
	web := filepath.Join("..", "..", "web")
	st := newStatic(web)
	for _, rel := range []string{"app.css", "icon.svg", "engine-worker.js", "architecture.svg"} {
		if _, err := os.Stat(filepath.Join(web, rel)); err != nil {
			t.Errorf("web/%s: %v", rel, err)
			continue
		}
		a, err := st.load(rel)
		if err != nil {
			t.Errorf("web/%s: %v", rel, err)
			continue
		}
		raw, _ := os.ReadFile(filepath.Join(web, rel))
		if len(a.variants[""]) >= len(raw) {
			t.Errorf("web/%s: minified %d bytes from %d", rel, len(a.variants[""]), len(raw))
		}
	}
}

func TestPrecompress(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "x.wasm")
	data := wasmLike(64<<10, 3)
	os.WriteFile(name, data, 0o644)
	if err := Precompress(name); err != nil {
		t.Fatal(err)
	}
	for enc, suffix := range encodingSuffix {
		c, err := os.ReadFile(name + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, enc, c); !bytes.Equal(got, data) {
			t.Errorf("%s copy does not decode to the file", enc)
		}
		if len(c) >= len(data) {
			t.Errorf("%s copy of %d bytes is not smaller than %d", enc, len(c), len(data))
		}
	}
	if err := Precompress(filepath.Join(dir, "missing.wasm")); err == nil {
		t.Error("Precompress of a missing file succeeded")
	}
}
