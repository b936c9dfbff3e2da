// Runs a Go js/wasm program under Deno with the file system and process
// of the host (Deno's node:fs and node:process, which Go's wasm_exec.js
// uses as Node's): deno run -A deno.js WASM_EXEC_JS PROGRAM_WASM [args].
import fs from "node:fs";
import process from "node:process";

globalThis.fs = fs;
globalThis.process = process;
const [wasmExec, wasmPath, ...args] = Deno.args;
if (!wasmPath) {
	console.error("usage: deno run -A deno.js WASM_EXEC_JS PROGRAM_WASM [args]");
	Deno.exit(2);
}
await import(new URL(wasmExec, "file://" + Deno.cwd() + "/").href); // defines globalThis.Go
const go = new Go();
go.argv = [wasmPath, ...args];
go.env = Deno.env.toObject();
go.exit = (code) => Deno.exit(code);
const { instance } = await WebAssembly.instantiate(await Deno.readFile(wasmPath), go.importObject);
await go.run(instance);
