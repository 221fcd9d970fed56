import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { describe, expect, it } from "vitest";
import { stopGradient } from "../src/index.js";
import { countLeakedTensors } from "../src/testing/index.js";

describe("stopGradient", () => {
  it("passes the value and cuts the gradient", () => {
    const x = tf.tensor1d([1, -2, 3]);
    expect(Array.from(stopGradient(x).dataSync())).toEqual([1, -2, 3]);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.add(tf.mul(t, 2), tf.square(stopGradient(t)))))(x);
    expect(Array.from(g.dataSync())).toEqual([2, 2, 2]);
  });
  it("builds a straight-through estimator", () => {
    const p = tf.tensor1d([0.2, 0.7]);
    const st = (t: tf.Tensor) => tf.add(t, tf.sub(stopGradient(tf.round(t)), stopGradient(t)));
    expect(Array.from(st(p).dataSync())).toEqual([0, 1]);
    expect(
      Array.from(
        tf
          .grad((t: tf.Tensor) => tf.sum(st(t)))(p)
          .dataSync(),
      ),
    ).toEqual([1, 1]);
  });
  it("is leak-free", () => {
    const x = tf.tensor1d([1, 2]);
    expect(countLeakedTensors(() => stopGradient(x))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(stopGradient(t)))(x))).toBe(0);
  });
});
