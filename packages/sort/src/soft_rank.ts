import * as tf from "@tensorflow/tfjs-core";
import { assertOneOf, comparatorSigmoid, type TensorInput, optionalBoolean } from "@relax/core";
import { SORTING_NETWORKS } from "./networks.js";
import type { DiffSortOptions } from "./diff_sort.js";
import { checkOptions, COMPARATOR_KEYS, optionKeys } from "./options.js";
import { toRows } from "./rows.js";
import { resolveAutoSteepness, sortedLength } from "./auto_steepness.js";
import { selectRows } from "./select.js";

/** Options of {@link softRank}. */
export interface SoftRankOptions extends Omit<DiffSortOptions, "valuesOnly" | "hard" | "carry"> {
  /** Ranks start at 1 instead of 0 (default false: rank of the minimum ≈ 0). */
  oneBased?: boolean;
}

/** The exact option keys of {@link softRank} (internal). */
export const SOFT_RANK_KEYS = optionKeys<SoftRankOptions>({
  ...COMPARATOR_KEYS,
  network: true,
  descending: true,
  oneBased: true,
  axis: true,
});

/**
 * Soft ranks from a differentiable sorting network (DSN, ICML 2021): `r_i = Σ_j j·P[j, i]`, the expected
 * sorted position of input i, computed by pushing the index vector right-to-left through the layers with
 * the same comparator weights — the n×n matrix is never formed (O(depth·n) per row).
 *
 * @param x `[batch, n]` (or `[n]`, leading batch dims, `axis`), finite with |x| ≤ 1e30 (else a `RelaxError`)
 * @param options an object with only these keys (unknown keys or `null` are a `RelaxError`): network ('odd_even'), distribution ('cauchy'), steepness (10, or 'auto'), artLambda (0.25),
 *   descending (false: the smallest gets rank 0), oneBased (false), axis (−1)
 * @returns soft ranks, same shape as x
 * @example
 * const r = softRank(tf.tensor1d([0.3, -2, 5]), { steepness: 20 });
 * // r ≈ [1, 0, 2]
 */
export function softRank(x: TensorInput, options: SoftRankOptions = {}): tf.Tensor {
  const op = "softRank";
  const checked = checkOptions<SoftRankOptions>(op, options, SOFT_RANK_KEYS);
  const o = resolveAutoSteepness(checked, sortedLength(x, checked.axis), "odd_even");
  const network = assertOneOf(op, "network", o.network ?? "odd_even", SORTING_NETWORKS);
  const sig = comparatorSigmoid(op, o);
  const descending = optionalBoolean(op, "descending", o.descending, false);
  const oneBased = optionalBoolean(op, "oneBased", o.oneBased, false);
  return tf.tidy(() => {
    const view = toRows(op, x, o.axis);
    const y = selectRows(view.x2, {
      network,
      k: 1,
      init: descending ? "rank_desc" : "rank",
      distribution: sig.distribution,
      steepness: sig.steepness,
      artLambda: sig.artLambda,
    });
    const r = tf.reshape(y, [view.rows, view.n]);
    return view.toInput(oneBased ? tf.add(r, 1) : r);
  });
}
