import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, gradCheck } from "@relax/core/testing";
import { generateTerrainMaps, terrainToTensors } from "../src/data/terrain.js";
import { pathSupervision, shortestPathLoss } from "../src/losses/shortest_path.js";
import { dijkstraBlackBox, smoothedDijkstra, smoothedDijkstraLoss, smoothedPathSupervision } from "../src/losses/smoothed_dijkstra.js";
import { editDistanceLoss, editDistanceSupervision } from "../src/losses/edit_distance.js";

const maps = generateTerrainMaps(3, { seed: 11, height: 6, width: 6 });

function expectUsefulGrad(g: tf.Tensor): void {
  const v = Array.from(g.dataSync());
  expect(v.every(Number.isFinite)).toBe(true);
  expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(1e-6);
}

describe("shortestPathLoss (relaxed Bellman-Ford, AlgoVision)", () => {
  it("is [N], small at the true costs, larger at wrong costs; gradient flows", () => {
    const { costs, paths, x } = terrainToTensors(maps);
    x.dispose();
    for (const norm of ["l1", "l2sq", "bce"] as const) {
      const good = shortestPathLoss(costs, paths, { beta: 10, norm });
      expect(good.shape).toEqual([3]);
      const flat = shortestPathLoss(tf.onesLike(costs), paths, { beta: 10, norm });
      expect(tf.mean(good).dataSync()[0]!).toBeLessThan(tf.mean(flat).dataSync()[0]!);
      const g = tf.grad((c: tf.Tensor) => tf.sum(shortestPathLoss(c, paths, { beta: 10, norm })))(tf.mul(costs, 0.5));
      expectUsefulGrad(g);
      tf.dispose([good, flat, g]);
    }
    const sum = shortestPathLoss(costs, paths, { cells: "sum" });
    const mean = shortestPathLoss(costs, paths);
    expect(Array.from(sum.dataSync())).toEqual(Array.from(mean.dataSync()).map((v) => expect.closeTo(v * 36, 3)));
    tf.dispose([costs, paths, sum, mean]);
  });

  it("gradient matches finite differences (3×3, β = 2, all iterations)", () => {
    const c = tf.tensor3d([
      [
        [1, 2, 3],
        [2, 1.5, 2.5],
        [3, 1, 1],
      ],
    ]);
    const t = tf.tensor3d([
      [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ],
    ]);
    const r = gradCheck((cc) => tf.sum(shortestPathLoss(cc, t, { beta: 2, norm: "l2sq", tolerance: 0 })), [c], {
      eps: 1e-2,
      rtol: 5e-2,
      atol: 2e-3,
    });
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    tf.dispose([c, t]);
  });

  it("pathSupervision reads y [N, H·W] against [N, H, W] targets; leak-free", () => {
    const { costs, paths, x } = terrainToTensors(maps);
    const y = tf.reshape(costs, [3, 36]) as tf.Tensor2D;
    const loss = pathSupervision({ beta: 10 });
    const l = loss(y, { x, target: paths });
    expect(l.shape).toEqual([3]);
    expect(countLeakedTensors(() => loss(y, { x, target: paths }))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((c: tf.Tensor) => tf.sum(shortestPathLoss(c, paths)))(costs))).toBe(0);
    expect(() => loss(tf.zeros([3, 35]) as tf.Tensor2D, { x, target: paths })).toThrow(RelaxError);
    tf.dispose([costs, paths, x, y, l]);
  });

  it("bad inputs → RelaxError", () => {
    const c = tf.ones([1, 3, 3]);
    const t = tf.zeros([1, 3, 3]);
    expect(() => shortestPathLoss(tf.ones([3, 3]), t)).toThrow(/predictedCosts/);
    expect(() => shortestPathLoss(c, tf.zeros([1, 3, 4]))).toThrow(/truePath/);
    expect(() => shortestPathLoss(c, tf.fill([1, 3, 3], 2))).toThrow(/truePath/);
    expect(() => shortestPathLoss(tf.fill([1, 3, 3], -1), t)).toThrow(RelaxError);
    expect(() => shortestPathLoss(tf.fill([1, 3, 3], NaN), t)).toThrow(RelaxError);
    expect(() => shortestPathLoss(c, t, { norm: "l3" as never })).toThrow(/norm/);
    expect(() => shortestPathLoss(c, t, { beta: 0 })).toThrow(/beta/);
    tf.dispose([c, t]);
  });
});

describe("smoothedDijkstraLoss (stochastic smoothing of a black-box Dijkstra)", () => {
  it("black box = hard Dijkstra, negative costs clamped", () => {
    const f = dijkstraBlackBox(3, 3);
    expect(Array.from(f(Float64Array.from([1, 9, 9, 9, 1, 9, 9, 9, 1])))).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(f(Float64Array.from([1, -5, 9, 9, 9, -5, 9, 9, 1])))).toEqual([1, 1, 0, 0, 0, 1, 0, 0, 1]);
  });

  it("small σ reproduces the hard path; gradient flows, finite; [N]; leak-free", () => {
    const { costs, paths, x } = terrainToTensors(maps);
    x.dispose();
    const sp = smoothedDijkstra({ height: 6, width: 6, scale: 1e-3, samples: 8, seed: 1 });
    const p = sp(costs as tf.Tensor3D);
    const clear = generateTerrainMaps(3, { seed: 11, height: 6, width: 6, variation: 0.2 }); // unique paths
    const ct = terrainToTensors(clear);
    const pc = sp(ct.costs);
    expect(Array.from(pc.dataSync())).toEqual(Array.from(ct.paths.dataSync()));
    const l = smoothedDijkstraLoss(costs, paths, { samples: 16, scale: 1, seed: 2 });
    expect(l.shape).toEqual([3]);
    const g = tf.grad((c: tf.Tensor) => tf.sum(smoothedDijkstraLoss(c, paths, { samples: 16, scale: 1, seed: 2 })))(costs);
    expectUsefulGrad(g);
    expect(countLeakedTensors(() => tf.grad((c: tf.Tensor) => tf.sum(smoothedDijkstraLoss(c, paths, { samples: 8 })))(costs))).toBe(0);
    const sup = smoothedPathSupervision({ samples: 8, norm: "l1" });
    const y = tf.reshape(costs, [3, 36]) as tf.Tensor2D;
    expect(sup(y, { x: y, target: paths }).shape).toEqual([3]);
    expect(countLeakedTensors(() => sup(y, { x: y, target: paths }))).toBe(0);
    tf.dispose([costs, paths, p, pc, ct.x, ct.costs, ct.paths, l, g, y]);
  });

  it("the smoothed gradient points the right way: raising an on-path cell's cost lowers its path mass", () => {
    // two equally good routes around a wall; cell (0,1) is on the top route
    const c = tf.tensor3d([
      [
        [1, 1, 1],
        [1, 9, 1],
        [1, 1, 1],
      ],
    ]);
    const sp = smoothedDijkstra({ height: 3, width: 3, scale: 0.5, samples: 512, seed: 3 });
    const w = tf.tensor3d([
      [
        [0, 1, 0],
        [0, 0, 0],
        [0, 0, 0],
      ],
    ]);
    const g = tf
      .grad((cc: tf.Tensor) => tf.sum(tf.mul(sp(cc as tf.Tensor3D), w)))(c)
      .dataSync();
    expect(g[1]!).toBeLessThan(0);
    tf.dispose([c, w]);
  });

  it("bad inputs → RelaxError", () => {
    const c = tf.ones([1, 3, 3]);
    expect(() => smoothedDijkstraLoss(c, tf.zeros([1, 2, 3]))).toThrow(/truePath/);
    expect(() => smoothedDijkstraLoss(c, tf.zeros([1, 3, 3]), { noise: "student" as never })).toThrow(/noise/);
    expect(() => smoothedDijkstraLoss(c, tf.zeros([1, 3, 3]), { scale: -1 })).toThrow(/scale/);
    expect(() => smoothedDijkstra({ height: 0, width: 3 })).toThrow(/height/);
    expect(() => smoothedDijkstra({ height: 3, width: 3 })(tf.ones([1, 3, 4]) as tf.Tensor3D)).toThrow(/costs/);
    tf.dispose(c);
  });
});

describe("editDistanceLoss (Levenshtein supervision, AlgoVision)", () => {
  const oh = (seqs: number[][], A: number) => tf.cast(tf.oneHot(tf.tensor2d(seqs, undefined, "int32"), A), "float32");

  it("≈ |ED − d| for one-hot sequences at large β; [N]", () => {
    const a = oh(
      [
        [0, 1, 2],
        [1, 1, 1],
      ],
      3,
    );
    const b = oh(
      [
        [0, 2, 2],
        [1, 1, 1],
      ],
      3,
    );
    const l = editDistanceLoss(a, b, [1, 0], { beta: 30 }).dataSync();
    expect(l[0]!).toBeLessThan(0.05);
    expect(l[1]!).toBeLessThan(0.05);
    const far = editDistanceLoss(a, b, [3, 2], { beta: 30, norm: "l2sq" }).dataSync();
    expect(far[0]!).toBeCloseTo(4, 0);
    expect(far[1]!).toBeCloseTo(4, 0);
    tf.dispose([a, b]);
  });

  it("gradient flows to logits and matches finite differences", () => {
    const za = tf.tensor3d([
      [
        [0.2, -0.3, 0.5],
        [1, 0, -1],
      ],
    ]);
    const b = oh([[2, 0]], 3);
    const g = tf.grad((z: tf.Tensor) => tf.sum(editDistanceLoss(z, b, 0, { inputs: "logits", beta: 5, norm: "l2sq" })))(za);
    expectUsefulGrad(g);
    const r = gradCheck((z) => tf.sum(editDistanceLoss(z, b, [0.5], { inputs: "logits", beta: 5, norm: "l2sq" })), [za]);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    expect(countLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(editDistanceLoss(z, b, 0, { inputs: "logits" })))(za))).toBe(0);
    const sup = editDistanceSupervision({ length: 2, alphabet: 3 });
    const y = tf.randomNormal([4, 12], 0, 1, "float32", 1) as tf.Tensor2D;
    const d = tf.tensor1d([0, 1, 2, 1]);
    expect(sup(y, { x: y, target: d }).shape).toEqual([4]);
    expect(() => sup(tf.zeros([4, 11]) as tf.Tensor2D, { x: y, target: d })).toThrow(RelaxError);
    tf.dispose([za, b, g, y, d]);
  });

  it("bad inputs → RelaxError", () => {
    const a = oh([[0, 1]], 2);
    expect(() => editDistanceLoss(a, a, [-1])).toThrow(/distance/);
    expect(() => editDistanceLoss(a, a, [1, 2])).toThrow(/distance/);
    expect(() => editDistanceLoss(a, oh([[0, 1]], 3), 0)).toThrow(RelaxError);
    expect(() => editDistanceLoss(tf.ones([2, 2]), a, 0)).toThrow(/a/);
    expect(() => editDistanceLoss(a, a, 0, { norm: "l0" as never })).toThrow(/norm/);
    expect(() => editDistanceLoss(a, a, 0, { beta: -1 })).toThrow(/beta/);
    expect(() => editDistanceSupervision({ length: 0, alphabet: 2 })).toThrow(/length/);
    tf.dispose(a);
  });
});
