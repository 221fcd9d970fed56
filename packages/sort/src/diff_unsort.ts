import * as tf from "@tensorflow/tfjs-core";
import type { TensorInput } from "@relax/core";
import { resolveAutoSteepness, sortedLength } from "./auto_steepness.js";
import { carryView, softPermuteRows } from "./carry.js";
import { DIFF_SORT_KEYS, permuteAttrs, resolveSortOptions, type DiffSortOptions } from "./diff_sort.js";
import { checkOptions } from "./options.js";
import { assertNetworkSize, toRows } from "./rows.js";

/** Options of {@link diffUnsort}: those of `diffSort` except `valuesOnly` and `carry`. */
export type DiffUnsortOptions = Omit<DiffSortOptions, "valuesOnly" | "carry">;

const DIFF_UNSORT_KEYS = DIFF_SORT_KEYS.filter((k) => k !== "valuesOnly" && k !== "carry");

/**
 * Soft ranks applied to other data: data given per sorted position is sent back to the inputs by the
 * transposed relaxed permutation of a differentiable sorting network (DSN, ICML 2021),
 * `out[..., i, :] = Σ_j permutation[..., j, i] · z[..., j, :]` — input i receives the z of the positions it
 * softly occupies. `z = [0, 1, …, n−1]` gives `softRank(x)`; a per-position weight (a DCG discount, a
 * quantile level, a rank-dependent reward) gives each input its expected weight. The inverse of
 * `diffSort`'s `carry`; O(depth·n·d) per row, the n×n matrix is never formed. Gradients flow to x and z.
 *
 * @param x `[batch, n]` (or `[n]`, leading batch dims, `axis`), finite with |x| ≤ 1e30 (else a `RelaxError`)
 * @param z per sorted position (ascending, or descending with `descending`): the shape of x, or
 *   `[...shape of x, d]` for d-vectors; another shape is a `RelaxError` naming `z`
 * @param options an object with only these keys (unknown keys or `null` are a `RelaxError`): network ('odd_even'),
 *   distribution ('cauchy'), steepness (10, or 'auto'), artLambda (0.25), descending (false), hard (false: the exact inverse
 *   permutation forward, the relaxed gradient backward), axis (−1)
 * @returns `permutationᵀ · z`, shaped as z
 * @example
 * const w = diffUnsort(tf.tensor1d([0.3, -2, 5]), tf.tensor1d([10, 20, 30]), { steepness: 20 });
 * // w ≈ [20, 10, 30]: each input gets the weight of its (soft) sorted position
 */
export function diffUnsort(x: TensorInput, z: TensorInput, options: DiffUnsortOptions = {}): tf.Tensor {
  const op = "diffUnsort";
  const checked = checkOptions<DiffUnsortOptions>(op, options, DIFF_UNSORT_KEYS);
  const o = resolveAutoSteepness(checked, sortedLength(x, checked.axis), "odd_even");
  const attrs = resolveSortOptions(op, o);
  return tf.tidy(() => {
    const view = toRows(op, x, o.axis);
    assertNetworkSize(op, "x", view.n);
    const zv = carryView(op, "z", z, o.axis ?? -1, view);
    return zv.toOutput(softPermuteRows(view.x2, zv.y3, permuteAttrs(attrs, true)));
  });
}
