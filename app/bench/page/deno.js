// Runs the benchmark program under Deno instead of a browser, for a machine
// with a GPU but no Chromium (a GPU server, say). Deno's WebGPU is wgpu,
// Firefox's implementation, on Vulkan: the same WGSL kernels as Chromium's
// Dawn runs, through another implementation; its V8 runs the WASM SIMD
// kernels as Chromium does. Usage (from the repository root):
//
//	GOOS=js GOARCH=wasm go build -o build/bench.wasm ./app/bench
//	deno run -A app/bench/page/deno.js "$(go env GOROOT)/lib/wasm/wasm_exec.js" build/bench.wasm build/bench.json [-filter RE] [-quick]
//	go test -tags bench -run '^TestBench$' -v ./app/bench -args -from "$PWD/build/bench.json"
//
// The last command prints the same tables as make bench.
const [wasmExec, wasmPath, outPath, ...args] = Deno.args;
if (!outPath) {
	console.error("usage: deno run -A deno.js WASM_EXEC_JS BENCH_WASM OUT_JSON [bench flags]");
	Deno.exit(2);
}
const fileURL = (p) => new URL(p, "file://" + Deno.cwd() + "/").href;
await import(fileURL(wasmExec)); // defines globalThis.Go

// The program posts {type: "log" | "report" | "error", data}, as to its page.
const report = new Promise((resolve) => {
	globalThis.postMessage = ({ type, data }) => {
		if (type === "log") console.log(data);
		else if (type === "report") resolve(data);
		else resolve(JSON.stringify({ errors: [String(data)] }));
	};
});
const go = new Go();
go.argv = ["bench", ...args];
go.exit = (code) => {
	if (code !== 0) globalThis.postMessage({ type: "error", data: "bench exited with " + code });
};
const { instance } = await WebAssembly.instantiate(await Deno.readFile(wasmPath), go.importObject);
globalThis.goInstance = instance; // package simd instantiates its kernels on Go's memory
go.run(instance);
const raw = await report;
await Deno.writeTextFile(outPath, raw);
const errors = JSON.parse(raw).errors || [];
for (const e of errors) console.error("error:", e);
Deno.exit(errors.length ? 1 : 0);
