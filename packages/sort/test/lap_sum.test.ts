import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RelaxError, RelaxLapSum, RelaxLapSumGrad, runFusedKernel, type RelaxLapSumAttrs } from "@relax/core";
import { countLeakedTensors, countLeakedTensorsOnThrow, gradCheck, maxViolation } from "@relax/core/testing";
import { lapSumRank, lapSumSort, lapSumTopK } from "../src/index.js";
import { arr, withReference } from "./helpers.js";

type Op = (x: tf.Tensor, alpha: number) => tf.Tensor;
/** Every op and direction, as `(x, α) → output`. */
const OPS: Record<string, Op> = {
  rank: (x, alpha) => lapSumRank(x, { alpha }),
  rankDesc: (x, alpha) => lapSumRank(x, { alpha, descending: true, oneBased: true }),
  sort: (x, alpha) => lapSumSort(x, { alpha }),
  sortDesc: (x, alpha) => lapSumSort(x, { alpha, descending: true }),
  topk: (x, alpha) => lapSumTopK(x, 2, { alpha }),
  topkSmallest: (x, alpha) => lapSumTopK(x, 1.5, { alpha, largest: false }),
};

/** Rows with entries at least `gap` apart (no ties: ties are kinks of the reference's bisection bracket too). */
const spreadRows = (rows: number, n: number, gap: number) =>
  fc
    .array(fc.array(fc.integer({ min: -40, max: 40 }), { minLength: n, maxLength: n }), { minLength: rows, maxLength: rows })
    .map((m) => m.map((row) => row.map((v, j) => v * gap + 1e-3 * j)));
const weights = (x: tf.Tensor) =>
  tf.tensor(
    arr(x).map((_, i) => Math.sin(1 + 0.7 * i)),
    x.shape,
  );
const lossGrad = (f: (t: tf.Tensor) => tf.Tensor, x: tf.Tensor, w: tf.Tensor) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), w)))(x);

describe("LapSum (Struski et al., ICML 2025): fused kernel vs the tfjs reference", () => {
  for (const [name, op] of Object.entries(OPS)) {
    it(`${name}: values and gradients agree`, () => {
      fc.assert(
        fc.property(spreadRows(3, 6, 0.1), fc.constantFrom(0.05, 0.3, 1, 4), (rows, alpha) => {
          const x = tf.tensor2d(rows);
          const w = weights(x);
          const fused = tf.tidy(() => [arr(op(x, alpha)), arr(lossGrad((t) => op(t, alpha), x, w))]);
          const ref = withReference(() => tf.tidy(() => [arr(op(x, alpha)), arr(lossGrad((t) => op(t, alpha), x, w))]));
          x.dispose();
          w.dispose();
          expect(maxViolation(fused[0], ref[0], 1e-4, 2e-5)).toBe(0);
          expect(maxViolation(fused[1], ref[1], 2e-3, 2e-4)).toBe(0);
        }),
        { numRuns: 12 },
      );
    });
  }

  it("agrees with the reference at ties (the fused kernel and the reference both use the density ½ at 0)", () => {
    const x = tf.tensor2d([
      [1, 1, 1, 0, 2],
      [0, 0, 3, 3, -1],
    ]);
    const w = weights(x);
    for (const op of Object.values(OPS)) {
      const fused = arr(lossGrad((t) => op(t, 0.5), x, w));
      const ref = withReference(() => arr(lossGrad((t) => op(t, 0.5), x, w)));
      expect(maxViolation(fused, ref, 2e-3, 2e-4)).toBe(0);
    }
  });
});

describe("LapSum kernels: the saved argsort", () => {
  it("the gradient kernel gives the same dx with the forward's order and without one ([rows, 0]: it sorts again)", () => {
    const x = tf.tensor2d([
      [0.3, -1.2, 2.0, 0.5, 0.3, -0.1],
      [1.5, 0.2, -0.7, 0.2, 2.4, -1.9],
    ]);
    const dy = weights(x);
    const none = tf.zeros([2, 0], "int32");
    for (const op of ["rank", "sort", "topk"] as const) {
      const attrs: RelaxLapSumAttrs = { op, alpha: 0.4, descending: op === "sort", largest: true, k: 2 };
      const [y, order] = runFusedKernel<tf.Tensor[]>(RelaxLapSum, { x }, attrs) as [tf.Tensor, tf.Tensor];
      expect(order.dtype).toBe("int32");
      expect(arr(order).slice(0, 6)).toEqual([1, 5, 0, 4, 3, 2]);
      const a = arr(runFusedKernel<tf.Tensor>(RelaxLapSumGrad, { x, order, dy }, attrs));
      const b = arr(runFusedKernel<tf.Tensor>(RelaxLapSumGrad, { x, order: none, dy }, attrs));
      expect(a).toEqual(b);
      tf.dispose([y, order]);
    }
    tf.dispose([x, dy, none]);
  });
});

describe("LapSum gradients match finite differences", () => {
  for (const [name, op] of Object.entries(OPS)) {
    it(name, () => {
      const x = tf.tensor2d([
        [0.3, -1.2, 2.0, 0.5, 0.9, -0.1],
        [1.5, 0.2, -0.7, 0.05, 2.4, -1.9],
      ]);
      const w = weights(x);
      for (const alpha of [0.2, 1]) {
        const check = gradCheck((t) => tf.mul(op(t, alpha), w), [x], { eps: 1e-3 });
        expect(check.ok, `${name} α=${alpha}: ${JSON.stringify(check.worst)}`).toBe(true);
      }
    });
  }
});

describe("LapSum properties", () => {
  const row = fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 1, maxLength: 40 });
  const alpha = fc.double({ min: 1e-3, max: 100, noNaN: true });

  it("top-k memberships lie in [0, 1], sum to k and rise with x", () => {
    fc.assert(
      fc.property(row, alpha, fc.double({ min: 0.01, max: 1, noNaN: true }), fc.boolean(), (r, a, frac, largest) => {
        const k = Math.max(1e-2, frac * r.length);
        const p = arr(lapSumTopK(r, k, { alpha: a, largest }));
        const sum = p.reduce((s, v) => s + v, 0);
        expect(Math.abs(sum - k)).toBeLessThanOrEqual(1e-4 * r.length + 1e-4);
        for (const v of p) expect(v >= 0 && v <= 1).toBe(true);
        for (let i = 0; i < r.length; i++)
          for (let j = 0; j < r.length; j++)
            if ((r[i] as number) < (r[j] as number)) expect(largest ? p[i]! <= p[j]! : p[i]! >= p[j]!).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("ranks sum to n(n−1)/2 and keep the order of x; sorted values increase", () => {
    fc.assert(
      fc.property(row, alpha, (r, a) => {
        const n = r.length;
        const ranks = arr(lapSumRank(r, { alpha: a }));
        expect(Math.abs(ranks.reduce((s, v) => s + v, 0) - (n * (n - 1)) / 2)).toBeLessThanOrEqual(1e-4 * n * n + 1e-4);
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (r[i]! < r[j]!) expect(ranks[i]! <= ranks[j]!).toBe(true);
        const s = arr(lapSumSort(r, { alpha: a }));
        for (let j = 1; j < n; j++) expect(s[j]! >= s[j - 1]!).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("α → 0 gives the hard ranks, sort and top-k", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: 1, maxLength: 30 }), fc.boolean(), (r, descending) => {
        const alpha = 1e-4;
        const sorted = [...r].sort((p, q) => (descending ? q - p : p - q));
        const hardRank = r.map((v) => sorted.indexOf(v));
        expect(maxViolation(arr(lapSumRank(r, { alpha, descending })), hardRank, 0, 1e-3)).toBe(0);
        expect(maxViolation(arr(lapSumSort(r, { alpha, descending })), sorted, 0, 1e-3)).toBe(0);
        const k = Math.ceil(r.length / 2);
        const desc = [...r].sort((p, q) => q - p);
        const inTop = r.map((v) => (desc.indexOf(v) < k ? 1 : 0));
        expect(maxViolation(arr(lapSumTopK(r, k, { alpha })), inTop, 0, 1e-3)).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it("shift equivariance through the gradients: J·1 = 1 (sort), 0 (ranks, memberships); constant sums have zero gradient", () => {
    const total = (g: number[]) => g.reduce((p, q) => p + q, 0);
    fc.assert(
      fc.property(row, alpha, (r, a) => {
        const x = tf.tensor1d(r);
        const n = r.length;
        const v = tf.tensor1d(r.map((_, i) => Math.cos(1 + 1.3 * i)));
        const vSum = total(arr(v));
        // vᵀJ·1 = vᵀ(J·1): Σ of the VJP is Σ v for the sort (shifting x shifts every sorted value) and 0 otherwise
        const gs = arr(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(lapSumSort(t, { alpha: a }), v)))(x));
        expect(Math.abs(total(gs) - vSum)).toBeLessThanOrEqual(1e-4 * n);
        const gr = arr(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(lapSumRank(t, { alpha: a }), v)))(x));
        expect(Math.abs(total(gr))).toBeLessThanOrEqual(1e-4 * n * Math.max(1, Math.max(...gr.map(Math.abs))));
        const gt = arr(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(lapSumTopK(t, Math.max(0.5, n / 3), { alpha: a }), v)))(x));
        expect(Math.abs(total(gt))).toBeLessThanOrEqual(1e-4 * n * Math.max(1, Math.max(...gt.map(Math.abs))));
        // Σ ranks and Σ memberships are constants
        const zr = arr(tf.grad((t: tf.Tensor) => tf.sum(lapSumRank(t, { alpha: a })))(x));
        expect(maxViolation(zr, new Array(n).fill(0), 0, 1e-4 * n)).toBe(0);
        const zt = arr(tf.grad((t: tf.Tensor) => tf.sum(lapSumTopK(t, Math.max(0.5, n / 3), { alpha: a })))(x));
        expect(maxViolation(zt, new Array(n).fill(0), 0, 1e-4)).toBe(0);
        tf.dispose([x, v]);
      }),
      { numRuns: 40 },
    );
  });

  it("α → ∞ gives the mean: ranks (n−1)/2, memberships k/n", () => {
    const r = [3, -1, 2, 7];
    expect(maxViolation(arr(lapSumRank(r, { alpha: 1e6 })), [1.5, 1.5, 1.5, 1.5], 0, 1e-4)).toBe(0);
    expect(maxViolation(arr(lapSumTopK(r, 1, { alpha: 1e6 })), [0.25, 0.25, 0.25, 0.25], 0, 1e-4)).toBe(0);
  });

  it("descending is the mirror of ascending; the smallest top-k is the largest top-k of −x", () => {
    const r = [0.3, -1.2, 2.0, 0.5, 0.9];
    const asc = arr(lapSumSort(r, { alpha: 0.3 }));
    expect(maxViolation(arr(lapSumSort(r, { alpha: 0.3, descending: true })), [...asc].reverse(), 1e-6, 1e-6)).toBe(0);
    const rk = arr(lapSumRank(r, { alpha: 0.3 }));
    expect(
      maxViolation(
        arr(lapSumRank(r, { alpha: 0.3, descending: true })),
        rk.map((v) => 4 - v),
        1e-6,
        1e-5,
      ),
    ).toBe(0);
    const neg = r.map((v) => -v);
    expect(maxViolation(arr(lapSumTopK(r, 2, { alpha: 0.3, largest: false })), arr(lapSumTopK(neg, 2, { alpha: 0.3 })), 1e-6, 1e-6)).toBe(
      0,
    );
  });

  it("handles n = 1, k = n, −∞ padding, axis and large n (n = 20 000, O(n log n))", () => {
    expect(arr(lapSumRank([5]))).toEqual([0]);
    expect(arr(lapSumSort([5]))).toEqual([5]);
    expect(arr(lapSumTopK([1, 2, 3], 3))).toEqual([1, 1, 1]);
    const padded = arr(lapSumTopK([1, Number.NEGATIVE_INFINITY, 3, 2], 2, { alpha: 0.01 }));
    expect(maxViolation(padded, [0, 0, 1, 1], 0, 1e-4)).toBe(0);
    // the reference's bracket sits on order statistics, so −1e30 padding costs it no precision
    const paddedRef = withReference(() => arr(lapSumTopK([1, Number.NEGATIVE_INFINITY, 3, 2.5], 2, { alpha: 0.5 })));
    expect(maxViolation(paddedRef, arr(lapSumTopK([1, Number.NEGATIVE_INFINITY, 3, 2.5], 2, { alpha: 0.5 })), 1e-4, 1e-5)).toBe(0);
    const wide = [-1e30, 0.5, 0.2, 1e30, 0.4];
    expect(
      maxViolation(
        withReference(() => arr(lapSumSort(wide, { alpha: 0.1 }))),
        arr(lapSumSort(wide, { alpha: 0.1 })),
        1e-4,
        1e-5,
      ),
    ).toBe(0);
    const g = arr(
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(lapSumTopK(t, 2, { alpha: 1 }), [1, 2, 3, 4])))(
        tf.tensor1d([1, Number.NEGATIVE_INFINITY, 3, 2]),
      ),
    );
    expect(g[1]).toBe(0);
    const cols = tf.tensor2d([
      [3, 0],
      [1, 5],
      [2, 4],
    ]);
    expect(maxViolation(arr(lapSumRank(cols, { alpha: 1e-3, axis: 0 })), [2, 0, 0, 2, 1, 1], 0, 1e-3)).toBe(0);
    const n = 20000;
    const big = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 100);
    const p = lapSumTopK(big, 100, { alpha: 0.01 });
    expect(Math.abs((tf.sum(p).dataSync()[0] as number) - 100)).toBeLessThan(0.05);
  });
});

describe("LapSum bad input and leaks", () => {
  const x = tf.tensor2d([
    [0.3, -1.2, 2.0],
    [1.0, 0.9, -0.4],
  ]);
  const rows = [
    [0.3, -1.2, 2.0],
    [1.0, 0.9, -0.4],
  ];

  const scalar = tf.scalar(1);

  it("throws RelaxError naming the argument", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => lapSumRank(x, { alpha: 0 }), /lapSumRank: options?\.?alpha|alpha/],
      [() => lapSumSort(x, { alpha: -1 }), /alpha/],
      [() => lapSumSort([[1, Number.NaN]]), /x/],
      [() => lapSumRank([[1, 1e31]]), /x/],
      [() => lapSumSort([[1, Number.NEGATIVE_INFINITY]]), /x/],
      [() => lapSumTopK(x, 0), /k/],
      [() => lapSumTopK(x, 4), /k/],
      [() => lapSumTopK(x, Number.NaN), /k/],
      [() => lapSumTopK(x, 1, { alpah: 1 } as never), /did you mean "alpha"/],
      [() => lapSumTopK(x, 1, { descending: true } as never), /descending/],
      [() => lapSumRank(x, { alpha: null } as never), /alpha/],
      [() => lapSumSort(x, { axis: 2 }), /axis/],
      [() => lapSumRank(scalar), /x/],
    ];
    for (const [fn, re] of cases) {
      const { error, leaked } = countLeakedTensorsOnThrow(fn);
      expect(error).toBeInstanceOf(RelaxError);
      expect(String((error as Error).message)).toMatch(re);
      expect(leaked).toBe(0);
    }
  });

  it("leaves exactly the returned tensors, bare, for tensor and array input and through tf.grad", () => {
    for (const op of Object.values(OPS)) {
      expect(countLeakedTensors(() => op(x, 0.5))).toBe(0);
      expect(countLeakedTensors(() => op(rows as unknown as tf.Tensor, 0.5))).toBe(0);
      expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(op(t, 0.5)))(x))).toBe(0);
      expect(countLeakedTensors(() => withReference(() => tf.grad((t: tf.Tensor) => tf.sum(op(t, 0.5)))(x)))).toBe(0);
    }
  });
});
