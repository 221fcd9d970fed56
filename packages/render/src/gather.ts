import * as tf from "@tensorflow/tfjs-core";

/**
 * Row gather `x[..., idx, :]` for `[V, C]` or `[B, V, C]` with a fast gradient: tfjs's gather gradient
 * (`unsortedSegmentSum`) costs O(V·N) tensor work on the CPU backend, so the gradient here is one
 * host-side scatter-add over the output gradient (O(N·C)). On GPU backends (where a synchronous
 * read-back would stall or, in browsers, lose the device) tfjs's own gather and gradient are used.
 */
export function gatherRows(x: tf.Tensor, idx: Int32Array): tf.Tensor {
  const backend = tf.getBackend();
  if (backend !== "cpu" && backend !== "wasm") return tf.gather(x, tf.tensor1d(idx, "int32"), x.rank - 2);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xin = args[0] as tf.Tensor;
    const axis = xin.rank - 2;
    const value = tf.gather(xin, tf.tensor1d(idx, "int32"), axis);
    const shape = xin.shape;
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[]) => {
        const g = (dy as tf.Tensor).dataSync();
        const V = shape[axis] as number;
        const C = shape[axis + 1] as number;
        const B = shape.length === 3 ? (shape[0] as number) : 1;
        const N = idx.length;
        const out = new Float32Array(B * V * C);
        for (let b = 0; b < B; b++) {
          for (let n = 0; n < N; n++) {
            const src = (b * N + n) * C;
            const dst = (b * V + (idx[n] as number)) * C;
            for (let c = 0; c < C; c++) out[dst + c] += g[src + c] as number;
          }
        }
        return [tf.tensor(out, shape)];
      },
    };
  });
  return (f as (x: tf.Tensor) => tf.Tensor)(x);
}
