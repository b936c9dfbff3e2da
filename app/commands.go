//go:build !wasm

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"tinystages/app/cli"
	"tinystages/app/server"
	"tinystages/app/ui"
)

// version is the build id, set by the Makefile with
// -ldflags "-X main.version=...". Empty means a hash of the served files.
var version string

const usage = `usage: go run ./app [command] [flags]

commands:
  serve     serve the app (the default): -addr :8080 -web web
  train     train a model natively
  eval      evaluate a checkpoint
  bench     measure matmul and training speed
  compress  write FILE.gz and FILE.br next to each FILE, for the server
  static    write the app as a static site: -out build/static -base /tinystages/
`

// run runs the command named by args[0] (serve when there is none) and
// returns the process exit code.
func run(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := dispatch(ctx, args, os.Stdout, os.Stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage), errors.Is(err, cli.ErrUsage):
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fmt.Fprintln(os.Stderr, "error:", err)
	return 1
}

var errUsage = errors.New("usage")

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "compress":
		if len(args) == 0 {
			return fmt.Errorf("%w: go run ./app compress FILE...", errUsage)
		}
		return server.Precompress(args...)
	case "static":
		return static(args, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	for _, c := range cli.Commands() {
		if c == cmd {
			return cli.Run(ctx, append([]string{cmd}, args...), stdout, stderr)
		}
	}
	return fmt.Errorf("%w: unknown command %q\n%s", errUsage, cmd, usage)
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", ":8080", "address to listen on")
	web := fs.String("web", "web", "directory served under /web/")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: serve takes no arguments, got %q", errUsage, fs.Args())
	}
	srv, err := server.New(server.Config{WebDir: *web, Pages: ui.Paths(), Version: version})
	if err != nil {
		return fmt.Errorf("%w (run from the repository root, or pass -web DIR)", err)
	}
	for _, f := range []string{"app.wasm", "engine.wasm"} {
		if _, err := os.Stat(*web + "/" + f); err != nil {
			fmt.Fprintf(stderr, "warning: %s/%s is missing: run make build\n", *web, f)
		}
	}
	ln, err := server.Listen(*addr)
	if err != nil {
		return err
	}
	host := ln.Addr().String()
	if strings.HasPrefix(*addr, ":") {
		host = "localhost" + *addr
	}
	fmt.Fprintf(stdout, "tinystages %s: serving %s on http://%s (Ctrl-C stops)\n", srv.Version(), *web, host)
	return server.Serve(ctx, ln, srv, stdout)
}

// static writes the app as files for a static host (server.WriteStatic).
func static(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("static", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "build/static", "directory to write the site into")
	base := fs.String("base", "/", "URL path the site is hosted under (/tinystages/ for https://user.github.io/tinystages/)")
	web := fs.String("web", "web", "the built web directory (make build)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: static takes no arguments, got %q", errUsage, fs.Args())
	}
	for _, f := range []string{"app.wasm", "engine.wasm", "datasets/manifest.json"} {
		if _, err := os.Stat(*web + "/" + f); err != nil {
			return fmt.Errorf("%s/%s is missing: run make build first", *web, f)
		}
	}
	rep, err := server.WriteStatic(*out, server.Config{WebDir: *web, Pages: ui.Paths(), Version: version}, *base)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep)
	return nil
}
