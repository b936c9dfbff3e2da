// Command engine is tinystages' training engine: the program that runs in
// the browser's dedicated Web Worker (web/engine-worker.js loads it as
// engine.wasm) and trains the model while the page stays responsive.
//
// It speaks package protocol with the UI: it receives start, pause, resume,
// reset, inspect, upload and evaluate commands and posts progress, dataset,
// metrics, sample, state, error and done messages, and for the stages after
// pre-training heatmap, report, projection, completions, uploaded and domain
// messages. For pre-training it fetches the shipped datasets, trains a BPE
// tokenizer on the corpus and builds a fresh model; for the later stages
// (stage.go) it fetches the shipped checkpoint the stage starts from (and
// distillation's teacher). Either way the stage is built by package
// model/stages — the construction the CLI uses too — on the chosen backend
// (backend.go), and the engine steps its model/train run, yielding to the
// worker's event loop between steps so that a pause takes effect at once.
//
// It imports the model and datasets packages and no UI code: the
// session logic (session.go) is plain Go and is tested natively; only
// main_js.go touches syscall/js.
//
// Build: GOOS=js GOARCH=wasm go build -o web/engine.wasm ./app/engine
package main
