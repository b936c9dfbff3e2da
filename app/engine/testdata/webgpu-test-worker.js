// Test wrapper of engine-worker.js: with ?gpu=missing it hides
// navigator.gpu before the engine starts, as in a browser without WebGPU.
const q = new URLSearchParams(self.location.search);
if (q.get("gpu") === "missing") {
  Object.defineProperty(self.navigator, "gpu", { value: undefined, configurable: true });
}
importScripts("engine-worker.js");
