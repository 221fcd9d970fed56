import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  RelaxLapSum,
  assertPositive,
  describe,
  optionalBoolean,
  runFusedKernel,
  useFused,
  type RelaxLapSumAttrs,
  type TensorInput,
} from "@relax/core";
import "./kernels/register.js";
import { lapSumReference } from "./lap_sum_reference.js";
import { checkOptions, optionKeys } from "./options.js";
import { toRows } from "./rows.js";

/** Options of {@link lapSumSort}. */
export interface LapSumOptions {
  /** α > 0, the Laplace scale (default 1): → 0 gives the hard sort / ranks / top-k, → ∞ the mean. */
  alpha?: number;
  /** Descending order (default false). The paper writes this as a negative α. */
  descending?: boolean;
  /** Axis to sort along (default −1). */
  axis?: number;
}

/** Options of {@link lapSumRank}. */
export interface LapSumRankOptions extends LapSumOptions {
  /** Ranks start at 1 instead of 0 (default false: the smallest gets ≈ 0). */
  oneBased?: boolean;
}

/** Options of {@link lapSumTopK}. */
export interface LapSumTopKOptions {
  /** α > 0, the Laplace scale (default 1). */
  alpha?: number;
  /** Select the k largest (default true) or the k smallest. The paper writes `largest` as a negative α. */
  largest?: boolean;
  /** Axis holding the n scores (default −1). */
  axis?: number;
}

const SORT_KEYS = optionKeys<LapSumOptions>({ alpha: true, descending: true, axis: true });
const RANK_KEYS = optionKeys<LapSumRankOptions>({ alpha: true, descending: true, axis: true, oneBased: true });
const TOPK_KEYS = optionKeys<LapSumTopKOptions>({ alpha: true, largest: true, axis: true });

/** Runs the fused kernel when the backend has one, else the composed reference (`x2: [rows, n]`). */
function lapSumRows(x2: tf.Tensor2D, attrs: RelaxLapSumAttrs): tf.Tensor2D {
  if (useFused(RelaxLapSum, attrs)) return runFusedKernel<tf.Tensor2D[]>(RelaxLapSum, { x: x2 }, attrs)[0] as tf.Tensor2D;
  return lapSumReference(x2, attrs);
}

/**
 * LapSum soft ranks (Struski, Bednarczyk, Podolak & Tabor, "LapSum – One Method to Differentiate Them All:
 * Ranking, Sorting and Top-k Selection", ICML 2025): `r_i = F(x_i) − ½ = Σ_{j≠i} Lap((x_i − x_j)/α)` with
 * `F(t) = Σ_j Lap((t − x_j)/α)` the sum of Laplace CDFs. O(n log n) per row on `cpu` / `wasm` (one sort and
 * two sweeps), O(n) memory; exact gradients.
 *
 * @param x `[batch, n]` (or `[n]`, any leading batch dims, `axis`), finite with |x| ≤ 1e30 (else a `RelaxError`)
 * @param options only alpha (1), descending (false), oneBased (false), axis (−1); another key or `null` is a `RelaxError`
 * @returns soft ranks, same shape as x (0-based unless `oneBased`; they sum to n(n−1)/2 (0-based))
 * @example
 * const r = lapSumRank(tf.tensor1d([0.3, -2, 5]), { alpha: 0.1 });
 * // r ≈ [1, 0, 2]
 */
export function lapSumRank(x: TensorInput, options: LapSumRankOptions = {}): tf.Tensor {
  const op = "lapSumRank";
  const o = checkOptions<LapSumRankOptions>(op, options, RANK_KEYS);
  const oneBased = optionalBoolean(op, "oneBased", o.oneBased, false);
  const attrs = resolve(op, o.alpha, optionalBoolean(op, "descending", o.descending, false), true, 0, "rank");
  return tf.tidy(() => {
    const view = toRows(op, x, o.axis);
    const r = lapSumRows(view.x2, attrs);
    return view.toInput(oneBased ? tf.add(r, 1) : r);
  });
}

/**
 * LapSum soft sort (Struski et al., ICML 2025): the j-th sorted value is `F⁻¹(j + ½)`, the closed-form inverse
 * of the sum of Laplace CDFs `F(t) = Σ_i Lap((t − x_i)/α)`, piecewise exponential between the sorted entries.
 * O(n log n) per row on `cpu` / `wasm`, O(n) memory; gradients by the implicit function theorem.
 *
 * @param x `[batch, n]` (or `[n]`, any leading batch dims, `axis`), finite with |x| ≤ 1e30 (else a `RelaxError`)
 * @param options only alpha (1), descending (false), axis (−1); another key or `null` is a `RelaxError`
 * @returns soft sorted values, same shape as x (ascending unless `descending`)
 * @example
 * const s = lapSumSort(tf.tensor1d([3, 1, 2]), { alpha: 0.05 });
 * // s ≈ [1, 2, 3]
 */
export function lapSumSort(x: TensorInput, options: LapSumOptions = {}): tf.Tensor {
  const op = "lapSumSort";
  const o = checkOptions<LapSumOptions>(op, options, SORT_KEYS);
  const attrs = resolve(op, o.alpha, optionalBoolean(op, "descending", o.descending, false), true, 0, "sort");
  return tf.tidy(() => {
    const view = toRows(op, x, o.axis);
    return view.toInput(lapSumRows(view.x2, attrs));
  });
}

/**
 * LapSum soft top-k (Struski et al., ICML 2025): memberships `p_i = Lap((x_i − b)/α)` with the threshold b the
 * closed-form root of `Σ_i p_i = k`, so every p_i ∈ [0, 1], they sum to k, and they rise with x_i. The
 * relaxed "x_i is in the top k" of a top-k loss, as a vector (no `[k, n]` matrix). O(n log n) per row on
 * `cpu` / `wasm`, O(n) memory; gradients by the implicit function theorem.
 *
 * @param x `[batch, n]` scores (or `[n]`, leading batch dims, `axis`); −∞ entries are accepted as padding
 *   (membership 0 while enough finite entries exist, gradient 0); others finite with |x| ≤ 1e30
 * @param k the number of selected entries, a real number 0 < k ≤ n (an integer for a top-k)
 * @param options only alpha (1), largest (true), axis (−1); another key or `null` is a `RelaxError`
 * @returns memberships, same shape as x, summing to k along `axis`
 * @example
 * const p = lapSumTopK(tf.tensor1d([0.1, 3, 2]), 2, { alpha: 0.1 });
 * // p ≈ [0, 1, 1]
 */
export function lapSumTopK(x: TensorInput, k: number, options: LapSumTopKOptions = {}): tf.Tensor {
  const op = "lapSumTopK";
  const o = checkOptions<LapSumTopKOptions>(op, options, TOPK_KEYS);
  if (typeof k !== "number" || !Number.isFinite(k) || k <= 0) throw new RelaxError(op, "k", "a number 0 < k ≤ n", describe(k));
  const attrs = resolve(op, o.alpha, false, optionalBoolean(op, "largest", o.largest, true), k, "topk");
  return tf.tidy(() => {
    const view = toRows(op, x, o.axis, "x", true);
    if (k > view.n) throw new RelaxError(op, "k", `a number 0 < k ≤ n = ${view.n}`, describe(k));
    return view.toInput(lapSumRows(view.x2, attrs));
  });
}

function resolve(
  op: string,
  alpha: unknown,
  descending: boolean,
  largest: boolean,
  k: number,
  kind: RelaxLapSumAttrs["op"],
): RelaxLapSumAttrs {
  return { op: kind, alpha: assertPositive(op, "alpha", alpha ?? 1), descending, largest, k };
}
