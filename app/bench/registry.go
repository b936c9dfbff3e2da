// Command bench runs tinystages' micro-benchmarks in the browser: matrix
// multiply GFLOP/s of every kernel at the shapes a training step uses, and
// training tokens/s per preset and backend, with a per-op profile of the
// step. It is a js/wasm program run in a dedicated Web Worker (as the
// engine is) by page/index.html; it posts one JSON report.
//
// Run it with `make bench`, i.e. the chromedp driver in bench_test.go:
//
//	go test -tags bench -run Bench -v ./app/bench [-args -filter REGEXP -quick -out FILE]
//
// Benchmarks are registered by name (Register), so each backend adds its
// own in its own file: gemm.go and train.go measure the CPU kernels
// (WASM SIMD and pure Go); WebGPU's go in webgpu*.go.
package main

import (
	"regexp"
	"slices"
	"sort"
	"time"
)

// Env is what a benchmark gets from the runner.
type Env struct {
	// Quick asks for short measurements (a smoke run, not numbers to
	// quote).
	Quick bool
	// Logf reports progress to the page.
	Logf func(format string, args ...any)
}

// Result is one measured thing. Name is unique in a report, e.g.
// "gemm/nano/fc/NT/WASM SIMD" or "train/nano/CPU (pure Go)".
type Result struct {
	Name    string             `json:"name"`
	Kind    string             `json:"kind"`    // "gemm", "train", "profile", ...
	Backend string             `json:"backend"` // what ran, e.g. "CPU (WASM SIMD)"
	Metrics map[string]float64 `json:"metrics"` // e.g. "GFLOP/s", "tokens/s"
	Info    map[string]string  `json:"info,omitempty"`
}

// Benchmark is a named measurement. Run may block its goroutine on
// JavaScript promises (WebGPU), never inside a js.Func callback.
type Benchmark struct {
	Name string
	Run  func(env *Env) ([]Result, error)
}

var registry []Benchmark

// Register adds benchmarks to the program; call it from init.
func Register(bs ...Benchmark) {
	for _, b := range bs {
		for _, r := range registry {
			if r.Name == b.Name {
				panic("bench: benchmark " + b.Name + " registered twice")
			}
		}
		registry = append(registry, b)
	}
}

// Selected returns the registered benchmarks whose names match filter, in
// name order.
func Selected(filter *regexp.Regexp) []Benchmark {
	var out []Benchmark
	for _, b := range registry {
		if filter == nil || filter.MatchString(b.Name) {
			out = append(out, b)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Timing says how long to measure.
type Timing struct {
	Round     time.Duration // each function runs at least this long per round
	MinRounds int
	MinTime   time.Duration // total, all functions
}

// Interleave times several functions under the same conditions: after a
// warm-up call of each (the engine tiers code up from a baseline
// compiler, and first calls allocate), it runs rounds in which every
// function runs for at least t.Round, until there are t.MinRounds rounds
// and t.MinTime has passed. It returns each function's seconds per call
// over the rounds, median and best. On a shared machine whose load comes
// and goes, interleaving keeps the ratios between the functions
// meaningful, and the best round is the closest to an idle machine.
func Interleave(t Timing, fns ...func()) []Seconds {
	for _, fn := range fns {
		fn()
	}
	per := make([][]float64, len(fns))
	start := now()
	for r := 0; r < t.MinRounds || now().Sub(start) < t.MinTime; r++ {
		for i, fn := range fns {
			n, rs := 0, now()
			for n == 0 || now().Sub(rs) < t.Round {
				fn()
				n++
			}
			per[i] = append(per[i], now().Sub(rs).Seconds()/float64(n))
		}
	}
	out := make([]Seconds, len(fns))
	for i, p := range per {
		slices.Sort(p)
		out[i] = Seconds{Median: p[len(p)/2], Best: p[0]}
	}
	return out
}

// now is the clock of Interleave (a test seam).
var now = time.Now

// Seconds per call of a function timed by Interleave.
type Seconds struct{ Median, Best float64 }
