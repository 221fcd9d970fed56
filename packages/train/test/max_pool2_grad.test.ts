import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { RelaxMaxPool2Grad, withFlags } from "@relax/core";
import { countLeakedTensors } from "@relax/core/testing";
import { maxPool2 } from "../src/models/pool.js";
import { RELAX_FUSED_CNN } from "../src/kernels/flags.js";

const SHAPES: [number[], number][] = [
  [[2, 6, 8, 3], 1],
  [[3, 7, 5, 4], 2], // odd rows and columns: no window covers the last ones
  [[1, 4, 4, 32], 3],
];
/** Data with ties (values on a coarse grid: many windows hold their maximum twice) and the output weights. */
function data(shape: number[], seed: number): { x: number[]; r: number[]; rShape: number[] } {
  return tf.tidy(() => {
    const rShape = [shape[0]!, shape[1]! >> 1, shape[2]! >> 1, shape[3]!];
    const x = tf.round(tf.mul(tf.randomNormal(shape, 0, 1, "float32", seed), 1.5));
    return { x: Array.from(x.dataSync()), r: Array.from(tf.randomNormal(rShape, 0, 1, "float32", seed + 7).dataSync()), rShape };
  });
}
/** ∂ Σ r·pool(x) / ∂x with `pool` on the active backend. */
function grad(pool: (x: tf.Tensor4D) => tf.Tensor, shape: number[], d: ReturnType<typeof data>): number[] {
  return tf.tidy(() => {
    const r = tf.tensor(d.r, d.rShape);
    return Array.from(
      tf
        .grad((xx: tf.Tensor) => tf.sum(tf.mul(pool(xx as tf.Tensor4D), r)))(tf.tensor(d.x, shape))
        .dataSync(),
    );
  });
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`maxPool2's gradient kernel on ${backend}`, () => {
    it("equals tfjs's MaxPoolGrad (cpu: the first maximum of each window) and the previous host loop, with ties", async () => {
      for (const [shape, seed] of SHAPES) {
        await tf.setBackend("cpu");
        const d = data(shape, seed);
        const expected = grad((x) => tf.maxPool(x, 2, 2, "valid"), shape, d);
        await tf.setBackend(backend);
        expect(tf.getKernel(RelaxMaxPool2Grad, backend)).toBeDefined();
        expect(grad(maxPool2, shape, d)).toEqual(expected);
        expect(withFlags({ [RELAX_FUSED_CNN]: false }, () => grad(maxPool2, shape, d))).toEqual(expected);
      }
    });
    it("leaves nothing behind outside tf.tidy", async () => {
      await tf.setBackend(backend);
      const x = tf.randomNormal([2, 4, 6, 3]);
      expect(countLeakedTensors(() => tf.grad((xx: tf.Tensor) => tf.sum(maxPool2(xx as tf.Tensor4D)))(x))).toBe(0);
      x.dispose();
    });
  });
}
