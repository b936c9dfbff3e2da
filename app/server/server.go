//go:build !wasm

package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/datasets/manifest"
)

// Config says what a Server serves.
type Config struct {
	// WebDir is the directory served under /web/ ("web" in the repository).
	WebDir string
	// Pages are the paths of the app's routes ("/", "/pretraining", ...):
	// the only paths besides /web/ and go-app's own files that are served.
	Pages []string
	// Version is the build id (app.Handler.Version). Empty means a hash of
	// the files the service worker caches, so the id changes exactly when
	// a reader's offline copy must.
	Version string
}

// Server serves the app. It is an http.Handler.
type Server struct {
	app     *app.Handler
	static  *static
	pages   map[string]bool
	version string
	// goapp holds go-app's generated files (app.js, the service worker,
	// wasm_exec.js, ...), patched (goapp.go), minified and compressed.
	goapp map[string]*asset
}

// New returns a Server for cfg. It reads the datasets' manifest to list
// what the service worker must cache for offline use.
func New(cfg Config) (*Server, error) {
	return newServer(cfg, "")
}

// newServer returns a Server for cfg. A non-empty base renders the site
// for a static host that serves it under the path base ("/" or
// "/tinystages/", with its slashes): see WriteStatic.
func newServer(cfg Config, base string) (*Server, error) {
	fi, err := os.Stat(cfg.WebDir)
	if err != nil {
		return nil, fmt.Errorf("server: web directory: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("server: web directory %s is not a directory", cfg.WebDir)
	}
	cacheable, err := CacheableResources(cfg.WebDir, cfg.Pages)
	if err != nil {
		return nil, err
	}
	res := resolver{base: "/"}
	var env map[string]string
	if base != "" {
		// A static host serves a page as a folder's index.html: the
		// service worker caches, and the pages link to, /pretraining/.
		for i, c := range cacheable {
			if !strings.HasPrefix(c, "/web/") {
				cacheable[i] = c + "/"
			}
		}
		res.base = base
		env = map[string]string{EnvBase: base}
	}
	version := cfg.Version
	if version == "" {
		version, err = contentVersion(cfg.WebDir, cacheable)
		if err != nil {
			return nil, err
		}
	}
	sw, err := serviceWorkerTemplate()
	if err != nil {
		return nil, err
	}
	s := &Server{
		static:  newStatic(cfg.WebDir),
		pages:   map[string]bool{},
		version: version,
		app: &app.Handler{
			Name:            "tinystages",
			ShortName:       "tinystages",
			Title:           "tinystages: pre-, mid- and post-training, live in your browser",
			Description:     "A tiny GPT pre-trained, mid-trained and post-trained live in your browser, to show what each stage of LLM training changes.",
			Author:          "the tinystages authors",
			Lang:            "en",
			Icon:            app.Icon{Default: "/web/icon-192.png", Large: "/web/icon-512.png", Maskable: "/web/icon-512.png", SVG: "/web/icon.svg"},
			BackgroundColor: "#101418",
			ThemeColor:      "#101418",
			LoadingLabel:    "Loading tinystages {progress}%",
			Styles:          []string{"/web/app.css"},
			Resources:       res,
			Env:             env,
			Version:         version,
			// app.wasm is sent compressed, so Content-Length is the
			// compressed size; go-app's progress bar needs the real one.
			WasmContentLengthHeader: UncompressedLengthHeader,
			CacheableResources:      cacheable,
			ServiceWorkerTemplate:   sw,
		},
	}
	for _, p := range cfg.Pages {
		s.pages[p] = true
	}
	if s.goapp, err = s.goAppAssets(); err != nil {
		return nil, err
	}
	return s, nil
}

// EnvBase is the environment variable (app.Getenv, in the browser) that
// holds the base path of a static build; it is unset on the Go server.
// Package ui reads it to spell links to pages.
const EnvBase = "TINYSTAGES_BASE"

// Version returns the build id the app is served with.
func (s *Server) Version() string { return s.version }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	setSecurityHeaders(w.Header(), r.URL.Path)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p, err := checkPath(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch {
	case strings.HasPrefix(p, "/web/"):
		rel := strings.TrimPrefix(p, "/web/")
		if rel == "" || hidden(rel) {
			http.NotFound(w, r)
			return
		}
		s.static.serve(w, r, rel)
	case s.goapp[p] != nil:
		serveAsset(w, r, s.goapp[p])
	case s.pages[p]:
		s.app.ServeHTTP(w, r)
	default:
		http.NotFound(w, r)
	}
}

// ErrBadPath is returned by checkPath for a request path that could leave
// the served tree or is ambiguous.
var ErrBadPath = errors.New("bad request path")

// checkPath returns the request's decoded path if it is absolute and has no
// dot segments, empty segments, backslashes or NUL, and its raw form
// encodes no slash, backslash, NUL or percent sign (double encoding).
func checkPath(r *http.Request) (string, error) {
	raw := r.RequestURI
	if raw == "" {
		raw = r.URL.EscapedPath()
	}
	raw, _, _ = strings.Cut(raw, "?")
	lower := strings.ToLower(raw)
	for _, enc := range []string{"%2f", "%5c", "%00", "%25"} {
		if strings.Contains(lower, enc) {
			return "", fmt.Errorf("%w: encoded %s", ErrBadPath, enc)
		}
	}
	p := r.URL.Path
	if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, "\\\x00") {
		return "", ErrBadPath
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		switch {
		case seg == "." || seg == "..":
			return "", fmt.Errorf("%w: dot segment", ErrBadPath)
		case seg == "" && i != len(segs)-1:
			return "", fmt.Errorf("%w: empty segment", ErrBadPath)
		}
	}
	return p, nil
}

// hidden reports whether a path has a segment starting with a dot.
func hidden(rel string) bool {
	for _, seg := range strings.Split(rel, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// resolver places the app's absolute paths ("/web/app.css", "/app.js",
// "/pretraining/") under base ("/" on the Go server, "/tinystages/" on a
// static host under a sub-path). It is not an http.Handler, so app.Handler
// leaves /web/ to the Server's static handler. A path already under base
// (a link that package ui spelled for the static site) is left alone.
type resolver struct{ base string }

func (r resolver) Resolve(loc string) string {
	switch {
	case loc == "" || loc == "/":
		return r.base
	case strings.HasPrefix(loc, "http://"), strings.HasPrefix(loc, "https://"), !strings.HasPrefix(loc, "/"):
		return loc
	case r.base != "/" && strings.HasPrefix(loc, r.base):
		return loc
	}
	return r.base + loc[1:]
}

// swFetchOld and swFetchNew patch go-app's service worker so that a page
// URL with a query (/pretraining?preset=nano: run settings) is served from
// the cached page when offline.
const (
	swFetchOld = "async function fetchWithCache(request) {\n  const cachedResponse = await caches.match(request);\n"
	swFetchNew = "async function fetchWithCache(request) {\n" +
		"  let cachedResponse = await caches.match(request);\n" +
		"  if (!cachedResponse && request.mode === \"navigate\") {\n" +
		"    // tinystages: page URLs carry run settings in their query.\n" +
		"    cachedResponse = await caches.match(request, { ignoreSearch: true });\n" +
		"  }\n"
)

func serviceWorkerTemplate() (string, error) {
	if !strings.Contains(app.DefaultAppWorkerJS, swFetchOld) {
		return "", errors.New("server: go-app's service worker template changed; update swFetchOld")
	}
	return strings.Replace(app.DefaultAppWorkerJS, swFetchOld, swFetchNew, 1), nil
}

// CacheableResources lists what the service worker pre-caches besides
// go-app's own files: the pages (not the embeds), the project's static
// files, the engine,
// every dataset file the manifest names, and the shipped checkpoints.
// Files that do not exist (an engine not built yet) are left out, since one
// missing file fails the whole service worker installation.
func CacheableResources(webDir string, pages []string) ([]string, error) {
	var out []string
	for _, p := range pages {
		// Not the embeds: they run no service worker, and a cached copy
		// would show the preview of another URL's settings (the worker
		// answers a page with a query from the page without it).
		if p != "/" && !strings.HasPrefix(p, EmbedPrefix) {
			out = append(out, p)
		}
	}
	add := func(rel string) {
		if fi, err := os.Stat(filepath.Join(webDir, filepath.FromSlash(rel))); err == nil && fi.Mode().IsRegular() {
			out = append(out, "/web/"+rel)
		}
	}
	for _, rel := range []string{"app.css", "icon.svg", "icon-192.png", "icon-512.png", "engine-worker.js", "engine.wasm"} {
		add(rel)
	}
	mpath := filepath.Join(webDir, "datasets", manifest.FileName)
	data, err := os.ReadFile(mpath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// no datasets built yet: the pages say so
	case err != nil:
		return nil, err
	default:
		var m manifest.Manifest
		if err := json.Unmarshal(data, &m); err != nil {
			return nil, fmt.Errorf("server: %s: %w", mpath, err)
		}
		add("datasets/" + manifest.FileName)
		if m.Tokenizer.File != "" {
			add("datasets/" + m.Tokenizer.File)
		}
		for _, d := range m.Datasets {
			for _, f := range d.Files {
				add("datasets/" + f.Name)
			}
		}
	}
	ckpts, err := os.ReadDir(filepath.Join(webDir, "checkpoints"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	for _, e := range ckpts {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") && !isCompressedCopy(e.Name()) {
			add("checkpoints/" + e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

func isCompressedCopy(name string) bool {
	ext := path.Ext(name)
	return ext == ".gz" || ext == ".br"
}

// contentVersion hashes app.wasm and the cacheable files under /web/.
func contentVersion(webDir string, cacheable []string) (string, error) {
	h := sha256.New()
	files := []string{"/web/app.wasm"}
	for _, c := range cacheable {
		if strings.HasPrefix(c, "/web/") {
			files = append(files, c)
		}
	}
	for _, f := range files {
		rel := strings.TrimPrefix(f, "/web/")
		fh, err := os.Open(filepath.Join(webDir, filepath.FromSlash(rel)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00", rel)
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8]), nil
}
