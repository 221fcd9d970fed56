import * as tf from "@tensorflow/tfjs-core";

/**
 * @internal Applies a float64 scalar function elementwise **on the host**: reads the tensor
 * (`dataSync`, a GPU→CPU sync on GPU backends), maps, and uploads a float32 tensor of the same shape.
 * Used for special functions that have no tfjs-op formulation yet (lgamma, incomplete gamma).
 */
export function mapOnHost(x: tf.Tensor, f: (v: number) => number): tf.Tensor {
  const src = x.dataSync();
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = f(src[i] as number);
  return tf.tensor(out, x.shape, "float32");
}
