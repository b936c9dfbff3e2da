//go:build js && wasm

package main

import (
	"fmt"
	"strconv"
	"syscall/js"
)

// fetchProgress GETs path, relative to the worker script's URL, reading
// the body as a stream so that progress can report the bytes received of
// the Content-Length (total 0 when unknown, or when the body arrives
// compressed and outgrows it). It blocks its goroutine, never the event
// loop: the promise callbacks only send on channels.
func fetchProgress(path string, progress func(done, total int)) ([]byte, error) {
	type chunk struct {
		res  js.Value
		err  error
		done bool
	}
	ch := make(chan chunk, 1)
	onOK := js.FuncOf(func(this js.Value, args []js.Value) any {
		ch <- chunk{res: args[0]}
		return nil
	})
	onErr := js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := "network error"
		if len(args) > 0 {
			msg = args[0].Call("toString").String()
		}
		ch <- chunk{err: fmt.Errorf("fetching %s: %s", path, msg)}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	await := func(p js.Value) chunk {
		p.Call("then", onOK, onErr)
		return <-ch
	}

	url := js.Global().Get("URL").New(path, js.Global().Get("location").Get("href")).Call("toString")
	r := await(js.Global().Call("fetch", url))
	if r.err != nil {
		return nil, r.err
	}
	res := r.res
	if !res.Get("ok").Bool() {
		return nil, fmt.Errorf("fetching %s: %d %s", path, res.Get("status").Int(), res.Get("statusText").String())
	}
	total := 0
	if h := res.Get("headers").Call("get", "Content-Length"); h.Type() == js.TypeString {
		total, _ = strconv.Atoi(h.String())
	}
	body := res.Get("body")
	if !body.Truthy() { // no streams: the whole body at once
		r = await(res.Call("arrayBuffer"))
		if r.err != nil {
			return nil, r.err
		}
		arr := js.Global().Get("Uint8Array").New(r.res)
		data := make([]byte, arr.Get("length").Int())
		js.CopyBytesToGo(data, arr)
		progress(len(data), len(data))
		return data, nil
	}
	reader := body.Call("getReader")
	data := make([]byte, 0, total)
	progress(0, total)
	for {
		r = await(reader.Call("read"))
		if r.err != nil {
			return nil, r.err
		}
		if r.res.Get("done").Bool() {
			break
		}
		v := r.res.Get("value")
		n := v.Get("length").Int()
		data = append(data, make([]byte, n)...)
		js.CopyBytesToGo(data[len(data)-n:], v)
		if len(data) > total {
			total = 0
		}
		progress(len(data), total)
	}
	return data, nil
}
