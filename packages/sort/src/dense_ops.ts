import * as tf from "@tensorflow/tfjs-core";

/**
 * Broadcast-free helpers for `[R, n, n]` compositions. tfjs-core's cpu backend broadcasts element by
 * element through a generic index loop (~100 ns per element); outer products via batched matMul and
 * same-shape elementwise ops take its fast paths instead.
 */

/** `v: [R, m]` → `[R, m, n]` with `out[r, a, b] = v[r, a]` (a batched outer product with ones). */
export function expandCols(v: tf.Tensor, n: number): tf.Tensor3D {
  const [R, m] = v.shape as [number, number];
  return tf.matMul(tf.reshape(v, [R, m, 1]), tf.ones([R, 1, n])) as tf.Tensor3D;
}

/** `v: [R, n]` → `[R, m, n]` with `out[r, a, b] = v[r, b]`. */
export function expandRows(v: tf.Tensor, m: number): tf.Tensor3D {
  const [R, n] = v.shape as [number, number];
  return tf.matMul(tf.ones([R, m, 1]), tf.reshape(v, [R, 1, n])) as tf.Tensor3D;
}

/** Softmax over the last axis of `z: [R, m, n]`, forward and gradient without broadcasting. */
export function softmaxLast(z: tf.Tensor3D): tf.Tensor3D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [zz, save] = args as [tf.Tensor3D, tf.GradSaveFunc];
    const [R, m, n] = zz.shape;
    const e = tf.exp(tf.sub(zz, tf.reshape(expandCols(tf.reshape(tf.max(zz, 2), [R * m, 1]), n), [R, m, n])));
    const y = tf.div(e, tf.reshape(expandCols(tf.reshape(tf.sum(e, 2), [R * m, 1]), n), [R, m, n]));
    save([y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const ys = saved[0] as tf.Tensor3D;
        const d = dy as tf.Tensor3D;
        const dot = tf.reshape(tf.sum(tf.mul(d, ys), 2), [R * m, 1]);
        return [tf.mul(ys, tf.sub(d, tf.reshape(expandCols(dot, n), [R, m, n])))];
      },
    };
  });
  return f(z) as tf.Tensor3D;
}
