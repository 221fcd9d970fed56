import * as tf from "@tensorflow/tfjs-core";
import { unaryOp } from "./check.js";
import { ERFC_LARGE_P, ERFC_LARGE_Q, ERFC_MID_P, ERFC_MID_Q, ERF_SMALL_P, ERF_SMALL_Q, INV_SQRT_PI } from "./erf.js";

/** Horner evaluation on a tensor, coefficients highest degree first, optional implied leading 1. */
function hornerT(coeffs: readonly number[], x: tf.Tensor, monic: boolean): tf.Tensor {
  let r: tf.Tensor = monic ? tf.add(x, coeffs[0] as number) : tf.add(tf.mul(x, coeffs[0] as number), coeffs[1] as number);
  for (let i = monic ? 1 : 2; i < coeffs.length; i++) r = tf.add(tf.mul(r, x), coeffs[i] as number);
  return r;
}

/**
 * e^{−x²} for x ≥ 0 without the float32 rounding of x²: x = h + d with h = round(16x)/16, so
 * h² is exact and e^{−x²} = e^{−h²}·e^{−d(x+h)} (Cody's splitting).
 */
function expMinusSquare(ax: tf.Tensor): tf.Tensor {
  const h = tf.div(tf.round(tf.mul(ax, 16)), 16);
  return tf.mul(tf.exp(tf.neg(tf.square(h))), tf.exp(tf.neg(tf.mul(tf.sub(ax, h), tf.add(ax, h)))));
}

/** Shared pieces: erf(x) on |x| < 0.5 (clamped elsewhere) and R(|x|) = erfc(|x|) for |x| ≥ 0.5 (clamped elsewhere). */
function erfPieces(x: tf.Tensor): { ax: tf.Tensor; small: tf.Tensor; tail: tf.Tensor } {
  const ax = tf.abs(x);
  const xs = tf.clipByValue(x, -0.5, 0.5);
  const t = tf.square(xs);
  const small = tf.div(tf.mul(xs, hornerT(ERF_SMALL_P, t, false)), hornerT(ERF_SMALL_Q, t, true));
  // erfc underflows float32 long before |x| = 12; the clamp keeps every branch finite.
  const e = expMinusSquare(tf.minimum(ax, 12));
  const am = tf.clipByValue(ax, 0.5, 4);
  const mid = tf.div(tf.mul(e, hornerT(ERFC_MID_P, am, false)), hornerT(ERFC_MID_Q, am, true));
  const al = tf.clipByValue(ax, 4, 12);
  const z = tf.div(1, tf.square(al));
  const corr = tf.div(tf.mul(z, hornerT(ERFC_LARGE_P, z, false)), hornerT(ERFC_LARGE_Q, z, true));
  const large = tf.mul(tf.div(e, al), tf.sub(INV_SQRT_PI, corr));
  const tail = tf.where(tf.less(ax, 4), mid, tf.where(tf.greater(ax, 12), tf.zerosLike(ax), large));
  return { ax, small, tail };
}

/** @internal erfc of a float32 tensor from tfjs ops (no custom gradient; autodiff through it is not meaningful). */
export function erfcRaw(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { ax, small, tail } = erfPieces(x);
    return tf.where(tf.less(ax, 0.5), tf.sub(1, small), tf.where(tf.less(x, 0), tf.sub(2, tail), tail));
  });
}

/** @internal erf of a float32 tensor from tfjs ops (no custom gradient). Relatively accurate near 0. */
export function erfRaw(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const { ax, small, tail } = erfPieces(x);
    return tf.where(tf.less(ax, 0.5), small, tf.mul(tf.sign(x), tf.sub(1, tail)));
  });
}

/** @internal d erf/dx = (2/√π)·e^{−x²}, overflow-free. */
export function erfDerivative(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(2 * INV_SQRT_PI, tf.exp(tf.neg(tf.square(tf.clipByValue(x, -1e4, 1e4))))));
}

const erfcGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  return { value: erfcRaw(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.neg(tf.mul(dy, erfDerivative(saved[0] as tf.Tensor))) };
});

const erfGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  return { value: erfRaw(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, erfDerivative(saved[0] as tf.Tensor)) };
});

/**
 * Complementary error function erfc(x) = 1 − erf(x), elementwise, to float32 accuracy **in relative
 * terms also in the tail** (tfjs-core has no erfc, and 1 − tf.erf(x) is 0 beyond x ≈ 4). Built from
 * tfjs ops (Cody's rational approximations, 1969), so it runs on every backend; the gradient is the
 * analytic −(2/√π)·e^{−x²} (custom gradient). Any shape; output has the input's shape, float32.
 *
 * @example
 * const y = erfcTensor(tf.tensor1d([-1, 0, 5]));   // [1.8427, 1, 1.5375e-12]
 * const g = tf.grad((x) => tf.sum(erfcTensor(x)))(tf.tensor1d([0])); // [-1.1284]
 */
export function erfcTensor(x: tf.Tensor | tf.TensorLike): tf.Tensor {
  return unaryOp("erfcTensor", x, (t) => erfcGrad(t));
}

/**
 * Error function erf(x), elementwise, to float32 accuracy, relative accuracy also near 0 (tfjs's
 * `tf.erf` uses a 1.5e-7 absolute approximation). Built from tfjs ops (Cody 1969), custom gradient
 * (2/√π)·e^{−x²}. Any shape.
 *
 * @example
 * const y = erfTensor(tf.tensor1d([1e-8, 0.5]));   // [1.1284e-8, 0.5205]
 * const g = tf.grad((x) => tf.sum(erfTensor(x)))(tf.tensor1d([0])); // [1.1284]
 */
export function erfTensor(x: tf.Tensor | tf.TensorLike): tf.Tensor {
  return unaryOp("erfTensor", x, (t) => erfGrad(t));
}
