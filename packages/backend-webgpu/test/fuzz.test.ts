import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RelaxError, relaxedSwapLayer, shortestPath } from "@relax/core";
import { diffSort, diffTopK, fastSoftRank, fastSoftSort, lapSumRank, lapSumSort, lapSumTopK } from "@relax/sort";
import { LogicLayer, orPool } from "@relax/logic";
import { rasterizeSilhouette } from "@relax/render";
import { initWebGPU } from "./webgpu_env.js";

const ok = await initWebGPU();

/**
 * Fuzzing the ops with WGSL kernels on webgpu. `assertRelaxErrorOrFinite` reads values synchronously, which Dawn in
 * Node cannot do, so the contract is checked here with async reads: each call either throws a RelaxError leaving
 * no tensor and no GPU buffer, or returns finite numbers leaving nothing beyond what it returned. (NaN/±Inf inputs
 * are not generated: on webgpu `assertFinite` does not scan, see the README.)
 */
const buffers = (): number => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

/** Runs `fn` once unmeasured first: a first call may upload a network table that is cached on purpose. */
async function relaxErrorOrFinite(fn: () => tf.Tensor | tf.Tensor[]): Promise<"error" | "finite"> {
  try {
    tf.dispose(fn());
  } catch {
    // measured below
  }
  const [tensors, bufs] = [tf.memory().numTensors, buffers()];
  let out: tf.Tensor[];
  try {
    const r = fn();
    out = Array.isArray(r) ? r : [r];
  } catch (e) {
    if (!(e instanceof RelaxError)) throw new Error(`threw ${(e as Error).name} instead of a RelaxError: ${(e as Error).message}`);
    expect([tf.memory().numTensors - tensors, buffers() - bufs], "tensors, buffers left by a RelaxError").toEqual([0, 0]);
    return "error";
  }
  const values = await Promise.all(out.map((t) => t.data()));
  tf.dispose(out);
  expect([tf.memory().numTensors - tensors, buffers() - bufs], "tensors, buffers left").toEqual([0, 0]);
  for (const v of values) for (const q of v) if (!Number.isFinite(q)) throw new Error(`returned ${q} without a RelaxError`);
  return "finite";
}

type RowOp = (x: tf.Tensor2D, p: { k: number; s: number }) => tf.Tensor | tf.Tensor[];
const rowOps: Record<string, RowOp> = {
  relaxedSwapLayer: (x, p) => {
    const r = relaxedSwapLayer(x, { lo: [0], hi: [p.k] }, { steepness: p.s });
    return [r.y, r.alpha];
  },
  diffSort: (x, p) => {
    const r = diffSort(x, { steepness: p.s, network: p.k % 2 ? "bitonic" : "odd_even" });
    return [r.sorted, r.permutation];
  },
  diffTopK: (x, p) => diffTopK(x, p.k, { steepness: p.s }),
  fastSoftSort: (x, p) => fastSoftSort(x, { regularizationStrength: p.s }),
  fastSoftRank: (x, p) => fastSoftRank(x, { regularizationStrength: p.s, regularization: "kl" }),
  lapSumRank: (x, p) => lapSumRank(x, { alpha: p.s }),
  lapSumSort: (x, p) => lapSumSort(x, { alpha: p.s, descending: p.k % 2 === 1 }),
  lapSumTopK: (x, p) => lapSumTopK(x, p.k, { alpha: p.s }),
};

/** A one-character typo of `key` that is not a key itself. */
const typo = (key: string, at: number, kind: number): string => {
  const i = at % key.length;
  if (kind === 0) return key.slice(0, i) + key.slice(i + 1); // deletion
  if (kind === 1) return `${key.slice(0, i)}x${key.slice(i)}`; // insertion
  return `${key.slice(0, i)}${key[i] === "z" ? "y" : "z"}${key.slice(i + 1)}`; // substitution
};

describe.runIf(ok)("fuzz on webgpu: RelaxError or finite output, and nothing left behind", () => {
  it("row ops over random shapes (zero rows included), values, ties, k and steepness", async () => {
    await tf.setBackend("webgpu");
    const seen = { error: 0, finite: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(rowOps)),
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ min: -1e4, max: 1e4, noNaN: true })), {
          minLength: 21,
          maxLength: 21,
        }),
        fc.integer({ min: 0, max: 8 }),
        fc.oneof(fc.constantFrom(1e-3, 1, 1e4, 0, -1, 1e30), fc.double({ min: 0.01, max: 100, noNaN: true })),
        async (name, rows, n, pool, k, s) => {
          const x = tf.tensor2d(pool.slice(0, rows * n), [rows, n]);
          try {
            seen[await relaxErrorOrFinite(() => (rowOps[name] as RowOp)(x, { k, s }))]++;
          } finally {
            x.dispose();
          }
        },
      ),
      { numRuns: 40, seed: 14 },
    );
    console.log("row-op fuzz outcomes", seen);
    expect(seen.error).toBeGreaterThan(0);
    expect(seen.finite).toBeGreaterThan(0);
  });

  it("a one-character typo in any option key of any op is a RelaxError (with a suggestion) that leaves nothing", async () => {
    await tf.setBackend("webgpu");
    const x = tf.tensor2d([[3, 1, 2, 0]]);
    const img = tf.zeros([1, 3, 3, 2]);
    const faces = tf.tensor3d([
      [
        [-0.5, -0.5, 2],
        [0.5, -0.5, 2],
        [0, 0.5, 2],
      ],
    ]);
    const costs = tf.ones([1, 2, 2]);
    const layer = new LogicLayer(4, 4, { seed: 1 });
    const calls: Record<string, [string[], (o: object) => unknown]> = {
      relaxedSwapLayer: [["distribution", "steepness", "artLambda"], (o) => relaxedSwapLayer(x, { lo: [0], hi: [1] }, o)],
      diffSort: [["network", "steepness", "distribution", "descending", "valuesOnly"], (o) => diffSort(x, o)],
      diffTopK: [["network", "steepness", "distribution"], (o) => diffTopK(x, 2, o)],
      fastSoftSort: [["regularizationStrength", "regularization", "descending"], (o) => fastSoftSort(x, o)],
      fastSoftRank: [["regularizationStrength", "regularization", "descending"], (o) => fastSoftRank(x, o)],
      lapSumTopK: [["alpha", "largest", "axis"], (o) => lapSumTopK(x, 1, o)],
      "LogicLayer.forward": [["mode"], (o) => layer.forward(x, o)],
      orPool: [["size", "stride", "method"], (o) => orPool(img, o)],
      rasterizeSilhouette: [["imageSize", "distribution", "scale", "tconorm"], (o) => rasterizeSilhouette(faces, o)],
      shortestPath: [["beta", "iterations", "tolerance", "tconorm"], (o) => shortestPath(costs, o)],
    };
    try {
      fc.assert(
        fc.property(fc.constantFrom(...Object.keys(calls)), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 2 }), (name, which, at, kind) => {
          const [keys, call] = calls[name] as [string[], (o: object) => unknown];
          const key = keys[which % keys.length] as string;
          const bad = typo(key, at, kind);
          fc.pre(!keys.includes(bad));
          const [tensors, bufs] = [tf.memory().numTensors, buffers()];
          let error: unknown;
          try {
            tf.dispose(call({ [bad]: 1 }) as tf.Tensor);
          } catch (e) {
            error = e;
          }
          expect(error, `${name}({ ${bad}: 1 })`).toBeInstanceOf(RelaxError);
          expect((error as Error).message).toMatch(/did you mean "\w+"\?/);
          expect([tf.memory().numTensors - tensors, buffers() - bufs], "tensors, buffers left").toEqual([0, 0]);
        }),
        { numRuns: 60, seed: 14 },
      );
    } finally {
      tf.dispose([x, img, faces, costs]);
      layer.dispose();
    }
  });
});
