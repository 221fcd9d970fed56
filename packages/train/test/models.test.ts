import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { countLeakedTensors, gradCheck } from "@relax/core/testing";
import { conv2dSame } from "../src/models/conv.js";
import { maxPool2 } from "../src/models/pool.js";
import { biasAdd, dense } from "../src/models/dense.js";
import { createCnn } from "../src/models/cnn.js";
import { createMlp } from "../src/models/mlp.js";
import { countParams, disposeModel } from "../src/models/model.js";
import { initTensor } from "../src/models/init.js";
import { createRng } from "@relax/core";

const close = (a: tf.Tensor, b: tf.Tensor, tol = 1e-4): void => {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
  const s = tf.tidy(() => tf.max(tf.abs(b)).dataSync()[0] as number);
  expect(d).toBeLessThanOrEqual(tol * Math.max(1, s));
};

describe("layers with fast backward passes", () => {
  it("conv2dSame: forward-convolution gradients equal tfjs's conv2d gradients", () => {
    tf.tidy(() => {
      const x = tf.randomNormal([3, 6, 9, 2], 0, 1, "float32", 1) as tf.Tensor4D;
      const w = tf.randomNormal([5, 5, 2, 4], 0, 1, "float32", 2) as tf.Tensor4D;
      const r = tf.randomNormal([3, 6, 9, 4], 0, 1, "float32", 3);
      const f = (m: "native" | "forward-grads") => (xx: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.mul(conv2dSame(xx as tf.Tensor4D, ww as tf.Tensor4D, { method: m }), r));
      close(conv2dSame(x, w, { method: "forward-grads" }), tf.conv2d(x, w, 1, "same"));
      const [gx1, gw1] = tf.grads(f("native"))([x, w]);
      const [gx2, gw2] = tf.grads(f("forward-grads"))([x, w]);
      close(gx2!, gx1!);
      close(gw2!, gw1!);
      const [, gw3] = tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
        tf.sum(tf.mul(conv2dSame(xx as tf.Tensor4D, ww as tf.Tensor4D, { method: "forward-grads", inputGrad: false }), r)),
      )([x, w]);
      close(gw3!, gw1!);
    });
  });
  it("maxPool2: gradient equals tfjs's maxPool gradient (even and odd sizes)", () => {
    for (const shape of [
      [2, 4, 6, 3],
      [1, 5, 7, 2],
    ] as [number, number, number, number][]) {
      tf.tidy(() => {
        const x = tf.randomNormal(shape, 0, 1, "float32", 5) as tf.Tensor4D;
        const r = tf.randomNormal([shape[0], Math.floor(shape[1] / 2), Math.floor(shape[2] / 2), shape[3]], 0, 1, "float32", 6);
        close(maxPool2(x), tf.maxPool(x, 2, 2, "valid"));
        const g1 = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(xx as tf.Tensor4D, 2, 2, "valid"), r)))(x);
        const g2 = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(maxPool2(xx as tf.Tensor4D), r)))(x);
        close(g2, g1);
      });
    }
  });
  it("dense and biasAdd: gradient check", () => {
    const x = tf.randomNormal([4, 3], 0, 1, "float32", 7);
    const w = tf.randomNormal([3, 2], 0, 1, "float32", 8);
    const b = tf.randomNormal([2], 0, 1, "float32", 9);
    const res = gradCheck((xx, ww, bb) => tf.sum(tf.square(dense(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D))), [x, w, b], {
      eps: 1e-2,
      rtol: 2e-2,
      atol: 2e-2,
    });
    expect(res.ok).toBe(true);
    const res2 = gradCheck(
      (xx, bb) => tf.sum(tf.square(biasAdd(xx, bb as tf.Tensor1D))),
      [tf.reshape(x, [2, 2, 3]), tf.tensor1d([0.1, -0.2, 0.3])],
      { eps: 1e-2, rtol: 2e-2, atol: 2e-2 },
    );
    expect(res2.ok).toBe(true);
    tf.dispose([x, w, b]);
  });
});

describe("models", () => {
  it("the reference CNN has the anchors' 855,041 parameters and maps [N,28,112,1] -> [N,1]", () => {
    const m = createCnn();
    expect(countParams(m)).toBe(855041);
    const x = tf.zeros([2, 28, 112, 1]);
    const y = m.apply(x);
    expect(y.shape).toEqual([2, 1]);
    expect(countLeakedTensors(() => m.apply(x))).toBe(0);
    expect(() => m.apply(tf.zeros([2, 28, 28, 1]))).toThrow(/\[N, 28, 112, 1\]/);
    tf.dispose([x, y]);
    disposeModel(m);
  });
  it("same seed -> same weights; the MLP flattens its input", () => {
    const a = createMlp({ inputSize: 12, hidden: [5], seed: 3 });
    const b = createMlp({ inputSize: 12, hidden: [5], seed: 3 });
    expect(Array.from(a.params[0]!.dataSync())).toEqual(Array.from(b.params[0]!.dataSync()));
    const y = a.apply(tf.ones([4, 3, 4]));
    expect(y.shape).toEqual([4, 1]);
    expect(() => a.apply(tf.ones([4, 5]))).toThrow(/12 features/);
    tf.dispose(y);
    disposeModel(a);
    disposeModel(b);
  });
  it("initialisers have the stated scale", () => {
    const t = initTensor([200, 100], "heNormal", 200, 100, createRng(0));
    const std = Math.sqrt(tf.tidy(() => tf.mean(tf.square(t)).dataSync()[0] as number));
    expect(std).toBeCloseTo(Math.sqrt(2 / 200), 2);
    const u = initTensor([50, 50], "torchDefault", 50, 50, createRng(0));
    expect(tf.tidy(() => tf.max(tf.abs(u)).dataSync()[0] as number)).toBeLessThanOrEqual(1 / Math.sqrt(50));
    tf.dispose([t, u]);
  });
});
