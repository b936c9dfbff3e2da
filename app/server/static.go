//go:build !wasm

package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/tdewolff/minify/v2"
	"github.com/tdewolff/minify/v2/css"
	"github.com/tdewolff/minify/v2/js"
	"github.com/tdewolff/minify/v2/json"
	"github.com/tdewolff/minify/v2/svg"
)

// UncompressedLengthHeader carries the size of a file before compression,
// which go-app's loader uses to show app.wasm's download progress
// (app.Handler.WasmContentLengthHeader).
const UncompressedLengthHeader = "X-Uncompressed-Length"

// contentTypes of the files under /web/, by extension.
var contentTypes = map[string]string{
	".wasm":        "application/wasm",
	".js":          "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".svg":         "image/svg+xml",
	".json":        "application/json",
	".jsonl":       "application/jsonl; charset=utf-8",
	".md":          "text/markdown; charset=utf-8",
	".txt":         "text/plain; charset=utf-8",
	".png":         "image/png",
	".webmanifest": "application/manifest+json",
	".safetensors": "application/octet-stream",
}

// minifiers are the media types minified before serving, by extension.
// Only the project's own files are minified: data (datasets/, checkpoints/)
// is served byte for byte as built, so that it matches the SHA-256 sums of
// the manifest and strict parsers (a minifier writes 1000 as 1e3).
var minifiers = map[string]string{
	".css":  "text/css",
	".svg":  "image/svg+xml",
	".json": "application/json",
	".js":   "text/javascript",
}

// compressible reports whether files with extension ext are worth
// compressing (images such as PNG already are compressed).
func compressible(ext string) bool {
	switch ext {
	case ".png":
		return false
	}
	return true
}

func contentType(name string) string {
	ext := strings.ToLower(path.Ext(name))
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	if t := mime.TypeByExtension(ext); t != "" {
		return t
	}
	return "application/octet-stream"
}

// static serves the files of a directory, minified and compressed.
type static struct {
	dir string
	min *minify.M

	mu    sync.Mutex
	cache map[string]*asset // by clean relative path
}

// asset is one file ready to serve, in each encoding it exists in.
type asset struct {
	modTime  time.Time // of the source file when loaded
	size     int64
	ctype    string
	etag     string            // of the identity body, quoted
	variants map[string][]byte // "" (identity), "gzip", "br"
}

func newStatic(dir string) *static {
	m := minify.New()
	m.AddFunc("text/css", css.Minify)
	m.AddFunc("image/svg+xml", svg.Minify)
	m.AddFunc("application/json", json.Minify)
	m.AddFunc("text/javascript", js.Minify)
	return &static{dir: dir, min: m, cache: map[string]*asset{}}
}

// serve answers a request for the file rel (a clean, relative,
// slash-separated path inside the directory).
func (s *static) serve(w http.ResponseWriter, r *http.Request, rel string) {
	a, err := s.load(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		http.NotFound(w, r)
		return
	case err != nil:
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	serveAsset(w, r, a)
}

// serveAsset answers a request for a, in the best encoding the client
// accepts, with an ETag per encoding.
func serveAsset(w http.ResponseWriter, r *http.Request, a *asset) {
	h := w.Header()
	enc := ""
	if len(a.variants) > 1 {
		h.Set("Vary", "Accept-Encoding")
		for _, e := range acceptedEncodings(r.Header.Get("Accept-Encoding")) {
			if _, ok := a.variants[e]; ok {
				enc = e
				break
			}
		}
	}
	body := a.variants[enc]
	etag := a.etag
	if enc != "" {
		h.Set("Content-Encoding", enc)
		etag = strings.TrimSuffix(etag, `"`) + "-" + enc + `"`
	}
	h.Set("Content-Type", a.ctype)
	h.Set("ETag", etag)
	h.Set("Cache-Control", "no-cache")
	h.Set(UncompressedLengthHeader, strconv.Itoa(len(a.variants[""])))
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// load returns the asset for rel, from the cache while the file is
// unchanged.
func (s *static) load(rel string) (*asset, error) {
	name := filepath.Join(s.dir, filepath.FromSlash(rel))
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fs.ErrNotExist // no directory listings
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a, ok := s.cache[rel]; ok && a.modTime.Equal(fi.ModTime()) && a.size == fi.Size() {
		return a, nil
	}
	a, err := s.build(name, rel, fi)
	if err != nil {
		return nil, err
	}
	s.cache[rel] = a
	return a, nil
}

// build reads, minifies and compresses one file.
func (s *static) build(name, rel string, fi fs.FileInfo) (*asset, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	a, err := s.newAsset(rel, data, name, fi.ModTime())
	if err != nil {
		return nil, err
	}
	a.size = fi.Size()
	return a, nil
}

// newAsset minifies (unless rel is data) and compresses data, the content
// of the file rel. name, if not empty, is the file on disk, whose
// pre-compressed siblings (name.br, name.gz) no older than modTime are
// used in place of compressing.
func (s *static) newAsset(rel string, data []byte, name string, modTime time.Time) (*asset, error) {
	ext := strings.ToLower(path.Ext(rel))
	a := &asset{modTime: modTime, size: int64(len(data)), ctype: contentType(rel), variants: map[string][]byte{}}
	minified := false
	if mt, ok := minifiers[ext]; ok && !isData(rel) {
		out, err := s.min.Bytes(mt, data)
		if err != nil {
			return nil, fmt.Errorf("server: minifying %s: %w", rel, err)
		}
		data, minified = out, true
	}
	a.variants[""] = data
	sum := sha256.Sum256(data)
	a.etag = `"` + hex.EncodeToString(sum[:12]) + `"`
	if !compressible(ext) || len(data) < 512 {
		return a, nil
	}
	for _, enc := range []string{"br", "gzip"} {
		// A pre-compressed sibling is used when it is at least as new as
		// the file (make build writes both); minified files are always
		// compressed here, since the sibling would hold the unminified text.
		if !minified && name != "" {
			if c, ok := readSibling(name+encodingSuffix[enc], modTime); ok {
				a.variants[enc] = c
				continue
			}
		}
		if enc == "br" && len(data) > MaxOnTheFlyBrotli {
			continue // too slow to do per request; make build makes name.br
		}
		c, err := compress(enc, data)
		if err != nil {
			return nil, err
		}
		if len(c) < len(data) {
			a.variants[enc] = c
		}
	}
	return a, nil
}

// isData reports whether rel (relative to the web directory) is generated
// data: a dataset or a checkpoint.
func isData(rel string) bool {
	return strings.HasPrefix(rel, "datasets/") || strings.HasPrefix(rel, "checkpoints/")
}

var encodingSuffix = map[string]string{"br": ".br", "gzip": ".gz"}

// MaxOnTheFlyBrotli is the largest file the server compresses with brotli
// itself when no pre-compressed .br copy exists.
const MaxOnTheFlyBrotli = 1 << 20

func readSibling(name string, notBefore time.Time) ([]byte, bool) {
	fi, err := os.Stat(name)
	if err != nil || fi.ModTime().Before(notBefore) {
		return nil, false
	}
	data, err := os.ReadFile(name)
	return data, err == nil
}

// compress encodes data with enc ("br" or "gzip") at the given level of
// effort: the server uses it on the fly, Precompress at build time.
func compressLevel(enc string, data []byte, best bool) ([]byte, error) {
	var buf bytes.Buffer
	var w io.WriteCloser
	switch enc {
	case "br":
		q := 6
		if best {
			q = BrotliBuildQuality
		}
		w = brotli.NewWriterLevel(&buf, q)
	case "gzip":
		lvl := gzip.DefaultCompression
		if best {
			lvl = gzip.BestCompression
		}
		gw, err := gzip.NewWriterLevel(&buf, lvl)
		if err != nil {
			return nil, err
		}
		w = gw
	default:
		return nil, fmt.Errorf("server: unknown encoding %q", enc)
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func compress(enc string, data []byte) ([]byte, error) { return compressLevel(enc, data, false) }

// BrotliBuildQuality is the brotli quality Precompress uses.
const BrotliBuildQuality = 11

// Precompress writes name.gz and name.br next to each named file, with the
// most effort worth spending at build time (the files are compressed
// concurrently). The server serves them to clients that accept the
// encoding.
func Precompress(names ...string) error {
	var wg sync.WaitGroup
	errs := make([]error, 2*len(names))
	for i, name := range names {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		for j, enc := range []string{"gzip", "br"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := compressLevel(enc, data, true)
				if err == nil {
					err = writeFileAtomic(name+encodingSuffix[enc], c)
				}
				if err != nil {
					errs[2*i+j] = fmt.Errorf("server: compressing %s: %w", name, err)
				}
			}()
		}
	}
	wg.Wait()
	return errors.Join(errs...)
}

func writeFileAtomic(name string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), name)
}
