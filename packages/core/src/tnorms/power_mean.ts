import * as tf from "@tensorflow/tfjs-core";

/**
 * Stable power means for the generator-based t-conorms (Yager, Aczél–Alsina, Dombi: H = (Σ u_i^p)^{1/p},
 * p > 0) and the Schweizer–Sklar t-norm (T = (Σ x_i^p − (n − 1))^{1/p}, p < 0), in float64 (host kernels)
 * and float32 (tensors, with an exact custom gradient). The extreme argument is factored out, so no power
 * under- or overflows for any p (1e-6 … 1e6 and beyond): as |p| → ∞ they tend to max / min, never to 0.
 */

/** Cap of a partial derivative that truly diverges (p < 1 near a zero argument): finite in float32. */
export const WEIGHT_CAP = 1e30;

/** H = (u^p + v^p)^{1/p} = M·(1 + (m/M)^p)^{1/p} for u, v ≥ 0 (+∞ where it overflows; 0 at u = v = 0). */
export function pmean(u: number, v: number, p: number): number {
  const M = Math.max(u, v);
  const m = Math.min(u, v);
  if (!(m > 0)) return M;
  // (m/M)^p from logs: m/M itself may underflow while its p-th power (p < 1) does not
  const e = Math.log1p(Math.exp(p * (Math.log(m) - Math.log(M)))) / p;
  // the growth factor alone may overflow while H does not (tiny M, p < 1/1024): then add in logs
  return e < 700 ? M * Math.exp(e) : Math.exp(Math.log(M) + e);
}

/**
 * ∂H/∂u = (u/H)^{p−1} of the power mean H ≥ u: 1 at H = 0 (the one-sided limit of H(u, 0) = u), 0 where H
 * overflowed (every t-conorm is saturated there), and at u = 0 < H its value for p ≥ 1 (1 or 0); for p < 1 the
 * true partial is +∞ there and 0 is used (an exact zero contributes nothing), elsewhere capped at {@link WEIGHT_CAP}.
 */
export function pmeanWeight(u: number, h: number, p: number): number {
  if (h === 0) return 1;
  if (!(h < Number.POSITIVE_INFINITY)) return 0;
  if (u === 0) return p === 1 ? 1 : 0;
  return Math.min(Math.exp((p - 1) * (Math.log(u) - Math.log(h))), WEIGHT_CAP);
}

/**
 * Schweizer–Sklar t-norm T(x, y) = (x^p + y^p − 1)^{1/p} for p < 0, x, y ∈ [0, 1], as
 * m·(1 + (m/M)^{−p} − m^{−p})^{1/p} with m = min, M = max (the bracket lies in [1, 2]; its excess over 1 from
 * expm1 so that tiny |p| keeps its digits); 0 when m = 0.
 */
export function ssTnorm(x: number, y: number, p: number): number {
  const m = Math.min(x, y);
  const M = Math.max(x, y);
  if (!(m > 0)) return 0;
  const d = Math.expm1(-p * Math.log(m / M)) - Math.expm1(-p * Math.log(m));
  return m * Math.exp(Math.log1p(d) / p);
}

/** ∂T/∂x = (T/x)^{1−p} of the Schweizer–Sklar t-norm; at x = 0 its limit 1 (0 if y = 0 too). */
export function ssTnormWeight(x: number, y: number, p: number): number {
  if (x <= 0) return y > 0 ? 1 : 0;
  const t = ssTnorm(x, y, p);
  if (t <= 0) return 0;
  return Math.exp((1 - p) * (Math.log(t) - Math.log(x)));
}

// ---------------------------------------------------------------------------------------------
// Tensor forms (float32), reductions over `axis` with keepDims; custom gradients as the scalar weights.
// ---------------------------------------------------------------------------------------------

type Saved = (tf.Tensor | tf.GradSaveFunc)[];

/** `x` with its zeros replaced by 1 (for a log/division whose result is masked out afterwards). */
function nonZero(x: tf.Tensor): tf.Tensor {
  return tf.where(tf.greater(x, 0), x, tf.onesLike(x));
}

/**
 * H = (Σ_i u_i^p)^{1/p} over `axis` (keepDims), u ≥ 0, p > 0, computed as M·(Σ (u_i/M)^p)^{1/p} with M = max u
 * (+∞ where it overflows), with gradient dy·{@link pmeanWeight}(u_i, H) (an all-zero slice: value 0, partials 1).
 */
export function powerMeanT(u: tf.Tensor, p: number, axis: number): tf.Tensor {
  const f = tf.customGrad((...args: Saved) => {
    const x = args[0] as tf.Tensor;
    const M = tf.max(x, axis, true);
    const pos = tf.greater(M, 0);
    // Σ (x_i/M)^p from logs (x_i/M may underflow while its p-th power does not); x_i = 0 gives exp(−∞) = 0
    const g = tf.sum(tf.exp(tf.mul(p, tf.sub(tf.log(x), tf.log(nonZero(M))))), axis, true);
    const e = tf.div(tf.log(g), p);
    // M·e^e, in logs where e^e alone would overflow float32 while H does not (tiny M, small p)
    const big = tf.greater(e, 80);
    const hv = tf.where(big, tf.exp(tf.add(tf.log(nonZero(M)), e)), tf.mul(M, tf.exp(tf.minimum(e, 80))));
    const h = tf.where(pos, hv, tf.zerosLike(M));
    (args[1] as tf.GradSaveFunc)([x, h]);
    return {
      value: h,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, hs] = saved as [tf.Tensor, tf.Tensor];
        const hb = tf.add(hs, tf.zerosLike(xs));
        const logRatio = tf.sub(tf.log(nonZero(xs)), tf.log(nonZero(hb)));
        const regular = tf.minimum(tf.exp(tf.mul(p - 1, logRatio)), WEIGHT_CAP);
        const atZero = tf.fill(xs.shape, p === 1 ? 1 : 0);
        let w = tf.where(tf.greater(xs, 0), regular, atZero);
        w = tf.where(tf.isFinite(hb), w, tf.zerosLike(w));
        w = tf.where(tf.greater(hb, 0), w, tf.onesLike(w));
        return tf.mul(dy, w);
      },
    };
  });
  return f(u);
}

/**
 * Schweizer–Sklar t-norm T(x_1..x_n) = (Σ x_i^p − (n − 1))^{1/p} over `axis` (keepDims), x ∈ [0, 1], p < 0, as
 * m·(1 + D)^{1/p} with m = min x and D = Σ_i [(m/x_i)^{−p} − m^{−p}] + m^{−p} − 1 (each term by expm1); 0 where
 * some x_i = 0. Gradient dy·(T/x_i)^{1−p}; at x_i = 0 the limit 1 if it is the slice's only zero, else 0.
 */
export function ssTnormT(x: tf.Tensor, p: number, axis: number): tf.Tensor {
  const q = -p;
  const f = tf.customGrad((...args: Saved) => {
    const xi = args[0] as tf.Tensor;
    const m = tf.min(xi, axis, true);
    const pos = tf.greater(m, 0);
    const ms = nonZero(m);
    const em = tf.expm1(tf.mul(q, tf.log(ms)));
    const terms = tf.sub(tf.expm1(tf.mul(q, tf.log(tf.div(ms, nonZero(xi))))), em);
    const d = tf.add(tf.sum(terms, axis, true), em);
    const t = tf.where(pos, tf.mul(ms, tf.exp(tf.div(tf.log1p(d), p))), tf.zerosLike(m));
    (args[1] as tf.GradSaveFunc)([xi, t]);
    return {
      value: t,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ts] = saved as [tf.Tensor, tf.Tensor];
        const tb = tf.add(ts, tf.zerosLike(xs));
        const zero = tf.logicalNot(tf.greater(xs, 0));
        const zeros = tf.sum(tf.cast(zero, "float32"), axis, true);
        const lone = tf.logicalAnd(zero, tf.equal(tf.add(zeros, tf.zerosLike(xs)), 1));
        const regular = tf.exp(tf.mul(1 - p, tf.sub(tf.log(nonZero(tb)), tf.log(nonZero(xs)))));
        let w = tf.where(tf.greater(tb, 0), regular, tf.zerosLike(xs));
        w = tf.where(zero, tf.cast(lone, "float32"), w);
        return tf.mul(dy, w);
      },
    };
  });
  return f(x);
}

/** Both arguments broadcast to one shape and stacked on a new last axis (for pairwise = reduce over 2). */
export function stackPair(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.stack([tf.add(a, tf.zerosLike(b)), tf.add(b, tf.zerosLike(a))], -1);
}
