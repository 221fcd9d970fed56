import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  RelaxError,
  catProbEq,
  cosineSimilarity,
  getDistribution,
  relaxedEqual,
  relaxedGreater,
  relaxedGreaterEqual,
  relaxedLess,
  relaxedLessEqual,
  relaxedNotEqual,
  softArgMax,
  softArgMin,
  softMax,
  softMin,
  DISTRIBUTION_NAMES,
  type DistributionName,
} from "../src/index.js";
import { badPositive, countLeakedTensors, gradCheck, loadGolden, maxViolation } from "../src/testing/index.js";
import type { ConditionsMinMaxGolden } from "./golden_types.js";

const golden = loadGolden<ConditionsMinMaxGolden>("algo/conditions_minmax.json");

type Op = (a: tf.Tensor, b: tf.Tensor, o: { beta: number }) => tf.Tensor;
const OPS: Record<"LT" | "LEq" | "GT" | "GEq" | "Eq" | "NEq", Op> = {
  LT: relaxedLess,
  LEq: relaxedLessEqual,
  GT: relaxedGreater,
  GEq: relaxedGreaterEqual,
  Eq: relaxedEqual,
  NEq: relaxedNotEqual,
};

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("AlgoVision conditions: golden algo/conditions_minmax.json", () => {
  for (const c of golden.cases) {
    for (const [name, op] of Object.entries(OPS) as [keyof typeof OPS, Op][]) {
      it(`${name} β=${c.beta}: p, ∂Σp/∂a, ∂Σp/∂b`, () => {
        const a = tf.tensor1d(golden.a);
        const b = tf.tensor1d(golden.b);
        const p = op(a, b, { beta: c.beta }).arraySync();
        const [ga, gb] = tf
          .grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(op(x, y, { beta: c.beta })))([a, b])
          .map((g) => g.arraySync());
        expect(maxViolation(p, c[name].p)).toBe(0);
        expect(maxViolation(ga, c[name].grad_a, 1e-4, 1e-5)).toBe(0);
        expect(maxViolation(gb, c[name].grad_b, 1e-4, 1e-5)).toBe(0);
        tf.dispose([a, b]);
      });
    }
  }

  for (const c of golden.vec_cases) {
    it(`CatProbEq and CosineSimilarity β=${c.beta}: values and ∂/∂u`, () => {
      const u = tf.tensor2d(golden.vec_u);
      const v = tf.tensor2d(golden.vec_v);
      expect(maxViolation(catProbEq(u, v, { beta: c.beta }).arraySync(), c.CatProbEq)).toBe(0);
      expect(maxViolation(cosineSimilarity(u, v).arraySync(), c.CosineSimilarity)).toBe(0);
      const gc = tf
        .grad((x: tf.Tensor) => tf.sum(catProbEq(x, v, { beta: c.beta })))(u)
        .arraySync();
      const gs = tf
        .grad((x: tf.Tensor) => tf.sum(cosineSimilarity(x, v)))(u)
        .arraySync();
      // identical vectors (row 3): the reference gradient is float64 round-off (~1e-16); float32 gives ~1e-7
      expect(maxViolation(gc, c.CatProbEq_grad_u, 1e-3, 2e-4)).toBe(0);
      expect(maxViolation(gs, c.CosineSimilarity_grad_u, 1e-3, 2e-4)).toBe(0);
      tf.dispose([u, v]);
    });
  }

  const MINMAX = { Min: softMin, Max: softMax, ArgMin: softArgMin, ArgMax: softArgMax };
  for (const c of golden.minmax_cases) {
    for (const [name, op] of Object.entries(MINMAX) as [keyof typeof MINMAX, typeof softMin][]) {
      it(`${name} β=${c.beta} over 3 tensors of shape (4,): values and gradients of Σ(out·W)`, () => {
        const ts = golden.minmax_inputs.map((r) => tf.tensor1d(r));
        const W = tf.tensor(c[name].W);
        const f = (...xs: tf.Tensor[]) => tf.sum(tf.mul(op(tf.stack(xs, -1), { beta: c.beta }), W));
        const out = op(tf.stack(ts, -1), { beta: c.beta }).arraySync();
        const grads = tf
          .grads(f)(ts)
          .map((g) => g.arraySync());
        expect(maxViolation(out, c[name].out)).toBe(0);
        expect(maxViolation(grads, c[name].grads, 1e-4, 1e-5)).toBe(0);
        tf.dispose([...ts, W]);
      });
    }
  }
});

describe("relaxed comparisons with any distribution", () => {
  const specs: { distribution: DistributionName; shape?: number }[] = DISTRIBUTION_NAMES.map((d) =>
    d === "gamma" || d === "gamma_rev" ? { distribution: d, shape: 2 } : { distribution: d },
  );

  it("relaxedLess = F((b − a)·β) and relaxedGreater = F((a − b)·β) for every distribution", () => {
    fc.assert(
      fc.property(
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: -3, max: 3, noNaN: true }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        (a, b, beta) => {
          for (const s of specs) {
            const F = getDistribution(s.distribution, { shape: s.shape });
            const lt = relaxedLess([a], [b], { beta, ...s }).dataSync()[0]!;
            const gt = relaxedGreater([a], [b], { beta, ...s }).dataSync()[0]!;
            const zl = Math.fround(Math.fround(Math.fround(b) - Math.fround(a)) * beta);
            const zg = Math.fround(Math.fround(Math.fround(a) - Math.fround(b)) * beta);
            expect(Math.abs(lt - F.cdf(zl)), `${s.distribution} ${zl}`).toBeLessThan(2e-5 + 1e-4 * F.cdf(zl));
            expect(Math.abs(gt - F.cdf(zg)), `${s.distribution} ${zg}`).toBeLessThan(2e-5 + 1e-4 * F.cdf(zg));
          }
        },
      ),
      { numRuns: 15 },
    );
  });

  it("defaults: logistic, β = 10; ≤ equals <, ≥ equals >", () => {
    const p = relaxedLess([0, 1], [0.1, 1]).dataSync();
    expect(p[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(p[1]).toBeCloseTo(0.5, 6);
    expect(Array.from(relaxedLessEqual([0.3], [0.1], { beta: 3, distribution: "cauchy" }).dataSync())).toEqual(
      Array.from(relaxedLess([0.3], [0.1], { beta: 3, distribution: "cauchy" }).dataSync()),
    );
    expect(Array.from(relaxedGreaterEqual([0.3], [0.1]).dataSync())).toEqual(Array.from(relaxedGreater([0.3], [0.1]).dataSync()));
  });

  it("is stable for large β·|a − b| (no NaN, saturates to 0/1)", () => {
    const a = [-1e6, 1e6, 0, 3];
    const b = [1e6, -1e6, 0, 3.5];
    for (const beta of [1e3, 1e6]) {
      for (const op of [relaxedLess, relaxedGreater, relaxedEqual, relaxedNotEqual]) {
        const v = Array.from(op(a, b, { beta }).dataSync());
        expect(
          v.every((x) => x >= 0 && x <= 1),
          `${op.name} ${v}`,
        ).toBe(true);
        const g = tf
          .grad((t: tf.Tensor) => tf.sum(op(t, b, { beta })))(tf.tensor1d(a))
          .dataSync();
        expect(Array.from(g).every(Number.isFinite), `${op.name} grad ${Array.from(g)}`).toBe(true);
      }
      expect(relaxedEqual([5], [5], { beta }).dataSync()[0]).toBe(1);
    }
    const big = catProbEq([[1, 0]], [[0, 1]], { beta: 1e5 }).dataSync()[0]!;
    expect(big).toBeGreaterThanOrEqual(0);
    expect(big).toBeLessThan(1e-30);
  });

  it("broadcasts like tfjs", () => {
    expect(relaxedLess([[1], [2]], [0, 1, 2]).shape).toEqual([2, 3]);
    expect(relaxedEqual(tf.zeros([2, 1, 3]), tf.zeros([4, 1])).shape).toEqual([2, 4, 3]);
    expect(
      cosineSimilarity(
        [
          [1, 0],
          [0, 1],
        ],
        [1, 1],
      ).shape,
    ).toEqual([2]);
  });

  it("gradients match finite differences", () => {
    const a = tf.tensor1d([0.3, -0.2, 1.1, 0.5]);
    const b = tf.tensor1d([0.1, 0.4, 1.0, 0.5]);
    for (const s of [
      ...specs.filter(
        (x) =>
          ![
            "uniform",
            "cubic_hermite",
            "wigner_semicircle",
            "exponential",
            "exponential_rev",
            "gamma",
            "gamma_rev",
            "levy",
            "levy_rev",
            "optimal",
          ].includes(x.distribution),
      ),
    ]) {
      const r = gradCheck((x, y) => relaxedLess(x!, y!, { beta: 2, ...s }), [a, b], { eps: 1e-3 });
      expect(r.ok, `${s.distribution} ${JSON.stringify(r.worst)}`).toBe(true);
    }
    // piecewise / one-sided families: points away from their kinks
    for (const s of specs) {
      const r = gradCheck((x, y) => relaxedGreater(x!, y!, { beta: 0.7, ...s }), [tf.tensor1d([0.37]), tf.tensor1d([-0.41])], {
        eps: 1e-3,
      });
      expect(r.ok, `${s.distribution} ${JSON.stringify(r.worst)}`).toBe(true);
    }
    for (const op of [relaxedEqual, relaxedNotEqual]) {
      const r = gradCheck((x, y) => op(x!, y!, { beta: 3 }), [a, b], { eps: 1e-3 });
      expect(r.ok, `${op.name} ${JSON.stringify(r.worst)}`).toBe(true);
    }
    const u = tf.tensor2d([
      [0.7, 0.2, 0.1],
      [0.1, 0.3, 0.6],
    ]);
    const v = tf.tensor2d([
      [0.5, 0.3, 0.2],
      [0.6, 0.3, 0.1],
    ]);
    for (const f of [
      (x: tf.Tensor, y: tf.Tensor) => catProbEq(x, y, { beta: 2 }),
      (x: tf.Tensor, y: tf.Tensor) => cosineSimilarity(x, y),
    ]) {
      const r = gradCheck((x, y) => tf.mul(f(x!, y!), tf.tensor1d([1, -2])), [u, v], { eps: 1e-3 });
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    }
  });

  it("is leak-free", () => {
    const a = tf.tensor1d([0.3, -0.2]);
    const b = tf.tensor1d([0.1, 0.4]);
    for (const op of [relaxedLess, relaxedGreater, relaxedLessEqual, relaxedGreaterEqual]) {
      expect(countLeakedTensors(() => op(a, b, { distribution: "gaussian" }))).toBe(0);
      expect(countLeakedTensors(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(op(x, y)))([a, b]))).toBe(0);
    }
    for (const op of [relaxedEqual, relaxedNotEqual]) {
      expect(countLeakedTensors(() => op(a, b))).toBe(0);
      expect(countLeakedTensors(() => tf.grad((x: tf.Tensor) => tf.sum(op(x, b)))(a))).toBe(0);
    }
    const u = tf.tensor2d([[0.7, 0.3]]);
    expect(countLeakedTensors(() => catProbEq(u, [[0.5, 0.5]]))).toBe(0);
    expect(countLeakedTensors(() => cosineSimilarity(u, [[0.5, 0.5]]))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((x: tf.Tensor) => tf.sum(catProbEq(x, [[0.5, 0.5]])))(u))).toBe(0);
    tf.dispose([a, b, u]);
  });

  it("rejects bad input with RelaxError", () => {
    for (const op of [relaxedLess, relaxedGreater, relaxedLessEqual, relaxedGreaterEqual, relaxedEqual, relaxedNotEqual]) {
      for (const beta of badPositive)
        expect(() => op([1], [2], { beta: beta as number }), `${op.name} β=${String(beta)}`).toThrow(
          /beta must be (a finite number > 0|a value of the documented type)/,
        );
      expect(() => op([1, 2], [1, 2, 3]), op.name).toThrow(/a and b must be broadcast-compatible shapes, got \[2\] and \[3\]/);
      expect(() => op([1, NaN], [1, 2]), op.name).toThrow(/a must be finite/);
      expect(() => op([1, 2], [Infinity, 2]), op.name).toThrow(/b must be finite/);
      expect(() => op("x" as unknown as number[], [1]), op.name).toThrow(RelaxError);
    }
    expect(() => relaxedLess([1], [2], { distribution: "nope" as DistributionName })).toThrow(/relaxedLess: distribution must be one of/);
    expect(() => relaxedLess([1], [2], { distribution: "gamma", shape: -1 })).toThrow(/shape must be a finite number >= 0/);
    expect(() => catProbEq([[1, 0]], [[1, 0]], { beta: 0 })).toThrow(/beta must be/);
    expect(() => catProbEq([[1, 0]], [[1, 0, 0]])).toThrow(/u and v must be broadcast-compatible/);
    expect(() => cosineSimilarity([[1, NaN]], [[1, 0]])).toThrow(/u must be finite/);
    expect(() => cosineSimilarity([[1, 0]], [[1, 0]], { axis: 3 })).toThrow(/axis must be an integer/);
    expect(() => cosineSimilarity(1, 2)).toThrow(/rank ≥ 1/);
  });
});
