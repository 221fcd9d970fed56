import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "./errors.js";
import { toFloatTensor } from "./validate.js";

const identityWithZeroGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * `x` with its gradient cut (JAX's `stop_gradient`, PyTorch's `detach`): the value passes through,
 * the gradient is zero. Runs on any backend without reading data back (no `dataSync`), so it is
 * safe on WebGPU, where a synchronous read stalls or loses the device in browsers.
 *
 * @param x any numeric tensor (kept as is, NaN and ±Inf included: this is an identity), or a numeric
 *   array / number (converted to float32)
 * @returns a tensor equal to `x` whose gradient is zero
 * @example
 * const hard = stopGradient(tf.round(p));       // straight-through: hard forward …
 * const st = tf.add(p, tf.sub(hard, stopGradient(p))); // … relaxed gradient backward
 */
export function stopGradient<T extends tf.Tensor>(x: T | tf.TensorLike): T {
  if (x instanceof tf.Tensor) {
    if (x.dtype === "string") throw new RelaxError("stopGradient", "x", "a numeric tensor", describe(x));
    return identityWithZeroGradient(x) as T;
  }
  // An array or number: its float32 copy is made and released inside the tidy.
  return tf.tidy(() => identityWithZeroGradient(toFloatTensor("stopGradient", "x", x))) as T;
}
