import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import {
  pathPerfectMatch,
  rankElementWise,
  rankExactMatch,
  rankExactMatchFirstK,
  rankingMetrics,
  topKAccuracy,
} from "../src/metrics/ranking.js";

describe("ranking metrics (diffsort acc_em / acc_ew / acc_em5)", () => {
  const targets = tf.tensor2d([
    [10, 30, 20, 40],
    [5, 1, 3, 2],
    [1, 2, 3, 4],
  ]);
  const scores = tf.tensor2d([
    [0.1, 0.9, 0.5, 2.0], // same order -> all right
    [4, 0, 3, 2], // true argsort [1,3,2,0]; predicted [1,3,2,0] -> right
    [1, 3, 2, 4], // argsort [0,2,1,3] vs [0,1,2,3] -> positions 0,3 right
  ]);
  it("EM, EW, first-k", () => {
    const m = rankingMetrics(scores, targets, { k: 1 });
    expect(m.em).toBeCloseTo(2 / 3, 6);
    expect(m.ew).toBeCloseTo((1 + 1 + 0.5) / 3, 6);
    expect(m.emFirstK).toBeCloseTo(1, 6);
    expect(rankExactMatch(scores, targets)).toBeCloseTo(2 / 3);
    expect(rankElementWise(scores, targets)).toBeCloseTo(2.5 / 3);
    expect(rankExactMatchFirstK(scores, targets, 2)).toBeCloseTo(2 / 3);
  });
  it("accepts host arrays and scale/shift invariance", () => {
    const m = rankingMetrics({ values: [3, 1, 2], shape: [1, 3] }, { values: [30, 10, 20], shape: [1, 3] });
    expect(m.em).toBe(1);
    expect(rankingMetrics({ values: [1, 2, 3], shape: [1, 3] }, { values: [3, 2, 1], shape: [1, 3] }).ew).toBeCloseTo(1 / 3);
  });
  it("rejects shape mismatches", () => {
    expect(() => rankingMetrics(scores, tf.zeros([3, 2]))).toThrow(/targets must be/);
    expect(() => rankingMetrics({ values: [1, 2], shape: [1, 3] }, { values: [1, 2, 3], shape: [1, 3] })).toThrow(/scores/);
  });
});

describe("top-k and path metrics", () => {
  it("top-k accuracy", () => {
    const logits = tf.tensor2d([
      [0.1, 0.5, 0.2],
      [0.9, 0.05, 0.05],
    ]);
    expect(topKAccuracy(logits, [1, 2], 1)).toBeCloseTo(0.5);
    expect(topKAccuracy(logits, [2, 2], 2)).toBeCloseTo(1);
    expect(() => topKAccuracy(logits, [3, 0])).toThrow(/labels\[0\]/);
  });
  it("perfect path match", () => {
    const t = { values: [1, 0, 0, 1, 1, 1, 0, 0], shape: [2, 4] as [number, number] };
    const p = { values: [0.9, 0.2, 0.1, 0.7, 1, 0.4, 0, 0], shape: [2, 4] as [number, number] };
    expect(pathPerfectMatch(p, t)).toBeCloseTo(0.5);
  });
});
