import * as tf from "@tensorflow/tfjs-core";

/** @internal Resolved parameters handed to every family constructor. */
export interface ResolvedParams {
  /** Gamma's shape p (0 for families without one). */
  shape: number;
  /** Shift k. */
  shift: number;
}

/**
 * @internal What a family file provides: scalar and tensor forms of F and F' **with the shift already
 * applied**. Tensor forms receive a float32 tensor and must be built from tfjs ops only, free of
 * NaN/Inf for any finite input (branches are evaluated on clamped arguments and selected with `where`).
 */
export interface FamilySpec {
  name: string;
  monotonic: boolean;
  symmetric: boolean;
  cdf(z: number): number;
  pdf(z: number): number;
  cdfTensor(z: tf.Tensor): tf.Tensor;
  pdfTensor(z: tf.Tensor): tf.Tensor;
}

/** @internal `z + k` on a tensor without an op when k = 0. */
export function shiftT(z: tf.Tensor, k: number): tf.Tensor {
  return k === 0 ? z : tf.add(z, k);
}
