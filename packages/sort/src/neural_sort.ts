import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  RelaxNeuralSort,
  assertPositive,
  describe,
  runFusedKernel,
  stopGradient,
  useFused,
  type RelaxBaselineSortAttrs,
  type TensorInput,
  optionalBoolean,
} from "@relax/core";
import type { DiffSortResult } from "./diff_sort.js";
import "./kernels/register.js";
import { checkOptions, optionKeys } from "./options.js";
import { toRows } from "./rows.js";
import { expandCols, expandRows, softmaxLast } from "./dense_ops.js";

/** Options of the NeuralSort / SoftSort baselines. */
export interface BaselineSortOptions {
  /** Temperature τ > 0 (default 1). */
  tau?: number;
  /** Sort descending (default false). */
  descending?: boolean;
  /** Straight-through: one-hot of each row's argmax forward, relaxed gradient backward (default false). */
  hard?: boolean;
  /** Sorted axis (default −1). */
  axis?: number;
}

/** The exact option keys of {@link neuralSort} (internal). */
export const BASELINE_SORT_KEYS = optionKeys<BaselineSortOptions>({ tau: true, descending: true, hard: true, axis: true });

/**
 * Accepts `tau` as a number or inside an options object whose keys must be among `keys` (internal; unknown
 * keys, `null`, or anything but a number / plain object are a `RelaxError`).
 */
export function baselineOptions<T extends BaselineSortOptions>(
  op: string,
  tauOrOptions: unknown,
  keys: readonly (keyof T & string)[],
): Required<Omit<BaselineSortOptions, "axis">> & { axis: number | undefined; options: T } {
  if (tauOrOptions === null || (typeof tauOrOptions !== "number" && typeof tauOrOptions !== "object" && tauOrOptions !== undefined)) {
    throw new RelaxError(op, "tau", "a number τ > 0 or an options object", describe(tauOrOptions));
  }
  const o = typeof tauOrOptions === "number" ? ({ tau: tauOrOptions } as T) : checkOptions<T>(op, tauOrOptions, keys);
  return {
    options: o,
    tau: assertPositive(op, "tau", o.tau ?? 1),
    descending: optionalBoolean(op, "descending", o.descending, false),
    hard: optionalBoolean(op, "hard", o.hard, false),
    axis: o.axis,
  };
}

/** Straight-through one-hot of the row-wise argmax of `P: [rows, n, n]` (forward exactly one-hot). */
export function straightThroughRows(P: tf.Tensor3D): tf.Tensor3D {
  // argMax keeps the first maximum; computed on P's backend (no read-back). oneHot needs depth ≥ 2.
  const n = P.shape[2];
  const hard = n === 1 ? tf.onesLike(P) : tf.cast(tf.oneHot(tf.argMax(P, 2), n), "float32");
  return tf.add(hard, tf.sub(P, stopGradient(P))) as tf.Tensor3D;
}

/**
 * The relaxed matrix and sorted values of a baseline on `x: [rows, n]`: the fused kernel `kernelName`
 * (outputs `[sorted, permutation, relaxed]`) when the backend has one, else `reference()` (the soft P),
 * straight-through when `attrs.hard`, and `sorted = P·x` (internal).
 */
export function baselineSortRows(
  kernelName: string,
  x: tf.Tensor2D,
  attrs: RelaxBaselineSortAttrs,
  reference: () => tf.Tensor3D,
): { sorted: tf.Tensor2D; permutation: tf.Tensor3D } {
  if (useFused(kernelName)) {
    const [sorted, permutation] = runFusedKernel<tf.Tensor[]>(kernelName, { x }, attrs);
    return { sorted: sorted as tf.Tensor2D, permutation: permutation as tf.Tensor3D };
  }
  let P = reference();
  if (attrs.hard) P = straightThroughRows(P);
  return { sorted: tf.squeeze(tf.matMul(P, tf.expandDims(x, 2)), [2]) as tf.Tensor2D, permutation: P };
}

/** NeuralSort on `x: [rows, n]`, papers' convention `P[r, j, i]`: the fused kernel where registered (internal). */
export function neuralSortRows(op: string, x: tf.Tensor2D, tau: number, descending: boolean): tf.Tensor3D {
  assertPositive(op, "tau", tau);
  const attrs = { tau, descending, hard: false };
  return baselineSortRows(RelaxNeuralSort, x, attrs, () => neuralSortRowsReference(op, x, tau, descending)).permutation;
}

/** Reference composition of {@link neuralSortRows} from tfjs ops (slow; defines the numbers). */
export function neuralSortRowsReference(op: string, x: tf.Tensor2D, tau: number, descending: boolean): tf.Tensor3D {
  assertPositive(op, "tau", tau);
  const n = x.shape[1];
  const rows = x.shape[0];
  const s = descending ? x : tf.neg(x); // NeuralSort orders s descending
  // Broadcast-free (see dense_ops.ts): A[r, i, k] = |s_i − s_k|.
  const A = tf.abs(tf.sub(expandCols(s, n), expandRows(s, n)));
  const B = tf.sum(A, 2); // [rows, n]: Σ_k |s_i − s_k|
  const scale = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) scale[r * n + j] = n - 1 - 2 * j; // n + 1 − 2(j+1)
  // logits[r, j, i] = scaling_j·s_i − B_i
  const logits = tf.sub(tf.matMul(tf.tensor3d(scale, [rows, n, 1]), tf.reshape(s, [rows, 1, n])), expandRows(B, n));
  return softmaxLast(tf.div(logits, tau) as tf.Tensor3D);
}

/**
 * NeuralSort (Grover et al., "Stochastic Optimization of Sorting Networks via Continuous Relaxations",
 * ICLR 2019), as difftopk uses it: a row-stochastic relaxed permutation matrix from a softmax of the
 * unimodal scores `(n+1−2j)·s_i − Σ_k |s_i − s_k|` at temperature τ. O(n²) per row. Baseline for diffSort.
 * On the `cpu` and `wasm` backends one fused kernel (float64 inside) computes the forward and one the
 * backward; elsewhere (or under the `RELAX_FORCE_REFERENCE` flag) a composition of tfjs ops gives the same numbers.
 *
 * @param x `[batch, n]` (or `[n]`, leading batch dims), finite with |x| ≤ 1e30 (else a `RelaxError`)
 * @param tau temperature τ > 0 (default 1), or options with only the keys `{ tau, descending, hard, axis }`
 *   (an unknown key or `null` is a `RelaxError`)
 * @returns `{ sorted, permutation }`, same conventions as {@link diffSort} (ascending by default)
 * @example
 * const { permutation } = neuralSort(tf.tensor2d([[3, 1, 2]]), 0.1);
 * // permutation[0] ≈ [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
 */
export function neuralSort(x: TensorInput, tau?: number | BaselineSortOptions): DiffSortResult {
  const op = "neuralSort";
  const o = baselineOptions<BaselineSortOptions>(op, tau, BASELINE_SORT_KEYS);
  return tf.tidy(() => {
    const view = toRows(op, x, o.axis);
    const attrs = { tau: o.tau, descending: o.descending, hard: o.hard };
    const { sorted, permutation } = baselineSortRows(RelaxNeuralSort, view.x2, attrs, () =>
      neuralSortRowsReference(op, view.x2, o.tau, o.descending),
    );
    return { sorted: view.toInput(sorted), permutation: view.toBatch(permutation, [view.n, view.n]) };
  });
}
