//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "engine runs in a browser's Web Worker: build it with GOOS=js GOARCH=wasm go build -o web/engine.wasm ./app/engine")
	os.Exit(2)
}
