import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { assertFinite, assertPositive, toFloatTensor, type TensorInput } from "../validate.js";

/** Options of the soft min / max / argmin / argmax. */
export interface SoftMinMaxOptions {
  /** Inverse temperature β (default 10); larger is harder. */
  beta?: number;
  /** Axis of the k candidates (default −1). */
  axis?: number;
}

function prepare(op: string, x: TensorInput, options: SoftMinMaxOptions): { xt: tf.Tensor; beta: number; axis: number } {
  const beta = assertPositive(op, "beta", options.beta === undefined ? 10 : options.beta);
  const xt = toFloatTensor(op, "x", x);
  if (xt.rank < 1 || xt.size === 0) {
    throw new RelaxError(op, "x", "a non-empty tensor of rank ≥ 1 (candidates along `axis`)", `[${xt.shape.join(", ")}]`);
  }
  const axis = options.axis ?? -1;
  if (typeof axis !== "number" || !Number.isInteger(axis) || axis < -xt.rank || axis >= xt.rank) {
    throw new RelaxError(op, "axis", `an integer in [${-xt.rank}, ${xt.rank - 1}]`, describe(axis));
  }
  assertFinite(op, "x", xt);
  return { xt, beta, axis: axis < 0 ? axis + xt.rank : axis };
}

/**
 * softmax(s·β·x) along `axis`, keeping x's shape. The shift by the extreme value happens *before*
 * scaling by β, z = s·β·(x − x*) ≤ 0 with max z = 0, so no overflow for any β and no float32 loss of
 * the O(1) differences that a shift of the huge values β·x would round away.
 */
function weights(x: tf.Tensor, signedBeta: number, axis: number): tf.Tensor {
  const ref = signedBeta > 0 ? tf.max(x, axis, true) : tf.min(x, axis, true);
  const z = tf.mul(tf.sub(x, ref), signedBeta);
  const e = tf.exp(z);
  return tf.div(e, tf.sum(e, axis, true));
}

/**
 * Soft argmin: the weights softmax(−β·x) over k candidates (AlgoVision `ArgMin`, Petersen et al.
 * NeurIPS 2021): the probability that each candidate is the minimum under Gumbel noise of scale 1/β.
 *
 * @param x `[batch, k]` candidates (any rank; candidates along `axis`)
 * @param options `beta` (default 10), `axis` (default −1)
 * @returns weights of x's shape, summing to 1 along `axis`
 * @example
 * softArgMin([[0, 1, 2]], { beta: 1 });   // [[0.665, 0.245, 0.090]]
 * softArgMin(costs, { beta: 50 });        // ≈ one-hot of the argmin
 * softArgMin(x, { axis: 0 });
 */
export function softArgMin(x: TensorInput, options: SoftMinMaxOptions = {}): tf.Tensor {
  const op = "softArgMin";
  const { xt, beta, axis } = prepare(op, x, options);
  return tf.tidy(() => weights(xt, -beta, axis));
}

/**
 * Soft argmax: the weights softmax(β·x) over k candidates (AlgoVision `ArgMax`).
 *
 * @param x `[batch, k]` candidates
 * @param options `beta` (default 10), `axis` (default −1)
 * @returns weights of x's shape, summing to 1 along `axis`
 * @example
 * softArgMax([[0, 1, 2]], { beta: 1 });   // [[0.090, 0.245, 0.665]]
 * softArgMax(scores, { beta: 50 });
 * softArgMax(x, { axis: 0 });
 */
export function softArgMax(x: TensorInput, options: SoftMinMaxOptions = {}): tf.Tensor {
  const op = "softArgMax";
  const { xt, beta, axis } = prepare(op, x, options);
  return tf.tidy(() => weights(xt, beta, axis));
}

/**
 * Soft minimum Σ_i softmax(−β·x)_i · x_i over k candidates (AlgoVision `Min`): the expected value of
 * the relaxed argmin; → min as β → ∞ (used by relaxed shortest paths and edit distances).
 *
 * @param x `[batch, k]` candidates
 * @param options `beta` (default 10), `axis` (default −1)
 * @returns `[batch]` (x with `axis` removed)
 * @example
 * softMin([[0, 1, 2]], { beta: 1 });    // [0.425]
 * softMin([[3, 1, 2]], { beta: 100 });  // ≈ [1]
 * softMin(tf.stack([d1, d2, d3], -1));  // relaxed min of three tensors
 */
export function softMin(x: TensorInput, options: SoftMinMaxOptions = {}): tf.Tensor {
  const op = "softMin";
  const { xt, beta, axis } = prepare(op, x, options);
  return tf.tidy(() => tf.sum(tf.mul(weights(xt, -beta, axis), xt), axis));
}

/**
 * Soft maximum Σ_i softmax(β·x)_i · x_i over k candidates (AlgoVision `Max`).
 *
 * @param x `[batch, k]` candidates
 * @param options `beta` (default 10), `axis` (default −1)
 * @returns `[batch]` (x with `axis` removed)
 * @example
 * softMax([[0, 1, 2]], { beta: 1 });    // [1.575]
 * softMax([[3, 1, 2]], { beta: 100 });  // ≈ [3]
 * softMax(x, { axis: 0 });
 */
export function softMax(x: TensorInput, options: SoftMinMaxOptions = {}): tf.Tensor {
  const op = "softMax";
  const { xt, beta, axis } = prepare(op, x, options);
  return tf.tidy(() => tf.sum(tf.mul(weights(xt, beta, axis), xt), axis));
}
