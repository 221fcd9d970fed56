import * as tf from "@tensorflow/tfjs-core";

/**
 * The Frank t-norm T(x, y) = log_p(1 + (p^x − 1)(p^y − 1)/(p − 1)) (L = ln p ≠ 0) in log-domain forms
 * that neither overflow nor cancel for any p (1e-300 … 1e300): with m = min(x, y), M = max(x, y),
 *   L < 0: T = m + (ln B − ln(−expm1 L))/L,  B = −expm1(M·L) + e^{(M−m)L}·(−expm1((1−M)L)),
 *   L > 0: T = (ln B′ − ln(−expm1(−L)))/L,  B′ = −expm1((m−1)L) + e^{(M−1)L}·expm1(m·L),
 * both sums of non-negative terms (B′ summed as logs); for |L| < {@link FRANK_DIRECT_LN_P} GenDR's direct form, which
 * is exact there (and cancels beyond it). ∂T/∂x = p^{x−T}·(p^y − 1)/(p − 1), also from logs.
 */

/** ln(e^z − 1) for z > 0 (−∞ at 0), without overflow. */
function logExpm1(z: number): number {
  return z > 30 ? z + Math.log1p(-Math.exp(-z)) : Math.log(Math.expm1(z));
}

/** ln|p^x − 1| = ln|expm1(x·L)|. */
function logAbsExpm1(z: number): number {
  return z >= 0 ? logExpm1(z) : Math.log(-Math.expm1(z));
}

/** |ln p| below which GenDR's direct form log1p((p^x − 1)(p^y − 1)/(p − 1))/ln p is used (each p^x − 1 as expm1(x ln p)). */
export const FRANK_DIRECT_LN_P = 1;

/** Frank t-norm T(x, y) in float64 (L = ln p ≠ 0). */
export function frankTnorm(x: number, y: number, L: number): number {
  if (Math.abs(L) < FRANK_DIRECT_LN_P) return Math.log1p((Math.expm1(x * L) * Math.expm1(y * L)) / Math.expm1(L)) / L;
  const m = Math.min(x, y);
  const M = Math.max(x, y);
  if (!(m > 0)) return 0;
  if (L < 0) {
    const B = -Math.expm1(M * L) + Math.exp((M - m) * L) * -Math.expm1((1 - M) * L);
    return m + (Math.log(B) - Math.log(-Math.expm1(L))) / L;
  }
  const l1 = Math.log(-Math.expm1((m - 1) * L));
  const l2 = (M - 1) * L + logExpm1(m * L);
  const hi = Math.max(l1, l2);
  const logB = hi + Math.log1p(Math.exp(Math.min(l1, l2) - hi));
  return (logB - Math.log(-Math.expm1(-L))) / L;
}

/** ∂T/∂x of the Frank t-norm = exp((x − T)L + ln|p^y − 1| − ln|p − 1|), in [0, 1]. */
export function frankTnormWeight(x: number, y: number, L: number): number {
  const t = frankTnorm(x, y, L);
  return Math.exp((x - t) * L + logAbsExpm1(y * L) - logAbsExpm1(L));
}

// --------------------------------------------------------------------------------------------- tensors

function logExpm1T(z: tf.Tensor): tf.Tensor {
  // z ≥ 0; both branches evaluated on safe arguments
  const big = tf.greater(z, 30);
  const zb = tf.maximum(z, 30);
  const zs = tf.minimum(z, 30);
  return tf.where(big, tf.add(zb, tf.log1p(tf.neg(tf.exp(tf.neg(zb))))), tf.log(tf.expm1(zs)));
}

function logAbsExpm1T(z: tf.Tensor, L: number): tf.Tensor {
  return L > 0 ? logExpm1T(z) : tf.log(tf.neg(tf.expm1(z)));
}

function logAbsExpm1Scalar(L: number): number {
  return logAbsExpm1(L);
}

function tnormValueT(x: tf.Tensor, y: tf.Tensor, L: number): tf.Tensor {
  if (Math.abs(L) < FRANK_DIRECT_LN_P) {
    return tf.div(tf.log1p(tf.div(tf.mul(tf.expm1(tf.mul(x, L)), tf.expm1(tf.mul(y, L))), Math.expm1(L))), L);
  }
  const m = tf.minimum(x, y);
  const M = tf.maximum(x, y);
  const pos = tf.greater(m, 0);
  let t: tf.Tensor;
  if (L < 0) {
    const B = tf.add(tf.neg(tf.expm1(tf.mul(M, L))), tf.mul(tf.exp(tf.mul(tf.sub(M, m), L)), tf.neg(tf.expm1(tf.mul(tf.sub(1, M), L)))));
    t = tf.add(m, tf.div(tf.sub(tf.log(B), Math.log(-Math.expm1(L))), L));
  } else {
    const ms = tf.where(pos, m, tf.onesLike(m));
    const l1 = tf.log(tf.neg(tf.expm1(tf.mul(tf.sub(ms, 1), L))));
    const l2 = tf.add(tf.mul(tf.sub(M, 1), L), logExpm1T(tf.mul(ms, L)));
    const hi = tf.maximum(l1, l2);
    const logB = tf.add(hi, tf.log1p(tf.exp(tf.sub(tf.minimum(l1, l2), hi))));
    t = tf.div(tf.sub(logB, Math.log(-Math.expm1(-L))), L);
  }
  return tf.where(pos, tf.clipByValue(t, 0, 1), tf.zerosLike(t));
}

/**
 * Elementwise Frank t-norm T(x, y) of broadcastable float32 tensors in [0, 1] with the gradient
 * ∂T/∂x = exp((x − T)L + ln|p^y − 1| − ln|p − 1|) (and symmetrically for y), finite everywhere.
 */
export function frankTnormT(x: tf.Tensor, y: tf.Tensor, L: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xb = tf.add(args[0] as tf.Tensor, tf.zerosLike(args[1] as tf.Tensor));
    const yb = tf.add(args[1] as tf.Tensor, tf.zerosLike(args[0] as tf.Tensor));
    const t = tnormValueT(xb, yb, L);
    (args[2] as tf.GradSaveFunc)([xb, yb, t]);
    return {
      value: t,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ys, ts] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const c = logAbsExpm1Scalar(L);
        const w = (u: tf.Tensor, v: tf.Tensor) => tf.exp(tf.sub(tf.add(tf.mul(tf.sub(u, ts), L), logAbsExpm1T(tf.mul(v, L), L)), c));
        const x0 = args[0] as tf.Tensor;
        const y0 = args[1] as tf.Tensor;
        return [unbroadcast(tf.mul(dy, w(xs, ys)), x0.shape), unbroadcast(tf.mul(dy, w(ys, xs)), y0.shape)];
      },
    };
  });
  return f(x, y);
}

/** Sums a gradient over the axes along which an input of `shape` was broadcast. */
export function unbroadcast(g: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, g.shape);
  const summed = axes.length > 0 ? tf.sum(g, axes) : g;
  return tf.reshape(summed, shape);
}
