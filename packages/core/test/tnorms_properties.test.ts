/**
 * Issue #14 item 4: the parametric t-conorms / t-norms are correct for every p. Properties over an
 * (a, b, p) grid with p from 1e-6 to 1e6 (and the boundaries a, b ∈ {0, 1}), in float64 (scalar forms,
 * used by the fused kernels) and float32 (tensor forms, through tf.grad).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import "../src/index.js"; // registers the gradients
import { getTConorm, tconorm, tnorm, reduceTConorm, reduceTNorm, type TConormName } from "../src/tnorms/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Families with a parameter, and how p is drawn for them (magnitudes 1e-6 … 1e6). */
const magnitude = fc.oneof(
  fc.double({ min: -6, max: 6, noNaN: true }).map((e) => 10 ** e),
  fc.constantFrom(1e-6, 1e-3, 0.5, 1, 2, 50, 100, 1e3, 1e6),
);
const P_FAMILIES: { name: TConormName; p: fc.Arbitrary<number> }[] = [
  { name: "yager", p: magnitude },
  { name: "aczel_alsina", p: magnitude },
  { name: "dombi", p: magnitude },
  { name: "schweizer_sklar", p: magnitude.map((v) => -v) },
  { name: "frank", p: magnitude.filter((v) => v !== 1) },
  { name: "hamacher", p: fc.oneof(fc.constant(0), magnitude) },
];
const ALL: { name: TConormName; p: fc.Arbitrary<number | undefined> }[] = [
  ...P_FAMILIES,
  { name: "max", p: fc.constant(undefined) },
  { name: "probabilistic", p: fc.constant(undefined) },
  { name: "einstein", p: fc.constant(undefined) },
];

/** Unit-interval values with the boundaries and near-boundary values well represented. */
const unit = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 1e-7, 0.5, 1 - 1e-7, 0.999) },
);
/** float32 rounding of the inputs and of 1 − (1 − x) in the tensor forms. */
const TOL32 = 2e-6;
const TOL64 = 1e-12;

describe("t-conorm laws on (a, b, p), p ∈ [1e-6, 1e6] (fast-check)", () => {
  for (const fam of ALL) {
    it(`${fam.name}: scalar S and T: bounds, commutativity, boundary laws, monotonicity, finite dsda`, () => {
      fc.assert(
        fc.property(unit, unit, unit, fam.p, (a, b, c, p) => {
          const S = getTConorm(fam.name, p);
          const s = S.s(a, b);
          const t = 1 - S.s(1 - a, 1 - b);
          expect(s).toBeGreaterThanOrEqual(Math.max(a, b) - TOL64);
          expect(s).toBeLessThanOrEqual(1 + TOL64);
          expect(t).toBeLessThanOrEqual(Math.min(a, b) + TOL64);
          expect(t).toBeGreaterThanOrEqual(-TOL64);
          expect(Math.abs(s - S.s(b, a))).toBeLessThanOrEqual(TOL64);
          expect(Math.abs(S.s(a, 0) - a)).toBeLessThanOrEqual(TOL64);
          // monotone in the first argument (c vs a), and by symmetry in the second
          const [lo, hi] = a <= c ? [a, c] : [c, a];
          expect(S.s(hi, b)).toBeGreaterThanOrEqual(S.s(lo, b) - TOL64);
          for (const [x, y] of [
            [a, b],
            [b, a],
            [a, 0],
            [0, 0],
            [1, b],
            [a, 1],
          ] as const) {
            const d = S.dsda(x, y);
            expect(Number.isFinite(d), `dsda(${x}, ${y}) = ${d}`).toBe(true);
            expect(d).toBeGreaterThanOrEqual(0);
          }
        }),
        { numRuns: 150 },
      );
    });
  }

  for (const fam of ALL) {
    it(`${fam.name}: tensor tconorm / tnorm (float32): bounds, commutativity, boundary laws, finite gradients`, () => {
      fc.assert(
        fc.property(fc.array(fc.tuple(unit, unit), { minLength: 1, maxLength: 6 }), fam.p, (pairs, p) => {
          const av = pairs.map((q) => Math.fround(q[0]));
          const bv = pairs.map((q) => Math.fround(q[1]));
          const a = tf.tensor1d([...av, 0, 1, 0, 1]);
          const b = tf.tensor1d([...bv, 0, 0, 1, 1]);
          const o = { name: fam.name, p };
          const sAB = tconorm(a, b, o);
          const sBA = tconorm(b, a, o);
          const tAB = tnorm(a, b, o);
          const s = sAB.dataSync();
          const s2 = sBA.dataSync();
          const t = tAB.dataSync();
          const A = a.dataSync();
          const B = b.dataSync();
          for (let i = 0; i < A.length; i++) {
            const [x, y] = [A[i] as number, B[i] as number];
            expect(s[i], `S(${x}, ${y})`).toBeGreaterThanOrEqual(Math.max(x, y) - TOL32);
            expect(s[i]).toBeLessThanOrEqual(1 + TOL32);
            expect(t[i], `T(${x}, ${y})`).toBeLessThanOrEqual(Math.min(x, y) + TOL32);
            expect(t[i]).toBeGreaterThanOrEqual(-TOL32);
            expect(Math.abs((s[i] as number) - (s2[i] as number))).toBeLessThanOrEqual(TOL32);
            if (y === 0) expect(Math.abs((s[i] as number) - x)).toBeLessThanOrEqual(TOL32);
            if (y === 1) expect(Math.abs((t[i] as number) - x)).toBeLessThanOrEqual(TOL32);
          }
          for (const op of [tconorm, tnorm]) {
            const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(op(x, y, o)))([a, b]);
            const g = [...ga!.dataSync(), ...gb!.dataSync()];
            expect(
              g.every((v) => Number.isFinite(v) && v >= -TOL32),
              `${op.name} grads ${g}`,
            ).toBe(true);
            tf.dispose([ga!, gb!]);
          }
          tf.dispose([a, b, sAB, sBA, tAB]);
        }),
        { numRuns: 40 },
      );
    });
  }
});

describe("limits and the issue's examples", () => {
  it("tconorm([0.1, 0.3], [0.1, 0.2], yager p = 100) is ≈ max, not [0, 0]", () => {
    const s = tconorm([0.1, 0.3], [0.1, 0.2], { name: "yager", p: 100 });
    const v = Array.from(s.dataSync());
    expect(v[0]).toBeCloseTo(0.1 * 2 ** (1 / 100), 6);
    expect(v[1]).toBeCloseTo(0.3, 6);
    s.dispose();
  });

  it("as p → ∞ (−∞ for Schweizer–Sklar) S → max and T → min, in float64 and float32, also one-pass reductions", () => {
    const a = [0.1, 0.3, 0.75, 0, 1, 0.5];
    const b = [0.1, 0.2, 0.9, 0.4, 0.6, 0.5];
    for (const [name, p] of [
      ["yager", 1e6],
      ["aczel_alsina", 1e6],
      ["dombi", 1e6],
      ["schweizer_sklar", -1e6],
    ] as [TConormName, number][]) {
      const S = getTConorm(name, p);
      const o = { name, p };
      const s = tconorm(a, b, o);
      const t = tnorm(a, b, o);
      const sv = s.dataSync();
      const tv = t.dataSync();
      for (let i = 0; i < a.length; i++) {
        const [x, y] = [a[i] as number, b[i] as number];
        expect(Math.abs(S.s(x, y) - Math.max(x, y)), `${name} s`).toBeLessThan(1e-5);
        expect(Math.abs((sv[i] as number) - Math.max(x, y)), `${name} sTensor`).toBeLessThan(1e-5);
        expect(Math.abs((tv[i] as number) - Math.min(x, y)), `${name} tTensor`).toBeLessThan(1e-5);
      }
      const r = reduceTConorm([a, b], { ...o, axis: 0 });
      const rt = reduceTNorm([a, b], { ...o, axis: 0 });
      const rv = r.dataSync();
      const rtv = rt.dataSync();
      for (let i = 0; i < a.length; i++) {
        expect(Math.abs((rv[i] as number) - Math.max(a[i]!, b[i]!)), `${name} reduce`).toBeLessThan(1e-5);
        expect(Math.abs((rtv[i] as number) - Math.min(a[i]!, b[i]!)), `${name} reduceTNorm`).toBeLessThan(1e-5);
      }
      tf.dispose([s, t, r, rt]);
    }
  });

  it("the gradient at a = b = 0 is finite (the one-sided limit 1 of S(a, 0) = a), for every family and p", () => {
    for (const [name, p] of [
      ["yager", undefined],
      ["yager", 1e-3],
      ["yager", 1e6],
      ["aczel_alsina", 0.5],
      ["dombi", 1e6],
      ["schweizer_sklar", -1e6],
      ["frank", 1e-6],
      ["frank", 1e6],
      ["hamacher", 1e-9],
    ] as [TConormName, number | undefined][]) {
      const z = tf.zeros([1]);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tconorm(v, tf.zeros([1]), { name, p })))(z);
      expect(g.dataSync()[0], `${name} ${p}`).toBeCloseTo(1, 5);
      expect(getTConorm(name, p).dsda(0, 0)).toBeCloseTo(1, 9);
      tf.dispose([z, g]);
    }
  });

  it("tensor gradients equal the scalar dsda (the derivative the kernels use) on the boundary grid, large and small p", () => {
    const grid = [0, 0.05, 0.5, 0.95, 1];
    const av = grid.flatMap((x) => grid.map(() => x));
    const bv = grid.flatMap(() => grid);
    const a = tf.tensor1d(av);
    const b = tf.tensor1d(bv);
    for (const [name, p] of [
      ["yager", 100],
      ["yager", 3],
      ["aczel_alsina", 100],
      ["dombi", 1e3],
      ["schweizer_sklar", -100],
      ["schweizer_sklar", -0.01],
      ["frank", 1e6],
      ["frank", 1e-6],
    ] as [TConormName, number][]) {
      const S = getTConorm(name, p);
      const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tconorm(x, y, { name, p })))([a, b]);
      const gav = ga!.dataSync();
      const gbv = gb!.dataSync();
      for (let i = 0; i < av.length; i++) {
        const [x, y] = [av[i] as number, bv[i] as number];
        expect(Math.abs((gav[i] as number) - S.dsda(x, y)), `${name} ${p} ∂a at (${x}, ${y})`).toBeLessThan(2e-3);
        expect(Math.abs((gbv[i] as number) - S.dsda(y, x)), `${name} ${p} ∂b at (${x}, ${y})`).toBeLessThan(2e-3);
      }
      tf.dispose([ga!, gb!]);
    }
    tf.dispose([a, b]);
  });

  it("Frank and Hamacher at extreme p stay in [max, 1] (reduction == pairwise fold)", () => {
    for (const [name, p] of [
      ["frank", 1e-300],
      ["frank", 1e300],
      ["frank", 1e-6],
      ["frank", 1e6],
      ["hamacher", 1e-9],
      ["hamacher", 1e9],
    ] as [TConormName, number][]) {
      const S = getTConorm(name, p);
      const x = tf.tensor2d([
        [0.1, 0.3, 0.2],
        [0, 0, 0],
        [0.9, 0.95, 1],
      ]);
      const r = reduceTConorm(x, { name, p }).dataSync();
      const fold = [S.s(S.s(0.1, 0.3), 0.2), 0, 1];
      for (let i = 0; i < 3; i++) {
        expect(Math.abs((r[i] as number) - (fold[i] as number)), `${name} ${p} row ${i}`).toBeLessThan(1e-4);
      }
      expect(S.s(0.1, 0.3)).toBeGreaterThanOrEqual(0.3);
      x.dispose();
    }
  });
});
