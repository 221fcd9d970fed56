import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertInteger, describe } from "@relax/core";

/** Options of {@link enableWasmThreads}. */
export interface WasmThreadsOptions {
  /** XNNPACK threads (default: the machine's logical cores, at most 8, the pool tfjs's build pre-creates). */
  threads?: number;
}

/** What the module of tfjs's threaded build exposes that this file uses. */
interface ThreadedModule {
  cwrap: (name: string, ret: string | null, args: string[]) => (...a: number[]) => number;
  PThread: { runningWorkers: { unref(): void }[]; unusedWorkers: { unref(): void }[] };
  tfjs?: unknown;
}

/**
 * Makes tfjs's `wasm` backend use its **threaded SIMD build** in Node, so XNNPACK's convolutions and matrix
 * products run on several cores. tfjs-backend-wasm 4.22 never picks that build in Node (its feature test returns
 * false there) and, where it would, sizes the pool to half the logical cores (1 on a 2-core machine). This
 * function re-registers the `wasm` backend with the same kernels over the threaded build: the pthread worker is
 * written to a temporary file (Node workers cannot load tfjs's blob URL), the pool is sized to `threads`, and
 * the workers are unref'd so that a script still exits when it is done. Call it before the backend is first
 * used (`tf.setBackend('wasm')` / `selectBackend`); afterwards it throws. Node only. Numbers are those of the
 * single-threaded build (the same XNNPACK kernels, split by output rows).
 *
 * Resolves to the number of threads in use (1 where the threaded build is unavailable: no `SharedArrayBuffer`,
 * not Node, or `@tensorflow/tfjs-backend-wasm` missing — the backend is then left as it was).
 *
 * @example
 * import "@tensorflow/tfjs-backend-wasm";
 * await enableWasmThreads({ threads: 2 });
 * await tf.setBackend("wasm");   // conv2d / matMul now use both cores
 */
export async function enableWasmThreads(options: WasmThreadsOptions = {}): Promise<number> {
  const op = "enableWasmThreads";
  if (options === null || typeof options !== "object")
    throw new RelaxError(op, "options", "an options object ({ threads })", describe(options));
  for (const k of Object.keys(options)) if (k !== "threads") throw new RelaxError(op, `options.${k}`, "only 'threads'", JSON.stringify(k));
  const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
  if (!isNode || typeof SharedArrayBuffer === "undefined") return 1;
  const os = (await import("node:os")).default;
  const cores = typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length;
  const threads = assertInteger(op, "threads", options.threads ?? Math.min(cores, 8), 1, 8);
  if (tf.engine().registry.wasm !== undefined)
    throw new RelaxError(op, "backend", "to be called before the wasm backend is first used", "an initialised wasm backend");
  let wasmPkg: typeof import("@tensorflow/tfjs-backend-wasm");
  try {
    wasmPkg = await import("@tensorflow/tfjs-backend-wasm");
  } catch {
    return 1;
  }
  if (threads === 1) return 1;
  const { createRequire } = await import("node:module");
  const { mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const { join, dirname } = await import("node:path");
  const require = createRequire(import.meta.url);
  let glue: string;
  try {
    // resolved from the wasm package itself (wherever the app's copy is)
    const pkgMain = require.resolve("@tensorflow/tfjs-backend-wasm");
    const base = join(dirname(pkgMain), "..", "wasm-out");
    glue = join(base, "tfjs-backend-wasm-threaded-simd.js");
    require.resolve(glue);
  } catch {
    return 1;
  }
  const dir = dirname(glue);
  const factory = require(glue) as (config: object) => Promise<ThreadedModule>;
  const { wasmWorkerContents } = require(join(dir, "tfjs-backend-wasm-threaded-simd.worker.js")) as { wasmWorkerContents: string };
  // the worker's source is a template string whose "\n" escapes became newlines: write them back as escapes
  const workerPath = join(mkdtempSync(join(os.tmpdir(), "relax-wasm-threads-")), "tfjs-backend-wasm-threaded-simd.worker.cjs");
  writeFileSync(workerPath, wasmWorkerContents.replace(/\n/g, "\\n"));
  process.once("exit", () => rmSync(dirname(workerPath), { recursive: true, force: true }));

  const init = async (): Promise<ThreadedModule> => {
    // tfjs's C++ caps the pool at emscripten_num_logical_cores() / 2, which Node answers with os.cpus().length,
    // read once while the module initialises: answer 2 × threads for that moment only
    const cpus = os.cpus;
    (os as { cpus: () => unknown[] }).cpus = () => {
      const c = cpus();
      return Array.from({ length: 2 * threads }, (_, i) => c[i % c.length]);
    };
    try {
      const module = await factory({
        locateFile: (p: string) =>
          p.endsWith(".worker.js") ? workerPath : p.endsWith(".wasm") ? join(dir, "tfjs-backend-wasm-threaded-simd.wasm") : join(dir, p),
        mainScriptUrlOrBlob: glue,
      });
      module.tfjs = {
        init: module.cwrap("init", null, []),
        initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
        getThreadsCount: module.cwrap("get_threads_count", "number", []),
        registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
        disposeData: module.cwrap("dispose_data", null, ["number"]),
        dispose: module.cwrap("dispose", null, []),
      };
      return module;
    } finally {
      (os as { cpus: typeof cpus }).cpus = cpus;
    }
  };
  const wasm = wasmPkg as unknown as {
    BackendWasm: new (m: ThreadedModule) => tf.KernelBackend & { wasm: ThreadedModule };
    setThreadsCount: (n: number) => void;
    getThreadsCount: () => number;
  };
  const original = tf.engine().registryFactory.wasm;
  tf.removeBackend("wasm");
  tf.registerBackend(
    "wasm",
    async () => {
      try {
        const module = await init();
        wasm.setThreadsCount(threads);
        const backend = new wasm.BackendWasm(module);
        // the pool's workers wait on futexes between ops; unref'd, they do not keep the process alive
        for (const w of [...module.PThread.runningWorkers, ...module.PThread.unusedWorkers]) w.unref();
        return backend;
      } catch (e) {
        if (original === undefined) throw e;
        console.warn(`enableWasmThreads: the threaded build failed (${(e as Error).message}); using the single-threaded one`);
        return original.factory();
      }
    },
    original?.priority ?? 2,
  );
  return threads;
}
