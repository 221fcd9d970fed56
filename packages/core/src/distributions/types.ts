import type * as tf from "@tensorflow/tfjs-core";

/**
 * A noise distribution in standard form (location 0, scale 1, optional `shape`/`shift`), used to
 * relax a hard decision `z ≥ 0` into the probability `F(z)` (GenDR, Petersen et al. 2022; the
 * relaxation is the exact expectation of the step under perturbation, no sampling).
 *
 * Callers scale their argument themselves: a comparison `a < b` with inverse temperature β is
 * `F((b - a)·β)`; a pixel at signed distance `x` with scale τ is `F(sign·x/τ)`.
 */
export interface Distribution {
  /** The paper's string id, e.g. `'logistic'`, `'cauchy'`, `'gamma_rev'`. */
  readonly name: string;
  /**
   * Whether the relaxed min `a·F(b−a) + b·(1−F(b−a))` built from this CDF is monotonic, i.e.
   * `0 ≤ F(x) + x·F'(x) ≤ 1` for all x (Monotonic DSN, ICLR 2022). Requires a Θ(1/x²) tail.
   */
  readonly monotonic: boolean;
  /** CDF F(z) for a number (float64 host math; used by fused CPU kernels). */
  cdf(z: number): number;
  /** dF/dz for a number. */
  pdf(z: number): number;
  /** Elementwise CDF of a tensor; differentiable (gradient = `pdfTensor`). */
  cdfTensor(z: tf.Tensor): tf.Tensor;
  /** Elementwise dF/dz of a tensor. */
  pdfTensor(z: tf.Tensor): tf.Tensor;
}

/** Parameters of the parametric distributions (`gamma`, `exponential`, `levy` and their `_rev`s). */
export interface DistributionParams {
  /** GenDR `dist_shape` (gamma's shape p). Default 0 where GenDR's experiments use 0; gamma needs > 0. */
  shape?: number;
  /** GenDR `dist_shift` k: the argument becomes `z + k`. Default 0. */
  shift?: number;
}
