// Package cli is the native command line of tinystages: train, eval and
// bench, in the same binary as the server (go run ./app <command>).
//
// The commands use the same model and training code as the browser
// engine, so a run on the command line with the same settings and seed
// reproduces a run in the browser on the same backend kind.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"tinystages/model/compute"
	"tinystages/model/cpu"
)

// ErrUsage is returned for a bad command line; the message says what to
// type instead.
var ErrUsage = errors.New("usage")

// Backends are the compute backends that train's -backend can name, each
// with its constructor. Natively there is only "cpu"; the js/wasm build
// of the commands (app/cli/gpu), run under Deno on a machine with a GPU,
// adds "webgpu".
var Backends = map[string]func() (compute.Backend, error){
	"cpu": func() (compute.Backend, error) { return cpu.New(nil), nil },
}

// checkBackend returns nil if name is in Backends, else a usage error
// naming the ones there are.
func checkBackend(name string) error {
	if _, ok := Backends[name]; ok {
		return nil
	}
	var names []string
	for n := range Backends {
		names = append(names, n)
	}
	sort.Strings(names)
	return fmt.Errorf("%w: -backend %q: this build has %s (WebGPU runs in the browser, or in app/cli/gpu under Deno)", ErrUsage, name, strings.Join(names, ", "))
}

// newBackend returns the backend called name.
func newBackend(name string) (compute.Backend, error) {
	if err := checkBackend(name); err != nil {
		return nil, err
	}
	return Backends[name]()
}

type command struct {
	name  string
	short string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"train", "train a model for one stage (pretrain, midtrain, sft, rl, dpo, distill)", runTrain},
	{"eval", "evaluate a checkpoint and print its report card row", runEval},
	{"bench", "measure matmul GFLOP/s and training tokens/s on this machine", runBench},
}

// Commands lists the command names Run accepts.
func Commands() []string {
	var out []string
	for _, c := range commands {
		out = append(out, c.name)
	}
	sort.Strings(out)
	return out
}

// Run runs the command args[0] with flags args[1:].
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: name a command: %s", ErrUsage, strings.Join(Commands(), ", "))
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return fmt.Errorf("%w: unknown command %q (commands: %s)", ErrUsage, args[0], strings.Join(Commands(), ", "))
}

// Usage writes one line per command.
func Usage(w io.Writer) {
	for _, c := range commands {
		fmt.Fprintf(w, "  %-6s %s\n", c.name, c.short)
	}
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected argument %q", ErrUsage, fs.Name(), fs.Arg(0))
	}
	return nil
}
