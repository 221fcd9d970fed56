/**
 * A broadcasting fast path for tfjs-backend-cpu's `Multiply` (installed by @relax/sort, behind the
 * `RELAX_FAST_BROADCAST` flag). tfjs-core's `Sum` gradient is `reshape(dy) · ones(x.shape)`, a broadcast
 * multiply that the cpu backend evaluates element by element through `indexToLoc`/`locToIndex` (≈ 120 ns per
 * element): for a user's `sum(permutation ⊙ W)` at n = 32, batch 100, that one gradient took 12 of 17 ms.
 * Here a broadcast between two float32 tensors walks the output with an odometer over all but the last axis and a
 * strided inner loop (≈ 1 ns per element). Every product is the same float32-rounded `a·b` as tfjs's loop, so
 * the numbers are identical. Equal shapes take one flat loop (tfjs's takes an index modulo and a closure call
 * per element). Other dtypes and complex inputs go to tfjs's own kernel.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RELAX_FAST_BROADCAST } from "../flags.js";
import { wasmMultiply } from "./wasm.js";

/** From this many elements, equal-shape and scalar products go through wasm's f32x4 loop (copies included, ≈ 2× faster). */
const WASM_MIN = 4096;

const WRAPPED = Symbol.for("relax.fastBroadcastMultiply");

type KernelFunc = tf.KernelConfig["kernelFunc"];

/** Broadcast strides of `shape` aligned to an output of rank R (0 along broadcast or missing axes). */
function alignedStrides(shape: readonly number[], out: readonly number[]): number[] {
  const R = out.length;
  const s = new Array<number>(R).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i] as number;
    s[R - shape.length + i] = d === 1 ? 0 : stride;
    stride *= d;
  }
  return s;
}

/** `a · b` broadcast to `out` (float32), or null when the shapes are not broadcast-compatible. */
export function broadcastMultiply(
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
): { values: Float32Array; shape: number[] } | null {
  const R = Math.max(aShape.length, bShape.length);
  const out: number[] = [];
  for (let i = 0; i < R; i++) {
    const da = aShape[i - R + aShape.length] ?? 1;
    const db = bShape[i - R + bShape.length] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  const size = out.reduce((p, q) => p * q, 1);
  const res = new Float32Array(size);
  if (size === 0) return { values: res, shape: out };
  if (a.length === size && b.length === size) {
    // equal shapes (up to leading 1s): one flat loop (tfjs's takes an index modulo and a closure call per element)
    if (size >= WASM_MIN && wasmMultiply(a, b, res)) return { values: res, shape: out };
    for (let i = 0; i < size; i++) res[i] = (a[i] as number) * (b[i] as number);
    return { values: res, shape: out };
  }
  if (a.length === 1 || b.length === 1) {
    const [s, v] = a.length === 1 ? [a[0] as number, b] : [b[0] as number, a];
    if (v.length === size) {
      if (size >= WASM_MIN && wasmMultiply(v, new Float32Array([s]), res)) return { values: res, shape: out };
      for (let i = 0; i < size; i++) res[i] = s * (v[i] as number);
      return { values: res, shape: out };
    }
  }
  const sa = alignedStrides(aShape, out);
  const sb = alignedStrides(bShape, out);
  const inner = out[R - 1] as number;
  const ia = sa[R - 1] as number;
  const ib = sb[R - 1] as number;
  const idx = new Array<number>(R).fill(0);
  let offA = 0;
  let offB = 0;
  for (let p = 0; p < size; p += inner) {
    for (let j = 0; j < inner; j++) res[p + j] = (a[offA + j * ia] as number) * (b[offB + j * ib] as number);
    for (let d = R - 2; d >= 0; d--) {
      offA += sa[d] as number;
      offB += sb[d] as number;
      if (++(idx[d] as number) < (out[d] as number)) break;
      offA -= (sa[d] as number) * (out[d] as number);
      offB -= (sb[d] as number) * (out[d] as number);
      idx[d] = 0;
    }
  }
  return { values: res, shape: out };
}

/**
 * Wraps the registered cpu `Multiply` kernel with the broadcast fast path (idempotent; a no-op until
 * tfjs-backend-cpu has registered its kernels, so it is retried from the ops' input checks).
 */
export function ensureFastBroadcast(): void {
  const config = tf.getKernel("Multiply", "cpu");
  if (config === undefined || (config.kernelFunc as unknown as Record<symbol, boolean>)[WRAPPED]) return;
  const original = config.kernelFunc;
  const kernelFunc: KernelFunc = (args) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    if (a.dtype === "float32" && b.dtype === "float32" && tf.env().getBool(RELAX_FAST_BROADCAST)) {
      const backend = args.backend as tf.KernelBackend & { makeTensorInfo(s: number[], d: string, v: Float32Array): tf.TensorInfo };
      const av = backend.readSync(a.dataId);
      const bv = backend.readSync(b.dataId);
      if (av instanceof Float32Array && bv instanceof Float32Array) {
        const r = broadcastMultiply(av, a.shape, bv, b.shape);
        if (r !== null) return backend.makeTensorInfo(r.shape, "float32", r.values);
      }
    }
    return original(args);
  };
  (kernelFunc as unknown as Record<symbol, boolean>)[WRAPPED] = true;
  tf.unregisterKernel("Multiply", "cpu");
  tf.registerKernel({ ...config, kernelFunc });
}
