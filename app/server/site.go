//go:build !wasm

package server

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// A static build is the whole app as files, for a host that serves files
// and nothing else (GitHub Pages, an S3 bucket, nginx, http.FileServer),
// at the root of a site or under a sub-path:
//
//	index.html                     the overview
//	pretraining/index.html         every page, as a folder: /pretraining/
//	embed/pretraining/index.html   the embeddable pages
//	app.js app-worker.js wasm_exec.js manifest.webmanifest app.css
//	web/...                        app.wasm, engine.wasm, the worker script,
//	                               the datasets, the checkpoints, CSS, icons
//
// The pages are rendered by the same server the Go program runs, with
// every URL (links, scripts, the service worker and what it caches) under
// the base path. Nothing needs a server at run time: the engine fetches
// its files relative to its worker script, and the service worker makes
// the whole app work offline after the first visit. The project's CSS, SVG
// and JavaScript are minified; the data is copied byte for byte.
//
// A static host sends no headers of the app's choosing: no
// Content-Security-Policy (the pages carry none in <meta> either, as
// frame-ancestors cannot be set there and embeds must stay frameable) and
// no pre-compressed wasm (most hosts compress on the fly).

// StaticReport says what WriteStatic wrote.
type StaticReport struct {
	Dir   string
	Base  string
	Files int
	Bytes int64
}

func (r StaticReport) String() string {
	return fmt.Sprintf("wrote %d files, %.1f MB, to %s for hosting under %s", r.Files, float64(r.Bytes)/1e6, r.Dir, r.Base)
}

// WriteStatic writes the app as a static site into dir (created if
// missing; files of a previous build are replaced, others left alone), for
// hosting under the URL path base ("/", or "/tinystages/" for
// https://user.github.io/tinystages/).
func WriteStatic(dir string, cfg Config, base string) (StaticReport, error) {
	base = "/" + strings.Trim(base, "/") + "/"
	if base == "//" {
		base = "/"
	}
	rep := StaticReport{Dir: dir, Base: base}
	if strings.ContainsAny(base, "?#\\ ") || strings.Contains(base, "/../") || strings.Contains(base, "/./") {
		return rep, fmt.Errorf("server: base path %q: want a plain path such as /tinystages/", base)
	}
	// go-app keeps its settings in the process environment: put it back
	// as it was, for other handlers in this process.
	restore := saveEnv("GOAPP_VERSION", "GOAPP_STATIC_RESOURCES_URL", "GOAPP_ROOT_PREFIX", "GOAPP_INTERNAL_URLS", EnvBase)
	defer restore()
	s, err := newServer(cfg, base)
	if err != nil {
		return rep, err
	}
	write := func(rel string, data []byte) error {
		name := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			return err
		}
		if err := writeFileAtomic(name, data); err != nil {
			return err
		}
		rep.Files++
		rep.Bytes += int64(len(data))
		return nil
	}
	get := func(p string) ([]byte, error) {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, p, nil)) // no Accept-Encoding: identity
		if w.Code != http.StatusOK {
			return nil, fmt.Errorf("server: static build: GET %s = %d", p, w.Code)
		}
		return w.Body.Bytes(), nil
	}

	// The pages, each as a folder's index.html.
	var pages []string
	for p := range s.pages {
		pages = append(pages, p)
	}
	sort.Strings(pages)
	for _, p := range pages {
		body, err := get(p)
		if err != nil {
			return rep, err
		}
		if err := write(path.Join(strings.TrimPrefix(p, "/"), "index.html"), body); err != nil {
			return rep, err
		}
	}
	// go-app's files.
	for _, p := range goAppFiles {
		if err := write(p[1:], s.goapp[p].variants[""]); err != nil {
			return rep, err
		}
	}
	// Everything under web/ the server would serve, as it serves it
	// (minified), without the pre-compressed copies.
	err = filepath.WalkDir(cfg.WebDir, func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(cfg.WebDir, name)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && hidden(rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || hidden(rel) || isCompressedCopy(rel) || strings.HasSuffix(rel, ".tmp") {
			return nil
		}
		a, err := s.static.load(rel)
		if err != nil {
			return err
		}
		return write("web/"+rel, a.variants[""])
	})
	if err != nil {
		return rep, err
	}
	// GitHub Pages: serve files as they are (no Jekyll).
	if err := write(".nojekyll", nil); err != nil {
		return rep, err
	}
	return rep, nil
}

// saveEnv records environment variables and returns a function that puts
// them back.
func saveEnv(keys ...string) func() {
	type kv struct {
		v  string
		ok bool
	}
	saved := map[string]kv{}
	for _, k := range keys {
		v, ok := os.LookupEnv(k)
		saved[k] = kv{v, ok}
	}
	return func() {
		for k, s := range saved {
			if s.ok {
				os.Setenv(k, s.v)
			} else {
				os.Unsetenv(k)
			}
		}
	}
}
