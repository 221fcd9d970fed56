import * as tf from "@tensorflow/tfjs-core";
import {
  assertOneOf,
  assertPositive,
  RelaxError,
  RelaxFastSoftSort,
  type RelaxFastSoftSortAttrs,
  runFusedKernel,
  type TensorInput,
  useFused,
  optionalBoolean,
} from "@relax/core";
import "./kernels/register.js";
import { checkOptions, optionKeys } from "./options.js";
import { toRows } from "./rows.js";

/** Options of {@link fastSoftSort} and {@link fastSoftRank}. */
export interface FastSoftSortOptions {
  /** ε, the regularization strength (default 1): → 0 gives the hard sort / ranks, → ∞ the mean. */
  regularizationStrength?: number;
  /** `'l2'` (Euclidean projection, default) or `'kl'` (entropic; ranks stay positive). */
  regularization?: "l2" | "kl";
  /** Sort descending / rank the largest value 1 (default false). */
  descending?: boolean;
  /** Axis to sort along (default −1). */
  axis?: number;
}

const FAST_SOFT_SORT_KEYS = optionKeys<FastSoftSortOptions>({
  regularizationStrength: true,
  regularization: true,
  descending: true,
  axis: true,
});

/**
 * Fast soft sort (Blondel, Teboul, Berthet & Djolonga, "Fast Differentiable Sorting and Ranking",
 * ICML 2020): the projection of `(n, …, 1)/ε` onto the permutahedron of `x`, solved exactly by pool
 * adjacent violators in O(n log n) per row; the output is in sorted order (ascending by default).
 * A baseline to compare sorting networks with; runs on the `cpu`, `wasm` or `webgpu` (with
 * `@relax/backend-webgpu`) backends.
 *
 * @param x `[batch, n]` (or `[n]`, any leading batch dims), finite with |x| ≤ 1e30 (else a `RelaxError`)
 * @param options only regularizationStrength (1), regularization ('l2'), descending (false), axis (−1); another
 *   key or `null` is a `RelaxError`
 * @returns soft sorted values, same shape as `x`
 * @example
 * const s = fastSoftSort(tf.tensor1d([3, 1, 2]), { regularizationStrength: 0.1 }); // ≈ [1, 2, 3]
 */
export function fastSoftSort(x: TensorInput, options: FastSoftSortOptions = {}): tf.Tensor {
  return run("fastSoftSort", "sort", x, options);
}

/**
 * Fast soft rank (Blondel et al., ICML 2020): the projection of `x/ε` onto the permutahedron of
 * `(n, …, 1)`; 1-based ranks in input order (the smallest value gets ≈ 1 unless `descending`).
 * A baseline for `softRank`; runs on the `cpu`, `wasm` or `webgpu` (with `@relax/backend-webgpu`) backends.
 *
 * @param x `[batch, n]` (or `[n]`, any leading batch dims), finite with |x| ≤ 1e30 (else a `RelaxError`)
 * @param options as {@link fastSoftSort}
 * @returns soft ranks, same shape as `x`
 * @example
 * const r = fastSoftRank(tf.tensor1d([3, 1, 2]), { regularizationStrength: 0.1 }); // ≈ [3, 1, 2]
 */
export function fastSoftRank(x: TensorInput, options: FastSoftSortOptions = {}): tf.Tensor {
  return run("fastSoftRank", "rank", x, options);
}

function run(op: string, kind: "sort" | "rank", x: TensorInput, opts: FastSoftSortOptions): tf.Tensor {
  const options = checkOptions<FastSoftSortOptions>(op, opts, FAST_SOFT_SORT_KEYS);
  const attrs: RelaxFastSoftSortAttrs = {
    op: kind,
    descending: optionalBoolean(op, "descending", options.descending, false),
    regularizationStrength: assertPositive(op, "regularizationStrength", options.regularizationStrength ?? 1),
    regularization: assertOneOf(op, "regularization", options.regularization ?? "l2", ["l2", "kl"] as const),
  };
  if (!useFused(RelaxFastSoftSort)) {
    throw new RelaxError(op, "backend", "cpu, wasm or webgpu (with @relax/backend-webgpu)", `'${tf.getBackend()}'`);
  }
  return tf.tidy(() => {
    const view = toRows(op, x, options.axis);
    return view.toInput(runFusedKernel<tf.Tensor>(RelaxFastSoftSort, { x: view.x2 }, attrs));
  });
}
