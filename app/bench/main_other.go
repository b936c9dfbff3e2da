//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "bench is a js/wasm program that runs in a browser: run it with make bench (go test -tags bench -run Bench -v ./app/bench)")
	os.Exit(2)
}
