// Package e2e holds tinystages' end-to-end tests: the app and the engine
// compiled to WebAssembly, the datasets generated, everything served by
// the real server (package server) on 127.0.0.1, and driven in headless
// Chromium (package browsertest): pages load without console errors, the
// pre-training page trains and its loss falls, pause and resume work, the
// app loads and trains offline, and the page's main thread has no long
// tasks while the engine trains.
//
// Screenshots and timings are written to app/testdata/artifacts (or
// $TINYSTAGES_ARTIFACTS). go test ./app/e2e -args -screenshot also
// refreshes web/screenshot.png, the README's picture.
package e2e
