//go:build bench && !(js && wasm)

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"tinystages/app/browsertest"
)

var (
	filterFlag = flag.String("filter", "", "run only the benchmarks whose names match this regexp")
	quickFlag  = flag.Bool("quick", false, "short measurements (a smoke run)")
	outFlag    = flag.String("out", "../../build/bench.json", "write the JSON report here")
	fromFlag   = flag.String("from", "", "summarise this JSON report instead of running the benchmarks (one made elsewhere, e.g. by page/deno.js on a GPU machine)")
)

// TestBench builds the benchmark program, runs it in a Web Worker of
// headless Chromium (cross-origin isolated, for fine timers), prints the
// results and writes the JSON report. It runs only with -tags bench
// (make bench): it takes minutes and its numbers depend on the machine.
func TestBench(t *testing.T) {
	if *fromFlag != "" {
		raw, err := os.ReadFile(*fromFlag)
		if err != nil {
			t.Fatal(err)
		}
		summarise(t, string(raw))
		return
	}
	dir := t.TempDir()
	wasm := filepath.Join(dir, "bench.wasm")
	browsertest.BuildWasm(t, "tinystages/app/bench", wasm)

	mux := http.NewServeMux()
	files := map[string]string{
		"/":             "page/index.html",
		"/worker.js":    "page/worker.js",
		"/wasm_exec.js": browsertest.WasmExecJS(),
		"/bench.wasm":   wasm,
	}
	for route, file := range files {
		mux.HandleFunc(route, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != route {
				http.NotFound(w, r)
				return
			}
			// cross-origin isolation: performance.now() at 5 µs, not 100 µs
			w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
			w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
			w.Header().Set("Cache-Control", "no-store")
			if strings.HasSuffix(file, ".wasm") {
				w.Header().Set("Content-Type", "application/wasm")
			}
			http.ServeFile(w, r, file)
		})
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx := browsertest.New(t, 30*time.Minute)
	err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*cdpruntime.EventConsoleAPICalled); ok {
			var parts []string
			for _, a := range e.Args {
				var s string
				if json.Unmarshal(a.Value, &s) == nil {
					parts = append(parts, s)
				} else {
					parts = append(parts, string(a.Value))
				}
			}
			t.Log(strings.Join(parts, " "))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	q := "?"
	if *filterFlag != "" {
		q += "filter=" + url.QueryEscape(*filterFlag) + "&"
	}
	if *quickFlag {
		q += "quick=1"
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/"+q)); err != nil {
		t.Fatal(err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`globalThis.benchReport`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if *outFlag != "" {
		if err := os.MkdirAll(filepath.Dir(*outFlag), 0o755); err == nil {
			if err := os.WriteFile(*outFlag, []byte(raw), 0o644); err != nil {
				t.Error(err)
			} else {
				t.Logf("report written to %s", *outFlag)
			}
		}
	}
	summarise(t, raw)
}

// summarise prints a report's tables and fails on its errors.
func summarise(t *testing.T, raw string) {
	var rep struct {
		Env     map[string]any `json:"env"`
		Results []Result       `json:"results"`
		Errors  []string       `json:"errors"`
	}
	if err := json.Unmarshal([]byte(raw), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, raw)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "environment: %v\n\n", rep.Env)
	summariseCPU(&b, rep.Results)
	summariseAll(&b, rep.Results)
	t.Log("\n" + b.String())
	for _, e := range rep.Errors {
		t.Error(e)
	}
}

// summariseCPU prints the kernel comparison: GFLOP/s per product with the
// WASM SIMD and the pure-Go kernel, training tokens/s per preset, and the
// share of the step spent outside matrix multiplies.
func summariseCPU(b *strings.Builder, results []Result) {
	by := map[string]Result{}
	for _, r := range results {
		by[r.Name] = r
	}
	const simdK, goK = "WASM SIMD", "pure Go"
	w := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "product\tshape\tSIMD GFLOP/s\t(best round)\tpure Go GFLOP/s\tspeed-up\t")
	minSIMD, minBest := math.Inf(1), math.Inf(1)
	var shapes []string
	for name := range by {
		if s, ok := strings.CutPrefix(name, "gemm/"); ok && strings.HasSuffix(s, "/"+simdK) {
			shapes = append(shapes, strings.TrimSuffix(s, "/"+simdK))
		}
	}
	sort.Strings(shapes)
	for _, s := range shapes {
		sm, gm := by["gemm/"+s+"/"+simdK], by["gemm/"+s+"/"+goK]
		sg, gg := sm.Metrics["GFLOP/s"], gm.Metrics["GFLOP/s"]
		minSIMD, minBest = min(minSIMD, sg), min(minBest, sm.Metrics["best GFLOP/s"])
		fmt.Fprintf(w, "%s\t%s\t%.1f\t%.1f\t%.2f\t%.0fx\t\n", s, sm.Info["shape"], sg, sm.Metrics["best GFLOP/s"], gg, sg/gg)
	}
	w.Flush()
	if len(shapes) > 0 {
		fmt.Fprintf(b, "slowest SIMD product: %.1f GFLOP/s median, %.1f best round (target >= 15)\n\n", minSIMD, minBest)
	}

	w = tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(w, "preset\tkernel\ttokens/s\tms/step\tstep GFLOP/s\toutside matmul\tspeed-up\t")
	for _, preset := range []string{"nano", "tiny"} {
		base := by["train/"+preset+"/"+goK].Metrics["tokens/s"]
		for _, k := range []string{simdK, simdK + " matmul only", goK} {
			r, ok := by["train/"+preset+"/"+k]
			if !ok {
				continue
			}
			p := by["profile/"+preset+"/"+k]
			fmt.Fprintf(w, "%s\t%s\t%.0f\t%.1f\t%.2f\t%.0f%%\t%.1fx\t\n", preset, k, r.Metrics["tokens/s"],
				r.Metrics["ms/step"], r.Metrics["GFLOP/s"], 100*p.Metrics["outside matmul share"], r.Metrics["tokens/s"]/base)
		}
	}
	w.Flush()
	for _, preset := range []string{"nano", "tiny"} {
		p, ok := by["profile/"+preset+"/"+simdK]
		if !ok {
			continue
		}
		type op struct {
			name string
			ms   float64
		}
		var ops []op
		for k, v := range p.Metrics {
			if n, ok := strings.CutPrefix(k, "op ms/step: "); ok {
				ops = append(ops, op{n, v})
			}
		}
		sort.Slice(ops, func(i, j int) bool { return ops[i].ms > ops[j].ms })
		fmt.Fprintf(b, "\n%s step with %s, ms per op (profiled step %.1f ms):", preset, simdK, p.Metrics["ms/step"])
		for i, o := range ops {
			if i == 8 {
				break
			}
			fmt.Fprintf(b, " %s %.2f;", o.name, o.ms)
		}
		fmt.Fprintln(b)
	}
	fmt.Fprintln(b)
}

// summariseAll prints every result, for benchmarks without a summary of
// their own.
func summariseAll(b *strings.Builder, results []Result) {
	w := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "benchmark\tbackend\tmetrics")
	for _, r := range results {
		if r.Kind == "profile" {
			continue
		}
		var ms []string
		for k, v := range r.Metrics {
			ms = append(ms, fmt.Sprintf("%s=%.4g", k, v))
		}
		sort.Strings(ms)
		fmt.Fprintf(w, "%s\t%s\t%s\n", r.Name, r.Backend, strings.Join(ms, " "))
	}
	w.Flush()
}
