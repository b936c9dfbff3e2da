// Worker for the parity program. ?gpu=missing hides navigator.gpu and
// ?gpu=null-adapter makes requestAdapter resolve to null, before Go
// starts, to exercise the fallback.
importScripts("wasm_exec.js");
const q = new URLSearchParams(self.location.search);
if (q.get("gpu") === "missing") {
  Object.defineProperty(self.navigator, "gpu", { value: undefined, configurable: true });
} else if (q.get("gpu") === "null-adapter" && self.navigator.gpu) {
  self.navigator.gpu.requestAdapter = async () => null;
}
const go = new Go();
go.argv = ["paritytest", q.get("mode") || "parity"];
WebAssembly.instantiateStreaming(fetch("parity.wasm"), go.importObject)
  .then((r) => go.run(r.instance))
  .catch((e) => postMessage(JSON.stringify({ result: { fatal: String(e) } })));
