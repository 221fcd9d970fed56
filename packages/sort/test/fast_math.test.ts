import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getDistribution } from "@relax/core";
import { PARITY_Z, tailViolation } from "@relax/core/testing";
import { cauchyCdfFast } from "../src/kernels/fast_math.js";

/** atan through the kernels' inlined cauchy CDF: π(F(x) − ½) (exact subtraction for F in [¼, 1]). */
const atanFast = (x: number) => Math.PI * (cauchyCdfFast(x) - 0.5);

describe("cauchyCdfFast's arctangent", () => {
  it("matches Math.atan to 1e-10 everywhere", () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        expect(Math.abs(atanFast(x) - Math.atan(x))).toBeLessThan(1e-10);
      }),
      { numRuns: 2000 },
    );
    for (const x of [0, -0, 1e-300, 0.41421356237309503, 2.414213562373095, 1, -1, 1e300, Infinity, -Infinity]) {
      expect(Math.abs(atanFast(x) - Math.atan(x))).toBeLessThan(1e-10);
    }
  });
});

describe("cauchyCdfFast (the kernels' inlined default comparator)", () => {
  it("is core's cauchy CDF to 1e-10 relative in both tails, every z of the distribution parity grid", () => {
    const d = getDistribution("cauchy");
    const z = [...PARITY_Z, -1, -1.0000001, -0.9999999, 2.414213562373095, -2.414213562373095, -0.41421356237309503];
    expect(
      tailViolation(
        z.map(cauchyCdfFast),
        z.map((v) => d.cdf(v)),
        1e-10,
        0,
        0,
      ),
    ).toBe(0);
  });
  it("keeps its tail where ½ + atan(v)/π cancels to 0", () => {
    expect(cauchyCdfFast(-3.4e38)).toBeGreaterThan(0);
    expect(cauchyCdfFast(-1e20) * 1e20 * Math.PI).toBeCloseTo(1, 9);
  });
});
