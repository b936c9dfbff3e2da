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
// The stages after pre-training (stages_test.go), each from its shipped
// checkpoint (web/checkpoints, or $TINYSTAGES_CHECKPOINTS to test with
// checkpoints of one's own; a test whose checkpoint is missing is skipped,
// and fails in CI): mid-training lowers the domain loss the page shows;
// SFT lowers its validation loss and fills and exports the report card;
// RL moves the policy away from its SFT start (KL); DPO raises the reward
// margin; distillation lowers the reverse KL (or, with no teacher shipped,
// the page says which file is missing); bad uploads are refused with file,
// line and field while the run goes on; the whole pipeline fills the report
// card row by row. Each writes what it measured to artifacts/<page>.json.
//
// Screenshots and timings are written to app/testdata/artifacts (or
// $TINYSTAGES_ARTIFACTS). go test ./app/e2e -args -screenshot also
// refreshes web/screenshot.png, the README's picture.
package e2e
