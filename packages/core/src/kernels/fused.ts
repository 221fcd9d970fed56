import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { RELAX_FORCE_REFERENCE } from "../flags.js";

/** A kernel input as a flat typed array plus its shape (row-major). */
export interface HostTensor {
  values: Float32Array;
  shape: number[];
}

/** A kernel output produced on the host. */
export interface HostOutput {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype?: "float32" | "int32";
}

/** Backends whose tensors live in host memory, readable as typed arrays via `readSync`. */
export const HOST_BACKENDS = ["cpu", "wasm"] as const;

/**
 * Registers a fused kernel implemented over typed arrays for the host backends (`cpu`, `wasm`).
 * Inputs are read with the backend's `readSync` (a view on the CPU backend, a copy on wasm) and
 * outputs are handed back with `makeTensorInfo`, so the same function serves both backends.
 *
 * @param kernelName a name from `kernel_names.ts`
 * @param kernelFunc pure function of the inputs (in the order the op passes them) and the attributes
 */
export function registerHostKernel<Attrs extends object>(
  kernelName: string,
  kernelFunc: (inputs: Record<string, HostTensor>, attrs: Attrs) => HostOutput | HostOutput[],
  backends: readonly string[] = HOST_BACKENDS,
): void {
  for (const backendName of backends) {
    if (tf.getKernel(kernelName, backendName) !== undefined) continue;
    tf.registerKernel({
      kernelName,
      backendName,
      kernelFunc: ({ inputs, attrs, backend: anyBackend }) => {
        const backend = anyBackend as tf.KernelBackend;
        const host: Record<string, HostTensor> = {};
        for (const [key, info] of Object.entries(inputs)) {
          if (info == null) continue;
          const raw = backend.readSync(info.dataId) as Float32Array | Int32Array;
          const values = raw instanceof Float32Array ? raw : Float32Array.from(raw);
          host[key] = { values, shape: info.shape };
        }
        const result = kernelFunc(host, attrs as unknown as Attrs);
        const outs = Array.isArray(result) ? result : [result];
        const infos = outs.map((o): tf.TensorInfo => {
          const dtype = o.dtype ?? (o.values instanceof Int32Array ? "int32" : "float32");
          return { dataId: backend.write(o.values, o.shape, dtype), shape: o.shape, dtype };
        });
        return Array.isArray(result) ? infos : (infos[0] as tf.TensorInfo);
      },
    });
  }
}

/**
 * Registers the gradient of a fused kernel (once). `gradFunc` receives the output gradients
 * (one per output, as tensors), the saved tensors (`inputsToSave` then `outputsToSave`) and the attributes.
 */
export function registerFusedGradient<Attrs extends object>(config: {
  kernelName: string;
  inputsToSave?: string[];
  outputsToSave?: boolean[];
  gradFunc: (dy: tf.Tensor[], saved: tf.Tensor[], attrs: Attrs) => Record<string, () => tf.Tensor>;
}): void {
  if (tf.getGradient(config.kernelName) !== undefined) return;
  tf.registerGradient({
    kernelName: config.kernelName,
    inputsToSave: config.inputsToSave,
    outputsToSave: config.outputsToSave,
    gradFunc: (dy, saved, attrs) => {
      const dys = Array.isArray(dy) ? dy : [dy];
      return config.gradFunc(dys, saved, attrs as unknown as Attrs);
    },
  });
}

/** True when the active backend (or `backendName`) has an implementation of `kernelName`. */
export function hasFusedKernel(kernelName: string, backendName: string = tf.getBackend()): boolean {
  if (typeof kernelName !== "string") throw new RelaxError("hasFusedKernel", "kernelName", "a kernel name (string)", describe(kernelName));
  if (typeof backendName !== "string")
    throw new RelaxError("hasFusedKernel", "backendName", "a backend name (string)", describe(backendName));
  return tf.getKernel(kernelName, backendName) !== undefined;
}

/**
 * Forces every dispatching op to use its reference composition of tfjs ops (for parity tests and
 * benchmarks). Returns the previous setting.
 *
 * @deprecated Use the flag: `tf.env().set("RELAX_FORCE_REFERENCE", value)` (or {@link withFlags}); this
 * wrapper sets it and goes away in the next minor release.
 */
export function setForceReference(value: boolean): boolean {
  if (typeof value !== "boolean") throw new RelaxError("setForceReference", "value", "a boolean", describe(value));
  const previous = tf.env().getBool(RELAX_FORCE_REFERENCE);
  tf.env().set(RELAX_FORCE_REFERENCE, value);
  return previous;
}

/**
 * Whether a backend's kernel handles a call's attributes; a kernel that declines some (a WGSL kernel
 * without a form for one distribution, say) registers one beside itself with {@link registerKernelSupport}.
 */
export type KernelSupports<Attrs extends object = object> = (attrs: Attrs) => boolean;

/** Kernel name → backend name → predicate (two lookups, no key strings built per op call). */
const supportPredicates = new Map<string, Map<string, KernelSupports>>();

/**
 * Registers which attributes `backendName`'s implementation of `kernelName` handles: for the others
 * {@link useFused} answers false, so the op runs its reference on the same backend instead of the kernel.
 *
 * @param kernelName a name from `kernel_names.ts`
 * @param backendName the backend the kernel is registered for (e.g. `"webgpu"`)
 * @param supports true for the attributes the kernel handles
 * @example
 * registerKernelSupport<RelaxShortestPathAttrs>(RelaxShortestPath, "webgpu", (a) => a.tconorm in WGSL_TCONORMS);
 */
export function registerKernelSupport<Attrs extends object>(
  kernelName: string,
  backendName: string,
  supports: KernelSupports<Attrs>,
): void {
  if (typeof supports !== "function")
    throw new RelaxError("registerKernelSupport", "supports", "a function of the attributes", describe(supports));
  let byBackend = supportPredicates.get(kernelName);
  if (byBackend === undefined) supportPredicates.set(kernelName, (byBackend = new Map()));
  byBackend.set(backendName, supports as KernelSupports);
}

/**
 * Dispatch rule of every public op: the fused kernel when the active backend has one that supports
 * `attrs` (and `RELAX_FORCE_REFERENCE` is off), else the reference composition on the same backend.
 *
 * @param kernelName a name from `kernel_names.ts`
 * @param attrs the attributes the op would run the kernel with (checked against the kernel's
 * {@link registerKernelSupport} predicate, when it has one)
 * @example
 * return useFused(RelaxTConorm, attrs) ? runFusedKernel(RelaxTConorm, { a, b }, attrs) : reference(a, b, attrs);
 */
export function useFused(kernelName: string, attrs?: object): boolean {
  if (tf.env().getBool(RELAX_FORCE_REFERENCE)) return false;
  const backendName = tf.getBackend();
  if (!hasFusedKernel(kernelName, backendName)) return false;
  if (attrs === undefined) return true;
  const supports = supportPredicates.get(kernelName)?.get(backendName);
  return supports === undefined || supports(attrs);
}

/** Runs a registered fused kernel through the engine (so it is recorded on the gradient tape). */
export function runFusedKernel<T extends tf.Tensor | tf.Tensor[]>(kernelName: string, inputs: Record<string, tf.Tensor>, attrs: object): T {
  return tf.engine().runKernel(kernelName, inputs as never, attrs as never) as unknown as T;
}
