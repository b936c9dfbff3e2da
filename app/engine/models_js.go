//go:build js && wasm

package main

import (
	"syscall/js"

	"tinystages/app/protocol"
)

// theModels answers the page's model requests; main sets it.
var theModels *models

// receiveModel handles a model message (an object, see protocol.ModelRequest)
// and reports whether data was one. It runs inside the worker's onmessage
// callback, so it only copies the bytes and leaves the work to a goroutine.
func receiveModel(data js.Value) bool {
	header := data.Get(protocol.ModelHeaderKey)
	if header.Type() != js.TypeString || theModels == nil {
		return false
	}
	req, err := protocol.DecodeModelRequest(header.String())
	var in []byte
	if d := data.Get(protocol.ModelDataKey); d.Truthy() {
		arr := js.Global().Get("Uint8Array").New(d)
		in = make([]byte, arr.Get("length").Int())
		js.CopyBytesToGo(in, arr)
	}
	go func() {
		var reply protocol.ModelReply
		var out []byte
		if err != nil {
			reply = protocol.ModelReply{Kind: protocol.ModelExport, ID: req.ID, Error: err.Error()}
		} else {
			reply, out = theModels.handle(req, in)
		}
		postModel(reply, out)
	}()
	return true
}

// postModel sends a reply to the page, its bytes as a transferred
// ArrayBuffer.
func postModel(r protocol.ModelReply, data []byte) {
	header, err := protocol.EncodeModelReply(r)
	if err != nil {
		header, _ = protocol.EncodeModelReply(protocol.ModelReply{Kind: r.Kind, ID: r.ID, Error: err.Error()})
	}
	obj := js.Global().Get("Object").New()
	obj.Set(protocol.ModelHeaderKey, header)
	transfer := js.Global().Get("Array").New()
	if data != nil {
		arr := js.Global().Get("Uint8Array").New(len(data))
		js.CopyBytesToJS(arr, data)
		buf := arr.Get("buffer")
		obj.Set(protocol.ModelDataKey, buf)
		transfer.Call("push", buf)
	}
	js.Global().Call("postMessage", obj, transfer)
}
