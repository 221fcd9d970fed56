import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { RelaxError } from "../src/index.js";
import { getTConorm, reduceTConorm, reduceTNorm, tconorm, tnorm, TCONORM_NAMES, type TConormName } from "../src/tnorms/index.js";
import { countLeakedTensors, gradCheck, loadGolden, maxViolation } from "../src/testing/index.js";

interface Entry {
  t_conorm: TConormName;
  p: number;
  S: (number | null)[][];
  dS_da: (number | null)[][];
  dS_db: (number | null)[][];
}
const golden = loadGolden<{ grid: number[]; table: Entry[] }>("render/t_conorms_2d.json");
const grid = golden.grid;
const label = (e: { t_conorm: string; p: number }) => `${e.t_conorm}(p=${e.p})`;

/** Every golden spec plus the parametric defaults and a few extra parameters. */
const SPECS: { name: TConormName; p?: number }[] = [
  ...golden.table.map((e) => ({ name: e.t_conorm, p: e.p })),
  { name: "hamacher", p: 0 },
  { name: "yager", p: 3 },
  { name: "dombi", p: 1 },
  { name: "frank", p: 20 },
  { name: "schweizer_sklar", p: -7 },
];

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("t-conorms: golden render/t_conorms_2d.json", () => {
  for (const e of golden.table) {
    const S = getTConorm(e.t_conorm, e.p);
    it(`${label(e)} scalar s and dsda (float64)`, () => {
      const s = grid.map((a) => grid.map((b) => S.s(a, b)));
      const da = grid.map((a) => grid.map((b) => S.dsda(a, b)));
      const db = grid.map((a) => grid.map((b) => S.dsda(b, a)));
      expect(maxViolation(s, e.S, 1e-9, 1e-12)).toBe(0);
      expect(maxViolation(da, e.dS_da, 1e-7, 1e-9)).toBe(0);
      expect(maxViolation(db, e.dS_db, 1e-7, 1e-9)).toBe(0);
    });
    it(`${label(e)} tensor S and autodiff ∂S/∂a, ∂S/∂b (float32)`, () => {
      const a = tf.tensor2d(grid.map((v) => grid.map(() => v)));
      const b = tf.tensor2d(grid.map(() => grid.slice()));
      const s = S.sTensor(a, b).arraySync();
      const [ga, gb] = tf
        .grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(S.sTensor(x, y)))([a, b])
        .map((g) => g.arraySync());
      expect(maxViolation(s, e.S)).toBe(0);
      expect(maxViolation(ga, e.dS_da, 1e-3, 1e-4)).toBe(0);
      expect(maxViolation(gb, e.dS_db, 1e-3, 1e-4)).toBe(0);
      tf.dispose([a, b]);
    });
  }
});

describe("t-conorm derivatives where the formulas are 0·∞", () => {
  for (const spec of SPECS) {
    it(`${spec.name}(p=${spec.p}): ∂S/∂a(a, 0) = 1 at a = 0 (S(a, 0) = a), and a value at a = 1`, () => {
      const S = getTConorm(spec.name, spec.p);
      // max splits the tie at (0, 0) (torch's convention)
      expect(S.dsda(0, 0)).toBe(spec.name === "max" ? 0.5 : 1);
      for (const b of [0, 0.5, 1]) expect(Number.isNaN(S.dsda(1, b)), `dsda(1, ${b})`).toBe(false);
    });
  }
});

/** Left fold S(…S(S(x0, x1), x2)…) over the last axis with the pairwise tensor S (float32). */
function fold(name: TConormName, p: number | undefined, x: tf.Tensor2D): tf.Tensor {
  const S = getTConorm(name, p);
  const cols = [...tf.unstack(x, 1)];
  let acc = cols[0]!;
  for (let i = 1; i < cols.length; i++) acc = S.sTensor(acc, cols[i]!);
  return acc;
}

/** Values in [0, 1] with a share of exact 0s and 1s and values near the ends. */
const unit = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 1e-4, 0.9999) },
);

describe("t-conorm reduction == left fold", () => {
  for (const spec of SPECS) {
    it(`${spec.name}(p=${spec.p}) one-pass reduce equals the fold (fast-check)`, () => {
      const S = getTConorm(spec.name, spec.p);
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 1, max: 3 }),
          fc.array(unit, { minLength: 18, maxLength: 18 }),
          (n, rows, vals) => {
            const data = vals.slice(0, rows * n);
            while (data.length < rows * n) data.push(0.5);
            const diff = tf.tidy(() => {
              const x = tf.tensor2d(data, [rows, n]);
              const r = S.reduce(x, 1).dataSync();
              const f = fold(spec.name, spec.p, x).dataSync();
              return Math.max(...Array.from(r, (v, i) => Math.abs(v - (f[i] as number))));
            });
            expect(diff).toBeLessThan(2e-5);
          },
        ),
        { numRuns: 40 },
      );
    });

    it(`${spec.name}(p=${spec.p}) reduce gradient equals the fold's and finite differences`, () => {
      // Interior points, away from kinks (yager's clip at 1) and singular points (0, 1).
      const data = [
        [0.1, 0.3, 0.2, 0.05],
        [0.6, 0.15, 0.4, 0.35],
        [0.02, 0.08, 0.11, 0.07],
      ];
      const x = tf.tensor2d(data);
      const S = getTConorm(spec.name, spec.p);
      const w = tf.tensor1d([1, -0.5, 2]);
      const f = (t: tf.Tensor) => tf.mul(S.reduce(t, 1), w);
      const gr = tf.grad(f)(x).arraySync();
      const gf = tf
        .grad((t: tf.Tensor) => tf.mul(fold(spec.name, spec.p, t as tf.Tensor2D), w))(x)
        .arraySync();
      expect(maxViolation(gr, gf, 2e-3, 2e-4)).toBe(0);
      const r = gradCheck(f, [x], { eps: 1e-3, rtol: 2e-2, atol: 2e-3 });
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
      tf.dispose([x, w]);
    });
  }

  it("reduces any axis and handles saturation (a value 1) with finite gradients", () => {
    for (const name of TCONORM_NAMES) {
      const x = tf.tensor3d([
        [
          [0.2, 1],
          [0.5, 0.3],
        ],
        [
          [0, 0],
          [0.9, 0.1],
        ],
      ]);
      const r0 = reduceTConorm(x, { name, axis: 1 });
      expect(r0.shape).toEqual([2, 2]);
      const g = tf
        .grad((t: tf.Tensor) => tf.sum(reduceTConorm(t, { name, axis: 2 })))(x)
        .dataSync();
      expect(Array.from(g).every(Number.isFinite), `${name}: ${Array.from(g)}`).toBe(true);
      const r2 = reduceTConorm(x, { name, axis: -1 }).arraySync() as number[][];
      expect(r2[0]![0]).toBeCloseTo(1, 6);
      expect(r2[1]![0]).toBeCloseTo(0, 6);
      tf.dispose([x, r0]);
    }
  });

  it("an all-zero slice has value 0 and partials 1 (S(h, 0, …, 0) = h)", () => {
    for (const spec of SPECS) {
      const g = tf
        .grad((t: tf.Tensor) => tf.sum(reduceTConorm(t, { name: spec.name, p: spec.p })))(tf.zeros([1, 3]))
        .dataSync();
      if (spec.name === "max") expect(Array.from(g)).toEqual([1 / 3, 1 / 3, 1 / 3].map(Math.fround));
      else
        expect(
          Array.from(g).map((v) => Math.round(v * 1e5) / 1e5),
          `${spec.name} ${spec.p}`,
        ).toEqual([1, 1, 1]);
    }
  });
});

describe("public ops tconorm / tnorm / reduceTConorm / reduceTNorm", () => {
  it("computes known values", () => {
    expect(tconorm([0.5], [0.5]).dataSync()[0]).toBeCloseTo(0.75, 6);
    expect(tconorm([0.5], [0.5], { name: "einstein" }).dataSync()[0]).toBeCloseTo(0.8, 6);
    expect(tnorm([0.5], [0.5]).dataSync()[0]).toBeCloseTo(0.25, 6);
    expect(maxViolation(tnorm([0.5, 0.2], [0.3, 0.9], { name: "max" }).arraySync(), [0.3, 0.2], 1e-6, 1e-7)).toBe(0);
    expect(tnorm([0.5], [0.5], { name: "hamacher", p: 0 }).dataSync()[0]).toBeCloseTo(1 / 3, 6);
    expect(reduceTConorm([[0.5, 0.5, 0.5]]).dataSync()[0]).toBeCloseTo(0.875, 6);
    expect(reduceTNorm([[0.5, 0.5, 0.5]]).dataSync()[0]).toBeCloseTo(0.125, 6);
    expect(reduceTNorm([[0.5, 0.9]], { name: "max" }).dataSync()[0]).toBeCloseTo(0.5, 6);
    expect(reduceTConorm(tf.zeros([2, 0])).arraySync()).toEqual([0, 0]);
    expect(reduceTNorm(tf.zeros([2, 0])).arraySync()).toEqual([1, 1]);
  });

  it("broadcasts like tfjs", () => {
    expect(tconorm([[0.5], [0.2]], [0.1, 0.3, 0.4]).shape).toEqual([2, 3]);
  });

  it("t-norm reduce equals its pairwise fold", () => {
    for (const spec of SPECS) {
      const x = [
        [0.3, 0.8, 0.6],
        [0.95, 0.1, 0.5],
      ];
      const r = reduceTNorm(x, { name: spec.name, p: spec.p }).dataSync();
      const S = getTConorm(spec.name, spec.p);
      const cols = tf.unstack(tf.tensor2d(x), 1);
      const f = S.tTensor(S.tTensor(cols[0]!, cols[1]!), cols[2]!).dataSync();
      expect(Math.abs(r[0]! - f[0]!) + Math.abs(r[1]! - f[1]!), `${spec.name}`).toBeLessThan(3e-5);
    }
  });

  it("gradients match finite differences (pairwise, both arguments, every family)", () => {
    const a = tf.tensor1d([0.1, 0.35, 0.6, 0.2]);
    const b = tf.tensor1d([0.3, 0.25, 0.15, 0.45]);
    for (const spec of SPECS) {
      for (const op of [tconorm, tnorm]) {
        const r = gradCheck((x, y) => op(x!, y!, { name: spec.name, p: spec.p }), [a, b], { eps: 1e-3 });
        expect(r.ok, `${op.name} ${spec.name} ${spec.p} ${JSON.stringify(r.worst)}`).toBe(true);
      }
      const x = tf.tensor2d([
        [0.1, 0.35, 0.6],
        [0.2, 0.05, 0.15],
      ]);
      const r = gradCheck((t) => tf.mul(reduceTNorm(t!, { name: spec.name, p: spec.p, axis: 0 }), tf.tensor1d([1, 2, 3])), [x], {
        eps: 1e-3,
      });
      expect(r.ok, `reduceTNorm ${spec.name} ${JSON.stringify(r.worst)}`).toBe(true);
    }
  });

  it("is leak-free (values and gradients)", () => {
    const x = tf.tensor2d([
      [0.1, 1, 0.6],
      [0, 0, 0],
    ]);
    for (const spec of SPECS) {
      const o = { name: spec.name, p: spec.p };
      expect(countLeakedTensors(() => tconorm(x, [0.5, 0.2, 1], o))).toBe(0);
      expect(countLeakedTensors(() => tnorm(x, 0.3, o))).toBe(0);
      expect(countLeakedTensors(() => reduceTConorm(x, o))).toBe(0);
      expect(countLeakedTensors(() => reduceTNorm(x, { ...o, axis: 0 }))).toBe(0);
      expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(reduceTConorm(t, o)))(x))).toBe(0);
      expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(tconorm(t, 0.4, o)))(x))).toBe(0);
    }
    // S.reduce / sTensor directly
    const S = getTConorm("hamacher", 0);
    expect(countLeakedTensors(() => S.reduce(x, 1))).toBe(0);
    x.dispose();
  });

  it("rejects bad input with RelaxError", () => {
    expect(() => getTConorm("nope")).toThrow(/name must be one of/);
    expect(() => tconorm([0.1], [0.2], { name: "lukasiewicz" as TConormName })).toThrow(RelaxError);
    const badP: [TConormName, number][] = [
      ["hamacher", -1],
      ["frank", 1],
      ["frank", 0],
      ["frank", -2],
      ["yager", 0],
      ["aczel_alsina", -1],
      ["dombi", 0],
      ["schweizer_sklar", 0],
      ["schweizer_sklar", 2],
      ["yager", NaN],
      ["dombi", Infinity],
    ];
    for (const [name, p] of badP) {
      expect(() => getTConorm(name, p), `${name} ${p}`).toThrow(/p must be/);
      expect(() => reduceTConorm([[0.5]], { name, p }), `${name} ${p}`).toThrow(RelaxError);
    }
    expect(() => getTConorm("yager", "2" as unknown as number)).toThrow(RelaxError);
    expect(() => tconorm([0.1, 1.2], [0.2, 0.3])).toThrow(/a must be in \[0, 1\], got 1.2/);
    expect(() => tconorm([0.1, -0.1], [0.2, 0.3])).toThrow(RelaxError);
    expect(() => tnorm([0.1, NaN], [0.2, 0.3])).toThrow(/a must be finite/);
    expect(() => tconorm([0.1, 0.2], [0.2, 0.3, 0.4])).toThrow(/a and b must be broadcast-compatible shapes, got \[2\] and \[3\]/);
    expect(() => reduceTConorm([[0.1, 2]])).toThrow(/x must be in \[0, 1\]/);
    expect(() => reduceTConorm([[0.1, 0.2]], { axis: 2 })).toThrow(/axis must be an integer/);
    expect(() => reduceTConorm(0.5)).toThrow(/rank ≥ 1/);
    expect(() => reduceTNorm("x" as unknown as number[])).toThrow(RelaxError);
  });
});
