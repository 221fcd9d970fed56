import * as tf from "@tensorflow/tfjs-core";
import { shiftT, type FamilySpec, type ResolvedParams } from "./family.js";

/**
 * Gumbel (extreme-value) noise of GenDR: `gumbel_max` F = exp(−e^{−z}) and its mirror `gumbel_min`
 * F = 1 − exp(−eᶻ). Not monotonic: the light tail gives F + zF' > 1 for large z (gumbel_max:
 * ≈ 1 + (z − 1)e^{−z}); gumbel_min is its mirror image, for which the condition is the same.
 * The densities are evaluated as exp(w − eʷ) with w clamped at 80 (beyond it the density is 0 in float64 too).
 */

/** `gumbel_max`: F = exp(−e^{−z}); F' = exp(−(z + e^{−z})). */
export function gumbelMax({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "gumbel_max",
    monotonic: false,
    symmetric: false,
    cdf: (z) => Math.exp(-Math.exp(-(z + k))),
    pdf: (z) => {
      const w = Math.min(-(z + k), 80);
      return Math.exp(w - Math.exp(w));
    },
    cdfTensor: (z) => tf.exp(tf.neg(tf.exp(tf.minimum(tf.neg(shiftT(z, k)), 80)))),
    pdfTensor: (z) => {
      const w = tf.minimum(tf.neg(shiftT(z, k)), 80);
      return tf.exp(tf.sub(w, tf.exp(w)));
    },
  };
}

/** `gumbel_min`: F = 1 − exp(−eᶻ) (evaluated as −expm1(−eᶻ), exact in the left tail); F' = exp(z − eᶻ). */
export function gumbelMin({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "gumbel_min",
    monotonic: false,
    symmetric: false,
    cdf: (z) => -Math.expm1(-Math.exp(z + k)),
    pdf: (z) => {
      const w = Math.min(z + k, 80);
      return Math.exp(w - Math.exp(w));
    },
    cdfTensor: (z) => tf.neg(tf.expm1(tf.neg(tf.exp(tf.minimum(shiftT(z, k), 80))))),
    pdfTensor: (z) => {
      const w = tf.minimum(shiftT(z, k), 80);
      return tf.exp(tf.sub(w, tf.exp(w)));
    },
  };
}
