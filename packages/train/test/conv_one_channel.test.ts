import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { withFlags } from "@relax/core";
import { conv2dSame } from "../src/models/conv.js";
import { RELAX_FUSED_CNN } from "../src/kernels/flags.js";

/** ∂ Σ r·conv(x, w) / ∂w on the active backend, with `conv2dSame`'s forward-convolution backward or tfjs's. */
function filterGrad(method: "native" | "forward-grads", inputGrad: boolean, k: number): number[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([3, 9, 14, 1], 0, 1, "float32", 11) as tf.Tensor4D;
    const w = tf.randomNormal([k, k, 1, 6], 0, 1, "float32", 12) as tf.Tensor4D;
    const r = tf.randomNormal([3, 9, 14, 6], 0, 1, "float32", 13);
    return Array.from(
      tf
        .grad((ww: tf.Tensor) => tf.sum(tf.mul(conv2dSame(x, ww as tf.Tensor4D, { method, inputGrad }), r)))(w)
        .dataSync(),
    );
  });
}
const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));

for (const backend of ["cpu", "wasm"] as const) {
  describe(`conv2dSame's one-channel filter gradient (a matrix product) on ${backend}`, () => {
    it("equals tfjs's Conv2DBackpropFilter on cpu and the previous transposed convolution", async () => {
      for (const k of [1, 3, 5]) {
        await tf.setBackend("cpu");
        const expected = filterGrad("native", true, k);
        await tf.setBackend(backend);
        const scale = Math.max(1, ...expected.map(Math.abs));
        for (const inputGrad of [true, false]) {
          expect(maxDiff(filterGrad("forward-grads", inputGrad, k), expected)).toBeLessThan(1e-5 * scale);
          const previous = withFlags({ [RELAX_FUSED_CNN]: false }, () => filterGrad("forward-grads", inputGrad, k));
          expect(maxDiff(previous, expected)).toBeLessThan(1e-5 * scale);
        }
      }
    });
  });
}
