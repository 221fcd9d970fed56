import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { shortestPath } from "@relax/core";
import {
  diffSort,
  diffTopK,
  fastSoftSort,
  neuralSort,
  rankingLoss,
  softRank,
  softSort,
  softSpearman,
  topKCrossEntropy,
  truePermutation,
} from "@relax/sort";
import { initWebGPU, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

/**
 * Public ops whose inputs were computed on the GPU (so their values exist only there): in Node, Dawn
 * has no synchronous read-back (`dataSync` throws "OffscreenCanvas is not defined"), so each case
 * proves its op never reads values back to the host, forward or backward, and it matches cpu.
 */
const X = randomFloats(4 * 8, 91, -2, 2);
const T = randomFloats(4 * 8, 92, 0, 10);

type Op = (x: tf.Tensor2D, t: tf.Tensor2D) => tf.Tensor;
const ops: [string, Op][] = [
  ["diffSort (hard)", (x) => diffSort(x, { hard: true, valuesOnly: true }).sorted],
  ["neuralSort", (x) => neuralSort(x, 0.5).permutation!],
  ["neuralSort (hard)", (x) => neuralSort(x, { tau: 0.5, hard: true }).permutation!],
  ["softSort", (x) => softSort(x, 0.5).permutation!],
  ["softSort (descending, hard)", (x) => softSort(x, { tau: 0.5, descending: true, hard: true }).permutation!],
  ["diffTopK", (x) => diffTopK(x, 3)],
  ["softRank", (x) => softRank(x)],
  ["fastSoftSort", (x) => fastSoftSort(x)],
  ["softSpearman (targets from the GPU)", (x, t) => softSpearman(x, t)],
  ["rankingLoss (targets from the GPU)", (x, t) => rankingLoss(x, t)],
  ["truePermutation × x", (x, t) => tf.matMul(truePermutation(t), tf.expandDims(x, 2))],
  ["topKCrossEntropy with m pre-selection", (x) => topKCrossEntropy(x, [1, 5, 0, 7], { pK: [0.5, 0.5], m: 4, method: "bitonic" })],
  ["shortestPath", (x) => shortestPath(tf.reshape(tf.add(tf.abs(x), 0.1), [4, 2, 4]))],
];

async function valueAndGrad(backend: "cpu" | "webgpu", op: Op) {
  return onBackend(backend, async () => {
    // computed, not uploaded: on webgpu these values live on the GPU only
    const x = tf.mul(tf.tensor2d(X, [4, 8]), 1) as tf.Tensor2D;
    const t = tf.add(tf.tensor2d(T, [4, 8]), 0) as tf.Tensor2D;
    const y = op(x, t);
    const w = tf.tensor(randomFloats(y.size, 94, -1, 1), y.shape);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(op(v as tf.Tensor2D, t), w)))(x);
    const out = { y: (await y.data()) as Float32Array, g: (await g.data()) as Float32Array };
    tf.dispose([x, t, y, w, g]);
    return out;
  });
}

describe.runIf(ok)("public ops on webgpu read nothing back (Dawn in Node has no synchronous read-back)", () => {
  for (const [name, op] of ops) {
    it(`${name}: forward and gradient run on webgpu and match cpu`, async () => {
      const cpu = await valueAndGrad("cpu", op);
      const gpu = await valueAndGrad("webgpu", op);
      expect(tf.getBackend()).toBe("webgpu");
      const gmax = Math.max(1, ...cpu.g.map(Math.abs));
      expect(maxRelViolation(gpu.y, cpu.y, 1e-3, 1e-4)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.g, cpu.g, 1e-3, 1e-4 * gmax)).toBeLessThanOrEqual(1);
    });
  }
});
