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
// and kept in memory until the file changes.
//
// Serve runs a Server on an address until its context is cancelled, and
// shuts down gracefully.
package server
