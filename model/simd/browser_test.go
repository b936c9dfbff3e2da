//go:build !(js && wasm)

package simd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tinystages/app/browsertest"
)

// testPage runs a js/wasm test binary the way the engine worker runs the
// engine: wasm_exec.js, instantiate, publish globalThis.goInstance, run.
// It resolves with the exit code and everything the binary printed.
const testPage = `<!doctype html>
<meta charset="utf-8"><title>simd tests</title>
<script>
globalThis.testOutput = "";
const log = console.log.bind(console);
console.log = (...a) => { globalThis.testOutput += a.join(" ") + "\n"; log(...a); };
</script>
<script src="/wasm_exec.js"></script>
<script>
globalThis.testDone = (async () => {
	const go = new Go();
	go.argv = ["simd.test"].concat(JSON.parse(new URLSearchParams(location.search).get("args") || "[]"));
	let code = -1;
	go.exit = (c) => { code = c; };
	const { instance } = await WebAssembly.instantiateStreaming(fetch("/test.wasm"), go.importObject);
	globalThis.goInstance = instance;
	await go.run(instance);
	return JSON.stringify({ code, output: globalThis.testOutput });
})().catch((e) => JSON.stringify({ code: -2, output: globalThis.testOutput + "\n" + e.stack }));
</script>`

// TestInBrowser runs all of this package's js/wasm tests (the matmul
// kernel and every op kernel against the pure-Go reference, a training
// run against the CPU backend, memory growth, memory discovery) in
// headless Chromium, the engine the kernels are for.
func TestInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the browser run")
	}
	ctx := browsertest.New(t, 4*time.Minute)
	bin := filepath.Join(t.TempDir(), "simd.test.wasm")
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	cmd := exec.Command(goTool, "test", "-c", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "GOOS=js", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=js GOARCH=wasm go test -c: %v\n%s", err, out)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, testPage)
	})
	mux.HandleFunc("/wasm_exec.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, browsertest.WasmExecJS())
	})
	mux.HandleFunc("/test.wasm", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/wasm")
		http.ServeFile(w, r, bin)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	args, _ := json.Marshal([]string{"-test.v"})
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?args="+string(args))); err != nil {
		t.Fatal(err)
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[string](`globalThis.testDone`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Code   int
		Output string
	}
	if err := json.Unmarshal([]byte(res), &out); err != nil {
		t.Fatalf("%v: %s", err, res)
	}
	t.Logf("js/wasm tests in Chromium:\n%s", out.Output)
	for _, name := range []string{"TestGemmMatchesReference", "TestAttention", "TestTrainingMatchesCPU", "TestMemoryDiscovery"} {
		if !strings.Contains(out.Output, "--- PASS: "+name) {
			t.Errorf("%s did not pass in Chromium", name)
		}
	}
	if out.Code != 0 {
		t.Fatalf("js/wasm tests in Chromium exited with %d", out.Code)
	}
}
