//go:build js && wasm

// Command gpu is the command line (train, eval, bench) built for js/wasm,
// with a "webgpu" backend, for a machine with a GPU and no browser: Deno
// runs it, its WebGPU (wgpu on Vulkan) doing the math, its Node-compatible
// fs the files. From the repository root:
//
//	GOOS=js GOARCH=wasm go build -o build/cli.wasm ./app/cli/gpu
//	deno run -A app/cli/gpu/deno.js "$(go env GOROOT)/lib/wasm/wasm_exec.js" build/cli.wasm \
//	  train -backend webgpu -preset tiny -stage pretrain -steps 3000 -out base.safetensors
//
// TINYSTAGES_SOFTWARE_GPU=1 accepts a software adapter. A run on the GPU
// matches one on the CPU to float32 rounding, not bit for bit: the
// shipped checkpoints come from the native make checkpoints.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"tinystages/app/cli"
	"tinystages/model/compute"
	"tinystages/model/webgpu"
)

func main() {
	register()
	err := cli.Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// register adds the "webgpu" backend to the commands' -backend.
func register() {
	cli.Backends["webgpu"] = func() (compute.Backend, error) {
		// a software adapter (llvmpipe, SwiftShader) only when asked: for
		// trying this program out, not for speed
		be, err := webgpu.New(webgpu.Options{AllowSoftware: os.Getenv("TINYSTAGES_SOFTWARE_GPU") == "1"})
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "WebGPU adapter: %s\n", be.Adapter().Label())
		return be, nil
	}
}
