import * as tf from "@tensorflow/tfjs-core";

/**
 * One-hot permutation of the stable argsort of each row of `x: [rows, n]`: `[rows, n, n]` with
 * `P[r, j, i] = 1` when input i is the j-th smallest (the j-th largest when `descending`; ties keep
 * input order ascending, reversed when descending, as a stable ascending sort read backwards).
 * Computed with tfjs ops (`topk` of −x, whose ties keep the lower index first) on the tensor's own
 * backend, so no values are read back to the host (GPU backends stall on that, and Dawn in Node
 * cannot do it at all). Not differentiable; used as a constant.
 */
export function argsortOneHot(x: tf.Tensor2D, descending: boolean): tf.Tensor3D {
  return (descending ? argsortOneHotDesc : argsortOneHotAsc)(x) as tf.Tensor3D;
}

/**
 * `compute` as a custom op with a zero gradient: its inner ops (e.g. `topk`, which has no gradient in
 * tfjs) run off the gradient tape, so a hard selection can be taken from a tensor that is being
 * differentiated.
 */
export function constantOp(compute: (x: tf.Tensor2D) => tf.Tensor): (x: tf.Tensor) => tf.Tensor {
  return tf.customGrad(((x: tf.Tensor2D) => ({
    value: compute(x),
    gradFunc: () => tf.zerosLike(x),
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
}

function oneHotOfOrder(x: tf.Tensor2D, descending: boolean): tf.Tensor3D {
  const [rows, n] = x.shape;
  if (n === 1) return tf.ones([rows, 1, 1]);
  const { indices } = tf.topk(tf.neg(x), n, true);
  const order = descending ? tf.reverse(indices, 1) : indices;
  return tf.cast(tf.oneHot(order, n), "float32") as tf.Tensor3D;
}

const argsortOneHotAsc = constantOp((x) => oneHotOfOrder(x, false));
const argsortOneHotDesc = constantOp((x) => oneHotOfOrder(x, true));

/** `[rows, n]` values of `x` in the order of the one-hot permutation `P: [rows, n, n]` (a matMul, so gradients flow to x). */
export function permuteRows(P: tf.Tensor3D, x: tf.Tensor2D): tf.Tensor2D {
  const [rows, n] = x.shape;
  return tf.reshape(tf.matMul(P, tf.reshape(x, [rows, n, 1])), [rows, n]);
}

/**
 * One-hot ranks of each row of `x: [rows, n]` as a `[rows, n]` tensor: rank j (0-based, stable ascending)
 * of every entry, from {@link argsortOneHot} (no read-back). Not differentiable.
 */
export function stableRanks(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, n] = x.shape;
    const positions = tf.reshape(tf.range(0, n, 1, "float32"), [1, 1, n]);
    return tf.reshape(tf.matMul(tf.tile(positions, [rows, 1, 1]), argsortOneHot(x, false)), [rows, n]) as tf.Tensor2D;
  });
}
