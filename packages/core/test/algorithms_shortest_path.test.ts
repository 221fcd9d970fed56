import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { RelaxError, RelaxShortestPath, createRng, hasFusedKernel, shortestPath } from "../src/index.js";
import { countLeakedTensors, gradCheck, maxViolation } from "../src/testing/index.js";

/** Plain exact Dijkstra on a vertex-weighted 8-connected grid; returns the 0/1 path indicator. */
function dijkstraPath(c: number[][]): number[][] {
  const H = c.length;
  const W = (c[0] as number[]).length;
  const N = H * W;
  const dist = new Array<number>(N).fill(Infinity);
  const prev = new Array<number>(N).fill(-1);
  const done = new Array<boolean>(N).fill(false);
  dist[0] = (c[0] as number[])[0] as number;
  for (let it = 0; it < N; it++) {
    let v = -1;
    for (let i = 0; i < N; i++) if (!done[i] && (v < 0 || (dist[i] as number) < (dist[v] as number))) v = i;
    done[v] = true;
    const y = Math.floor(v / W);
    const x = v % W;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        const yy = y + dy;
        const xx = x + dx;
        if ((dy === 0 && dx === 0) || yy < 0 || yy >= H || xx < 0 || xx >= W) continue;
        const u = yy * W + xx;
        const nd = (dist[v] as number) + ((c[yy] as number[])[xx] as number);
        if (nd < (dist[u] as number)) {
          dist[u] = nd;
          prev[u] = v;
        }
      }
    }
  }
  const path = c.map((r) => r.map(() => 0));
  for (let v = N - 1; v >= 0; v = prev[v] as number) (path[Math.floor(v / W)] as number[])[v % W] = 1;
  return path;
}

function randomGrids(seed: number, B: number, H: number, W: number): number[][][] {
  const rng = createRng(seed);
  return Array.from({ length: B }, () => Array.from({ length: H }, () => Array.from({ length: W }, () => 0.2 + 4 * rng.next())));
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("shortestPath", () => {
  it("registers its fused kernel on cpu", () => {
    expect(hasFusedKernel(RelaxShortestPath)).toBe(true);
  });

  it("converges to the exact (Dijkstra) path as beta grows", () => {
    const grids = randomGrids(7, 4, 6, 7);
    const exact = grids.map(dijkstraPath);
    const errs = [1, 10, 100, 1000, 10000].map((beta) => maxViolation(shortestPath(grids, { beta }).arraySync(), exact, 0, 0));
    // random costs have near-ties (cost gaps ~0.01), so β must reach ~1/gap
    expect(errs[2]!).toBeLessThan(errs[0]!);
    expect(errs[3]!).toBeLessThan(1e-3);
    expect(errs[4]!).toBeLessThan(1e-3);
    // a tiny hand-made case
    const diag = shortestPath(
      [
        [
          [1, 9, 9],
          [9, 1, 9],
          [9, 9, 1],
        ],
      ],
      { beta: 20 },
    ).arraySync();
    expect(
      maxViolation(
        diag,
        [
          [
            [1, 0, 0],
            [0, 1, 0],
            [0, 0, 1],
          ],
        ],
        0,
        1e-3,
      ),
    ).toBe(0);
  });

  for (const [tconorm, p] of [
    ["probabilistic", undefined],
    ["hamacher", 5],
    ["yager", 1],
    ["max", undefined],
  ] as const) {
    it(`fused kernel matches the tfjs reference (${tconorm}), values and gradients`, () => {
      const grids = tf.tensor3d(randomGrids(3, 2, 4, 5));
      const Wt = tf.tensor3d(randomGrids(9, 2, 4, 5));
      const opts = { beta: 3, tconorm, p };
      const loss = (c: tf.Tensor) => tf.sum(tf.mul(shortestPath(c, opts), Wt));
      const fused = shortestPath(grids, opts).arraySync();
      const fusedG = tf.grad(loss)(grids).arraySync();
      tf.env().set("RELAX_FORCE_REFERENCE", true);
      try {
        const ref = shortestPath(grids, opts).arraySync();
        const refG = tf.grad(loss)(grids).arraySync();
        expect(maxViolation(fused, ref, 1e-4, 1e-5)).toBe(0);
        expect(maxViolation(fusedG, refG, 1e-3, 1e-5)).toBe(0);
      } finally {
        tf.env().set("RELAX_FORCE_REFERENCE", false);
      }
    });
  }

  for (const [tconorm, p] of [
    ["yager", 2],
    ["aczel_alsina", 2],
    ["dombi", 2],
    ["schweizer_sklar", -2],
  ] as const) {
    it(`gradient is finite with ${tconorm} (p=${p}), whose derivative has no value at unvisited cells`, () => {
      const grids = tf.tensor3d(randomGrids(3, 2, 4, 5));
      const Wt = tf.tensor3d(randomGrids(9, 2, 4, 5));
      const g = tf.grad((c: tf.Tensor) => tf.sum(tf.mul(shortestPath(c, { beta: 3, tconorm, p }), Wt)))(grids);
      const v = g.dataSync();
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.max(...Array.from(v, Math.abs))).toBeGreaterThan(0);
      tf.dispose([grids, Wt, g]);
    });
  }

  it("gradient matches finite differences (fused kernel)", () => {
    const grids = tf.tensor3d(randomGrids(5, 2, 4, 4));
    const Wt = tf.tensor3d(randomGrids(11, 2, 4, 4));
    const r = gradCheck((c) => tf.sum(tf.mul(shortestPath(c, { beta: 2 }), Wt)), [grids], { eps: 1e-2, rtol: 3e-2, atol: 1e-3 });
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
  });

  it("is leak-free (forward and gradient, both paths)", () => {
    const grids = tf.tensor3d(randomGrids(1, 2, 4, 4));
    for (const force of [false, true]) {
      tf.env().set("RELAX_FORCE_REFERENCE", force);
      try {
        expect(countLeakedTensors(() => shortestPath(grids, { beta: 2 }))).toBe(0);
        expect(countLeakedTensors(() => tf.grad((c: tf.Tensor) => tf.sum(shortestPath(c, { beta: 2 })))(grids))).toBe(0);
      } finally {
        tf.env().set("RELAX_FORCE_REFERENCE", false);
      }
    }
    grids.dispose();
  });

  it("1×1 and 1×n grids", () => {
    expect(shortestPath([[[2]]]).arraySync()).toEqual([[[1]]]);
    const line = shortestPath([[[1, 2, 3, 4]]], { beta: 5 }).arraySync()[0]![0]!;
    line.forEach((v) => expect(v).toBeGreaterThan(0.99));
  });

  it("rejects bad input with RelaxError", () => {
    expect(() => shortestPath(tf.zeros([3, 3]))).toThrow(/costs must be \[batch, H, W\], got \[3, 3\]/);
    expect(() => shortestPath([[[1, NaN]]])).toThrow(/costs must be finite/);
    expect(() => shortestPath([[[1, -1]]])).toThrow(/non-negative/);
    expect(() => shortestPath([[[1, 2]]], { beta: 0 })).toThrow(RelaxError);
    expect(() => shortestPath([[[1, 2]]], { tconorm: "nope" })).toThrow(/tconorm must be one of/);
    expect(() => shortestPath([[[1, 2]]], { iterations: 1.5 })).toThrow(/iterations/);
    expect(() => shortestPath([[[1, 2]]], { tconorm: "yager", p: -1 })).toThrow(RelaxError);
    expect(() => shortestPath("x" as never)).toThrow(RelaxError);
  });
});
