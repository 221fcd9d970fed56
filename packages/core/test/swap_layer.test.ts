import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { describe, expect, it } from "vitest";
import { RelaxError, relaxedSwapLayer, COMPARATOR_DISTRIBUTIONS, hasFusedKernel, RelaxSwapLayer } from "../src/index.js";
import { countLeakedTensors, gradCheck } from "../src/testing/index.js";

const layer = { lo: [0, 3], hi: [1, 2] };
const xData = [
  [0.3, -0.2, 1.5, 1.4],
  [2, 1, -1, 0.5],
  [0.1, 0.15, 0.2, 0.27],
];

describe("relaxedSwapLayer", () => {
  it("registers the fused kernel on cpu", async () => {
    await tf.setBackend("cpu");
    expect(hasFusedKernel(RelaxSwapLayer)).toBe(true);
  });

  for (const distribution of COMPARATOR_DISTRIBUTIONS) {
    it(`fused kernel matches the reference (${distribution}), values and gradients`, () => {
      const x = tf.tensor2d(xData);
      const w = tf.tensor2d([
        [1, 2, 3, 4],
        [0.5, -1, 2, 1],
        [1, 1, -2, 3],
      ]);
      const wa = tf.tensor2d([
        [1, -1],
        [2, 0.5],
        [0.3, 1],
      ]);
      const opts = { distribution, steepness: 3, artLambda: 0.5 };
      const loss = (t: tf.Tensor) => {
        const { y, alpha } = relaxedSwapLayer(t as tf.Tensor2D, layer, opts);
        return tf.add(tf.sum(tf.mul(y, w)), tf.sum(tf.mul(alpha, wa)));
      };
      const fusedY = relaxedSwapLayer(x, layer, opts).y.arraySync();
      const fusedG = (tf.grad(loss)(x) as tf.Tensor2D).arraySync();
      tf.env().set("RELAX_FORCE_REFERENCE", true);
      const refY = relaxedSwapLayer(x, layer, opts).y.arraySync();
      const refG = (tf.grad(loss)(x) as tf.Tensor2D).arraySync();
      tf.env().set("RELAX_FORCE_REFERENCE", false);
      expect(
        fusedY
          .flat()
          .map((v, i) => Math.abs(v - refY.flat()[i]!))
          .every((d) => d < 1e-5),
      ).toBe(true);
      expect(
        fusedG
          .flat()
          .map((v, i) => Math.abs(v - refG.flat()[i]!))
          .every((d) => d < 1e-4),
      ).toBe(true);
      expect(gradCheck(loss, [x], { eps: 1e-3 }).ok).toBe(true);
    });
  }

  it("sorts a pair and preserves the sum", () => {
    const { y } = relaxedSwapLayer([[3, 1]], { lo: [0], hi: [1] }, { steepness: 100 });
    const v = y.arraySync()[0]!;
    expect(v[0]).toBeLessThan(1.01);
    expect(v[1]).toBeGreaterThan(2.99);
    expect(v[0]! + v[1]!).toBeCloseTo(4, 5);
  });

  it("is leak-free", () => {
    const x = tf.tensor2d(xData);
    expect(countLeakedTensors(() => relaxedSwapLayer(x, layer))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(relaxedSwapLayer(t as tf.Tensor2D, layer).y))(x))).toBe(0);
    x.dispose();
  });

  it("rejects bad input with RelaxError", () => {
    expect(() => relaxedSwapLayer(tf.zeros([2, 3, 4]) as unknown as tf.Tensor2D, layer)).toThrow(/x must be \[rows, n\], got \[2, 3, 4\]/);
    expect(() => relaxedSwapLayer([[1, 2]], { lo: [0], hi: [0] })).toThrow(RelaxError);
    expect(() => relaxedSwapLayer([[1, 2]], { lo: [0], hi: [1] }, { steepness: 0 })).toThrow(
      /steepness must be a finite number > 0, got 0/,
    );
    expect(() => relaxedSwapLayer([[1, NaN]], { lo: [0], hi: [1] })).toThrow(/x must be finite/);
    expect(() => relaxedSwapLayer([[1, 2]], { lo: [0], hi: [1] }, { distribution: "nope" as never })).toThrow(
      /distribution must be one of/,
    );
  });
});

describe("toFloatTensor", () => {
  it("rejects ragged arrays", () => {
    expect(() => relaxedSwapLayer([[1, 2], [3]] as never, { lo: [0], hi: [1] })).toThrow(
      /x must be a rectangular numeric array, got a ragged array/,
    );
  });
});
