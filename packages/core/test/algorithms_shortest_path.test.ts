import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import {
  RelaxError,
  RelaxShortestPath,
  RelaxShortestPathGrad,
  createRng,
  hasFusedKernel,
  runFusedKernel,
  shortestPath,
} from "../src/index.js";
import { packTapes, unpackTapes } from "../src/kernels/shortest_path_tape.js";
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

  it("hands the forward tape to the gradient kernel as a saved output (bit-identical to recomputing it)", () => {
    const costs = tf.tensor3d(randomGrids(3, 7, 5, 6));
    // tolerance 0 runs every iteration: settled iterates are stored once in the tape
    for (const attrs of [
      { beta: 10, iterations: 30, tolerance: 1e-7, traceSteps: 30, epsilon: 1e-9, tconorm: "probabilistic", p: NaN },
      { beta: 20, iterations: 2000, tolerance: 0, traceSteps: 30, epsilon: 1e-9, tconorm: "yager", p: 2 },
    ]) {
      const [path, tape] = runFusedKernel<tf.Tensor[]>(RelaxShortestPath, { costs }, attrs);
      const dy = tf.randomUniform([3, 5, 6], -1, 1, "float32", 3);
      const withTape = runFusedKernel<tf.Tensor>(RelaxShortestPathGrad, { costs, dy, tape: tape! }, attrs);
      const recomputed = runFusedKernel<tf.Tensor>(RelaxShortestPathGrad, { costs, dy, tape: tf.zeros([1]) }, attrs);
      expect(Array.from(withTape.dataSync())).toEqual(Array.from(recomputed.dataSync()));
      // with tolerance 0 the iteration runs on after it has settled; each repeated iterate is stored once
      if (attrs.tolerance === 0) {
        for (const row of unpackTapes(tape!.dataSync() as Float32Array, 30)) {
          expect(row.d.length).toBe(attrs.iterations + 1);
          expect(new Set(row.d).size).toBeLessThan(row.d.length / 2);
        }
      }
      tf.dispose([path!, tape!, dy, withTape, recomputed]);
    }
    costs.dispose();
  });

  it("packs tapes bit-exactly at any byte offset", () => {
    const d0 = Float64Array.of(1, 2.5, NaN);
    const d1 = Float64Array.of(-0, 1e-300, 7);
    const tape = {
      d: [d0, d1, d1],
      w: new Float64Array(24).map((_, i) => i / 3),
      m: [Float64Array.of(0, 0, 1)],
      path: [Float64Array.of(0.1, 0.2, 0.3)],
    };
    const packed = packTapes([tape, tape], 3);
    const shifted = new Float32Array(packed.length + 1);
    shifted.set(packed, 1); // a view at a 4-byte (not 8-byte) offset, as a copying backend may hand it back
    for (const bytes of [packed, shifted.subarray(1)]) {
      const [a, b] = unpackTapes(bytes, 3);
      for (const r of [a!, b!]) {
        expect(r.d.map((d) => Array.from(d))).toEqual([Array.from(d0), Array.from(d1), Array.from(d1)]);
        expect(r.d[1]).toBe(r.d[2]); // a repeated iterate stays one array
        expect(Array.from(r.w)).toEqual(Array.from(tape.w));
        expect(Array.from(r.m[0]!)).toEqual([0, 0, 1]);
        expect(Array.from(r.path[0]!)).toEqual([0.1, 0.2, 0.3]);
      }
    }
  });
});
