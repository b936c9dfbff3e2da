package e2e

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"tinystages/app/browsertest"
	"tinystages/app/server"
	"tinystages/app/ui"
)

var updateScreenshot = flag.Bool("screenshot", false, "write web/screenshot.png from the pre-training test")

func TestMain(m *testing.M) {
	flag.Parse()
	ui.Register()
	code := m.Run()
	if siteDir != "" {
		os.RemoveAll(siteDir)
	}
	os.Exit(code)
}

// repoRoot is the module's root directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

var (
	siteOnce sync.Once
	siteDir  string
	siteErr  error
)

// site builds, once per test binary, a web directory like make build's:
// the project's static files, app.wasm and engine.wasm built for js/wasm,
// and freshly generated datasets.
func site(t *testing.T) string {
	t.Helper()
	if _, err := browsertest.Find(); err != nil && !browsertest.InCI() {
		t.Skipf("%v", err) // do not spend a minute building for nothing
	}
	siteOnce.Do(func() {
		root := repoRoot(t)
		dir, err := os.MkdirTemp("", "tinystages-e2e-")
		if err != nil {
			siteErr = err
			return
		}
		siteDir = dir
		entries, err := os.ReadDir(filepath.Join(root, "web"))
		if err != nil {
			siteErr = err
			return
		}
		for _, e := range entries {
			switch filepath.Ext(e.Name()) {
			case ".css", ".svg", ".png", ".js":
				if err := copyFile(filepath.Join(root, "web", e.Name()), filepath.Join(dir, e.Name())); err != nil {
					siteErr = err
					return
				}
			}
		}
		// The shipped checkpoints the stages after pre-training start from
		// (make checkpoints writes them; a missing one is the page's to report).
		if ckpts, err := filepath.Glob(filepath.Join(checkpointsDir(t), "*.safetensors")); err == nil && len(ckpts) > 0 {
			if err := os.MkdirAll(filepath.Join(dir, "checkpoints"), 0o755); err != nil {
				siteErr = err
				return
			}
			for _, c := range ckpts {
				if err := copyFile(c, filepath.Join(dir, "checkpoints", filepath.Base(c))); err != nil {
					siteErr = err
					return
				}
			}
		}
		start := time.Now()
		browsertest.BuildWasm(t, "tinystages/app", filepath.Join(dir, "app.wasm"))
		browsertest.BuildWasm(t, "tinystages/app/engine", filepath.Join(dir, "engine.wasm"))
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "run", "./datasets/cmd/mkdatasets", "-out", filepath.Join(dir, "datasets"))
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			siteErr = fmt.Errorf("generating the datasets: %v\n%s", err, out)
			return
		}
		t.Logf("built the site in %v", time.Since(start).Round(time.Millisecond))
	})
	if siteErr != nil {
		t.Fatal(siteErr)
	}
	return siteDir
}

// checkpointsDir is where the site takes the shipped checkpoints from:
// web/checkpoints, or $TINYSTAGES_CHECKPOINTS (to test with checkpoints
// of one's own without putting them where they would be shipped).
func checkpointsDir(t testing.TB) string {
	if dir := os.Getenv("TINYSTAGES_CHECKPOINTS"); dir != "" {
		return dir
	}
	return filepath.Join(repoRoot(t), "web", "checkpoints")
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// serve starts the real server on 127.0.0.1 (a secure context, so service
// workers and WebGPU are available).
func serve(t *testing.T, dir string) *httptest.Server {
	t.Helper()
	s, err := server.New(server.Config{WebDir: dir, Pages: ui.Paths()})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts
}

// observers records, in every page, long tasks on the main thread and
// Content-Security-Policy violations.
const observers = `
window.__tsLongTasks = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__tsLongTasks.push({start: e.startTime, duration: e.duration});
  }).observe({type: "longtask", buffered: true});
} catch (e) {}
window.__tsLoAF = [];
try {
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.duration > 50) window.__tsLoAF.push({start: e.startTime, duration: e.duration, blocking: e.blockingDuration,
      scripts: (e.scripts || []).map(s => ({inv: s.invoker, src: s.sourceURL, fn: s.sourceFunctionName, dur: s.duration, type: s.invokerType}))});
  }).observe({type: "long-animation-frame", buffered: true});
} catch (e) {}
window.__tsCSP = [];
document.addEventListener("securitypolicyviolation", (e) => window.__tsCSP.push(e.violatedDirective + " " + e.blockedURI));
`

// browser opens a fresh browser with the observers installed and returns
// its context and a function that lists the console errors and exceptions
// seen so far.
func browser(t *testing.T, timeout time.Duration) (context.Context, func() []string) {
	t.Helper()
	ctx := browsertest.New(t, timeout)
	errs := watchConsole(ctx)
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: observers}); err != nil {
		t.Fatal(err)
	}
	return ctx, errs
}

// artifacts is where screenshots and timings go.
func artifacts(t *testing.T) string {
	dir := os.Getenv("TINYSTAGES_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "app", "testdata", "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, ctx context.Context, name string) []byte {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return nil
	}
	p := filepath.Join(artifacts(t), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("screenshot: %s", p)
	return png
}

// text reads the text of the element with data-testid id.
func text(t *testing.T, ctx context.Context, id string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		fmt.Sprintf(`(document.querySelector('[data-testid=%q]') || {}).textContent || ""`, id)))
	if err != nil {
		t.Fatalf("reading %s: %v", id, err)
	}
	return strings.TrimSpace(s)
}

// waitFor polls a JavaScript expression until it is truthy.
func waitFor(t *testing.T, ctx context.Context, what, expr string, timeout time.Duration) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(100*time.Millisecond), chromedp.WithPollingTimeout(timeout))); err != nil {
		t.Fatalf("waiting %v for %s: %v", timeout, what, err)
	}
}

// testid returns a CSS selector for a data-testid.
func testid(id string) string { return fmt.Sprintf(`[data-testid=%q]`, id) }

// stepExpr is the displayed step counter as a number.
const stepExpr = `(+((document.querySelector('[data-testid="step"]') || {}).textContent || 0))`
