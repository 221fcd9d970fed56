import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe, toFloatTensor, type TensorInput } from "@relax/core";
import { stableRanks } from "./hard_permutation.js";
import { softRank, type SoftRankOptions } from "./soft_rank.js";
import { toRows } from "./rows.js";

/**
 * Soft Spearman rank correlation: the Pearson correlation between the soft ranks of `x` (from a
 * differentiable sorting network, {@link softRank}) and the hard ranks of `target` (ties in input
 * order), per row. Differentiable in x; `1 − softSpearman` is a ranking loss (cf. DSN, ICML 2021).
 *
 * @param x `[batch, n]` predicted scores (or `[n]`, leading batch dims, `axis`), n ≥ 2
 * @param target same shape: the values whose ranks are the label
 * @param options the {@link softRank} options (network 'odd_even', distribution 'cauchy', steepness 10, …)
 * @returns `[...batch]` correlations in [−1, 1]
 * @example
 * const rho = softSpearman(tf.tensor2d([[0.1, 0.5, 0.3]]), tf.tensor2d([[1, 3, 2]]));
 * // rho ≈ [0.99]
 */
export function softSpearman(
  x: TensorInput,
  target: TensorInput,
  options: Omit<SoftRankOptions, "descending" | "oneBased"> = {},
): tf.Tensor {
  const op = "softSpearman";
  return tf.tidy(() => {
    const xt = toFloatTensor(op, "x", x);
    const tt = toFloatTensor(op, "target", target);
    if (tt.shape.length !== xt.shape.length || tt.shape.some((d, i) => d !== xt.shape[i])) {
      throw new RelaxError(op, "target", `the shape of x [${xt.shape.join(", ")}]`, describe(tt));
    }
    const view = toRows(op, xt, options.axis);
    if (view.n < 2) throw new RelaxError(op, "x", "at least 2 elements along the ranked axis", `n = ${view.n}`);
    const tv = toRows(op, tt, options.axis, "target");
    const r = tf.reshape(softRank(view.x2, { ...options, axis: -1 }), [view.rows, view.n]);
    const t = stableRanks(tv.x2 as tf.Tensor2D);
    const center = (u: tf.Tensor): tf.Tensor => tf.sub(u, tf.mean(u, 1, true));
    const rc = center(r);
    const tc = center(t);
    const num = tf.sum(tf.mul(rc, tc), 1);
    const den = tf.sqrt(tf.mul(tf.sum(tf.square(rc), 1), tf.sum(tf.square(tc), 1)));
    return view.toBatch(tf.div(num, tf.maximum(den, 1e-12)), []);
  });
}
