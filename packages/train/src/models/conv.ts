import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertOneOf, assertOptions, toFloatTensor } from "@relax/core";

/**
 * 2-D convolution, stride 1, zero 'same' padding (odd kernel), NHWC: `x [N,H,W,Cin]`, `w [K,K,Cin,Cout]` → `[N,H,W,Cout]`.
 *
 * On backends with all three convolution kernels (cpu) this is `tf.conv2d`. tfjs's `wasm` backend has no
 * `Conv2DBackpropFilter` kernel and a slow `Conv2DBackpropInput`, so there the backward pass is written as two
 * more forward convolutions (XNNPACK-fast):
 * `dx = conv(dy, flip(w)ᵀ)` and `dw = conv(pad(x)ᵀ, dyᵀ)` with batch and channel axes exchanged.
 *
 * `method: 'native' | 'forward-grads'` forces one of the two backward passes (default `'auto'`).
 * `inputGrad: false` (for a first layer, whose input needs no gradient) skips the input-gradient convolution
 * and returns zeros for it.
 *
 * @example
 * const y = conv2dSame(x, w);            // x [8, 28, 28, 1], w [5, 5, 1, 32] -> [8, 28, 28, 32]
 * const g = tf.grad((w) => tf.sum(conv2dSame(x, w)))(w);
 */
export function conv2dSame(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  options: { inputGrad?: boolean; method?: "auto" | "native" | "forward-grads" } = {},
): tf.Tensor4D {
  const op = "conv2dSame";
  const o = assertOptions<{ inputGrad?: boolean; method?: "auto" | "native" | "forward-grads" }>(op, options, ["inputGrad", "method"]);
  const inputGrad = o.inputGrad ?? true;
  const method = assertOneOf(op, "method", o.method ?? "auto", ["auto", "native", "forward-grads"] as const);
  const xt = toFloatTensor(op, "x", x);
  const wt = toFloatTensor(op, "w", w);
  try {
    if (xt.rank !== 4) throw new RelaxError(op, "x", "[N, H, W, Cin]", `[${xt.shape.join(", ")}]`);
    const [k, k2, cin] = wt.shape;
    if (wt.rank !== 4 || k !== k2 || (k as number) % 2 !== 1 || cin !== xt.shape[3])
      throw new RelaxError(op, "w", `[K, K, ${xt.shape[3]}, Cout] with K odd`, `[${wt.shape.join(", ")}]`);
    return convSame(xt as tf.Tensor4D, wt as tf.Tensor4D, inputGrad, method);
  } finally {
    if (xt !== x) xt.dispose();
    if (wt !== w) wt.dispose();
  }
}

function convSame(x: tf.Tensor4D, w: tf.Tensor4D, inputGrad: boolean, method: "auto" | "native" | "forward-grads"): tf.Tensor4D {
  const native =
    method === "native" ||
    (method === "auto" && tf.getBackend() !== "wasm" && tf.getKernel("Conv2DBackpropFilter", tf.getBackend()) !== undefined);
  if (native) {
    return tf.conv2d(x, w, 1, "same"); // tfjs skips gradients of inputs not on a path to the variables
  }
  return (inputGrad ? convWithForwardGrads : convFilterGradOnly)(x, w);
}

const makeConv = (inputGrad: boolean) =>
  tf.customGrad(((x: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
    save([x, w]);
    return {
      value: tf.conv2d(x, w, 1, "same"),
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, ws] = saved as [tf.Tensor4D, tf.Tensor4D];
        const k = ws.shape[0];
        const p = (k - 1) / 2;
        const wFlip = tf.transpose(tf.reverse(ws, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const dx = inputGrad ? tf.conv2d(dy, wFlip, 1, "same") : tf.zerosLike(xs);
        const xp = tf.pad(xs, [
          [0, 0],
          [p, p],
          [p, p],
          [0, 0],
        ]);
        const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [Cin, Hp, Wp, N]
        const dyt = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [H, W, N, Cout]
        const dw = tf.transpose(tf.conv2d(xt, dyt, 1, "valid"), [1, 2, 0, 3]); // [K, K, Cin, Cout]
        return [dx, dw];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D;
const convWithForwardGrads = makeConv(true);
const convFilterGradOnly = makeConv(false);
