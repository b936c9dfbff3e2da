//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"syscall/js"
	"time"

	"tinystages/app/protocol"
)

// build is the engine's build id, set with -ldflags "-X main.build=...".
var build = "dev"

func main() {
	cmds := make(chan protocol.Message, 64)
	post := func(m protocol.Message) {
		data, err := protocol.Encode(m)
		if err != nil {
			data, _ = protocol.Encode(protocol.Message{Kind: protocol.KindError, Error: &protocol.Error{Message: err.Error()}})
		}
		js.Global().Call("postMessage", string(data))
	}
	// receive runs inside a JavaScript callback: it must not block, so a
	// command that does not fit the channel is handed over by a goroutine.
	receive := func(data js.Value) {
		if data.Type() == js.TypeObject && receiveModel(data) { // issue 9: models in and out (models_js.go)
			return
		}
		if data.Type() != js.TypeString {
			post(errorMessage("", errors.New("the engine received a message that is not a string")))
			return
		}
		m, err := protocol.Decode([]byte(data.String()))
		if err != nil {
			post(errorMessage("", err))
			return
		}
		select {
		case cmds <- m:
		default:
			go func() { cmds <- m }()
		}
	}
	onMessage := js.FuncOf(func(this js.Value, args []js.Value) any {
		receive(args[0].Get("data"))
		return nil
	})
	js.Global().Set("onmessage", onMessage)
	// Messages that arrived while engine.wasm was loading.
	if pending := js.Global().Get("tinystagesPending"); pending.Truthy() {
		for i := 0; i < pending.Length(); i++ {
			receive(pending.Index(i))
		}
		js.Global().Set("tinystagesPending", js.Undefined())
	}

	s := &session{
		fetch:         fetch,
		fetchProgress: fetchProgress, // fetch_js.go
		post:          post,
		yield:         func() { time.Sleep(time.Millisecond) },
		selectBackend: selectBackend,
	}
	theModels = newModels(s, newCPU) // issue 9 (models.go)
	post(protocol.Message{Kind: protocol.KindReady, Ready: &protocol.Ready{Protocol: protocol.Version, Engine: build}})
	s.serve(cmds)
}

// fetch GETs path, relative to the worker script's URL (so
// "datasets/manifest.json" is /web/datasets/manifest.json), and waits for
// the whole body. It blocks its goroutine, never the event loop: the
// promise callbacks only send on a channel.
func fetch(path string) ([]byte, error) {
	type result struct {
		data []byte
		err  error
	}
	ch := make(chan result, 1)
	var onResponse, onBody, onError js.Func
	release := func() { onResponse.Release(); onBody.Release(); onError.Release() }
	onError = js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := "network error"
		if len(args) > 0 {
			msg = args[0].Call("toString").String()
		}
		ch <- result{err: fmt.Errorf("fetching %s: %s", path, msg)}
		return nil
	})
	onBody = js.FuncOf(func(this js.Value, args []js.Value) any {
		arr := js.Global().Get("Uint8Array").New(args[0])
		data := make([]byte, arr.Get("length").Int())
		js.CopyBytesToGo(data, arr)
		ch <- result{data: data}
		return nil
	})
	onResponse = js.FuncOf(func(this js.Value, args []js.Value) any {
		res := args[0]
		if !res.Get("ok").Bool() {
			ch <- result{err: fmt.Errorf("fetching %s: %d %s", path, res.Get("status").Int(), res.Get("statusText").String())}
			return nil
		}
		res.Call("arrayBuffer").Call("then", onBody, onError)
		return nil
	})
	url := js.Global().Get("URL").New(path, js.Global().Get("location").Get("href")).Call("toString")
	js.Global().Call("fetch", url).Call("then", onResponse, onError)
	r := <-ch
	release()
	return r.data, r.err
}
