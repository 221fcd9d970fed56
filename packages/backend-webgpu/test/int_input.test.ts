import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { relaxedSwapLayer, shortestPath } from "@relax/core";
import { diffSort, diffTopK, fastSoftRank, fastSoftSort } from "@relax/sort";
import { GroupSum, LogicConvTree, LogicLayer, orPool } from "@relax/logic";
import { rasterizeSilhouette } from "@relax/render";
import { initWebGPU } from "./webgpu_env.js";

const ok = await initWebGPU();

/**
 * tfjs's webgpu `Cast` int32 → float32 relabels the tensor but keeps its int32 buffer, so an op given an int32
 * tensor (which it casts, as documented) used to hand our WGSL an `array<i32>`: the shader failed to compile and
 * the op silently returned stale memory. Each op must give an int32 input the numbers of the same float32 input.
 */
// different values in every case: a shader that fails to compile could otherwise read another case's stale buffers
const grid = (seed: number) => Array.from({ length: 2 * 3 * 3 * 2 }, (_, i) => ((i * 7 + seed) % 5) % 2);
const tree = new LogicConvTree(2, 3, { receptiveField: 2, depth: 2, seed: 1 });
const layer = new LogicLayer(4, 6, { seed: 1 });
const cases: [string, number[], number[], (x: tf.Tensor) => tf.Tensor][] = [
  ["relaxedSwapLayer", [3, 1, 2, 0, 0, -1, 4, 2], [2, 4], (x) => relaxedSwapLayer(x as tf.Tensor2D, { lo: [0, 2], hi: [1, 3] }).y],
  ["diffSort", [5, 1, 2, 0, 7, -1, 4, 2], [2, 4], (x) => diffSort(x, { valuesOnly: true }).sorted],
  ["diffTopK", [1, 6, 2, 0, 3, -4, 4, 2], [2, 4], (x) => diffTopK(x, 2)],
  ["fastSoftSort", [0, 1, 2, 5, 0, -1, 8, 2], [2, 4], (x) => fastSoftSort(x)],
  ["fastSoftRank", [9, 1, -2, 0, 0, -1, 4, 3], [2, 4], (x) => fastSoftRank(x, { regularization: "kl" })],
  ["LogicLayer", [0, 1, 1, 0, 1, 0, 0, 1], [2, 4], (x) => layer.forward(x)],
  ["GroupSum", [1, 1, 0, 0, 1, 0, 1, 1], [2, 4], (x) => new GroupSum(2, 2).forward(x)],
  ["LogicConvTree", grid(0), [2, 3, 3, 2], (x) => tree.forward(x)],
  ["orPool", grid(3), [2, 3, 3, 2], (x) => orPool(x, { size: 2, stride: 1 })],
  ["shortestPath", [1, 2, 1, 1, 5, 1, 2, 1, 1], [1, 3, 3], (x) => shortestPath(x)],
  ["rasterizeSilhouette", [-1, -1, 5, 1, -1, 5, 0, 1, 5], [1, 3, 3], (x) => rasterizeSilhouette(x, { imageSize: 4, scale: 0.5 })],
];

describe.runIf(ok)("int32 tensors on webgpu give the numbers of the same float32 tensors", () => {
  afterAll(() => {
    tree.dispose();
    layer.dispose();
  });
  for (const [name, values, shape, op] of cases) {
    it(name, async () => {
      await tf.setBackend("webgpu");
      const xf = tf.tensor(values, shape, "float32");
      const xi = tf.tensor(values, shape, "int32");
      // int32 first: a failed shader would leave stale pool memory, which must not be the float32 call's temporaries
      const yi = op(xi);
      const yf = op(xf);
      const [f, i] = [await yf.data(), await yi.data()];
      tf.dispose([xf, xi, yf, yi]);
      expect(Array.from(f).some((v) => v !== 0)).toBe(true);
      expect(Array.from(i)).toEqual(Array.from(f));
    });
  }
});
