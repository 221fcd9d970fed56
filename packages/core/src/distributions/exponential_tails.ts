import * as tf from "@tensorflow/tfjs-core";
import { erfc } from "../special/erf.js";
import { erfcRaw } from "../special/erf_tensor.js";
import { shiftT, type FamilySpec, type ResolvedParams } from "./family.js";

/**
 * Symmetric noise with exponentially decaying tails (GenDR's "exponential convergence" group):
 * gaussian, laplace, logistic, gudermannian (hyperbolic secant). None is monotonic in the
 * Monotonic-DSN sense: with 1 − F(z) ~ F'(z)·g(z) decaying exponentially, F + zF' − 1 ≈ F'(z)(z − g(z)) > 0
 * for large z (DSN, Petersen et al. ICML 2021 / ICLR 2022). All tensor forms are written with
 * e^{−|z|}, so nothing overflows for |z| up to float32's range.
 */

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** `gaussian`: F = Φ(z) = ½·erfc(−z/√2); F' = φ(z) = e^{−z²/2}/√(2π). */
export function gaussian({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "gaussian",
    monotonic: false,
    symmetric: k === 0,
    cdf: (z) => 0.5 * erfc(-(z + k) * Math.SQRT1_2),
    pdf: (z) => {
      const w = z + k;
      return INV_SQRT_2PI * Math.exp(-0.5 * w * w);
    },
    cdfTensor: (z) => tf.mul(0.5, erfcRaw(tf.mul(shiftT(z, k), -Math.SQRT1_2))),
    pdfTensor: (z) => tf.mul(INV_SQRT_2PI, tf.exp(tf.mul(-0.5, tf.square(tf.clipByValue(shiftT(z, k), -1e4, 1e4))))),
  };
}

/** `laplace`: F = ½e^{z} for z < 0, 1 − ½e^{−z} for z ≥ 0; F' = ½e^{−|z|}. */
export function laplace({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "laplace",
    monotonic: false,
    symmetric: k === 0,
    cdf: (z) => {
      const w = z + k;
      const e = 0.5 * Math.exp(-Math.abs(w));
      return w < 0 ? e : 1 - e;
    },
    pdf: (z) => 0.5 * Math.exp(-Math.abs(z + k)),
    cdfTensor: (z) => {
      const w = shiftT(z, k);
      const e = tf.mul(0.5, tf.exp(tf.neg(tf.abs(w))));
      return tf.where(tf.less(w, 0), e, tf.sub(1, e));
    },
    pdfTensor: (z) => tf.mul(0.5, tf.exp(tf.neg(tf.abs(shiftT(z, k))))),
  };
}

/** `logistic`: F = σ(z) = 1/(1 + e^{−z}); F' = σ(z)(1 − σ(z)) = e^{−|z|}/(1 + e^{−|z|})². */
export function logistic({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "logistic",
    monotonic: false,
    symmetric: k === 0,
    cdf: (z) => {
      const w = z + k;
      const e = Math.exp(-Math.abs(w));
      return w >= 0 ? 1 / (1 + e) : e / (1 + e);
    },
    pdf: (z) => {
      const e = Math.exp(-Math.abs(z + k));
      return e / ((1 + e) * (1 + e));
    },
    cdfTensor: (z) => {
      const w = shiftT(z, k);
      const e = tf.exp(tf.neg(tf.abs(w)));
      const inv = tf.div(1, tf.add(1, e));
      return tf.where(tf.greaterEqual(w, 0), inv, tf.mul(e, inv));
    },
    pdfTensor: (z) => {
      const e = tf.exp(tf.neg(tf.abs(shiftT(z, k))));
      return tf.div(e, tf.square(tf.add(1, e)));
    },
  };
}

/**
 * `gudermannian` (alias `hyperbolic_secant`): F = (2/π)·atan(tanh(z/2)) + ½ = (2/π)·atan(eᶻ), evaluated
 * as (2/π)·atan(e^{−|z|}) mirrored, which is exact in both tails; F' = sech(z)/π = (2/π)·e^{−|z|}/(1 + e^{−2|z|}).
 */
export function gudermannian({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "gudermannian",
    monotonic: false,
    symmetric: k === 0,
    cdf: (z) => {
      const w = z + k;
      const a = (2 / Math.PI) * Math.atan(Math.exp(-Math.abs(w)));
      return w < 0 ? a : 1 - a;
    },
    pdf: (z) => {
      const e = Math.exp(-Math.abs(z + k));
      return ((2 / Math.PI) * e) / (1 + e * e);
    },
    cdfTensor: (z) => {
      const w = shiftT(z, k);
      const a = tf.mul(2 / Math.PI, tf.atan(tf.exp(tf.neg(tf.abs(w)))));
      return tf.where(tf.less(w, 0), a, tf.sub(1, a));
    },
    pdfTensor: (z) => {
      const e = tf.exp(tf.neg(tf.abs(shiftT(z, k))));
      return tf.div(tf.mul(2 / Math.PI, e), tf.add(1, tf.square(e)));
    },
  };
}
