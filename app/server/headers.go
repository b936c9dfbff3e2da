//go:build !wasm

package server

import (
	"net/http"
	"strconv"
	"strings"
)

// cspCommon is the Content-Security-Policy of every response, less its
// frame-ancestors directive: the app's own scripts (app.js, wasm_exec.js,
// the engine worker) and WebAssembly compilation ('wasm-unsafe-eval', which
// allows compiling wasm but not JavaScript eval), the service worker and
// the engine's Web Worker from this origin, fetches to this origin only,
// styles from files only (no inline style attributes).
const cspCommon = "default-src 'self'; " +
	"script-src 'self' 'wasm-unsafe-eval'; " +
	"worker-src 'self'; " +
	"connect-src 'self'; " +
	"img-src 'self'; " +
	"style-src 'self'; " +
	"font-src 'self'; " +
	"manifest-src 'self'; " +
	"object-src 'none'; " +
	"base-uri 'self'; " +
	"form-action 'self'; "

// ContentSecurityPolicy is the policy of the app's pages and files: no
// framing by other sites.
const ContentSecurityPolicy = cspCommon + "frame-ancestors 'self'"

// EmbedContentSecurityPolicy is the policy of the embeddable pages
// (/embed/...): the same, except that any site may frame them. Framing is
// a property of documents only, so the files an embed loads (app.js,
// app.wasm, the engine, the datasets) keep the restrictive policy: they are
// fetched by the embed's own document, from its own origin.
const EmbedContentSecurityPolicy = cspCommon + "frame-ancestors *"

// EmbedPrefix starts the paths of the pages other sites may frame.
const EmbedPrefix = "/embed/"

// securityHeaders are set on every response. No cross-origin isolation
// headers (COOP/COEP): the engine uses no SharedArrayBuffer, and COEP would
// stop the app from being embedded in other sites' pages.
var securityHeaders = [][2]string{
	{"Content-Security-Policy", ContentSecurityPolicy},
	{"X-Content-Type-Options", "nosniff"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "SAMEORIGIN"},
	{"Cross-Origin-Resource-Policy", "same-origin"},
	{"Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"},
}

// embedHeaders replace securityHeaders' on an embeddable page: framing by
// any site (no X-Frame-Options, which has no "anyone" value), and a
// Cross-Origin-Resource-Policy that lets a page with
// Cross-Origin-Embedder-Policy: require-corp frame it too.
var embedHeaders = [][2]string{
	{"Content-Security-Policy", EmbedContentSecurityPolicy},
	{"Cross-Origin-Resource-Policy", "cross-origin"},
}

// setSecurityHeaders sets the headers of a response to the request path p.
func setSecurityHeaders(h http.Header, p string) {
	for _, kv := range securityHeaders {
		h.Set(kv[0], kv[1])
	}
	if strings.HasPrefix(p, EmbedPrefix) {
		for _, kv := range embedHeaders {
			h.Set(kv[0], kv[1])
		}
		h.Del("X-Frame-Options")
	}
}

// acceptedEncodings returns, of "br" and "gzip", those the Accept-Encoding
// header allows, in the server's order of preference. It honours q-values
// (q=0 refuses) and the "*" wildcard.
func acceptedEncodings(header string) []string {
	q := map[string]float64{}
	star := -1.0
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		weight := 1.0
		for _, p := range strings.Split(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				weight = parseQ(strings.TrimSpace(v))
			}
		}
		if name == "*" {
			star = weight
			continue
		}
		q[name] = weight
	}
	var out []string
	for _, enc := range []string{"br", "gzip"} {
		w, ok := q[enc]
		if !ok {
			w = star
		}
		if w > 0 {
			out = append(out, enc)
		}
	}
	return out
}

// parseQ parses a q-value ("0", "0.5", "1.000"); anything malformed or
// outside [0, 1] is 0.
func parseQ(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > 1 {
		return 0
	}
	return v
}
