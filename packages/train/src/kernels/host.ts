import * as tf from "@tensorflow/tfjs-core";

/** An output buffer of a {@link hostKernel}, allocated before the kernel runs. */
export interface HostOut {
  shape: number[];
  /** The backend's tensor (wasm: allocated in its heap), or the values to hand over (cpu). */
  info?: tf.TensorInfo;
  values?: Float32Array;
}

/** What a host kernel's plan returns: its outputs and the pass that fills them. */
export interface HostPlan {
  outputs: HostOut[];
  run: (read: (t: tf.TensorInfo) => Float32Array, write: (o: HostOut) => Float32Array) => void;
}

/** The parts of tfjs's wasm backend a zero-copy kernel uses (public members of `BackendWasm`). */
interface WasmLike {
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array; wasmMemory?: WebAssembly.Memory };
}

/**
 * Registers a float32 kernel over typed arrays for the `cpu` and `wasm` backends without copies: on `wasm`
 * the outputs are allocated in the module's heap first (an allocation may grow the memory) and then inputs and
 * outputs are views on it; on `cpu` inputs are the stored arrays and the outputs are handed over. `plan` sees the
 * inputs' infos (shapes) and allocates outputs; its `run` reads inputs and writes outputs. Inputs are read-only.
 *
 * @param kernelName a name from `@relax/core`'s `kernel_names.ts`
 * @param inputNames the kernel's input names, in the order `plan` receives them
 * @example
 * hostKernel("MyScale", ["x"], ([x], alloc) => { const y = alloc(x.shape);
 *   return { outputs: [y], run: (read, write) => { const a = read(x), o = write(y); for (let i = 0; i < a.length; i++) o[i] = 2 * a[i]; } }; });
 */
export function hostKernel(
  kernelName: string,
  inputNames: string[],
  plan: (inputs: tf.TensorInfo[], alloc: (shape: number[]) => HostOut) => HostPlan,
): void {
  for (const backendName of ["cpu", "wasm"]) {
    if (tf.getKernel(kernelName, backendName) !== undefined) continue;
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ inputs, backend }) => {
        const infos = inputNames.map((n) => inputs[n] as tf.TensorInfo);
        if (backendName === "wasm") {
          const w = backend as unknown as WasmLike;
          const p = plan(infos, (shape) => ({ shape, info: w.makeOutput(shape, "float32") }));
          // views after every allocation: a growing memory would detach (or, shared, shorten) earlier buffers
          const heap = w.wasm.wasmMemory?.buffer ?? w.wasm.HEAPU8.buffer;
          const view = (t: tf.TensorInfo): Float32Array =>
            new Float32Array(heap, (w.dataIdMap.get(t.dataId) as { memoryOffset: number }).memoryOffset, tf.util.sizeFromShape(t.shape));
          p.run(view, (o) => view(o.info as tf.TensorInfo));
          const outs = p.outputs.map((o) => o.info as tf.TensorInfo);
          return outs.length === 1 ? (outs[0] as tf.TensorInfo) : outs;
        }
        const kb = backend as tf.KernelBackend;
        const p = plan(infos, (shape) => ({ shape, values: new Float32Array(tf.util.sizeFromShape(shape)) }));
        p.run(
          (t) => kb.readSync(t.dataId) as Float32Array,
          (o) => o.values as Float32Array,
        );
        const outs = p.outputs.map(
          (o): tf.TensorInfo => ({ dataId: kb.write(o.values as Float32Array, o.shape, "float32"), shape: o.shape, dtype: "float32" }),
        );
        return outs.length === 1 ? (outs[0] as tf.TensorInfo) : outs;
      },
    });
  }
}
