import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { describe, expect, it } from "vitest";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, countLeakedTensorsOnThrow, maxViolation, seededUniform } from "@relax/core/testing";
import { autoSteepness, checkSteepness, diffSort, diffTopK, rankingLoss, softRank, softSpearman } from "../src/index.js";
import { arr } from "./helpers.js";

/** `[rows, n]` roughly N(0, 1) (Box–Muller of seeded uniforms), times `scale`. */
function normalRows(rows: number, n: number, seed: number, scale = 1): number[][] {
  const u = seededUniform(2 * rows * n, seed, 1e-6, 1);
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: n }, (_, j) => {
      const i = 2 * (r * n + j);
      return scale * Math.sqrt(-2 * Math.log(u[i] as number)) * Math.cos(2 * Math.PI * (u[i + 1] as number));
    }),
  );
}

describe("autoSteepness: the README's guide, executable", () => {
  it("reproduces the DSN settings it is anchored on (cauchy: odd-even 2n, bitonic 20 at n = 16)", () => {
    expect(autoSteepness(5)).toBeCloseTo(10, 6);
    expect(autoSteepness(16)).toBeCloseTo(32, 6);
    expect(autoSteepness(16, { network: "bitonic" })).toBeCloseTo(20, 6);
    expect(autoSteepness(16, { network: "splitter_selection" })).toBeCloseTo(20, 6);
  });

  it("scales like n / scale and orders the relaxations by their tails", () => {
    expect(autoSteepness(64) / autoSteepness(32)).toBeCloseTo(2, 6);
    expect(autoSteepness(32, { scale: 0.5 }) / autoSteepness(32)).toBeCloseTo(2, 6);
    const beta = (distribution: "logistic" | "gaussian" | "cauchy" | "reciprocal" | "optimal") => autoSteepness(32, { distribution });
    expect(beta("gaussian")).toBeLessThan(beta("logistic"));
    expect(beta("logistic")).toBeLessThan(beta("cauchy"));
    expect(beta("cauchy")).toBeLessThan(beta("reciprocal"));
    for (const d of ["logistic", "logistic_phi", "gaussian", "reciprocal", "cauchy", "optimal"] as const) {
      const b = autoSteepness(1000, { distribution: d });
      expect(Number.isFinite(b) && b > 0 && b <= 1e6).toBe(true);
    }
  });

  it("rejects bad input", () => {
    for (const fn of [
      () => autoSteepness(0),
      () => autoSteepness(2.5),
      () => autoSteepness(8, { scale: 0 }),
      () => autoSteepness(8, { nework: "bitonic" } as never),
    ]) {
      expect(fn).toThrow(RelaxError);
    }
  });

  it("steepness: 'auto' equals the explicit β in every op that takes it", () => {
    const rows = normalRows(3, 12, 5);
    const x = tf.tensor2d(rows);
    const t = tf.tensor2d(normalRows(3, 12, 6));
    const b = autoSteepness(12);
    const bb = autoSteepness(12, { network: "bitonic" });
    const same = (a: tf.Tensor, e: tf.Tensor) => expect(maxViolation(arr(a), arr(e), 1e-6, 1e-6)).toBe(0);
    same(diffSort(x, { steepness: "auto" }).sorted, diffSort(x, { steepness: b }).sorted);
    same(diffSort(x, { steepness: "auto", network: "bitonic" }).sorted, diffSort(x, { steepness: bb, network: "bitonic" }).sorted);
    same(softRank(rows, { steepness: "auto" }), softRank(rows, { steepness: b }));
    same(diffTopK(x, 3, { steepness: "auto" }), diffTopK(x, 3, { steepness: bb }));
    same(rankingLoss(x, t, { steepness: "auto" }), rankingLoss(x, t, { steepness: b }));
    same(softSpearman(x, t, { steepness: "auto" }), softSpearman(x, t, { steepness: b }));
    const cols = tf.transpose(x);
    same(diffSort(cols, { steepness: "auto", axis: 0 }).sorted, diffSort(cols, { steepness: b, axis: 0 }).sorted);
    expect(() => diffSort(x, { steepness: "Auto" as never })).toThrow(RelaxError);
  });
});

describe("checkSteepness: one-line warnings", () => {
  const x = tf.tensor2d(normalRows(20, 16, 11));

  it("warns when too soft (P·x drifts from x) and when too sharp (vanishing gradients), not at 'auto'", () => {
    const soft = checkSteepness(x, { steepness: 0.5 });
    expect(soft.warning).toMatch(/too soft/);
    expect(soft.blur).toBeGreaterThan(0.5);
    const sharp = checkSteepness(x, { steepness: 1e6, distribution: "logistic" });
    expect(sharp.warning).toMatch(/too sharp/);
    expect(sharp.hardShare).toBeGreaterThan(0.95);
    const auto = checkSteepness(x, { steepness: "auto" });
    expect(auto.warning).toBeNull();
    expect(auto.steepness).toBeCloseTo(32, 6);
    expect(auto.suggested).toBeGreaterThan(10);
    // the blur falls as β grows
    expect(checkSteepness(x, { steepness: 100 }).blur).toBeLessThan(checkSteepness(x, { steepness: 10 }).blur);
  });

  it("is leak-free and rejects bad input", () => {
    expect(countLeakedTensors(() => checkSteepness(x))).toBe(0);
    const one = tf.tensor2d([[1]]);
    for (const fn of [
      () => checkSteepness(one),
      () => checkSteepness(x, { steepness: -1 }),
      () => checkSteepness(x, { valuesOnly: true } as never),
    ]) {
      const { error, leaked } = countLeakedTensorsOnThrow(fn);
      expect(error).toBeInstanceOf(RelaxError);
      expect(leaked).toBe(0);
    }
  });
});
