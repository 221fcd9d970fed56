import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  RelaxGroupSum,
  assertInteger,
  assertPositive,
  assertRank,
  assertFinite,
  runFusedKernel,
  useFused,
  type RelaxGroupSumAttrs,
} from "@relax/core";
import { MAX_WIDTH, withFloatInput } from "./check.js";
import "./kernels/register.js";

/** Range of GroupSum's τ: outside it the class scores over- or underflow float32 for any width. */
const MIN_TAU = 1e-6;
const MAX_TAU = 1e9;

/**
 * GroupSum (Petersen et al., NeurIPS 2022): class c owns the contiguous block of `n/k` neurons
 * `[c·n/k, (c+1)·n/k)`; `out[:, c] = Σ_block y / tau`. Used as logits of a softmax cross-entropy.
 * Runs a fused kernel on the host backends (tfjs's `sum` gradient broadcasts element by element).
 *
 * @example
 * const head = new GroupSum(10, 10);
 * const logits = head.forward(y); // [batch, 8000] → [batch, 10]
 */
export class GroupSum {
  /** Number of classes. */
  readonly k: number;
  /** Temperature τ dividing the sums (default 1). */
  readonly tau: number;

  constructor(k: number, tau = 1) {
    this.k = assertInteger("GroupSum", "k", k, 1, MAX_WIDTH);
    this.tau = assertPositive("GroupSum", "tau", tau);
    if (tau < MIN_TAU || tau > MAX_TAU) throw new RelaxError("GroupSum", "tau", `a number in [${MIN_TAU}, ${MAX_TAU}]`, String(tau));
  }

  /**
   * `[batch, n] → [batch, k]`; n must be a multiple of k. Any finite input is summed (usually the [0, 1]
   * outputs of a logic layer); NaN or ±Inf entries are a `RelaxError` (a class score would be NaN/Inf). A plain
   * array or a non-float32 tensor is converted and the copy disposed.
   */
  forward(x: tf.Tensor | tf.TensorLike): tf.Tensor2D {
    const op = "GroupSum.forward";
    return withFloatInput(op, "x", x, (xt) => {
      assertRank(op, "x", xt, [2], "[batch, n]");
      const n = xt.shape[1] as number;
      if (n === 0 || n % this.k !== 0)
        throw new RelaxError(op, "x", `[batch, n] with n a non-zero multiple of k = ${this.k}`, `[${xt.shape.join(", ")}]`);
      assertFinite(op, "x", xt);
      if (useFused(RelaxGroupSum)) {
        const attrs: RelaxGroupSumAttrs = { k: this.k, tau: this.tau };
        return runFusedKernel<tf.Tensor2D>(RelaxGroupSum, { x: xt }, attrs);
      }
      return this.reference(xt as tf.Tensor2D);
    });
  }

  /** Fused GroupSum of feature-major `[n, batch]` input (used by {@link LogicNet}); output `[batch, k]`. */
  applyFeatureMajor(x: tf.Tensor2D): tf.Tensor2D {
    const attrs: RelaxGroupSumAttrs = { k: this.k, tau: this.tau, featureMajor: true };
    return runFusedKernel<tf.Tensor2D>(RelaxGroupSum, { x }, attrs);
  }

  /** Reference composition (reshape, sum, divide), as the reference implementation. */
  reference(x: tf.Tensor2D): tf.Tensor2D {
    const n = x.shape[1];
    return tf.tidy(() => tf.div(tf.sum(tf.reshape(x, [x.shape[0], this.k, n / this.k]), 2), this.tau) as tf.Tensor2D);
  }
}
