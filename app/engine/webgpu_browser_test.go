//go:build !wasm

package main

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"tinystages/app/browsertest"
	"tinystages/app/protocol"
	"tinystages/datasets/datasetstest"
	"tinystages/model/train"
)

// testPage runs the engine in a dedicated worker and resolves
// window.finished with every message it posted (a JSON array of strings)
// once the run is done or failed.
const testPage = `<!doctype html><meta charset="utf-8"><title>engine</title><script>
window.msgs = [];
window.w = new Worker("web/test-worker.js" + location.search);
window.finished = new Promise((resolve) => {
  w.onmessage = (e) => {
    msgs.push(e.data);
    const m = JSON.parse(e.data);
    if (m.kind === "done" || (m.kind === "state" && m.state.status === "failed")) resolve(JSON.stringify(msgs));
  };
  w.onerror = (e) => { msgs.push(JSON.stringify({v: 1, kind: "error", error: {message: "worker: " + e.message}})); resolve(JSON.stringify(msgs)); };
});
</script>`

// TestEngineBackendInBrowser runs the engine in headless Chromium on a toy
// corpus: forced onto WebGPU it trains and its loss falls; with
// navigator.gpu hidden, auto falls back to the CPU and says why.
func TestEngineBackendInBrowser(t *testing.T) {
	ctx := browsertest.New(t, 5*time.Minute)
	dir := t.TempDir()
	wasm := filepath.Join(dir, "engine.wasm")
	browsertest.BuildWasm(t, "tinystages/app/engine", wasm)
	files := toyCorpus(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(testPage))
	})
	mux.HandleFunc("/wasm_exec.js", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, browsertest.WasmExecJS()) })
	mux.HandleFunc("/web/engine-worker.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("..", "..", "web", "engine-worker.js"))
	})
	mux.HandleFunc("/web/test-worker.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("testdata", "webgpu-test-worker.js"))
	})
	mux.HandleFunc("/web/engine.wasm", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/wasm")
		http.ServeFile(w, r, wasm)
	})
	// The toy corpus stands in for the pre-training data; the stages
	// after it read the shipped datasets and checkpoints.
	mux.HandleFunc("/web/datasets/", func(w http.ResponseWriter, r *http.Request) {
		if data, ok := files[strings.TrimPrefix(r.URL.Path, "/web/")]; ok {
			w.Write(data)
			return
		}
		http.ServeFile(w, r, filepath.Join("..", "..", "web", "datasets", filepath.Base(r.URL.Path)))
	})
	mux.HandleFunc("/web/checkpoints/", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, filepath.Join("..", "..", "web", "checkpoints", filepath.Base(r.URL.Path)))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// runSettings starts a run of st on a page loaded with query and
	// returns the engine's messages.
	runSettings := func(t *testing.T, query string, st protocol.Settings) []protocol.Message {
		t.Helper()
		start, err := protocol.Encode(protocol.Message{Kind: protocol.KindStart, Settings: &st})
		if err != nil {
			t.Fatal(err)
		}
		startJS, _ := json.Marshal(string(start))
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/?"+query)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`w.postMessage(`+string(startJS)+`), true`)); err != nil {
			t.Fatal(err)
		}
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.finished`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		var datas []string
		if err := json.Unmarshal([]byte(raw), &datas); err != nil {
			t.Fatal(err)
		}
		var msgs []protocol.Message
		for _, d := range datas {
			m, err := protocol.Decode([]byte(d))
			if err != nil {
				t.Fatalf("%v in %s", err, d)
			}
			if m.Kind == protocol.KindError {
				t.Errorf("engine error: %+v", *m.Error)
			}
			msgs = append(msgs, m)
		}
		return msgs
	}
	// run starts a pre-training run of the nano preset with backend pref.
	run := func(t *testing.T, query, pref string, steps, batch int) []protocol.Message {
		t.Helper()
		st := protocol.DefaultSettings("nano")
		st.Steps, st.Batch, st.Backend = steps, batch, pref
		return runSettings(t, query, st)
	}
	running := func(msgs []protocol.Message) *protocol.State {
		for _, m := range msgs {
			if m.Kind == protocol.KindState && m.State.Status == protocol.StatusRunning {
				return m.State
			}
		}
		return &protocol.State{}
	}

	t.Run("webgpu trains", func(t *testing.T) {
		msgs := run(t, "", protocol.BackendWebGPU, 10, 2)
		st := running(msgs)
		t.Logf("backend %q, reason %q", st.Backend, st.BackendReason)
		if !strings.HasPrefix(st.Backend, "WebGPU (") || st.BackendReason != "" {
			t.Fatalf("backend=webgpu ran on %q (reason %q)", st.Backend, st.BackendReason)
		}
		// a run on a GPU reads its loss back at a pace in time
		// (train.GPUReadEvery): the first and last steps always, the
		// others when they take that long (they may on SwiftShader)
		var steps []int
		var losses []float64
		for _, m := range msgs {
			if m.Kind == protocol.KindMetrics {
				steps, losses = append(steps, m.Metrics.Step), append(losses, m.Metrics.Loss)
			}
		}
		t.Logf("losses %.3f at steps %v", losses, steps)
		if len(steps) < 2 || steps[0] != 1 || steps[len(steps)-1] != 10 {
			t.Fatalf("steps %v reported, want 1 and 10 at least", steps)
		}
		first, last := losses[0], losses[len(losses)-1]
		if !(last < first-0.5) {
			t.Errorf("loss did not fall on WebGPU: step 1 %.3f, step 10 %.3f", first, last)
		}
	})

	// A stage after pre-training on the GPU: SFT from the shipped
	// mid-trained checkpoint (masked rows: weight 0 on the prompt), two
	// steps, the same losses as on the CPU.
	t.Run("webgpu runs SFT like the CPU", func(t *testing.T) {
		datasetstest.Need(t, filepath.Join("..", "..", "web", "datasets", "sft.train.jsonl"), "make datasets")
		losses := map[string][]float64{}
		for _, pref := range []string{protocol.BackendCPU, protocol.BackendWebGPU} {
			st := protocol.DefaultStageSettings(train.StageSFT)
			st.Steps, st.Batch, st.Backend, st.EvalEvery, st.Report = 2, 2, pref, 0, false
			msgs := runSettings(t, "", st)
			if b := running(msgs).Backend; pref == protocol.BackendWebGPU && !strings.HasPrefix(b, "WebGPU (") {
				t.Fatalf("backend=webgpu ran SFT on %q", b)
			}
			for _, m := range msgs {
				if m.Kind == protocol.KindMetrics && m.Metrics.Step > 0 {
					losses[pref] = append(losses[pref], m.Metrics.Loss)
				}
			}
		}
		cpuL, gpuL := losses[protocol.BackendCPU], losses[protocol.BackendWebGPU]
		t.Logf("SFT losses: CPU %.5f, WebGPU %.5f", cpuL, gpuL)
		if len(cpuL) != 2 || len(gpuL) != 2 {
			t.Fatalf("steps reported: CPU %d, WebGPU %d, want 2 each", len(cpuL), len(gpuL))
		}
		for i := range cpuL {
			if math.Abs(cpuL[i]-gpuL[i]) > 1e-3 {
				t.Errorf("step %d: SFT loss %.5f on the CPU, %.5f on WebGPU", i+1, cpuL[i], gpuL[i])
			}
		}
	})

	t.Run("no WebGPU: auto falls back", func(t *testing.T) {
		st := running(run(t, "gpu=missing", protocol.BackendAuto, 2, 2))
		t.Logf("backend %q, reason %q", st.Backend, st.BackendReason)
		if !strings.HasPrefix(st.Backend, "CPU") || !strings.Contains(st.BackendReason, "navigator.gpu is missing") {
			t.Errorf("got backend %q, reason %q; want the CPU, saying navigator.gpu is missing", st.Backend, st.BackendReason)
		}
	})

	t.Run("software adapter: auto prefers the CPU", func(t *testing.T) {
		st := running(run(t, "", protocol.BackendAuto, 2, 2))
		t.Logf("backend %q, reason %q", st.Backend, st.BackendReason)
		switch {
		case strings.HasPrefix(st.Backend, "WebGPU (SwiftShader"):
			t.Errorf("auto chose the software adapter %q", st.Backend)
		case strings.HasPrefix(st.Backend, "CPU") && st.BackendReason == "":
			t.Errorf("auto fell back to the CPU without a reason")
		}
	})
}
