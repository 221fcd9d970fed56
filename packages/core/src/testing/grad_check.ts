import * as tf from "@tensorflow/tfjs-core";

/** Options of {@link gradCheck}. */
export interface GradCheckOptions {
  /** Central-difference step, relative to max(1, |x|) (default 1e-2: float32 needs a large step). */
  eps?: number;
  /** Relative tolerance (default 2e-2). */
  rtol?: number;
  /** Absolute tolerance (default 2e-3). */
  atol?: number;
  /** Check at most this many coordinates per input, spread evenly (default all). */
  maxCoords?: number;
}

/** Result of {@link gradCheck}: the worst coordinate and both gradients there. */
export interface GradCheckResult {
  ok: boolean;
  maxError: number;
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

/**
 * Compares the autodiff gradient of a scalar function `f(...xs)` with central finite differences,
 * float32-aware: the step scales with |x|, and a coordinate passes when
 * `|analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|)`.
 * To check a tensor-valued op, reduce it first, e.g. `sum(op(x) * W)` with a fixed random W.
 *
 * @example
 * const r = gradCheck((x) => tf.sum(tf.sigmoid(x)), [tf.randomNormal([5])]);
 * expect(r.ok).toBe(true);
 */
export function gradCheck(
  f: (...xs: tf.Tensor[]) => tf.Scalar | tf.Tensor,
  xs: tf.Tensor[],
  options: GradCheckOptions = {},
): GradCheckResult {
  const eps = options.eps ?? 1e-2;
  const rtol = options.rtol ?? 2e-2;
  const atol = options.atol ?? 2e-3;
  const analytic = tf.tidy(() =>
    tf
      .grads((...args: tf.Tensor[]) => tf.sum(f(...args)) as tf.Scalar)(xs)
      .map((g) => g.dataSync().slice()),
  );
  let worst: GradCheckResult["worst"] = null;
  let maxError = 0;
  let ok = true;
  xs.forEach((x, input) => {
    const base = x.dataSync().slice();
    const n = base.length;
    const stride = options.maxCoords && options.maxCoords < n ? n / options.maxCoords : 1;
    for (let c = 0; c < n; c += stride) {
      const i = Math.floor(c);
      const h = eps * Math.max(1, Math.abs(base[i] as number));
      const evalAt = (delta: number): number =>
        tf.tidy(() => {
          const shifted = base.slice();
          shifted[i] = (base[i] as number) + delta;
          const args = xs.map((y, k) => (k === input ? tf.tensor(shifted, x.shape, x.dtype) : y));
          return tf.sum(f(...args)).dataSync()[0] as number;
        });
      const numeric = (evalAt(h) - evalAt(-h)) / (2 * h);
      const a = (analytic[input] as Float32Array)[i] as number;
      const err = Math.abs(a - numeric);
      const bound = atol + rtol * Math.max(Math.abs(a), Math.abs(numeric));
      if (!(err <= bound)) ok = false;
      const rel = err / (bound || 1);
      if (worst === null || rel > maxError) {
        maxError = rel;
        worst = { input, index: i, analytic: a, numeric };
      }
    }
  });
  return { ok, maxError, worst };
}
