import type * as tf from "@tensorflow/tfjs-core";
import { RelaxMaxPool2Grad } from "@relax/core";
import { hostKernel } from "./host.js";

/**
 * Routes `dy [N,h,w,C]` to the first maximum (row-major) of each 2×2 window of `x [N,H,W,C]`, zero elsewhere.
 * Branch-free: every one of the four positions is written with `dy`'s bits masked by "this is the first maximum".
 */
function maxPool2Grad(x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, shape: number[]): void {
  const [N, H, W, C] = shape as [number, number, number, number];
  const h = H >> 1;
  const w = W >> 1;
  if (H % 2 === 1 || W % 2 === 1) dx.fill(0); // rows / columns no window covers
  const dyi = new Int32Array(dy.buffer, dy.byteOffset, dy.length);
  const dxi = new Int32Array(dx.buffer, dx.byteOffset, dx.length);
  for (let b = 0; b < N; b++) {
    for (let i = 0; i < h; i++) {
      for (let j = 0; j < w; j++) {
        const o = ((b * h + i) * w + j) * C;
        const r0 = ((b * H + 2 * i) * W + 2 * j) * C;
        const r1 = r0 + W * C;
        for (let c = 0; c < C; c++) {
          const m = y[o + c] as number;
          const g = dyi[o + c] as number;
          const e0 = +((x[r0 + c] as number) === m);
          const e1 = +((x[r0 + C + c] as number) === m) & (e0 ^ 1);
          const e2 = +((x[r1 + c] as number) === m) & ((e0 | e1) ^ 1);
          const e3 = (e0 | e1 | e2) ^ 1;
          dxi[r0 + c] = g & -e0;
          dxi[r0 + C + c] = g & -e1;
          dxi[r1 + c] = g & -e2;
          dxi[r1 + C + c] = g & -e3;
        }
      }
    }
  }
}

/** Registers the kernel for `cpu` and `wasm` (once; `maxPool2` calls it on import). */
export function registerMaxPool2GradKernel(): void {
  hostKernel(RelaxMaxPool2Grad, ["x", "y", "dy"], (inputs, alloc) => {
    const [x, y, dy] = inputs as [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
    const dx = alloc(x.shape);
    return { outputs: [dx], run: (read, write) => maxPool2Grad(read(x), read(y), read(dy), write(dx), x.shape) };
  });
}
