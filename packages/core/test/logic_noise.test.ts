import { describe, expect, it } from "vitest";
import { drawNoise, gumbelNoise, logFloat32, logisticNoise, noiseHash, noiseUniform, registerNoiseFill } from "../src/internal.js";

/** Distance in float32 units in the last place. */
function ulps(a: number, b: number): number {
  const v = new Float32Array([a, b]);
  const i = new Int32Array(v.buffer);
  return Math.abs((i[0] as number) - (i[1] as number));
}

describe("the learned layers' noise generator", () => {
  it("logFloat32 is within 1 ulp of ln over the float32 range the noise uses, and exact where ln is", () => {
    let worst = 0;
    for (let k = 0; k <= 4000; k++) {
      const x = Math.fround(2 ** (-24 + (k / 4000) * 30)); // 2⁻²⁴ … 2⁶
      worst = Math.max(worst, ulps(logFloat32(x), Math.fround(Math.log(x))));
    }
    for (const x of [Math.fround(1 - 2 ** -24), Math.fround(1 + 2 ** -23), Math.fround(Math.SQRT1_2), Math.fround(Math.SQRT2)])
      worst = Math.max(worst, ulps(logFloat32(x), Math.fround(Math.log(x))));
    expect(worst).toBeLessThanOrEqual(1);
    expect(logFloat32(1)).toBe(0);
    expect(logFloat32(0.5)).toBe(Math.fround(-Math.LN2));
    for (const x of [0.3, 7, 1e-6]) expect(logFloat32(x)).toBe(Math.fround(logFloat32(x))); // float32 values
  });

  it("Gumbel and logistic draws are finite float32 with the distributions' mean and variance", () => {
    const n = 200_000;
    const g = drawNoise("gumbel", 12345, 7, 0, n);
    const l = drawNoise("logistic", 12345, 7, 0, n);
    const moments = (v: Float32Array) => {
      let s = 0;
      let s2 = 0;
      for (const x of v) {
        expect(Number.isFinite(x)).toBe(true);
        s += x;
        s2 += x * x;
      }
      return { mean: s / n, variance: s2 / n - (s / n) ** 2 };
    };
    const mg = moments(g);
    const ml = moments(l);
    // Euler–Mascheroni γ and π²/6; 0 and π²/3 (standard errors about 0.003 and 0.01)
    expect(mg.mean).toBeCloseTo(0.5772, 1);
    expect(mg.variance).toBeCloseTo(Math.PI ** 2 / 6, 1);
    expect(ml.mean).toBeCloseTo(0, 1);
    expect(ml.variance).toBeCloseTo(Math.PI ** 2 / 3, 1);
  });

  it("draws are counter-based: any index alone gives the same value; streams and seeds differ", () => {
    const v = drawNoise("gumbel", 3, 9, 100, 50);
    for (let i = 0; i < 50; i++) expect(v[i]).toBe(gumbelNoise(3, 9, 100 + i));
    expect(gumbelNoise(3, 9, 5)).not.toBe(gumbelNoise(3, 10, 5));
    expect(logisticNoise(3, 9, 5)).not.toBe(logisticNoise(4, 9, 5));
    expect(noiseUniform(1, 2, 3)).toBe((noiseHash(1, 2, 3) + 0.5) / 2 ** 32);
  });

  it("drawNoise takes a registered bulk generator, and its own loop where that declines", () => {
    const calls: number[] = [];
    registerNoiseFill((kind, seed, stream, index0, n) => {
      calls.push(n);
      return n === 3
        ? Float32Array.from({ length: n }, (_, i) => (kind === "gumbel" ? gumbelNoise : logisticNoise)(seed, stream, index0 + i))
        : null;
    });
    try {
      expect(Array.from(drawNoise("logistic", 1, 2, 3, 3))).toEqual([0, 1, 2].map((i) => logisticNoise(1, 2, 3 + i)));
      expect(Array.from(drawNoise("gumbel", 1, 2, 3, 5))).toEqual([0, 1, 2, 3, 4].map((i) => gumbelNoise(1, 2, 3 + i)));
      expect(drawNoise("gumbel", 1, 2, 3, 0)).toHaveLength(0);
      expect(calls).toEqual([3, 5]);
    } finally {
      registerNoiseFill(null);
    }
  });
});
