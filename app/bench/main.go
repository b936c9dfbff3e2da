//go:build js && wasm

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"syscall/js"
	"time"
)

// Report is what the program posts to the page when it is done.
type Report struct {
	Env     map[string]any `json:"env"`
	Results []Result       `json:"results"`
	Errors  []string       `json:"errors,omitempty"`
}

func main() {
	filter := flag.String("filter", "", "run only the benchmarks whose names match this regexp")
	quick := flag.Bool("quick", false, "short measurements (a smoke run)")
	list := flag.Bool("list", false, "list the benchmarks and exit")
	flag.Parse()
	var re *regexp.Regexp
	if *filter != "" {
		var err error
		if re, err = regexp.Compile(*filter); err != nil {
			post("error", err.Error())
			os.Exit(2)
		}
	}
	env := &Env{Quick: *quick, Logf: func(format string, args ...any) { post("log", fmt.Sprintf(format, args...)) }}
	rep := Report{Env: environment()}
	for _, b := range Selected(re) {
		if *list {
			env.Logf("%s", b.Name)
			continue
		}
		start := time.Now()
		env.Logf("running %s", b.Name)
		res, err := b.Run(env)
		if err != nil {
			env.Logf("%s: %v", b.Name, err)
			rep.Errors = append(rep.Errors, b.Name+": "+err.Error())
		}
		for _, r := range res {
			env.Logf("  %s %v", r.Name, r.Metrics)
		}
		rep.Results = append(rep.Results, res...)
		env.Logf("  (%.1fs)", time.Since(start).Seconds())
	}
	out, err := json.Marshal(rep)
	if err != nil {
		post("error", err.Error())
		os.Exit(1)
	}
	post("report", string(out))
}

// post sends a message to the page: {type, data}.
func post(typ, data string) {
	js.Global().Call("postMessage", map[string]any{"type": typ, "data": data})
}

// environment describes where the benchmarks ran.
func environment() map[string]any {
	g := js.Global()
	env := map[string]any{"go": runtime.Version()}
	if nav := g.Get("navigator"); nav.Type() == js.TypeObject {
		env["user_agent"] = nav.Get("userAgent").String()
		env["hardware_concurrency"] = nav.Get("hardwareConcurrency").Int()
	}
	if v := g.Get("crossOriginIsolated"); v.Type() == js.TypeBoolean {
		env["cross_origin_isolated"] = v.Bool()
	}
	for k, v := range cpuEnvironment() {
		env[k] = v
	}
	return env
}
