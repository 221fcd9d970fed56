import * as tf from "@tensorflow/tfjs-core";

/**
 * Dense layer `x·w + b` (`x [N, in]`, `w [in, out]`, `b [out]` → `[N, out]`) whose backward pass uses only
 * untransposed matrix products on explicitly transposed operands (tfjs's wasm `BatchMatMul` with transpose flags is
 * ~50× slower than without) and computes the bias gradient as `1ᵀ·dy` (a reduction over axis 0 is slow there too).
 *
 * @example
 * const h = dense(x, w, b);   // [160, 1344] · [1344, 64] + [64] -> [160, 64]
 */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return denseOp(x, w, b);
}

const denseOp = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
  save([x, w]);
  return {
    value: tf.add(tf.matMul(x, w), b),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dx = tf.matMul(dy, tf.transpose(ws));
      const dw = tf.matMul(tf.transpose(xs), dy);
      const db = tf.reshape(tf.matMul(tf.ones([1, dy.shape[0]]), dy), [dy.shape[1]]);
      return [dx, dw, db];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/**
 * Adds a per-channel bias to `x [..., C]` with a backward pass that reduces `dy` by a matrix product
 * (`1ᵀ·dy` over all leading positions), fast on every backend.
 */
export function biasAdd(x: tf.Tensor, b: tf.Tensor1D): tf.Tensor {
  return biasOp(x, b);
}

const biasOp = tf.customGrad(((x: tf.Tensor, b: tf.Tensor1D) => ({
  value: tf.add(x, b),
  gradFunc: (dy: tf.Tensor) => {
    const C = dy.shape[dy.rank - 1] as number;
    const rows = dy.size / C;
    const db = tf.reshape(tf.matMul(tf.ones([1, rows]), tf.reshape(dy, [rows, C])), [C]);
    return [tf.clone(dy), db];
  },
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor, b: tf.Tensor1D) => tf.Tensor;
