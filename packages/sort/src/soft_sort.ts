import * as tf from "@tensorflow/tfjs-core";
import { RelaxSoftSort, assertInRange, assertPositive, type RelaxSoftSortAttrs, type TensorInput } from "@relax/core";
import type { DiffSortResult } from "./diff_sort.js";
import { argsortOneHot, permuteRows } from "./hard_permutation.js";
import { baselineOptions, baselineSortRows, type BaselineSortOptions } from "./neural_sort.js";
import { optionKeys } from "./options.js";
import { toRows } from "./rows.js";
import { expandCols, expandRows, softmaxLast } from "./dense_ops.js";

/**
 * SoftSort on `x: [rows, n]`, papers' convention `P[r, j, i] = softmax_i(−|x_i − sort(x)_j|^pow / τ)`: the
 * fused kernel where registered (internal).
 */
export function softSortRows(op: string, x: tf.Tensor2D, tau: number, descending: boolean, pow = 1): tf.Tensor3D {
  assertPositive(op, "tau", tau);
  const attrs: RelaxSoftSortAttrs = { tau, descending, hard: false, pow };
  return baselineSortRows(RelaxSoftSort, x, attrs, () => softSortRowsReference(op, x, tau, descending, pow)).permutation;
}

/** Reference composition of {@link softSortRows} from tfjs ops (slow; defines the numbers). */
export function softSortRowsReference(op: string, x: tf.Tensor2D, tau: number, descending: boolean, pow = 1): tf.Tensor3D {
  assertPositive(op, "tau", tau);
  const n = x.shape[1];
  // sort(x) as a one-hot matMul, so gradients also flow through sort(x) as in the reference (tfjs's
  // gather gradient, unsortedSegmentSum, is quadratic in the number of rows on the cpu backend).
  const sorted = permuteRows(argsortOneHot(x, descending), x);
  let dist: tf.Tensor = tf.abs(tf.sub(expandRows(x, n), expandCols(sorted, n))); // [rows, j, i] = |x_i − sort(x)_j|
  if (pow !== 1) dist = tf.pow(dist, pow);
  return softmaxLast(tf.div(tf.neg(dist), tau) as tf.Tensor3D);
}

/** Options of {@link softSort}. */
export interface SoftSortOptions extends BaselineSortOptions {
  /**
   * Exponent of the distance |x_i − sort(x)_j|, in [1, 10] (default 1). Below 1 the gradient is infinite
   * where x_i meets itself in sort(x) (always); above 10 |x_i − sort(x)_j|^pow overflows for wide inputs.
   */
  pow?: number;
}

const SOFT_SORT_KEYS = optionKeys<SoftSortOptions>({ tau: true, descending: true, hard: true, axis: true, pow: true });

/**
 * SoftSort (Prillo & Eisenschlos, "SoftSort: A Continuous Relaxation for the argsort Operator", ICML 2020),
 * as difftopk uses it: `P[j, i] = softmax_i(−|x_i − sort(x)_j|^pow / τ)`. Row-stochastic, O(n²) per row.
 * Baseline for diffSort. Gradients also flow through sort(x). On the `cpu` and `wasm` backends one fused
 * kernel (float64 inside) computes the forward and one the backward; elsewhere (or under
 * the `RELAX_FORCE_REFERENCE` flag) a composition of tfjs ops gives the same numbers.
 *
 * @param x `[batch, n]` (or `[n]`, leading batch dims), finite with |x| ≤ 1e30 (else a `RelaxError`)
 * @param tau temperature τ > 0 (default 1), or options with only the keys `{ tau, pow, descending, hard, axis }`
 *   (an unknown key or `null` is a `RelaxError`)
 * @returns `{ sorted, permutation }`, same conventions as {@link diffSort} (ascending by default)
 * @example
 * const { permutation } = softSort(tf.tensor2d([[3, 1, 2]]), 0.1);
 * // permutation[0] ≈ [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
 */
export function softSort(x: TensorInput, tau?: number | SoftSortOptions): DiffSortResult {
  const op = "softSort";
  const o = baselineOptions<SoftSortOptions>(op, tau, SOFT_SORT_KEYS);
  const pow = assertInRange(op, "pow", o.options.pow ?? 1, 1, 10);
  return tf.tidy(() => {
    const view = toRows(op, x, o.axis);
    const attrs: RelaxSoftSortAttrs = { tau: o.tau, descending: o.descending, hard: o.hard, pow };
    const { sorted, permutation } = baselineSortRows(RelaxSoftSort, view.x2, attrs, () =>
      softSortRowsReference(op, view.x2, o.tau, o.descending, pow),
    );
    return { sorted: view.toInput(sorted), permutation: view.toBatch(permutation, [view.n, view.n]) };
  });
}
