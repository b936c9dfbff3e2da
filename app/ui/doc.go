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
// loss-chart, backend, progress, and the settings inputs (setting-<param>).
// The mid- and post-training lessons (midtraining.go, posttraining.go)
// add: stage-start, stage-pause, stage-resume, stage-reset, status, model,
// domain-loss, domain-loss-start, general-loss, general-loss-start,
// val-loss-start, reward, dpo-margin, pref-accuracy, reverse-kl, kl,
// curve-<metric> (its data-values hold "step:value" pairs), heatmap (rows
// with data-origin), completions, completion-reward, samples,
// sample-before, sample-after, report-card, report-row (data-when),
// report-markdown, report-csv, report-markdown-text, projection,
// domain-inspector, upload, upload-kind, upload-error (data-file,
// data-line, data-field), upload-ok, lesson-<name> (and lesson-<name>-2...
// for a lesson's other runs), objective-<stage>, pipeline, pipeline-start,
// pipeline-steps, pipeline-final, pipeline-status.
//
// The lessons' bodies, MidtrainingLesson and PosttrainingLesson, are
// components of their own that own their engine and read their settings
// from the URL, so a route (an embed) can render them alone, Compact.
package ui
