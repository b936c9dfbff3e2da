// tinystages training engine: a dedicated Web Worker that runs engine.wasm
// (the Go program in app/engine). The page never trains; it talks to this
// worker with the versioned messages of app/protocol.
"use strict";

// Messages that arrive before the Go program has started are kept here;
// the engine takes them over when it installs its own onmessage.
self.tinystagesPending = [];
self.onmessage = (event) => {
  self.tinystagesPending.push(event.data);
};

// URLs are relative to this script, so the app also works under a sub-path.
importScripts("../wasm_exec.js");

const go = new Go();
WebAssembly.instantiateStreaming(fetch("engine.wasm"), go.importObject)
  .then((result) => { self.goInstance = result.instance; return go.run(result.instance); }) // model/simd runs its kernels on this instance's memory
  .catch((err) => {
    self.postMessage(JSON.stringify({
      v: 2, // protocol.Version
      kind: "error",
      error: { phase: "loading the engine", message: String(err) },
    }));
  });
