//go:build !wasm

package webgpu_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tinystages/app/browsertest"
)

// The parity tests build internal/paritytest for js/wasm, run it in a
// dedicated worker of a headless Chromium (WebGPU on SwiftShader where
// there is no GPU) and check its report. Skipped without Chromium, except
// in CI.
//
// Tolerances. Every op output is compared as
//
//	rel = max_i |gpu_i - cpu_i| / max_i |cpu_i|
//
// (the error relative to the tensor's scale), on float32 data. The CPU
// backend sums in float64 where cheap and in order; the kernels sum in
// float32 in tree or tiled order, and WGSL's exp, log, tanh, sqrt are
// not correctly rounded. The tolerances bound that with a wide margin —
// measured on SwiftShader (see -v): every op within 1e-6, a step's
// gradients 2e-7 — and are far below what a wrong index or a missing
// term gives (rel ~ 1).
const (
	opTol   = 1e-5 // any op output, rel
	gradTol = 1e-5 // a whole step's gradients, rel
	// A whole step's updated parameters, rel. AdamW's first step moves
	// each parameter by about lr·g/(|g|+eps): for gradients near eps
	// (embedding rows of tokens barely seen) float32 differences in g
	// change the step noticeably, up to 4e-5 of the largest parameter
	// measured.
	paramTol = 2e-4
	// the loss of a step (absolute; ~4.2 at init)
	stepLossTol = 1e-5
	// a few steps of training: the losses may drift apart by at most
	// curveTol (absolute; they fall by ~0.6); measured 1e-7
	curveTol = 1e-4
)

// Result mirrors the JSON report of internal/paritytest.
type Result struct {
	Fatal       string `json:"fatal"`
	Mode        string `json:"mode"`
	Backend     string `json:"backend"`
	AutoError   string `json:"auto_error"`
	NewError    string `json:"new_error"`
	Unavailable bool   `json:"unavailable"`
	Adapter     struct {
		Architecture string `json:"architecture"`
		Software     bool   `json:"software"`
	} `json:"adapter"`
	Ops  []OpResult `json:"ops"`
	Step struct {
		LossCPU, LossGPU         float64
		Grads, Params            OpResult
		GradNormCPU, GradNormGPU float64
	} `json:"step"`
	Curve struct {
		CPU, GPU   []float64
		MaxAbsDiff float64
		Params     OpResult
	} `json:"curve"`
	Generate struct {
		CPU, GPU [][]int32
		Equal    bool
	} `json:"generate"`
	Counts []struct {
		NLayer          int `json:"n_layer"`
		Dispatches      int `json:"dispatches"`
		Submits         int `json:"submits"`
		Reads           int `json:"reads"`
		Writes          int `json:"writes"`
		WithLossSubmits int `json:"with_loss_submits"`
		WithLossReads   int `json:"with_loss_reads"`
	} `json:"counts"`
	Lost struct {
		Err          string    `json:"err"`
		IsLost       bool      `json:"is_lost"`
		LostClosed   bool      `json:"lost_closed"`
		ReadIsNaN    bool      `json:"read_is_nan"`
		Resumed      []float64 `json:"resumed"`
		Reference    []float64 `json:"reference"`
		MaxAbsDiff   float64   `json:"max_abs_diff"`
		SnapshotStep int       `json:"snapshot_step"`
	} `json:"lost"`
	DeviceError string             `json:"device_error"`
	Seconds     map[string]float64 `json:"seconds"`
}

// OpResult is one compared tensor.
type OpResult struct {
	Op     string  `json:"op"`
	Tensor string  `json:"tensor"`
	N      int     `json:"n"`
	MaxAbs float64 `json:"max_abs"`
	Scale  float64 `json:"scale"`
	Rel    float64 `json:"rel"`
	NaNs   int     `json:"nans"`
}

// newHarness starts a browser and a server of the parity program and
// returns a function that loads the page with a query and returns the
// program's report and progress lines.
func newHarness(t *testing.T, timeout time.Duration) func(query string) (*Result, string) {
	t.Helper()
	ctx := browsertest.New(t, timeout)
	dir := t.TempDir()
	wasm := filepath.Join(dir, "parity.wasm")
	browsertest.BuildWasm(t, "tinystages/model/webgpu/internal/paritytest", wasm)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("testdata", "index.html"))
	})
	mux.HandleFunc("/worker.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("testdata", "worker.js"))
	})
	mux.HandleFunc("/wasm_exec.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, browsertest.WasmExecJS())
	})
	mux.HandleFunc("/parity.wasm", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/wasm")
		http.ServeFile(w, r, wasm)
	})
	srv := httptest.NewServer(mux) // 127.0.0.1: a secure context
	t.Cleanup(srv.Close)
	return func(query string) (*Result, string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?"+query)); err != nil {
			t.Fatal(err)
		}
		js, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.result`, chromedp.EvalAwaitPromise))
		logs, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`window.logs.join("\n")`))
		if err != nil {
			t.Fatalf("%s: %v\nlogs:\n%s", query, err, logs)
		}
		var res Result
		if err := json.Unmarshal([]byte(js), &res); err != nil {
			t.Fatalf("%s: %v in %.500s", query, err, js)
		}
		if res.Fatal != "" {
			t.Fatalf("%s: the parity program failed: %s\nlogs:\n%s\nreport: %.2000s", query, res.Fatal, logs, js)
		}
		return &res, logs
	}
}

// TestParity checks every kernel, a whole training step, a short training
// run, greedy sampling, the dispatch and submit counts of a step, and the
// recovery from a device loss, against the CPU backend.
func TestParity(t *testing.T) {
	run := newHarness(t, 4*time.Minute)
	res, logs := run("mode=parity")
	t.Logf("backend %s; timings %v\n%s", res.Backend, res.Seconds, logs)
	if res.NewError != "" {
		t.Fatalf("webgpu.New: %s", res.NewError)
	}
	if res.DeviceError != "" {
		t.Errorf("the device reported an error: %s", res.DeviceError)
	}

	t.Run("ops", func(t *testing.T) {
		if len(res.Ops) < 100 {
			t.Errorf("only %d op outputs compared", len(res.Ops))
		}
		worst := map[string]float64{}
		for _, o := range res.Ops {
			kind := strings.Fields(o.Op)[0]
			worst[kind] = max(worst[kind], o.Rel)
			if o.NaNs > 0 || !(o.Rel <= opTol) || o.Scale == 0 {
				t.Errorf("%s %s: rel %.2e (max abs %.2e of scale %.3g, %d NaN/Inf), want rel <= %.0e",
					o.Op, o.Tensor, o.Rel, o.MaxAbs, o.Scale, o.NaNs, opTol)
			}
		}
		t.Logf("worst rel per op (tolerance %.0e): %v", opTol, fmtMap(worst))
	})

	t.Run("train step", func(t *testing.T) {
		s := res.Step
		t.Logf("loss cpu %.7f gpu %.7f; grad norm cpu %.6f gpu %.6f; grads rel %.2e; params rel %.2e",
			s.LossCPU, s.LossGPU, s.GradNormCPU, s.GradNormGPU, s.Grads.Rel, s.Params.Rel)
		if d := abs(s.LossCPU - s.LossGPU); !(d <= stepLossTol) {
			t.Errorf("loss: cpu %v, gpu %v (|diff| %.2e > %.0e)", s.LossCPU, s.LossGPU, d, stepLossTol)
		}
		for _, c := range []struct {
			o   OpResult
			tol float64
		}{{s.Grads, gradTol}, {s.Params, paramTol}} {
			if c.o.NaNs > 0 || !(c.o.Rel <= c.tol) {
				t.Errorf("%s: rel %.2e (%d NaN), want <= %.0e", c.o.Tensor, c.o.Rel, c.o.NaNs, c.tol)
			}
		}
		if d := abs(s.GradNormCPU - s.GradNormGPU); !(d <= gradTol*s.GradNormCPU) {
			t.Errorf("grad norm: cpu %v, gpu %v", s.GradNormCPU, s.GradNormGPU)
		}
	})

	t.Run("loss curve", func(t *testing.T) {
		c := res.Curve
		t.Logf("cpu %.5f\ngpu %.5f\nmax |diff| %.2e; params rel %.2e", c.CPU, c.GPU, c.MaxAbsDiff, c.Params.Rel)
		if len(c.CPU) < 8 || len(c.GPU) != len(c.CPU) {
			t.Fatalf("curve of %d/%d steps", len(c.CPU), len(c.GPU))
		}
		if !(c.MaxAbsDiff <= curveTol) {
			t.Errorf("losses differ by up to %.2e, want <= %.0e", c.MaxAbsDiff, curveTol)
		}
		if !(c.GPU[len(c.GPU)-1] < c.GPU[0]-0.1) {
			t.Errorf("GPU loss did not fall: %v", c.GPU)
		}
	})

	t.Run("generate", func(t *testing.T) {
		g := res.Generate
		if !g.Equal || len(g.GPU) != 2 || len(g.GPU[0]) == 0 {
			t.Errorf("greedy completions differ: cpu %v, gpu %v", g.CPU, g.GPU)
		}
	})

	t.Run("counts", func(t *testing.T) {
		for _, c := range res.Counts {
			t.Logf("n_layer %d: %d dispatches, %d submit(s), %d reads, %d writes per step; reading the loss: %d submits, %d reads",
				c.NLayer, c.Dispatches, c.Submits, c.Reads, c.Writes, c.WithLossSubmits, c.WithLossReads)
			if c.Submits != 1 || c.Reads != 0 {
				t.Errorf("n_layer %d: %d submits and %d reads per step, want 1 and 0", c.NLayer, c.Submits, c.Reads)
			}
			if c.WithLossReads != 1 || c.WithLossSubmits != 1 {
				t.Errorf("n_layer %d: reading the loss took %d submits and %d reads, want 1 and 1", c.NLayer, c.WithLossSubmits, c.WithLossReads)
			}
			if c.Dispatches == 0 {
				t.Errorf("n_layer %d: no dispatches counted", c.NLayer)
			}
		}
	})

	t.Run("device lost", func(t *testing.T) {
		l := res.Lost
		t.Logf("err %q; resumed from step %d: %.5f, reference %.5f", l.Err, l.SnapshotStep, l.Resumed, l.Reference)
		if !l.IsLost || !l.LostClosed || !l.ReadIsNaN {
			t.Errorf("after Destroy: Err %q (wraps ErrDeviceLost: %v), Lost closed %v, Read NaN %v; want all", l.Err, l.IsLost, l.LostClosed, l.ReadIsNaN)
		}
		if len(l.Resumed) == 0 || len(l.Resumed) != len(l.Reference) || !(l.MaxAbsDiff <= curveTol) {
			t.Errorf("resumed losses %v, reference %v (max |diff| %.2e)", l.Resumed, l.Reference, l.MaxAbsDiff)
		}
	})

	t.Run("auto selection", func(t *testing.T) {
		// automatic selection refuses a software adapter, with the reason
		if res.Adapter.Software && !strings.Contains(res.AutoError, "software renderer") {
			t.Errorf("software adapter %q accepted without AllowSoftware (error %q)", res.Adapter.Architecture, res.AutoError)
		}
	})
}

// TestFallback hides WebGPU from the worker before Go starts and checks
// that New fails with ErrUnavailable and a reason a person can read.
func TestFallback(t *testing.T) {
	run := newHarness(t, 2*time.Minute)
	for _, tt := range []struct{ gpu, want string }{
		{"missing", "navigator.gpu is missing"},
		{"null-adapter", "no WebGPU adapter"},
	} {
		t.Run(tt.gpu, func(t *testing.T) {
			res, _ := run("mode=detect&gpu=" + tt.gpu)
			t.Logf("reason: %s", res.NewError)
			if !res.Unavailable || !strings.Contains(res.NewError, tt.want) {
				t.Errorf("New: %q (wraps ErrUnavailable: %v), want a reason containing %q", res.NewError, res.Unavailable, tt.want)
			}
			if !strings.Contains(res.AutoError, tt.want) {
				t.Errorf("automatic selection: %q, want a reason containing %q", res.AutoError, tt.want)
			}
		})
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func fmtMap(m map[string]float64) string {
	var b strings.Builder
	for k, v := range m {
		fmt.Fprintf(&b, "\n  %-20s %.2e", k, v)
	}
	return b.String()
}
