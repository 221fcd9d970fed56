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
  /** The paper's string id, e.g. `'logistic'`, `'cauchy'`, `'gamma_rev'` (aliases resolve to the canonical id). */
  readonly name: string;
  /** The shape parameter in use (gamma's p; 0 for families without one). */
  readonly shape: number;
  /** The shift k in use (0 by default). */
  readonly shift: number;
  /** Whether F(−z) = 1 − F(z) for all z (symmetric noise; only ever true with shift 0). */
  readonly symmetric: boolean;
  /**
   * Whether the relaxed min `a·F(b−a) + b·(1−F(b−a))` built from this CDF is monotonic, i.e.
   * `0 ≤ F(x) + x·F'(x) ≤ 1` for all x (Monotonic DSN, ICLR 2022). Symmetric sigmoids need a pdf tail
   * Θ(1/x²) (cauchy, reciprocal, optimal); of GenDR's one-sided ones only Lévy qualifies. Evaluated at the
   * given shift (a shift generally breaks it; see `getDistribution`).
   */
  readonly monotonic: boolean;
  /**
   * CDF F(z) for a number (float64 host math; used by fused CPU kernels). F(−∞) = 0, F(+∞) = 1.
   * @throws RelaxError `<name>.cdf: z must be a number, not NaN` for NaN or a non-number.
   */
  cdf(z: number): number;
  /**
   * dF/dz for a number: the derivative the backward pass multiplies by (GenDR's `sigmoid_backward`
   * in standard form). For `gamma`/`gamma_rev` this is the exact Gamma density, not the derivative of
   * the truncated series the forward uses (as in GenDR).
   * F'(±∞) = 0. @throws RelaxError for NaN or a non-number, as `cdf`.
   */
  pdf(z: number): number;
  /**
   * Elementwise CDF of a tensor (or a numeric array, converted to float32); differentiable (gradient =
   * `pdfTensor`). ±Infinity entries give the limits 0 and 1 (gradient 0). A NaN entry throws a RelaxError on
   * the host backends (`cpu`, `wasm`; skipped with the `RELAX_INPUT_CHECKS` flag off); on GPU backends it is not
   * scanned (no read-back) and gives NaN.
   */
  cdfTensor(z: tf.Tensor | tf.TensorLike): tf.Tensor;
  /** Elementwise dF/dz of a tensor or numeric array: 0 at ±Infinity; NaN handled as in `cdfTensor`. */
  pdfTensor(z: tf.Tensor | tf.TensorLike): tf.Tensor;
}

/** Parameters of the parametric distributions (`gamma`, `exponential`, `levy` and their `_rev`s). */
export interface DistributionParams {
  /** GenDR `dist_shape` (gamma's shape p). Ignored by the other families. Gamma requires p > 0 (no default). */
  shape?: number;
  /**
   * GenDR `dist_shift` k: the argument becomes `z + k` (`z − k` for the `_rev` variants, which are
   * mirror images: F_rev(z; k) = 1 − F(−z; k)). Default 0.
   */
  shift?: number;
}
