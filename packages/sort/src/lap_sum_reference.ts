import * as tf from "@tensorflow/tfjs-core";
import { stopGradient, type RelaxLapSumAttrs } from "@relax/core";
import { constantOp } from "./hard_permutation.js";

/** Bisection steps of the reference's root search (float32 halves the bracket down to its ulp well before). */
const BISECTION_STEPS = 100;

/** z ≤ 0 as a constant mask (off the tape: comparisons have no gradient). */
const nonPositive = constantOp((z) => tf.lessEqual(z, 0));

/**
 * Standard Laplace CDF of a tensor: `½e^{min(z,0)}` where z ≤ 0, else `1 − ½e^{−max(z,0)}`; neither branch
 * overflows (no NaN in autodiff), and at z = 0 the derivative is the density ½.
 */
function lapCdfTensor(z: tf.Tensor): tf.Tensor {
  const lower = tf.mul(0.5, tf.exp(tf.minimum(z, 0)));
  const upper = tf.sub(1, tf.mul(0.5, tf.exp(tf.neg(tf.maximum(z, 0)))));
  return tf.where(nonPositive(z), lower, upper);
}

/** `F(t)[r, q] = Σ_i Lap((t[r, q] − x[r, i])/α)` for `t: [rows, Q]`, `x: [rows, n]` (O(Q·n) per row). */
function lapSum(t: tf.Tensor2D, x: tf.Tensor2D, alpha: number): tf.Tensor2D {
  const z = tf.div(tf.sub(tf.expandDims(t, 2), tf.expandDims(x, 1)), alpha);
  return tf.sum(lapCdfTensor(z), 2) as tf.Tensor2D;
}

/**
 * `t` with `F(t) = w_q` per row and target (`targets`: Q numbers in (0, n)), `[rows, Q]`, by bisection on a
 * bracket around order statistics that provably holds the root: with L = log n + 1, F(s_m + αL) ≥ m + 1 − 1/(2e)
 * and F(s_m − αL) ≤ m + 1/(2e) for the m-th smallest s_m, so the root lies in
 * [s_⌊w−1/(2e)⌋ − αL, s_⌈w−1+1/(2e)⌉ + αL], usually 2αL wide whatever the spread of x (past the ends: min x +
 * α(log(2w/n) − 1), max x + α(log(n/(2(n−w))) + 1)). No gradient.
 */
function inverseLapSum(x: tf.Tensor2D, targets: number[], alpha: number): tf.Tensor2D {
  // off the gradient tape (the comparisons have no gradient): a constant of x, differentiated by implicitRoot
  return constantOp((xs) => bisect(xs, targets, alpha))(x) as tf.Tensor2D;
}

function bisect(xs: tf.Tensor2D, targets: number[], alpha: number): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, n] = xs.shape;
    const L = Math.log(n) + 1;
    const sorted = tf.reverse(tf.topk(xs, n).values, 1); // ascending
    const pick = (idx: number[], shift: number[]) =>
      tf.add(tf.gather(sorted, tf.tensor1d(idx, "int32"), 1), tf.mul(alpha, tf.tensor2d(shift, [1, shift.length])));
    const c = 1 / (2 * Math.E);
    const loM = targets.map((w) => Math.floor(w - c));
    const hiM = targets.map((w) => Math.max(0, Math.ceil(w - 1 + c)));
    const loIdx = loM.map((m) => Math.max(0, m));
    const loShift = targets.map((w, q) => ((loM[q] as number) >= 0 ? -L : Math.log((2 * w) / n) - 1));
    const hiIdx = hiM.map((m) => Math.min(m, n - 1));
    const hiShift = targets.map((w, q) => ((hiM[q] as number) <= n - 1 ? L : Math.log(n / (2 * (n - w))) + 1));
    let lo = pick(loIdx, loShift) as tf.Tensor2D;
    let hi = pick(hiIdx, hiShift) as tf.Tensor2D;
    const w = tf.tile(tf.tensor2d(targets, [1, targets.length]), [rows, 1]) as tf.Tensor2D;
    for (let i = 0; i < BISECTION_STEPS; i++) {
      const [nextLo, nextHi] = tf.tidy(() => {
        const mid = tf.div(tf.add(lo, hi), 2) as tf.Tensor2D;
        const below = tf.less(lapSum(mid, xs, alpha), w);
        return [tf.where(below, mid, lo), tf.where(below, hi, mid)] as tf.Tensor2D[];
      });
      lo.dispose();
      hi.dispose();
      lo = nextLo as tf.Tensor2D;
      hi = nextHi as tf.Tensor2D;
    }
    return tf.div(tf.add(lo, hi), 2) as tf.Tensor2D;
  });
}

/**
 * The root `t*` made differentiable by the implicit function theorem: `t = t* + Σ_i W_i·(x_i − x_i*)` with
 * `W_i = e^{−|t* − x_i|/α} / Σ_l e^{−|t* − x_l|/α}` held constant (`*` = no gradient): the forward value is
 * `t*`, the gradient ∂t/∂x_i = W_i (from F(t(x); x) = w).
 */
function implicitRoot(x: tf.Tensor2D, root: tf.Tensor2D, alpha: number): tf.Tensor2D {
  const W = stopGradient(tf.softmax(tf.div(tf.neg(tf.abs(tf.sub(tf.expandDims(root, 2), tf.expandDims(x, 1)))), alpha)));
  const dx = tf.sub(x, stopGradient(x));
  return tf.add(root, tf.squeeze(tf.matMul(W, tf.expandDims(dx, 2)), [2])) as tf.Tensor2D;
}

/**
 * LapSum (Struski et al., ICML 2025) composed from tfjs ops on `x2: [rows, n]`, O(n²) per row (and 100
 * bisection steps for sort / top-k): the reference the fused kernels are held to. Works on every backend;
 * gradients by autodiff and the implicit function theorem.
 */
export function lapSumReference(x2: tf.Tensor2D, attrs: RelaxLapSumAttrs): tf.Tensor2D {
  const { alpha } = attrs;
  const n = x2.shape[1];
  if (attrs.op === "rank") {
    const r = tf.sub(lapSum(x2, x2, alpha), 0.5);
    return (attrs.descending ? tf.sub(n - 1, r) : r) as tf.Tensor2D;
  }
  if (attrs.op === "sort") {
    const targets = Array.from({ length: n }, (_, j) => j + 0.5);
    const t = implicitRoot(x2, inverseLapSum(x2, targets, alpha), alpha);
    return (attrs.descending ? tf.reverse(t, 1) : t) as tf.Tensor2D;
  }
  if (attrs.k >= n) return tf.add(tf.mul(x2, 0), 1) as tf.Tensor2D; // every entry selected
  const target = attrs.largest ? n - attrs.k : attrs.k;
  const b = implicitRoot(x2, inverseLapSum(x2, [target], alpha), alpha);
  return lapCdfTensor(tf.div(attrs.largest ? tf.sub(x2, b) : tf.sub(b, x2), alpha)) as tf.Tensor2D;
}
