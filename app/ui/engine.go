package ui

import (
	"sync"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"tinystages/app/protocol"
)

// EngineWorkerPath is the engine's worker script (web/engine-worker.js),
// which loads wasm_exec.js and engine.wasm.
const EngineWorkerPath = "/web/engine-worker.js"

// RenderEvery is the shortest time between two updates of the page caused
// by engine messages. Messages that arrive in between are applied together,
// so a fast engine costs the page at most a few renders a second.
const RenderEvery = 250 * time.Millisecond

// engine is the UI's handle on the training engine running in a dedicated
// Web Worker. Messages from the worker are decoded, queued and handed to
// the component on the UI goroutine in batches (ctx.Dispatch, at most once
// per RenderEvery); the JavaScript callback itself never blocks.
type engine struct {
	worker    app.Value
	onMessage app.Func
	onError   app.Func
	onObject  func(data app.Value) // issue 9: model messages, objects not strings (model_io.go)

	mu        sync.Mutex
	queue     []received
	scheduled bool
	last      time.Time // of the last batch handed over
}

// received is a message from the engine and when it arrived
// (performance.now(), in milliseconds since the page's navigation).
type received struct {
	protocol.Message
	At float64
}

// startEngine starts the worker. handle receives every message, or a
// *protocol.Error for a message that could not be decoded or a worker that
// failed to load.
func startEngine(ctx app.Context, handle func(ctx app.Context, m received)) *engine {
	if app.IsServer {
		return nil
	}
	e := &engine{}
	flush := func(ctx app.Context) {
		e.mu.Lock()
		msgs := e.queue
		e.queue, e.scheduled, e.last = nil, false, time.Now()
		e.mu.Unlock()
		for _, m := range msgs {
			handle(ctx, m)
		}
	}
	deliver := func(m protocol.Message) {
		at := now()
		e.mu.Lock()
		e.queue = append(e.queue, received{m, at})
		if e.scheduled {
			e.mu.Unlock()
			return
		}
		e.scheduled = true
		wait := RenderEvery - time.Since(e.last)
		e.mu.Unlock()
		if wait <= 0 {
			ctx.Dispatch(flush)
		} else {
			ctx.After(wait, flush)
		}
	}
	e.worker = app.Window().Get("Worker").New(ctx.ResolveStaticResource(EngineWorkerPath))
	e.onMessage = app.FuncOf(func(this app.Value, args []app.Value) any {
		data := args[0].Get("data")
		if data.Type() == app.TypeObject && e.onObject != nil { // issue 9 (model_io.go)
			e.onObject(data)
		} else if data.Type() != app.TypeString {
			deliver(errorMessage("the engine sent a message that is not a string"))
		} else if m, err := protocol.Decode([]byte(data.String())); err != nil {
			deliver(errorMessage(err.Error()))
		} else {
			deliver(m)
		}
		return nil
	})
	e.onError = app.FuncOf(func(this app.Value, args []app.Value) any {
		msg := "the training engine failed to load"
		if len(args) > 0 && args[0].Get("message").Truthy() {
			msg += ": " + args[0].Get("message").String()
		}
		deliver(errorMessage(msg))
		return nil
	})
	e.worker.Set("onmessage", e.onMessage)
	e.worker.Set("onerror", e.onError)
	return e
}

func now() float64 { return app.Window().Get("performance").Call("now").Float() }

func errorMessage(text string) protocol.Message {
	return protocol.Message{Kind: protocol.KindError, Error: &protocol.Error{Message: text}}
}

// send posts m to the engine.
func (e *engine) send(m protocol.Message) error {
	if e == nil {
		return nil
	}
	data, err := protocol.Encode(m)
	if err != nil {
		return err
	}
	e.worker.Call("postMessage", string(data))
	return nil
}

// stop terminates the worker and releases the callbacks.
func (e *engine) stop() {
	if e == nil {
		return
	}
	e.worker.Call("terminate")
	e.onMessage.Release()
	e.onError.Release()
}
