import * as tf from "@tensorflow/tfjs-core";

const identityWithZeroGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * `x` with its gradient cut (JAX's `stop_gradient`, PyTorch's `detach`): the value passes through,
 * the gradient is zero. Runs on any backend without reading data back (no `dataSync`), so it is
 * safe on WebGPU, where a synchronous read stalls or loses the device in browsers.
 *
 * @param x any tensor
 * @returns a tensor equal to `x` whose gradient is zero
 * @example
 * const hard = stopGradient(tf.round(p));       // straight-through: hard forward …
 * const st = tf.add(p, tf.sub(hard, stopGradient(p))); // … relaxed gradient backward
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return identityWithZeroGradient(x) as T;
}
