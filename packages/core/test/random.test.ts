import { describe, expect, it } from "vitest";
import { RelaxError, createRng } from "../src/index.js";
import { seededUniform } from "../src/testing/index.js";

// The streams are pinned: seeded data, initialisers, logic-net wiring and test inputs depend on them. The numbers
// were drawn by the generators these replaced (train's createRng, logic's SeededRandom, seededUniform).
describe("createRng", () => {
  it("draws the xoshiro128** stream by default (train's createRng before it moved to core)", () => {
    const r = createRng(42);
    expect([r.next(), r.next(), r.int(1000), r.normal(), r.normal()]).toEqual([
      0.6606157226487994, 0.12688010395504534, 111, 0.5623422612020134, 0.30504784787178235,
    ]);
    expect(r.seed).toBe(42);
  });

  it("draws the mulberry32 stream on request (logic's SeededRandom(42) and seededUniform)", () => {
    const r = createRng((42 ^ 0x9e3779b9) >>> 0, { algorithm: "mulberry32" });
    expect([r.next(), r.int(1000), r.normal(), ...r.permutation(6)]).toEqual([
      0.4813160905614495, 985, -0.5910417634988508, 0, 1, 3, 2, 5, 4,
    ]);
    expect(Array.from(seededUniform(3, 7))).toEqual([-0.9765905141830444, -0.876083493232727, 0.9538152813911438]);
  });

  it("gives equal streams for equal seeds and rejects bad arguments", () => {
    const a = createRng(-5);
    const b = createRng(-5);
    for (let i = 0; i < 100; i++) expect(a.next()).toBe(b.next());
    expect(() => createRng(1.5)).toThrow(RelaxError);
    expect(() => createRng(1, { algorithm: "pcg" as never })).toThrow(/algorithm/);
    expect(() => a.int(0)).toThrow(/n/);
    expect(() => a.permutation(-1)).toThrow(/n/);
  });
});
