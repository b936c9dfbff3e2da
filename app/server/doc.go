//go:build !wasm

// Package server is tinystages' HTTP server: the go-app handler that serves
// the pages, app.js and the service worker, plus a static handler for
// everything under /web/ (the wasm binaries, the engine's worker script, the
// shipped datasets and checkpoints, the project's CSS and images).
//
// A Server is an http.Handler. It sets security headers on every response,
// refuses paths that try to leave the served tree (before anything is
// opened), answers 404 for what it does not serve, and picks a pre-compressed
// copy of a file (name.br, name.gz, made by `make build`) according to the
// client's Accept-Encoding, with a Content-Length for the bytes sent. The
// project's own CSS, SVG, JSON and JavaScript are minified on first request
// and kept in memory until the file changes; go-app's generated files
// (app.js, app-worker.js, wasm_exec.js, ...) are rendered once, minified and
// compressed the same way.
//
// Embeds: the pages under /embed/ are the only ones another site may frame
// (Content-Security-Policy frame-ancestors *, no X-Frame-Options); every
// other response allows framing by its own origin only. go-app's app.js is
// patched (goapp.go) so that an embed stays a still, server-rendered
// preview, with no service worker and no app.wasm, until the reader presses
// play or, with autoplay=1, the frame comes on screen; and so that a refused
// service worker (a third-party frame, a private window) is not an error.
//
// Static hosting: WriteStatic renders the whole app into a folder any
// static file server can host, under a sub-path if need be (site.go);
// `go run ./app static` and `make static` call it.
//
// Serve runs a Server on an address until its context is cancelled, and
// shuts down gracefully.
package server
