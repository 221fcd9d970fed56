import * as tf from "@tensorflow/tfjs-core";
import type { FamilySpec, ResolvedParams } from "./family.js";

/**
 * One-sided exponential noise of GenDR. `exponential`: with w = z + k, F = 0 for w < 0 and
 * 1 − e^{−w} otherwise; F' = e^{−w} for w ≥ 0, else 0. `exponential_rev` is its mirror image
 * (F_rev(z) = 1 − F(−z) with the shift mirrored too): v = z − k, F = 1 for v > 0 and eᵛ otherwise;
 * F' = eᵛ for v ≤ 0, else 0. Not monotonic: F + wF' = 1 + (w − 1)e^{−w} > 1 for w > 1 (k = 0), and a
 * shift cannot repair the exponential tail.
 */

/** `exponential` (see the module note). */
export function exponential({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "exponential",
    monotonic: false,
    symmetric: false,
    cdf: (z) => {
      const w = z + k;
      return w < 0 ? 0 : -Math.expm1(-w);
    },
    pdf: (z) => {
      const w = z + k;
      return w < 0 ? 0 : Math.exp(-w);
    },
    cdfTensor: (z) => {
      const w = k === 0 ? z : tf.add(z, k);
      return tf.neg(tf.expm1(tf.neg(tf.relu(w))));
    },
    pdfTensor: (z) => {
      const w = k === 0 ? z : tf.add(z, k);
      return tf.where(tf.less(w, 0), tf.zerosLike(w), tf.exp(tf.neg(tf.relu(w))));
    },
  };
}

/** `exponential_rev` (see the module note). */
export function exponentialRev({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "exponential_rev",
    monotonic: false,
    symmetric: false,
    cdf: (z) => {
      const v = z - k;
      return v > 0 ? 1 : Math.exp(v);
    },
    pdf: (z) => {
      const v = z - k;
      return v > 0 ? 0 : Math.exp(v);
    },
    cdfTensor: (z) => {
      const v = k === 0 ? z : tf.sub(z, k);
      return tf.exp(tf.neg(tf.relu(tf.neg(v))));
    },
    pdfTensor: (z) => {
      const v = k === 0 ? z : tf.sub(z, k);
      return tf.where(tf.greater(v, 0), tf.zerosLike(v), tf.exp(tf.neg(tf.relu(tf.neg(v)))));
    },
  };
}
