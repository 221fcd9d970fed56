import { createRng } from "@relax/core";
import { describe, expect, it } from "vitest";
import { augmentDigit, augmentationAt, elasticBank, warpDigit } from "../src/augment.js";

const digit = () => {
  const rng = createRng(5);
  return Float32Array.from({ length: 784 }, () => rng.next());
};
const at = (img: Float32Array, r: number, c: number) => (r >= 0 && r < 28 && c >= 0 && c < 28 ? (img[r * 28 + c] as number) : 0);

describe("warpDigit / augmentDigit (training-digit augmentation)", () => {
  it("integer shifts move pixels exactly (the shift of earlier releases), zeros outside", () => {
    const src = digit();
    for (const [dx, dy] of [
      [0, 0],
      [1, -1],
      [-2, 3],
    ] as const) {
      const dst = new Float32Array(784);
      warpDigit(src, 0, dst, 0, dx, dy, 0, 1);
      for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) expect(dst[r * 28 + c]).toBe(at(src, r - dy, c - dx));
    }
  });

  it("a quarter turn about the centre permutes pixels; scale 2 samples the centre half", () => {
    const src = digit();
    const dst = new Float32Array(784);
    warpDigit(src, 0, dst, 0, 0, 0, Math.PI / 2, 1);
    // output (r, c) reads input (r', c') with c' − 13.5 = cos·u + sin·v, r' − 13.5 = −sin·u + cos·v (u = c − 13.5, v = r − 13.5)
    for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) expect(dst[r * 28 + c]).toBeCloseTo(at(src, 27 - c, r), 5);
    warpDigit(src, 0, dst, 0, 0, 0, 0, 2);
    // output 13.5 + u reads input 13.5 + u / 2: at u = ±0.5 that is between two pixels, at u = ±1.5 between 13 and 14 … exactly on 13.5 ± 0.75
    const mid = (at(src, 13, 13) + at(src, 13, 14) + at(src, 14, 13) + at(src, 14, 14)) / 4;
    const centre = (dst[13 * 28 + 13]! + dst[13 * 28 + 14]! + dst[14 * 28 + 13]! + dst[14 * 28 + 14]!) / 4;
    expect(centre).toBeCloseTo(mid, 5);
  });

  it("elastic fields are smooth and small; α scales the displacement; all-zero ranges give the copy", () => {
    const bank = elasticBank(createRng(1), 4, 16);
    let ss = 0;
    let jump = 0;
    for (let i = 0; i < bank.fields.length; i++) {
      ss += bank.fields[i]! ** 2;
      if (i % 28 !== 27) jump = Math.max(jump, Math.abs(bank.fields[i + 1]! - bank.fields[i]!));
    }
    const std = Math.sqrt(ss / bank.fields.length);
    // uniform(−1, 1) (std 0.577) smoothed by a 2-D Gaussian of σ = 4: std ≈ 0.577 / (2√π σ) ≈ 0.04
    expect(std).toBeGreaterThan(0.02);
    expect(std).toBeLessThan(0.08);
    expect(jump).toBeLessThan(0.05);
    const src = digit();
    const dst = new Float32Array(784);
    augmentDigit(createRng(3), { shift: 0, rotate: 0, scale: 0, elastic: 0, elasticSigma: 4 }, src, 0, dst, 0, bank);
    expect(Array.from(dst)).toEqual(Array.from(src));
    augmentDigit(createRng(3), { shift: 0, rotate: 0, scale: 0, elastic: 34, elasticSigma: 4 }, src, 0, dst, 0, bank);
    expect(Array.from(dst)).not.toEqual(Array.from(src));
  });

  it("with rotation, scale and α at 0 it draws exactly the shift stream of earlier releases", () => {
    const a = createRng(9);
    const b = createRng(9);
    const src = digit();
    const dst = new Float32Array(784);
    augmentDigit(a, { shift: 1, rotate: 0, scale: 0, elastic: 0, elasticSigma: 4 }, src, 0, dst, 0);
    const dx = b.int(3) - 1;
    const dy = b.int(3) - 1;
    for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) expect(dst[r * 28 + c]).toBe(at(src, r - dy, c - dx));
    expect(a.next()).toBe(b.next());
  });

  it("augmentationAt (--aug-until): the ranges before the cut, clean digits (an exact copy, no draws) from it on", () => {
    const ranges = { shift: 1, rotate: 10, scale: 0.1, elastic: 0, elasticSigma: 4 };
    expect(augmentationAt(0, ranges, 0.8)).toBe(ranges);
    expect(augmentationAt(0.79, ranges, 0.8)).toBe(ranges);
    expect(augmentationAt(1, ranges, 1)).toBe(ranges);
    expect(augmentationAt(0, ranges, 0)).not.toBe(ranges);
    const late = augmentationAt(0.8, ranges, 0.8);
    const rng = createRng(5);
    const src = digit();
    const dst = new Float32Array(784);
    augmentDigit(rng, late, src, 0, dst, 0);
    expect(Array.from(dst)).toEqual(Array.from(src));
    expect(rng.next()).toBe(createRng(5).next());
  });
});
