import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  RelaxOrPoolMax,
  assertFinite,
  assertInteger,
  assertOneOf,
  assertOptions,
  assertRank,
  runFusedKernel,
  useFused,
  type RelaxOrPoolMaxAttrs,
} from "@relax/core";
import { MAX_FIELD, withFloatInput } from "./check.js";
import "./kernels/register.js";

/** OR-pooling relaxation: `'max'` (the paper's training choice) or `'probabilistic'` (t-conorm `1 − Π(1 − x)`). */
export type OrPoolMethod = "max" | "probabilistic";
export const OR_POOL_METHODS: readonly OrPoolMethod[] = ["max", "probabilistic"];

/** Options of {@link orPool} / {@link OrPool}. */
export interface OrPoolOptions {
  /** Window side (default 2). */
  size?: number;
  /** Stride (default = size). */
  stride?: number;
  /** `'max'` (default, as the paper trains) or `'probabilistic'` (`1 − Π(1 − x)`). */
  method?: OrPoolMethod;
}

function checkPool(op: string, options: OrPoolOptions | undefined): { size: number; stride: number; method: OrPoolMethod } {
  options = assertOptions<OrPoolOptions>(op, options, ["size", "stride", "method"]);
  const size = assertInteger(op, "size", options.size ?? 2, 1, MAX_FIELD);
  const stride = assertInteger(op, "stride", options.stride ?? size, 1, MAX_FIELD);
  const method = assertOneOf(op, "method", options.method ?? "max", OR_POOL_METHODS);
  return { size, stride, method };
}

/** Output `[H', W']` of a `size × size` window with `stride` over `h × w` (a `RelaxError` when the window does not fit). */
export function poolSize(op: string, h: number, w: number, size: number, stride: number): [number, number] {
  if (h < size || w < size) throw new RelaxError(op, "x", `height and width >= size ${size}`, `${h} × ${w}`);
  return [Math.floor((h - size) / stride) + 1, Math.floor((w - size) / stride) + 1];
}

function orPoolApply(x: tf.Tensor4D, size: number, stride: number, method: OrPoolMethod): tf.Tensor4D {
  if (method === "max") {
    if (useFused(RelaxOrPoolMax)) return runFusedKernel<tf.Tensor4D>(RelaxOrPoolMax, { x }, { size, stride } satisfies RelaxOrPoolMaxAttrs);
    return tf.maxPool(x, size, stride, "valid");
  }
  return tf.tidy(() => {
    const [, h, w] = x.shape;
    const [ho, wo] = poolSize("orPool", h, w, size, stride);
    let prod: tf.Tensor | null = null;
    const notX = tf.sub(1, x);
    // Window offset (u, v): rows u + stride·i, columns v + stride·j (gathers: differentiable in tfjs).
    const offsets = (o: number, n: number): tf.Tensor1D =>
      tf.tensor1d(
        Int32Array.from({ length: n }, (_, i) => o + stride * i),
        "int32",
      );
    for (let u = 0; u < size; u++) {
      const rows = tf.gather(notX, offsets(u, ho), 1);
      for (let v = 0; v < size; v++) {
        const s = tf.gather(rows, offsets(v, wo), 2);
        prod = prod ? tf.mul(prod, s) : s;
      }
    }
    return tf.sub(1, prod as tf.Tensor) as tf.Tensor4D;
  });
}

/**
 * Relaxed OR pooling (NeurIPS 2024 §3.2, "logical or pooling") over `size × size` windows with
 * `stride` (no padding; `H' = ⌊(H − size)/stride⌋ + 1`). `'max'` (default) is the paper's training
 * relaxation (the maximum is the Gödel t-conorm); `'probabilistic'` is `1 − Π(1 − x)`. On 0/1 inputs
 * both are the exact Boolean OR. `'max'` runs as a fused host kernel on `cpu`/`wasm` (gradient to the first
 * maximum of each window, as `tf.maxPool`); elsewhere, or under the `RELAX_FORCE_REFERENCE` flag, `tf.maxPool`.
 * Any finite input is accepted (OR of probabilities is meant for [0, 1]; `'max'` is a plain max pool on other
 * values); NaN and ±Inf are a `RelaxError`. A plain array or a non-float32 tensor is converted and the copy disposed.
 *
 * @example
 * const y = orPool(x, { size: 2, stride: 2 });               // [b, 26, 26, c] → [b, 13, 13, c]
 * const p = orPool(x, { size: 2, method: "probabilistic" });
 * y.print();
 */
export function orPool(x: tf.Tensor | tf.TensorLike, options: OrPoolOptions = {}): tf.Tensor4D {
  const op = "orPool";
  const { size, stride, method } = checkPool(op, options);
  return withFloatInput(op, "x", x, (xt) => {
    assertRank(op, "x", xt, [4], "[batch, H, W, C]");
    poolSize(op, xt.shape[1] as number, xt.shape[2] as number, size, stride);
    assertFinite(op, "x", xt);
    return orPoolApply(xt as tf.Tensor4D, size, stride, method);
  });
}

/**
 * OR pooling as a module for {@link ConvLogicNet} (see {@link orPool}).
 *
 * @example
 * const pool = new OrPool({ size: 2, stride: 2 });
 * const y = pool.forward(x); // [b, 8, 8, c] → [b, 4, 4, c]
 */
export class OrPool {
  readonly size: number;
  readonly stride: number;
  readonly method: OrPoolMethod;

  constructor(options: OrPoolOptions = {}) {
    const { size, stride, method } = checkPool("OrPool", options);
    this.size = size;
    this.stride = stride;
    this.method = method;
  }

  /** `[batch, H, W, C] → [batch, H', W', C]`. */
  forward(x: tf.Tensor | tf.TensorLike): tf.Tensor4D {
    return orPool(x, { size: this.size, stride: this.stride, method: this.method });
  }

  /** Forward without validation. */
  apply(x: tf.Tensor4D): tf.Tensor4D {
    return orPoolApply(x, this.size, this.stride, this.method);
  }
}

/** Serialised {@link OrPool} (inside {@link ConvLogicNetJSON}). */
export interface OrPoolJSON {
  type: "orPool";
  size: number;
  stride: number;
  method: OrPoolMethod;
}
