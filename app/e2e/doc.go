// Package e2e holds tinystages' end-to-end tests: the app and the engine
// compiled to WebAssembly, the datasets generated, everything served by
// the real server (package server) on 127.0.0.1, and driven in headless
// Chromium (package browsertest): pages load without console errors, the
// pre-training page trains and its loss falls, pause and resume work, the
// app loads and trains offline, and the page's main thread has no long
// tasks while the engine trains.
//
// Sharing and embedding (embed_test.go, model_test.go): an embed framed by
// a page of another origin trains, pauses out of view and resumes; a share
// link reproduces a run in a fresh browser; an embed's bytes before and
// after play are measured (artifacts/embed_bytes.json); the static build
// (go run ./app static), served by a plain file server under a sub-path,
// trains online and offline; a model downloaded and uploaded again gives
// the same sample and the same bytes.
//
// Screenshots and timings are written to app/testdata/artifacts (or
// $TINYSTAGES_ARTIFACTS). go test ./app/e2e -args -screenshot also
// refreshes web/screenshot.png, the README's picture.
package e2e
