import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import {
  RelaxError,
  COMPARATOR_DISTRIBUTIONS,
  comparatorSigmoid,
  ifElse,
  relaxedLess,
  relaxedSwap,
  relaxedSwapLayer,
  softArgMax,
  softArgMin,
  softMax,
  softMin,
  catProbEq,
  editDistance,
} from "../src/index.js";
import { badPositive, countLeakedTensors, gradCheck, loadGolden, maxViolation } from "../src/testing/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("ifElse", () => {
  it("merges p·then + (1 − p)·else with p [batch] broadcast over trailing dims", () => {
    const y = ifElse(
      [0.25, 1],
      [
        [4, 8],
        [1, 2],
      ],
      [
        [0, 0],
        [9, 9],
      ],
    ).arraySync();
    expect(y).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(ifElse(0.5, [2, 4], 0).arraySync()).toEqual([1, 2]);
    expect(ifElse([[0.5, 1]], tf.ones([1, 2, 3]), tf.zeros([1, 2, 3])).shape).toEqual([1, 2, 3]);
  });

  it("reproduces AlgoVision `if a < b: y = ab + 1 else y = a²` (golden while_if.json, values and gradients)", () => {
    const g = loadGolden<{ if_cases: { beta: number; a: number[]; b: number[]; y: number[]; grad_a: number[]; grad_b: number[] }[] }>(
      "algo/while_if.json",
    );
    expect(g.if_cases.length).toBeGreaterThan(0);
    for (const c of g.if_cases) {
      const f = (a: tf.Tensor, b: tf.Tensor) => ifElse(relaxedLess(a, b, { beta: c.beta }), tf.add(tf.mul(a, b), 1), tf.square(a));
      const a = tf.tensor1d(c.a);
      const b = tf.tensor1d(c.b);
      expect(maxViolation(f(a, b).arraySync(), c.y)).toBe(0);
      const [ga, gb] = tf
        .grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(f(x, y)))([a, b])
        .map((t) => t.arraySync());
      expect(maxViolation(ga, c.grad_a, 1e-4, 1e-5)).toBe(0);
      expect(maxViolation(gb, c.grad_b, 1e-4, 1e-5)).toBe(0);
    }
  });

  it("gradients (w.r.t. p and both branches) match finite differences", () => {
    const p = tf.tensor1d([0.2, 0.7, 0.5]);
    const t = tf.tensor2d([
      [1, 2],
      [3, -1],
      [0.5, 0.25],
    ]);
    const e = tf.tensor2d([
      [-1, 0],
      [2, 2],
      [1, 4],
    ]);
    const w = tf.tensor2d([
      [1, 2],
      [-1, 0.5],
      [3, 1],
    ]);
    const r = gradCheck((pp, tt, ee) => tf.mul(ifElse(pp!, tt!, ee!), w), [p, t, e], { eps: 1e-3 });
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    tf.dispose([p, t, e, w]);
  });

  it("is leak-free", () => {
    const p = tf.tensor1d([0.2, 0.7]);
    const t = tf.ones([2, 3]);
    expect(countLeakedTensors(() => ifElse(p, t, 0))).toBe(0);
    expect(countLeakedTensors(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(ifElse(a, b, 0)))([p, t]))).toBe(0);
    tf.dispose([p, t]);
  });

  it("rejects bad input with RelaxError", () => {
    expect(() => ifElse([0.5, 1.5], [1, 2], [3, 4])).toThrow(/ifElse: p must be in \[0, 1\], got 1.5/);
    expect(() => ifElse([-0.1], [1], [3])).toThrow(RelaxError);
    expect(() => ifElse([NaN], [1], [3])).toThrow(/p must be finite/);
    expect(() => ifElse([0.5], [NaN], [3])).toThrow(/thenValue must be finite/);
    expect(() => ifElse([0.5, 0.5], [[1, 2, 3]], [[1, 2]])).toThrow(/thenValue and elseValue must be broadcast-compatible/);
    expect(() =>
      ifElse(
        [0.5, 0.5, 0.5],
        [
          [1, 2],
          [3, 4],
        ],
        0,
      ),
    ).toThrow(/p must be of shape \[batch\] matching the leading dimensions/);
    expect(() => ifElse([[0.5]], [1], [2])).toThrow(RelaxError);
    expect(() => ifElse("p" as unknown as number, [1], [2])).toThrow(RelaxError);
  });
});

describe("relaxedSwap", () => {
  it("is the comparator of one pair: equals relaxedSwapLayer on [a, b]", () => {
    for (const distribution of COMPARATOR_DISTRIBUTIONS) {
      const opts = { distribution, steepness: 3 };
      const a = [0.3, 2, -1, 0.1];
      const b = [-0.2, 1, 0.5, 0.1];
      const { min, max } = relaxedSwap(a, b, opts);
      const { y } = relaxedSwapLayer(tf.tensor2d(a.map((v, i) => [v, b[i]!])), { lo: [0], hi: [1] }, opts);
      const ya = y.arraySync();
      expect(
        maxViolation(
          min.arraySync(),
          ya.map((r) => r[0]!),
          1e-5,
          1e-6,
        ),
      ).toBe(0);
      expect(
        maxViolation(
          max.arraySync(),
          ya.map((r) => r[1]!),
          1e-5,
          1e-6,
        ),
      ).toBe(0);
    }
  });

  it("preserves the sum and orders the pair for large steepness", () => {
    fc.assert(
      fc.property(fc.double({ min: -100, max: 100, noNaN: true }), fc.double({ min: -100, max: 100, noNaN: true }), (a, b) => {
        const { min, max } = relaxedSwap([a], [b], { steepness: 1e4, distribution: "logistic" });
        const lo = min.dataSync()[0]!;
        const hi = max.dataSync()[0]!;
        expect(Math.abs(lo + hi - Math.fround(a) - Math.fround(b))).toBeLessThan(1e-3 * (1 + Math.abs(a) + Math.abs(b)));
        expect(lo).toBeLessThanOrEqual(hi + 1e-3);
      }),
      { numRuns: 50 },
    );
  });

  it("gradients match finite differences; leak-free", () => {
    const a = tf.tensor1d([0.3, 2, -1]);
    const b = tf.tensor1d([-0.2, 1.5, 0.5]);
    for (const distribution of COMPARATOR_DISTRIBUTIONS) {
      const r = gradCheck(
        (x, y) => {
          const { min, max } = relaxedSwap(x!, y!, { distribution, steepness: 2 });
          return tf.add(tf.mul(min, tf.tensor1d([1, 2, 3])), tf.mul(max, tf.tensor1d([-1, 0.5, 2])));
        },
        [a, b],
        { eps: 1e-3 },
      );
      expect(r.ok, `${distribution} ${JSON.stringify(r.worst)}`).toBe(true);
    }
    expect(countLeakedTensors(() => relaxedSwap(a, b))).toBe(0);
    expect(countLeakedTensors(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(relaxedSwap(x, y).max))([a, b]))).toBe(0);
    expect(comparatorSigmoid("t", {}).distribution).toBe("cauchy");
  });

  it("rejects bad input with RelaxError", () => {
    expect(() => relaxedSwap([1, 2], [1, 2, 3])).toThrow(/a and b must be broadcast-compatible/);
    expect(() => relaxedSwap([1], [NaN])).toThrow(/b must be finite/);
    expect(() => relaxedSwap([1], [2], { steepness: 0 })).toThrow(/relaxedSwap: steepness must be a finite number > 0/);
    expect(() => relaxedSwap([1], [2], { distribution: "nope" as never })).toThrow(/distribution must be one of/);
  });
});

describe("softMin / softMax / softArgMin / softArgMax", () => {
  const OPS = [softMin, softMax, softArgMin, softArgMax];

  it("matches the definitions along any axis", () => {
    const x = [
      [0, 1, 2],
      [3, -1, 0.5],
    ];
    const w = softArgMin(x, { beta: 1 }).arraySync() as number[][];
    const ref = x.map((r) => {
      const e = r.map((v) => Math.exp(-v));
      const s = e.reduce((p, c) => p + c, 0);
      return e.map((v) => v / s);
    });
    expect(maxViolation(w, ref, 1e-5, 1e-7)).toBe(0);
    expect(
      maxViolation(
        softMin(x, { beta: 1 }).arraySync(),
        ref.map((r, i) => r.reduce((p, c, j) => p + c * x[i]![j]!, 0)),
        1e-5,
        1e-6,
      ),
    ).toBe(0);
    // axis 0 equals the transposed last-axis result
    const xt = tf.transpose(tf.tensor2d(x));
    expect(maxViolation(softMax(x, { beta: 2, axis: 0 }).arraySync(), softMax(xt, { beta: 2 }).arraySync(), 1e-6, 1e-6)).toBe(0);
    expect(
      maxViolation(softArgMax(x, { beta: 2, axis: 0 }).arraySync(), tf.transpose(softArgMax(xt, { beta: 2 })).arraySync(), 1e-6, 1e-7),
    ).toBe(0);
  });

  it("is stable for large β (no overflow) and tends to the hard min / max", () => {
    const x = [
      [3, 1, 2, 1e4],
      [-5e3, 7, 7, 0],
    ];
    const mn = softMin(x, { beta: 1e6 }).dataSync();
    const mx = softMax(x, { beta: 1e6 }).dataSync();
    expect(Array.from(mn)).toEqual([1, -5e3]);
    expect(Array.from(mx)).toEqual([1e4, 7]);
    const am = softArgMax(x, { beta: 1e6 }).arraySync();
    expect(am).toEqual([
      [0, 0, 0, 1],
      [0, 0.5, 0.5, 0],
    ]);
    for (const op of OPS) {
      const g = tf
        .grad((t: tf.Tensor) => tf.sum(tf.mul(op(t, { beta: 1e6 }), 1.5)))(tf.tensor2d(x))
        .dataSync();
      expect(Array.from(g).every(Number.isFinite), op.name).toBe(true);
    }
  });

  it("gradients match finite differences", () => {
    const x = tf.tensor2d([
      [0.3, -0.2, 0.8, 0.1],
      [1.5, 1.2, -0.4, 0.0],
    ]);
    for (const op of OPS) {
      for (const axis of [-1, 0]) {
        const out = op(x, { beta: 2, axis });
        const w = tf.randomUniform(out.shape, -1, 1, "float32", 7);
        const r = gradCheck((t) => tf.mul(op(t!, { beta: 2, axis }), w), [x], { eps: 1e-3 });
        expect(r.ok, `${op.name} axis ${axis} ${JSON.stringify(r.worst)}`).toBe(true);
      }
    }
  });

  it("is leak-free", () => {
    const x = tf.tensor2d([
      [0.3, -0.2, 0.8],
      [1.5, 1.2, -0.4],
    ]);
    for (const op of OPS) {
      expect(countLeakedTensors(() => op(x))).toBe(0);
      expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(op(t, { axis: 0 })))(x))).toBe(0);
    }
    x.dispose();
  });

  it("rejects bad input with RelaxError", () => {
    for (const op of OPS) {
      for (const beta of badPositive)
        expect(() => op([[1, 2]], { beta: beta as number }), `${op.name} ${String(beta)}`).toThrow(
          /beta must be (a finite number > 0|a value of the documented type)/,
        );
      expect(() => op([[1, NaN]]), op.name).toThrow(/x must be finite/);
      expect(() => op([[1, 2]], { axis: 2 }), op.name).toThrow(/axis must be an integer in \[-2, 1\], got 2/);
      expect(() => op(3), op.name).toThrow(/rank ≥ 1/);
      expect(() => op(tf.zeros([2, 0])), op.name).toThrow(RelaxError);
      expect(() => op("x" as unknown as number[]), op.name).toThrow(RelaxError);
    }
  });
});

describe("softMin / softMax: steepness, and beta as its deprecated name", () => {
  it("both names give the same numbers; passing both is a RelaxError", () => {
    const x = tf.tensor2d([[3, 1, 2]]);
    expect(softMin(x, { steepness: 2 }).arraySync()).toEqual(softMin(x, { beta: 2 }).arraySync());
    expect(softArgMax(x, { steepness: 2 }).arraySync()).toEqual(softArgMax(x, { beta: 2 }).arraySync());
    expect(() => softMax(x, { steepness: 2, beta: 2 })).toThrow(/softMax: steepness must be given once/);
    expect(() => softMax(x, { steepnes: 2 } as never)).toThrow(/did you mean "steepness"/);
    x.dispose();
  });
  it("editDistance and catProbEq take steepness too", () => {
    const u = tf.tensor2d([[0.1, 0.1, 0.8]]);
    const v = tf.tensor2d([[0.8, 0.1, 0.1]]);
    expect(catProbEq(u, v, { steepness: 3 }).arraySync()).toEqual(catProbEq(u, v, { beta: 3 }).arraySync());
    const a = tf.tensor3d([
      [
        [1, 0],
        [0, 1],
      ],
    ]);
    const b = tf.tensor3d([
      [
        [0, 1],
        [0, 1],
      ],
    ]);
    expect(editDistance(a, b, { steepness: 4 }).arraySync()).toEqual(editDistance(a, b, { beta: 4 }).arraySync());
    expect(() => editDistance(a, b, { steepness: 4, beta: 4 })).toThrow(/editDistance: steepness must be given once/);
    tf.dispose([u, v, a, b]);
  });
});
