/**
 * Core's fused host kernels on both host backends: `cpu` hands kernels views of tensor data, `wasm` hands
 * them copies, so anything a kernel passed to its gradient through array identity would differ between them.
 * Values and gradients must be the same numbers on both (the shortest-path tape travels as a saved output).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { afterAll, describe, expect, it } from "vitest";
import { createRng, getDistribution, relaxedSwapLayer, shortestPath, tconorm } from "../src/index.js";

afterAll(async () => {
  await tf.setBackend("cpu");
});

function values(seed: number, n: number, lo: number, hi: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.next());
}

/** Output values and the gradient of `Σ out·u` (u fixed) as plain arrays, on the active backend. */
function valueAndGrad(f: (x: tf.Tensor) => tf.Tensor, x: Float32Array, shape: number[]): number[][] {
  return tf.tidy(() => {
    const xt = tf.tensor(x, shape);
    const out = f(xt);
    const u = tf.tensor(values(9, out.size, -1, 1), out.shape);
    const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z), u)))(xt);
    return [Array.from(out.dataSync()), Array.from(g.dataSync())];
  });
}

const CASES: { name: string; shape: number[]; lo: number; hi: number; f: (x: tf.Tensor) => tf.Tensor }[] = [
  { name: "shortestPath", shape: [3, 5, 6], lo: 0.2, hi: 4, f: (x) => shortestPath(x as tf.Tensor3D, { steepness: 10 }) },
  { name: "shortestPath, yager", shape: [2, 4, 4], lo: 0.2, hi: 4, f: (x) => shortestPath(x as tf.Tensor3D, { tconorm: "yager", p: 2 }) },
  {
    name: "relaxedSwapLayer",
    shape: [4, 6],
    lo: -2,
    hi: 2,
    f: (x) => relaxedSwapLayer(x as tf.Tensor2D, { lo: [0, 2, 4], hi: [1, 3, 5] }, { distribution: "cauchy", steepness: 5 }).y,
  },
  { name: "tconorm einstein", shape: [2, 8], lo: 0, hi: 1, f: (x) => tconorm(x, tf.reverse(x, 1), { name: "einstein" }) },
  { name: "logistic CDF", shape: [3, 7], lo: -5, hi: 5, f: (x) => getDistribution("logistic").cdfTensor(x) },
];

describe("core's fused kernels on the host backends", () => {
  for (const c of CASES) {
    it(`${c.name}: values and gradients equal on cpu and wasm`, async () => {
      const x = values(
        c.shape.length * 7 + c.shape[0]!,
        c.shape.reduce((a, b) => a * b, 1),
        c.lo,
        c.hi,
      );
      await tf.setBackend("cpu");
      const cpu = valueAndGrad(c.f, x, c.shape);
      await tf.setBackend("wasm");
      await tf.ready();
      const wasm = valueAndGrad(c.f, x, c.shape);
      expect(wasm[0]).toEqual(cpu[0]);
      expect(wasm[1]).toEqual(cpu[1]);
    });
  }
});
