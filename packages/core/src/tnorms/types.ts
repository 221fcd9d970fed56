import type * as tf from "@tensorflow/tfjs-core";

/** The t-conorm names of GenDR (and their t-norm duals), with the paper's parameter `p` where they have one. */
export const TCONORM_NAMES = [
  "max",
  "probabilistic",
  "einstein",
  "hamacher",
  "frank",
  "yager",
  "aczel_alsina",
  "dombi",
  "schweizer_sklar",
] as const;
export type TConormName = (typeof TCONORM_NAMES)[number];

/**
 * A t-conorm S(a, b) on [0, 1] (a relaxed OR), with its dual t-norm T(a, b) = 1 − S(1−a, 1−b)
 * (a relaxed AND). Scalar forms serve fused kernels; tensor forms are differentiable.
 */
export interface TConorm {
  readonly name: TConormName;
  /** The family parameter p (NaN for parameter-free families). */
  readonly p: number;
  /** S(a, b). */
  s(a: number, b: number): number;
  /** ∂S/∂a at (a, b) (∂S/∂b is `dsda(b, a)` by symmetry). */
  dsda(a: number, b: number): number;
  /** Elementwise S on broadcastable tensors. */
  sTensor(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  /** Elementwise dual t-norm T(a, b) = 1 − S(1−a, 1−b). */
  tTensor(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  /** Fold S over `axis` (S(…S(S(x0, x1), x2)…)), in one pass where an additive generator exists. */
  reduce(x: tf.Tensor, axis: number): tf.Tensor;
}
