import * as tf from "@tensorflow/tfjs-core";
import { assertOptions, type TensorInput } from "../validate.js";
import { binaryOperands } from "./compare.js";
import { COMPARATOR_OPTION_KEYS, comparatorSigmoid, type ComparatorOptions } from "./comparator_sigmoid.js";

/** Result of {@link relaxedSwap}. */
export interface RelaxedSwapResult {
  /** Relaxed min α·a + (1 − α)·b. */
  min: tf.Tensor;
  /** Relaxed max (1 − α)·a + α·b. */
  max: tf.Tensor;
}

/**
 * Relaxed conditional swap of one pair (the comparator of a differentiable sorting network; DSN,
 * Petersen et al. ICML 2021): with α = f(b − a) from {@link comparatorSigmoid},
 * min = α·a + (1 − α)·b and max = (1 − α)·a + α·b (so min + max = a + b).
 *
 * @param a `[batch]` (any shape broadcastable with b)
 * @param b `[batch]`
 * @param options `distribution` (default 'cauchy'), `steepness` (default 10), `artLambda` (0.25)
 * @returns `{ min, max }`, each of the broadcast shape
 * @example
 * const { min, max } = relaxedSwap([3], [1], { steepness: 5 });
 * // min ≈ [1.06], max ≈ [2.94]
 * relaxedSwap(x, y, { distribution: 'logistic', steepness: 20 });
 */
export function relaxedSwap(a: TensorInput, b: TensorInput, options: ComparatorOptions = {}): RelaxedSwapResult {
  const op = "relaxedSwap";
  const sig = comparatorSigmoid(op, assertOptions<ComparatorOptions>(op, options, COMPARATOR_OPTION_KEYS));
  const [min, max] = tf.tidy(() => {
    const [at, bt] = binaryOperands(op, a, b);
    const alpha = sig.fTensor(tf.sub(bt, at));
    const beta = tf.sub(1, alpha);
    return [tf.add(tf.mul(alpha, at), tf.mul(beta, bt)), tf.add(tf.mul(beta, at), tf.mul(alpha, bt))];
  });
  return { min: min as tf.Tensor, max: max as tf.Tensor };
}
