import * as tf from "@tensorflow/tfjs-core";
import { erf, erfc } from "../special/erf.js";
import { erfcRaw, erfRaw } from "../special/erf_tensor.js";
import type { FamilySpec, ResolvedParams } from "./family.js";

/**
 * Lévy noise of GenDR (one-sided, heavy right tail). `levy`: w = z + k, F = 0 for w ≤ 1e-6, else
 * erfc(√(1/(2w))); F' = e^{−1/(2w)}/(√(2π)·w^{3/2}) for w > 1e-6, else 0. `levy_rev` is the mirror image:
 * v = z − k, F = 1 for v ≥ −1e-6, else 1 − erfc(√(1/(2u))) = erf(√(1/(2u))) with u = −v; same density at u.
 * (GenDR applies the 1e-6 threshold to the unscaled u = τ·w; F and F' are 0 to float64 precision below
 * either threshold, so the standard form keeps it on w.)
 *
 * Monotonic (derived here): with s = 1/√(2w), F + wF' = erfc(s) + (s/√π)e^{−s²}, whose s-derivative is
 * −(1 + 2s²)e^{−s²}/√π < 0, so it decreases from 1 (w → ∞) to 0 (w → 0): in [0, 1]. With a shift the
 * quantity is F + (w − k)F': any k > 0 drives it below 0 near w = 0, and k < 0 keeps it ≤ 1 iff
 * |k| ≤ min_s (erf(s) − (s/√π)e^{−s²})·√π·e^{s²}/(2s³) = 1.529990934692390 (at s ≈ 1.00583, found numerically).
 * The same holds for `levy_rev` by mirror symmetry.
 */

/** Largest |k| (k ≤ 0) for which shifted Lévy noise stays monotonic (see the module note). */
export const LEVY_MONOTONIC_MAX_NEG_SHIFT = 1.52999093469239;
const THRESHOLD = 1e-6;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function monotonicAt(k: number): boolean {
  return k <= 0 && k >= -LEVY_MONOTONIC_MAX_NEG_SHIFT;
}

function densityScalar(w: number): number {
  return w > THRESHOLD ? INV_SQRT_2PI * Math.exp(-0.5 / w - 1.5 * Math.log(w)) : 0;
}

function densityTensor(w: tf.Tensor): tf.Tensor {
  const inside = tf.greater(w, THRESHOLD);
  const ws = tf.where(inside, w, tf.onesLike(w));
  const d = tf.mul(INV_SQRT_2PI, tf.exp(tf.sub(tf.div(-0.5, ws), tf.mul(1.5, tf.log(ws)))));
  return tf.where(inside, d, tf.zerosLike(w));
}

/** `levy` (see the module note). */
export function levy({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "levy",
    monotonic: monotonicAt(k),
    symmetric: false,
    cdf: (z) => {
      const w = z + k;
      return w <= THRESHOLD ? 0 : erfc(Math.sqrt(0.5 / w));
    },
    pdf: (z) => densityScalar(z + k),
    cdfTensor: (z) => {
      const w = k === 0 ? z : tf.add(z, k);
      const inside = tf.greater(w, THRESHOLD);
      const ws = tf.where(inside, w, tf.onesLike(w));
      return tf.where(inside, erfcRaw(tf.sqrt(tf.div(0.5, ws))), tf.zerosLike(w));
    },
    pdfTensor: (z) => densityTensor(k === 0 ? z : tf.add(z, k)),
  };
}

/** `levy_rev` (see the module note). */
export function levyRev({ shift: k }: ResolvedParams): FamilySpec {
  return {
    name: "levy_rev",
    monotonic: monotonicAt(k),
    symmetric: false,
    cdf: (z) => {
      const u = k - z;
      return u <= THRESHOLD ? 1 : erf(Math.sqrt(0.5 / u));
    },
    pdf: (z) => densityScalar(k - z),
    cdfTensor: (z) => {
      const u = tf.sub(k, z);
      const inside = tf.greater(u, THRESHOLD);
      const us = tf.where(inside, u, tf.onesLike(u));
      return tf.where(inside, erfRaw(tf.sqrt(tf.div(0.5, us))), tf.onesLike(u));
    },
    pdfTensor: (z) => densityTensor(tf.sub(k, z)),
  };
}
