// The benchmark worker: runs bench.wasm the way the engine worker runs
// engine.wasm, publishing the Go instance (globalThis.goInstance) so that
// package simd can instantiate its kernels on Go's memory.
importScripts("wasm_exec.js");

(async () => {
	const args = JSON.parse(new URLSearchParams(self.location.search).get("args") || "[]");
	const go = new Go();
	go.argv = ["bench"].concat(args);
	go.exit = (code) => {
		if (code !== 0) postMessage({ type: "error", data: "bench exited with " + code });
	};
	const { instance } = await WebAssembly.instantiateStreaming(fetch("bench.wasm"), go.importObject);
	self.goInstance = instance;
	await go.run(instance);
})().catch((e) => postMessage({ type: "error", data: String(e && e.stack || e) }));
