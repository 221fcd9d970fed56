import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { RELAX_FORCE_REFERENCE, RelaxBiasRelu, RelaxError, withFlags } from "@relax/core";
import { countLeakedTensors, gradCheck } from "@relax/core/testing";
import { biasRelu } from "../src/kernels/bias_relu.js";

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);

/** Values and both gradients of `sum(r · f(x, b))` with the fused kernel and with tfjs's own Add + Relu. */
function both(shape: number[], seed: number) {
  return tf.tidy(() => {
    const C = shape[shape.length - 1] as number;
    const x = tf.randomNormal(shape, 0, 1, "float32", seed);
    const b = tf.randomNormal([C], 0, 0.5, "float32", seed + 1) as tf.Tensor1D;
    const r = tf.randomNormal(shape, 0, 1, "float32", seed + 2);
    const loss = (xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(biasRelu(xx, bb as tf.Tensor1D), r));
    const fused = { y: biasRelu(x, b), g: tf.grads(loss)([x, b]) };
    const ref = withFlags({ [RELAX_FORCE_REFERENCE]: true }, () => ({ y: biasRelu(x, b), g: tf.grads(loss)([x, b]) }));
    const refOps = {
      y: tf.relu(tf.add(x, b)),
      g: tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.add(xx, bb)), r)))([x, b]),
    };
    return { fused, ref, refOps };
  });
}

for (const backend of ["cpu", "wasm"] as const) {
  describe(`biasRelu on ${backend}`, () => {
    it("runs the fused kernel", async () => {
      await tf.setBackend(backend);
      expect(tf.getKernel(RelaxBiasRelu, backend)).toBeDefined();
    });
    it("values are bit-identical to tf.relu(tf.add(x, b)); gradients match tfjs's", async () => {
      await tf.setBackend(backend);
      for (const [shape, seed] of [
        [[2, 3, 5, 4], 1],
        [[7, 3], 2],
        [[1, 4, 4, 32], 3],
      ] as [number[], number][]) {
        const { fused, ref, refOps } = both(shape, seed);
        expect(maxAbsDiff(fused.y, refOps.y)).toBe(0);
        expect(maxAbsDiff(ref.y, refOps.y)).toBe(0);
        expect(maxAbsDiff(fused.g[0] as tf.Tensor, refOps.g[0] as tf.Tensor)).toBe(0); // dx = dy · [y > 0]
        expect(maxAbsDiff(fused.g[1] as tf.Tensor, refOps.g[1] as tf.Tensor)).toBeLessThan(1e-5 * Math.max(1, shape[0]! * 10));
        expect(maxAbsDiff(fused.g[1] as tf.Tensor, ref.g[1] as tf.Tensor)).toBeLessThan(1e-4);
        tf.dispose([fused.y, ref.y, refOps.y, ...fused.g, ...ref.g, ...refOps.g]);
      }
    });
    it("passes a finite-difference gradient check", async () => {
      await tf.setBackend(backend);
      const x = tf.tensor2d([0.3, -0.7, 1.2, -0.2, 0.9, 0.05], [3, 2]);
      const b = tf.tensor1d([0.4, -0.5]);
      const r = tf.tensor2d([1, -2, 0.5, 3, -1, 2], [3, 2]);
      const res = gradCheck((xx, bb) => tf.sum(tf.mul(biasRelu(xx as tf.Tensor, bb as tf.Tensor1D), r)), [x, b], { eps: 1e-3 });
      expect(res.ok, JSON.stringify(res.worst)).toBe(true);
      tf.dispose([x, b, r]);
    });
    it("leaves nothing behind outside tf.tidy (op and gradient) and takes plain arrays", async () => {
      await tf.setBackend(backend);
      const x = tf.randomNormal([2, 3, 4]);
      const b = tf.randomNormal([4]) as tf.Tensor1D;
      expect(countLeakedTensors(() => biasRelu(x, b))).toBe(0);
      expect(countLeakedTensors(() => tf.grads((xx: tf.Tensor, bb: tf.Tensor) => tf.sum(biasRelu(xx, bb as tf.Tensor1D)))([x, b]))).toBe(0);
      const y = biasRelu([[1, -2]] as unknown as tf.Tensor, [0.5, 0.5] as unknown as tf.Tensor1D);
      expect(Array.from(y.dataSync())).toEqual([1.5, 0]);
      tf.dispose([x, b, y]);
    });
    it("a bias of the wrong length is a RelaxError naming b", async () => {
      await tf.setBackend(backend);
      const x = tf.zeros([2, 3]);
      const b = tf.zeros([4]) as tf.Tensor1D;
      expect(() => biasRelu(x, b)).toThrow(RelaxError);
      expect(() => biasRelu(x, b)).toThrow(/biasRelu.*b.*\[3\]/);
      tf.dispose([x, b]);
    });
  });
}
