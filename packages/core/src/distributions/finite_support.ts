import * as tf from "@tensorflow/tfjs-core";
import { shiftT, type FamilySpec, type ResolvedParams } from "./family.js";

/**
 * Finite-support noise of GenDR (Petersen et al., CVPR 2022): uniform, cubic Hermite (smoothstep)
 * and Wigner semicircle, all supported on z ∈ [−1, 1] (then F = 0 left of it and 1 right of it).
 * None is monotonic in the Monotonic-DSN sense: F reaches 1 at finite z with F' > 0 just before, so
 * F + zF' > 1 there (uniform: F + zF' = z + ½ on (−1, 1)).
 */

/** `uniform`: F = (z+1)/2 on [−1, 1); F' = ½ on the open interval (−1, 1), else 0. */
export function uniform({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "uniform",
    monotonic: false,
    symmetric: k === 0,
    cdf: (z) => {
      const w = z + k;
      return w < -1 ? 0 : w < 1 ? w * 0.5 + 0.5 : 1;
    },
    pdf: (z) => {
      const w = z + k;
      return w > -1 && w < 1 ? 0.5 : 0;
    },
    cdfTensor: (z) => tf.mul(tf.add(tf.clipByValue(shiftT(z, k), -1, 1), 1), 0.5),
    pdfTensor: (z) => tf.mul(tf.cast(tf.less(tf.abs(shiftT(z, k)), 1), "float32"), 0.5),
  };
}

/** `cubic_hermite`: y = (z+1)/2, F = 3y² − 2y³ on [−1, 1); F' = ¾(1 − z²) on [−1, 1], else 0. */
export function cubicHermite({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "cubic_hermite",
    monotonic: false,
    symmetric: k === 0,
    cdf: (z) => {
      const w = z + k;
      if (w < -1) return 0;
      if (w >= 1) return 1;
      const y = w * 0.5 + 0.5;
      return 3 * y * y - 2 * y * y * y;
    },
    pdf: (z) => {
      const w = z + k;
      return w < -1 || w > 1 ? 0 : 0.75 - 0.75 * w * w;
    },
    cdfTensor: (z) => {
      const y = tf.mul(tf.add(tf.clipByValue(shiftT(z, k), -1, 1), 1), 0.5);
      return tf.mul(tf.square(y), tf.sub(3, tf.mul(2, y)));
    },
    pdfTensor: (z) => tf.mul(0.75, tf.sub(1, tf.square(tf.clipByValue(shiftT(z, k), -1, 1)))),
  };
}

/** `wigner_semicircle`: F = ½ + (z√(1−z²) + asin z)/π on [−1, 1); F' = (2/π)√(1−z²) for |z| ≤ 1, else 0. */
export function wignerSemicircle({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "wigner_semicircle",
    monotonic: false,
    symmetric: k === 0,
    cdf: (z) => {
      const w = z + k;
      if (w < -1) return 0;
      if (w >= 1) return 1;
      return 0.5 + (w * Math.sqrt(1 - w * w)) / Math.PI + Math.asin(w) / Math.PI;
    },
    pdf: (z) => {
      const w = z + k;
      return Math.abs(w) > 1 ? 0 : (2 / Math.PI) * Math.sqrt(1 - w * w);
    },
    cdfTensor: (z) => {
      const c = tf.clipByValue(shiftT(z, k), -1, 1);
      const root = tf.sqrt(tf.relu(tf.sub(1, tf.square(c))));
      return tf.add(0.5, tf.div(tf.add(tf.mul(c, root), tf.asin(c)), Math.PI));
    },
    pdfTensor: (z) => {
      const c = tf.clipByValue(shiftT(z, k), -1, 1);
      return tf.mul(2 / Math.PI, tf.sqrt(tf.relu(tf.sub(1, tf.square(c)))));
    },
  };
}
