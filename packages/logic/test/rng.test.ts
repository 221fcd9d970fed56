import { createRng } from "@relax/core";
import { describe, expect, it } from "vitest";
import { SeededRandom } from "../src/index.js";
import { logicRng } from "../src/rng.js";

describe("logic's generator", () => {
  it("is core's mulberry32 stream, and the deprecated SeededRandom draws the same numbers", () => {
    for (const seed of [0, 42, 3.7, -5, 2 ** 40]) {
      const a = new SeededRandom(seed);
      const b = logicRng(seed);
      const c = createRng((Math.floor(seed) ^ 0x9e3779b9) >>> 0, { algorithm: "mulberry32" });
      const draws = (r: { next(): number; int(n: number): number; normal(): number; permutation(n: number): Int32Array }) => [
        r.next(),
        r.int(97),
        r.normal(),
        r.normal(),
        ...r.permutation(9),
      ];
      const expected = draws(c);
      expect(draws(a)).toEqual(expected);
      expect(draws(b)).toEqual(expected);
    }
  });

  it("rejects a seed that is not a finite number", () => {
    expect(() => new SeededRandom(Number.NaN)).toThrow(/seed/);
    expect(() => logicRng(Number.POSITIVE_INFINITY, "LogicLayer")).toThrow(/LogicLayer/);
  });
});
