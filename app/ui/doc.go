// Package ui is tinystages' user interface: go-app components, one file per
// page or component, compiled into app.wasm and pre-rendered by the server.
//
// The UI never trains. The stage pages start the training engine
// (engine.wasm) in a dedicated Web Worker (engine.go), send it commands and
// draw what it reports: metrics, samples, progress (package protocol). Charts
// are inline SVG rendered here in Go (chart.go). Styles come from
// web/app.css only: no inline style attributes, which the server's
// Content-Security-Policy forbids.
//
// Stable data-testid attributes mark what tests drive and read: start,
// pause, resume, reset, step, loss, val-loss, tokens-per-s, sample,
// loss-chart, backend, progress, and the settings inputs.
package ui
