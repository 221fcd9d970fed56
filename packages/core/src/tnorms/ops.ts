import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { assertOptions, assertValuesIn, toFloatTensor, type TensorInput } from "../validate.js";
import { runFusedKernel, useFused } from "../kernels/fused.js";
import { RelaxTConorm, type RelaxTConormAttrs } from "../kernels/kernel_names.js";
import { getTConorm } from "./tconorms.js";
import type { TConormName } from "./types.js";

/** Options of the pairwise t-conorm / t-norm ops. */
export interface TConormOptions {
  /** Family (default `'probabilistic'`, SoftRas's aggregation). */
  name?: TConormName;
  /** Family parameter p (default per family, see `TCONORM_DEFAULT_P`). */
  p?: number;
}

/** Options of the t-conorm / t-norm reductions. */
export interface TConormReduceOptions extends TConormOptions {
  /** Axis to reduce (default −1). */
  axis?: number;
}

/** Throws a RelaxError unless the shapes of `a` and `b` broadcast (numpy rules); returns the result shape. */
export function assertBroadcast(op: string, a: tf.Tensor, b: tf.Tensor, names: [string, string] = ["a", "b"]): number[] {
  try {
    return tf.broadcast_util.assertAndGetBroadcastShape(a.shape, b.shape);
  } catch {
    throw new RelaxError(
      op,
      `${names[0]} and ${names[1]}`,
      "broadcast-compatible shapes",
      `[${a.shape.join(", ")}] and [${b.shape.join(", ")}]`,
    );
  }
}

const PAIR_KEYS = ["name", "p"] as const;
const REDUCE_KEYS = ["name", "p", "axis"] as const;

function pairwise(op: string, a: TensorInput, b: TensorInput, opts: TConormOptions | undefined, dual: boolean): tf.Tensor {
  const options = assertOptions<TConormOptions>(op, opts, PAIR_KEYS);
  const S = getTConorm(options.name ?? "probabilistic", options.p, op);
  return tf.tidy(() => {
    const at = toFloatTensor(op, "a", a);
    const bt = toFloatTensor(op, "b", b);
    assertValuesIn(op, "a", at, 0, 1, a);
    assertValuesIn(op, "b", bt, 0, 1, b);
    // both sides at the broadcast shape first: broadcastTo's gradient sums back to each input's shape
    const shape = assertBroadcast(op, at, bt);
    const [ab, bb] = [tf.broadcastTo(at, shape), tf.broadcastTo(bt, shape)];
    if (useFused(RelaxTConorm)) {
      const attrs: RelaxTConormAttrs = { name: S.name, p: S.p, dual };
      return runFusedKernel<tf.Tensor>(RelaxTConorm, { a: ab, b: bb }, attrs);
    }
    return dual ? S.tTensor(ab, bb) : S.sTensor(ab, bb);
  });
}

function reduction(op: string, x: TensorInput, opts: TConormReduceOptions | undefined, dual: boolean): tf.Tensor {
  const options = assertOptions<TConormReduceOptions>(op, opts, REDUCE_KEYS);
  const S = getTConorm(options.name ?? "probabilistic", options.p, op);
  return tf.tidy(() => {
    const xt = toFloatTensor(op, "x", x);
    if (xt.rank < 1) throw new RelaxError(op, "x", "a tensor of rank ≥ 1", `[${xt.shape.join(", ")}]`);
    const axis = options.axis ?? -1;
    if (typeof axis !== "number" || !Number.isInteger(axis) || axis < -xt.rank || axis >= xt.rank) {
      throw new RelaxError(op, "axis", `an integer in [${-xt.rank}, ${xt.rank - 1}]`, describe(axis));
    }
    assertValuesIn(op, "x", xt, 0, 1, x);
    if (!dual) return S.reduce(xt, axis);
    // min = −max(−x) exactly (1 − max(1 − x) would round)
    if (S.name === "max") return tf.neg(S.reduce(tf.neg(xt), axis));
    return tf.sub(1, S.reduce(tf.sub(1, xt), axis));
  });
}

/**
 * Relaxed OR: the t-conorm S(a, b) of a family (GenDR, Petersen et al. CVPR 2022), elementwise
 * on broadcastable tensors of probabilities in [0, 1].
 *
 * @param a probabilities, any shape
 * @param b probabilities, broadcastable with `a`
 * @param options `name` (default 'probabilistic': a + b − ab), `p` (family parameter)
 * @returns S(a, b), the broadcast shape
 * @throws RelaxError for values outside [0, 1] or NaN/±Inf (they have no meaning as probabilities), shapes that
 *   do not broadcast, an unknown name or out-of-range p, options that are not an object or have an unknown key
 *   (with the nearest valid one: `options.nam must be a known option (did you mean "name"?)`)
 * @example
 * tconorm([0.5], [0.5]);                            // [0.75]
 * tconorm([0.5], [0.5], { name: 'einstein' });      // [0.8]
 * tconorm([0.5], [0.5], { name: 'yager', p: 1 });   // [1]
 */
export function tconorm(a: TensorInput, b: TensorInput, options?: TConormOptions): tf.Tensor {
  return pairwise("tconorm", a, b, options, false);
}

/**
 * Relaxed AND: the t-norm T(a, b) = 1 − S(1 − a, 1 − b), dual to the t-conorm of the same family
 * (GenDR, Petersen et al. CVPR 2022), elementwise on broadcastable tensors in [0, 1].
 *
 * @param a probabilities, any shape
 * @param b probabilities, broadcastable with `a`
 * @param options `name` (default 'probabilistic': ab), `p` (family parameter)
 * @returns T(a, b), the broadcast shape
 * @example
 * tnorm([0.5], [0.5]);                                   // [0.25]
 * tnorm([0.5], [0.5], { name: 'max' });                  // [0.5] (min)
 * tnorm([0.5], [0.5], { name: 'hamacher', p: 0 });       // [1/3]
 */
export function tnorm(a: TensorInput, b: TensorInput, options?: TConormOptions): tf.Tensor {
  return pairwise("tnorm", a, b, options, true);
}

/**
 * Relaxed "any": the t-conorm folded over an axis, S(…S(S(x_0, x_1), x_2)…, x_{n−1}), computed in
 * one pass through the family's additive generator S = g⁻¹(Σ g(x_i)) (GenDR's alpha aggregation
 * over faces; probabilistic = 1 − Π(1 − x_i), SoftRas). An empty axis gives 0.
 *
 * @param x probabilities in [0, 1], e.g. `[batch, pixels, faces]`
 * @param options `axis` (default −1), `name` (default 'probabilistic'), `p`
 * @returns x with `axis` removed
 * @example
 * reduceTConorm([[0.5, 0.5, 0.5]]);                        // [0.875]
 * reduceTConorm([[0.5, 0.5, 0.5]], { name: 'max' });      // [0.5]
 * reduceTConorm(x, { axis: 1, name: 'yager', p: 2 });
 */
export function reduceTConorm(x: TensorInput, options?: TConormReduceOptions): tf.Tensor {
  return reduction("reduceTConorm", x, options, false);
}

/**
 * Relaxed "all": the dual t-norm folded over an axis, T(x_0..x_{n−1}) = 1 − S(1 − x_0, …, 1 − x_{n−1}),
 * in one pass (generator form). An empty axis gives 1.
 *
 * @param x probabilities in [0, 1]
 * @param options `axis` (default −1), `name` (default 'probabilistic': Π x_i), `p`
 * @returns x with `axis` removed
 * @example
 * reduceTNorm([[0.5, 0.5, 0.5]]);                    // [0.125]
 * reduceTNorm([[0.5, 0.9]], { name: 'max' });        // [0.5]
 * reduceTNorm(x, { axis: 0, name: 'frank', p: 2 });
 */
export function reduceTNorm(x: TensorInput, options?: TConormReduceOptions): tf.Tensor {
  return reduction("reduceTNorm", x, options, true);
}
