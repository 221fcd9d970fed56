import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, RelaxMaxPool2Grad, toFloatTensor, useFused } from "@relax/core";
import { registerMaxPool2GradKernel } from "../kernels/max_pool2_grad.js";
import { RELAX_FUSED_CNN } from "../kernels/flags.js";

registerMaxPool2GradKernel();

/**
 * 2×2 max-pooling, stride 2 (NHWC, odd trailing rows/columns dropped as 'valid'). Forward is `tf.maxPool`;
 * the backward pass routes each gradient to the first maximum of its window in one host loop, which is
 * far faster than the `MaxPoolGrad` kernel of tfjs's wasm backend (and than a broadcast equality mask there).
 *
 * @example
 * const y = maxPool2(x);   // [8, 28, 112, 32] -> [8, 14, 56, 32]
 */
export function maxPool2(x: tf.Tensor4D): tf.Tensor4D {
  const xt = toFloatTensor("maxPool2", "x", x);
  try {
    if (xt.rank !== 4) throw new RelaxError("maxPool2", "x", "[N, H, W, C]", `[${xt.shape.join(", ")}]`);
    return pool(xt as tf.Tensor4D);
  } finally {
    if (xt !== x) xt.dispose();
  }
}

const pool = tf.customGrad(((x: tf.Tensor4D, save: tf.GradSaveFunc) => {
  const y = tf.maxPool(x, 2, 2, "valid");
  save([x, y]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [xs, ys] = saved as [tf.Tensor4D, tf.Tensor4D];
      // the fused kernel (cpu / wasm, zero-copy, branch-free); else one host loop over read-backs
      if (tf.env().getBool(RELAX_FUSED_CNN) && useFused(RelaxMaxPool2Grad))
        return tf.engine().runKernel(RelaxMaxPool2Grad, { x: xs, y: ys, dy }) as tf.Tensor4D;
      const [N, H, W, C] = xs.shape;
      const [, h, w] = ys.shape;
      const xv = xs.dataSync() as Float32Array;
      const yv = ys.dataSync() as Float32Array;
      const dv = dy.dataSync() as Float32Array;
      const dx = new Float32Array(N * H * W * C);
      // route each output gradient to the first maximum of its 2×2 window (as MaxPoolGrad does)
      for (let b = 0; b < N; b++) {
        for (let i = 0; i < h; i++) {
          for (let j = 0; j < w; j++) {
            const o = ((b * h + i) * w + j) * C;
            const r0 = ((b * H + 2 * i) * W + 2 * j) * C;
            const r1 = r0 + W * C;
            for (let c = 0; c < C; c++) {
              const m = yv[o + c] as number;
              const g = dv[o + c] as number;
              const k = xv[r0 + c] === m ? r0 + c : xv[r0 + C + c] === m ? r0 + C + c : xv[r1 + c] === m ? r1 + c : r1 + C + c;
              dx[k] = g;
            }
          }
        }
      }
      return tf.tensor4d(dx, [N, H, W, C]);
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D) => tf.Tensor4D;
