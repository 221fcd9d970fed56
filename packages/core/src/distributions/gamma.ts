import * as tf from "@tensorflow/tfjs-core";
import { lgamma } from "../special/gamma.js";
import type { FamilySpec, ResolvedParams } from "./family.js";

/**
 * Gamma noise of GenDR with shape p ≥ 0 (`dist_shape`; p = 0 degenerates into GenDR's step function,
 * F = e^{−w}·Σ_{i<32} wⁱ/i! ≈ 1 for w > 0, with zero density) and shift k (`dist_shift`), exactly as its
 * kernel computes it. Forward, with w = z + k: F = 0 for w ≤ 0, 1 for w > 15, else the **truncated**
 * series F = wᵖe^{−w}·Σ_{i=0}^{31} wⁱ/Γ(p+i+1) (32 terms of the lower incomplete gamma series).
 * Backward: the **exact** density F' = w^{p−1}e^{−w}/Γ(p) for w > 0, capped at 1e30 near its pole at w = 0
 * when p < 1 (not the derivative of the
 * series; the two differ by up to ~2e-4 relative, as in GenDR). `gamma_rev` is the mirror image:
 * v = z − k, F = 1 for v ≥ 0, 0 for −v > 15, else 1 − series(−v); F' = density(−v) for v < 0.
 * Not monotonic (exponential right tail: F + wF' > 1 for large w).
 *
 * GenDR quirk kept on purpose: the 32-term series is a partial sum whose derivative is
 * density(w) − w^{p+31}e^{−w}/Γ(p+32), negative just below the clip when p is small, so F dips before
 * jumping to 1 at w = 15 (by 6e-6 for p = 2, 6e-5 for p = 0.5, 8e-5 for p = 0.1; none for p ≥ 5).
 */

/** Number of series terms and the clip point of GenDR's gamma CDF. */
export const GAMMA_SERIES_TERMS = 32;
export const GAMMA_THRESHOLD = 15;

/** GenDR's truncated gamma series for 0 < w ≤ 15 (float64). */
function seriesScalar(p: number, w: number, logNorm1: number): number {
  let factor = 1;
  let sum = 1;
  for (let i = 1; i < GAMMA_SERIES_TERMS; i++) {
    factor *= w / (p + i);
    sum += factor;
  }
  return Math.exp(p * Math.log(w) - w - logNorm1) * sum;
}

/**
 * The same series on a tensor of arguments in (0, 15], as nested Horner form
 * 1 + w/(p+1)·(1 + w/(p+2)·(…)) so no coefficient underflows float32.
 */
function seriesTensor(p: number, w: tf.Tensor, logNorm1: number): tf.Tensor {
  let r: tf.Tensor = tf.onesLike(w);
  for (let i = GAMMA_SERIES_TERMS - 1; i >= 1; i--) r = tf.add(1, tf.mul(r, tf.mul(w, 1 / (p + i))));
  return tf.mul(tf.exp(tf.sub(tf.sub(tf.mul(p, tf.log(w)), w), logNorm1)), r);
}

/**
 * Largest density returned: for shape p < 1 the density has a pole at w = 0 (w^{p−1} → ∞), which float32 (and a
 * gradient dy·F') cannot hold; it is capped here, as the t-conorm partials are near theirs.
 */
export const GAMMA_DENSITY_CAP = 1e30;

function densityScalar(p: number, w: number, logNorm: number): number {
  return w > 0 && w < Number.POSITIVE_INFINITY ? Math.min(Math.exp((p - 1) * Math.log(w) - w - logNorm), GAMMA_DENSITY_CAP) : 0;
}

function densityTensor(p: number, w: tf.Tensor, logNorm: number): tf.Tensor {
  const positive = tf.greater(w, 0);
  const ws = tf.where(positive, tf.minimum(w, 1e30), tf.onesLike(w)); // +∞ → density 0, not NaN
  const d = tf.minimum(tf.exp(tf.sub(tf.sub(tf.mul(p - 1, tf.log(ws)), ws), logNorm)), GAMMA_DENSITY_CAP);
  return tf.where(positive, d, tf.zerosLike(w));
}

/** Clamps to the series' domain (0, 15]; values outside are replaced by the constant branches. */
function seriesArg(w: tf.Tensor): tf.Tensor {
  return tf.where(tf.greater(w, 0), tf.minimum(w, GAMMA_THRESHOLD), tf.onesLike(w));
}

/** `gamma` with shape p ≥ 0 (validated by the registry). */
export function gamma({ shape: p, shift: k }: ResolvedParams): FamilySpec {
  const logNorm = lgamma(p); // ln Γ(p)
  const logNorm1 = lgamma(p + 1); // ln Γ(p+1)
  return {
    name: "gamma",
    monotonic: false,
    symmetric: false,
    cdf: (z) => {
      const w = z + k;
      if (w <= 0) return 0;
      if (w > GAMMA_THRESHOLD) return 1;
      return seriesScalar(p, w, logNorm1);
    },
    pdf: (z) => densityScalar(p, z + k, logNorm),
    cdfTensor: (z) => {
      const w = k === 0 ? z : tf.add(z, k);
      const y = seriesTensor(p, seriesArg(w), logNorm1);
      return tf.where(tf.lessEqual(w, 0), tf.zerosLike(w), tf.where(tf.greater(w, GAMMA_THRESHOLD), tf.onesLike(w), y));
    },
    pdfTensor: (z) => densityTensor(p, k === 0 ? z : tf.add(z, k), logNorm),
  };
}

/** `gamma_rev`: mirror image of `gamma` (see the module note). */
export function gammaRev({ shape: p, shift: k }: ResolvedParams): FamilySpec {
  const logNorm = lgamma(p);
  const logNorm1 = lgamma(p + 1);
  return {
    name: "gamma_rev",
    monotonic: false,
    symmetric: false,
    cdf: (z) => {
      const u = k - z;
      if (u <= 0) return 1;
      if (u > GAMMA_THRESHOLD) return 0;
      return 1 - seriesScalar(p, u, logNorm1);
    },
    pdf: (z) => densityScalar(p, k - z, logNorm),
    cdfTensor: (z) => {
      const u = tf.sub(k, z);
      const y = tf.sub(1, seriesTensor(p, seriesArg(u), logNorm1));
      return tf.where(tf.lessEqual(u, 0), tf.onesLike(u), tf.where(tf.greater(u, GAMMA_THRESHOLD), tf.zerosLike(u), y));
    },
    pdfTensor: (z) => densityTensor(p, tf.sub(k, z), logNorm),
  };
}
