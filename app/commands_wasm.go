//go:build wasm

package main

// run is never reached in the browser (app.RunWhenOnBrowser does not
// return); outside one there is nothing to run.
func run([]string) int { return 0 }
