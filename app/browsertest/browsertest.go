// Package browsertest starts a real headless Chromium for tests and builds
// the Go programs they load into it.
//
// Tests call New to get a chromedp context on a fresh browser profile with
// WebGPU enabled (SwiftShader on a machine without a GPU). Where no
// Chromium is installed the test is skipped with instructions, except in
// CI (CI=true), where a missing browser fails the test: a browser test
// never passes silently without a browser.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tinystages/datasets/datasetstest"
)

// Candidates are the Chromium binaries tried, in order, after $CHROMIUM.
var Candidates = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the path of a Chromium binary: $CHROMIUM if set, else the
// first of Candidates on $PATH.
func Find() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("browsertest: $CHROMIUM=%s: %w", p, err)
		}
		return p, nil
	}
	for _, c := range Candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", errors.New("browsertest: no Chromium found (install it: sudo apt-get update && sudo apt-get install -y chromium, or set $CHROMIUM)")
}

// InCI reports whether the tests run in CI, where skipping a browser test
// is not allowed.
func InCI() bool { return datasetstest.InCI() }

// Flags are the Chromium flags every test browser gets (see DESIGN.md).
var Flags = []chromedp.ExecAllocatorOption{
	chromedp.Flag("headless", "new"),
	chromedp.NoSandbox,
	chromedp.Flag("enable-unsafe-webgpu", true),
	chromedp.Flag("disable-background-networking", true),
	chromedp.Flag("disable-component-update", true),
	chromedp.Flag("disable-sync", true),
	chromedp.Flag("disable-quic", true),
	chromedp.Flag("disable-dev-shm-usage", true),
	chromedp.NoFirstRun,
	chromedp.NoDefaultBrowserCheck,
	chromedp.Flag("mute-audio", true),
	chromedp.WindowSize(1280, 900),
}

// New starts a headless Chromium on a fresh profile and returns a chromedp
// context for one tab. The browser is closed when the test ends. timeout
// bounds the whole test's use of the browser.
func New(t testing.TB, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	path, err := Find()
	if err != nil {
		if InCI() {
			t.Fatalf("%v\nCI=true: browser tests must not be skipped", err)
		}
		t.Skipf("%v", err)
	}
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
	}, Flags...)
	opts = append(opts, extra...)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelT()
		cancelC()
		cancelA()
	})
	if err := chromedp.Do(ctx); err != nil {
		if InCI() {
			t.Fatalf("browsertest: starting %s: %v", path, err)
		}
		t.Skipf("browsertest: starting %s: %v", path, err)
	}
	return ctx
}

// WasmExecJS returns the path of the Go toolchain's wasm_exec.js, the
// JavaScript support file matching the Go that builds the wasm.
func WasmExecJS() string {
	return filepath.Join(runtime.GOROOT(), "lib", "wasm", "wasm_exec.js")
}

var buildMu sync.Mutex

// BuildWasm compiles the Go main package pkg (an import path or a
// directory) for js/wasm into out. Builds are serialised within a test
// binary so that two tests do not both saturate the machine.
func BuildWasm(t testing.TB, pkg, out string, tags ...string) {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	args := []string{"build", "-o", out}
	if len(tags) > 0 {
		args = append(args, "-tags", strings.Join(tags, ","))
	}
	args = append(args, pkg)
	cmd := exec.Command(goTool(), args...)
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
}

func goTool() string {
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return "go"
}
