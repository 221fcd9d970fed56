import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { atanFast } from "../src/kernels/fast_math.js";

describe("atanFast", () => {
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
