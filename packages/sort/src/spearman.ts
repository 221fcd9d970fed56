import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertInRange, assertOneOf, comparatorSigmoid, describe, toFloatTensor, type TensorInput } from "@relax/core";
import { SORTING_NETWORKS } from "./networks.js";
import { stableRanks } from "./hard_permutation.js";
import { COMPARATOR_KEYS, checkOptions, optionKeys } from "./options.js";
import { resolveAutoSteepness, sortedLength } from "./auto_steepness.js";
import { softRank, type SoftRankOptions } from "./soft_rank.js";
import { toRows } from "./rows.js";

/**
 * Largest steepness {@link softSpearman} accepts (1e9): at exact ties its gradient grows like β·1e12 and
 * would overflow float32 beyond this.
 */
export const MAX_SPEARMAN_STEEPNESS = 1e9;

/** Options of {@link softSpearman}: the {@link softRank} options but `descending` and `oneBased`. */
export type SoftSpearmanOptions = Omit<SoftRankOptions, "descending" | "oneBased">;

const SOFT_SPEARMAN_KEYS = optionKeys<SoftSpearmanOptions>({ ...COMPARATOR_KEYS, network: true, axis: true });

/**
 * Soft Spearman rank correlation: the Pearson correlation between the soft ranks of `x` (from a
 * differentiable sorting network, {@link softRank}) and the hard ranks of `target` (ties in input
 * order), per row. Differentiable in x; `1 − softSpearman` is a ranking loss (cf. DSN, ICML 2021).
 *
 * @param x `[batch, n]` predicted scores (or `[n]`, leading batch dims, `axis`), n ≥ 2, finite
 * @param target same shape: the values whose ranks are the label, finite
 * @param options only network ('odd_even'), distribution ('cauchy'), steepness (10, at most 1e9), artLambda (0.25), axis (−1);
 *   another key or `null` is a `RelaxError`
 * @returns `[...batch]` correlations in [−1, 1]
 * @example
 * const rho = softSpearman(tf.tensor2d([[0.1, 0.5, 0.3]]), tf.tensor2d([[1, 3, 2]]));
 * // rho ≈ [0.99]
 */
export function softSpearman(x: TensorInput, target: TensorInput, options: SoftSpearmanOptions = {}): tf.Tensor {
  const op = "softSpearman";
  const checked = checkOptions<SoftSpearmanOptions>(op, options, SOFT_SPEARMAN_KEYS);
  const o = resolveAutoSteepness(checked, sortedLength(x, checked.axis), "odd_even");
  // Checked here (softRank checks again) so that no op is recorded before a throw (see toRows).
  assertOneOf(op, "network", o.network ?? "odd_even", SORTING_NETWORKS);
  comparatorSigmoid(op, o);
  // ρ is undefined where all soft ranks of a row tie; its gradient there is ~β/1e-12 (the clamp below).
  if (o.steepness !== undefined) assertInRange(op, "steepness", o.steepness, Number.MIN_VALUE, MAX_SPEARMAN_STEEPNESS);
  return tf.tidy(() => {
    const xt = toFloatTensor(op, "x", x);
    const tt = toFloatTensor(op, "target", target);
    if (tt.shape.length !== xt.shape.length || tt.shape.some((d, i) => d !== xt.shape[i])) {
      throw new RelaxError(op, "target", `the shape of x [${xt.shape.join(", ")}]`, describe(tt));
    }
    const view = toRows(op, xt, o.axis);
    if (view.n < 2) throw new RelaxError(op, "x", "at least 2 elements along the ranked axis", `n = ${view.n}`);
    const tv = toRows(op, tt, o.axis, "target");
    const r = tf.reshape(softRank(view.x2, { ...o, axis: -1 }), [view.rows, view.n]);
    const t = stableRanks(tv.x2 as tf.Tensor2D);
    const center = (u: tf.Tensor): tf.Tensor => tf.sub(u, tf.mean(u, 1, true));
    const rc = center(r);
    const tc = center(t);
    const num = tf.sum(tf.mul(rc, tc), 1);
    // max(√p, 1e-12) as √max(p, 1e-24): the same value, and a zero (not NaN) gradient when the soft ranks tie.
    const den = tf.sqrt(tf.maximum(tf.mul(tf.sum(tf.square(rc), 1), tf.sum(tf.square(tc), 1)), 1e-24));
    return view.toBatch(tf.div(num, den), []);
  });
}
