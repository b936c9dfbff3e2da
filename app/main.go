// Command app is tinystages. Compiled to WebAssembly (app.wasm) it is the
// user interface in the browser; compiled natively it is the server that
// hosts it and the command line:
//
//	go run ./app                  serve on :8080 (same as: go run ./app serve)
//	go run ./app serve -addr :8081 -web web
//	go run ./app train|eval|bench ...   the native training commands (package cli)
//	go run ./app compress FILE...       write FILE.gz and FILE.br for the server
//	go run ./app static -out DIR -base /sub/path/   the app as a static site
//
// The training engine that runs in the browser's Web Worker is a separate,
// smaller program: app/engine.
package main

import (
	"os"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/ui"
)

func main() {
	ui.Register()
	app.RunWhenOnBrowser() // in the browser this never returns
	os.Exit(run(os.Args[1:]))
}
