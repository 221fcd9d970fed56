import * as tf from "@tensorflow/tfjs-core";
import { shiftT, type FamilySpec, type ResolvedParams } from "./family.js";

/**
 * Symmetric sigmoids with heavy (pdf Θ(1/z²)) tails: cauchy and reciprocal (GenDR's "linear
 * convergence" group) and the Monotonic-DSN `optimal` sigmoid. All three are monotonic at shift 0
 * (Petersen et al., "Monotonic Differentiable Sorting Networks", ICLR 2022): 0 ≤ F(z) + zF'(z) ≤ 1.
 *
 * With a shift k the condition becomes 0 ≤ F(w) + (w − k)F'(w) ≤ 1 (w = z + k), derived here:
 * * reciprocal: F + wF' = 1/(2(1+|w|)²) for w < 0 and 1 − 1/(2(1+w)²) for w ≥ 0, so the condition
 *   reads 0 ≤ (1 ∓ k)/(2(1+|w|)²) ≤ 1 on each side: monotonic iff |k| ≤ 1;
 * * cauchy: F + wF' ~ 2/(3π|w|³) as w → −∞ while kF' ~ k/(πw²): broken by any k > 0 (and k < 0 by symmetry);
 * * optimal: F + vF' is exactly 0 (v < −¼) and 1 (v > ¼), so any k ≠ 0 leaves [0, 1].
 */

/** `cauchy`: F = atan(z)/π + ½; F' = 1/(π(1 + z²)). Left tail evaluated as atan(1/|z|)/π (exact). */
export function cauchy({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "cauchy",
    monotonic: k === 0,
    symmetric: k === 0,
    cdf: (z) => {
      const w = z + k;
      return w < -1 ? Math.atan(-1 / w) / Math.PI : Math.atan(w) / Math.PI + 0.5;
    },
    pdf: (z) => {
      const w = z + k;
      return 1 / (Math.PI * (1 + w * w));
    },
    cdfTensor: (z) => {
      const w = shiftT(z, k);
      const left = tf.less(w, -1);
      const wl = tf.where(left, w, tf.fill(w.shape, -1));
      return tf.where(left, tf.div(tf.atan(tf.div(-1, wl)), Math.PI), tf.add(tf.div(tf.atan(w), Math.PI), 0.5));
    },
    pdfTensor: (z) => {
      const w = tf.clipByValue(shiftT(z, k), -1e18, 1e18);
      return tf.div(1 / Math.PI, tf.add(1, tf.square(w)));
    },
  };
}

/**
 * `reciprocal` in GenDR's form: F = z/(1 + |z|)/2 + ½, evaluated as 1/(2(1+|z|)) mirrored (exact in
 * the tails); F' = 1/(2(1 + |z|)²). (diffsort's `reciprocal` is this at z = βx/2.)
 */
export function reciprocal({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "reciprocal",
    monotonic: Math.abs(k) <= 1,
    symmetric: k === 0,
    cdf: (z) => {
      const w = z + k;
      const h = 0.5 / (1 + Math.abs(w));
      // h for w < 0, 1 − h else, without a branch (the comparator's hot path sees random signs)
      const m = +(w < 0);
      return m * h + (1 - m) * (1 - h);
    },
    pdf: (z) => {
      const a = 1 + Math.abs(z + k);
      return 0.5 / (a * a);
    },
    cdfTensor: (z) => {
      const w = shiftT(z, k);
      const h = tf.div(0.5, tf.add(1, tf.abs(w)));
      return tf.where(tf.less(w, 0), h, tf.sub(1, h));
    },
    pdfTensor: (z) => tf.div(0.5, tf.square(tf.add(1, tf.abs(tf.clipByValue(shiftT(z, k), -1e18, 1e18))))),
  };
}

/**
 * `optimal` (Monotonic DSN, ICLR 2022) in standard form (v = z): F = v + ½ for |v| ≤ ¼,
 * 1 − 1/(16v) for v > ¼, −1/(16v) for v < −¼, with diffsort's `+1e-10` in the denominators
 * (1/(16(|v| + 1e-10))); F' = 1 for |v| ≤ ¼, else 1/(16(|v| + 1e-10)²).
 */
export function optimal({ shift: k }: ResolvedParams): FamilySpec {
  const tail = (v: number): number => 1 / (16 * (Math.abs(v) + 1e-10));
  return {
    name: "optimal",
    monotonic: k === 0,
    symmetric: k === 0,
    cdf: (z) => {
      const v = z + k;
      return v > 0.25 ? 1 - tail(v) : v < -0.25 ? tail(v) : v + 0.5;
    },
    pdf: (z) => {
      const v = z + k;
      if (Math.abs(v) <= 0.25) return 1;
      const a = Math.abs(v) + 1e-10;
      return 1 / (16 * a * a);
    },
    cdfTensor: (z) => {
      const v = shiftT(z, k);
      const t = tf.div(1 / 16, tf.add(tf.abs(v), 1e-10));
      return tf.where(tf.greater(v, 0.25), tf.sub(1, t), tf.where(tf.less(v, -0.25), t, tf.add(v, 0.5)));
    },
    pdfTensor: (z) => {
      const v = shiftT(z, k);
      const a = tf.add(tf.abs(tf.clipByValue(v, -1e18, 1e18)), 1e-10);
      return tf.where(tf.lessEqual(tf.abs(v), 0.25), tf.onesLike(v), tf.div(1 / 16, tf.square(a)));
    },
  };
}
