import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, countLeakedTensorsOnThrow, gradCheck, maxViolation } from "@relax/core/testing";
import { diffSort, diffUnsort, softRank, type DiffSortOptions } from "../src/index.js";
import { withReference } from "./helpers.js";

const DISTS = ["cauchy", "reciprocal", "optimal", "logistic", "logistic_phi", "gaussian"] as const;

/** `[B, n]` inputs of a few shapes of distribution: random, monotonic runs, ties, wide spreads. */
function inputs(B: number, n: number, kind: number, seed: number): tf.Tensor2D {
  const v = new Float32Array(B * n);
  let s = seed >>> 0;
  const rnd = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  for (let i = 0; i < B * n; i++) {
    const j = i % n;
    v[i] = kind === 0 ? rnd() * 4 : kind === 1 ? j * 0.3 : kind === 2 ? (n - j) * 0.7 : kind === 3 ? Math.round(rnd() * 3) : rnd() * 200;
  }
  return tf.tensor2d(v, [B, n]);
}

/** permutation · y with the explicit matrix (the definition the kernel is held to). */
function viaMatrix(x: tf.Tensor, y: tf.Tensor, o: DiffSortOptions, transpose = false): Float32Array {
  return tf.tidy(() => {
    const P = diffSort(x, { ...o, carry: undefined }).permutation;
    const y3 = y.rank === x.rank ? tf.expandDims(y, -1) : y;
    const r = tf.matMul(P as tf.Tensor3D, y3 as tf.Tensor3D, transpose, false);
    return r.dataSync() as Float32Array;
  });
}

describe("diffSort carry: P · y without forming P", () => {
  it("equals permutation · y (fast-check over n, d, networks, distributions incl. monotonic, steepness, inputs)", () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 17 }),
          d: fc.integer({ min: 1, max: 5 }),
          B: fc.integer({ min: 1, max: 3 }),
          network: fc.constantFrom("odd_even", "bitonic"),
          distribution: fc.constantFrom(...DISTS),
          steepness: fc.constantFrom(0.5, 3, 10, 60),
          descending: fc.boolean(),
          kind: fc.integer({ min: 0, max: 4 }),
          seed: fc.integer({ min: 0, max: 1 << 20 }),
        }),
        (c) => {
          const x = inputs(c.B, c.n, c.kind, c.seed);
          const y = tf.reshape(inputs(c.B * c.n, c.d, 0, c.seed + 7), [c.B, c.n, c.d]);
          const o: DiffSortOptions = { network: c.network, distribution: c.distribution, steepness: c.steepness, descending: c.descending };
          const r = diffSort(x, { ...o, carry: y });
          const u = diffUnsort(x, y, o);
          try {
            expect(r.carried.shape).toEqual([c.B, c.n, c.d]);
            expect(maxViolation(r.carried.dataSync(), viaMatrix(x, y, o), 1e-4, 1e-4)).toBeLessThanOrEqual(0);
            expect(maxViolation(u.dataSync(), viaMatrix(x, y, o, true), 1e-4, 1e-4)).toBeLessThanOrEqual(0);
          } finally {
            tf.dispose([x, y, r.sorted, r.permutation, r.carried, u]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("fused kernel and reference agree, forward and both gradients (hard and soft, both directions)", () => {
    const x = inputs(3, 9, 0, 11);
    const y = tf.reshape(inputs(27, 4, 0, 12), [3, 9, 4]);
    const W = tf.reshape(inputs(27, 4, 0, 13), [3, 9, 4]);
    for (const network of ["odd_even", "bitonic"] as const)
      for (const hard of [false, true])
        for (const descending of [false, true])
          for (const unsort of [false, true]) {
            const o = { network, hard, descending, steepness: 4 };
            const f = (a: tf.Tensor, b: tf.Tensor) =>
              tf.sum(tf.mul(unsort ? diffUnsort(a, b, o) : diffSort(a, { ...o, carry: b, valuesOnly: true }).carried, W));
            const run = () =>
              tf.tidy(() => {
                const value = (unsort ? diffUnsort(x, y, o) : diffSort(x, { ...o, carry: y, valuesOnly: true }).carried).dataSync().slice();
                const [gx, gy] = tf.grads(f)([x, y]);
                return [value, gx!.dataSync().slice(), gy!.dataSync().slice()];
              });
            const fused = run();
            const ref = withReference(run);
            const what = `${network} hard=${hard} desc=${descending} unsort=${unsort}`;
            for (let i = 0; i < 3; i++) expect(maxViolation(fused[i], ref[i], 1e-4, 1e-5), `${what} output ${i}`).toBeLessThanOrEqual(0);
          }
    tf.dispose([x, y, W]);
  });

  it("hard: the exact argsort of the carried rows forward", () => {
    const x = tf.tensor2d([[0.3, -2, 5, 1]]);
    const y = tf.tensor3d([
      [
        [1, 10],
        [2, 20],
        [3, 30],
        [4, 40],
      ],
    ]);
    const r = diffSort(x, { carry: y, hard: true, valuesOnly: true });
    expect(Array.from(r.carried.dataSync())).toEqual([2, 20, 1, 10, 4, 40, 3, 30]);
    const d = diffSort(x, { carry: y, hard: true, descending: true, valuesOnly: true });
    expect(Array.from(d.carried.dataSync())).toEqual([3, 30, 4, 40, 1, 10, 2, 20]);
    const u = diffUnsort(x, tf.tensor2d([[0, 1, 2, 3]]), { hard: true });
    expect(Array.from(u.dataSync())).toEqual([1, 0, 3, 2]);
    tf.dispose([x, y, r.sorted, r.carried, d.sorted, d.carried, u]);
  });

  it("carry = x reproduces the sorted values; unsort of 0..n−1 reproduces softRank", () => {
    const x = inputs(2, 12, 0, 5);
    const r = diffSort(x, { carry: x, network: "bitonic" });
    expect(maxViolation(r.carried.dataSync(), r.sorted.dataSync(), 1e-5, 1e-5)).toBeLessThanOrEqual(0);
    const idx = tf.tile(tf.reshape(tf.range(0, 12), [1, 12]), [2, 1]);
    const u = diffUnsort(x, idx, { descending: true });
    const sr = softRank(x, { descending: true });
    expect(maxViolation(u.dataSync(), sr.dataSync(), 1e-4, 1e-4)).toBeLessThanOrEqual(0);
    tf.dispose([x, r.sorted, r.permutation, r.carried, idx, u, sr]);
  });

  it("gradients to x and y match finite differences (fused kernel)", () => {
    for (const [network, distribution, descending] of [
      ["odd_even", "cauchy", false],
      ["bitonic", "logistic", true],
      ["odd_even", "optimal", true],
    ] as const) {
      const x = tf.tensor2d([[0.3, -0.2, 0.5, 0.1, -0.4, 0.9]]);
      const y = tf.reshape(inputs(6, 3, 0, 3), [1, 6, 3]);
      const W = tf.reshape(inputs(6, 3, 0, 4), [1, 6, 3]);
      const o = { network, distribution, descending, steepness: 3 };
      const r = gradCheck((a, b) => tf.mul(diffSort(a, { ...o, carry: b, valuesOnly: true }).carried, W), [x, y], { eps: 1e-3 });
      expect(r.ok, `${network} ${distribution} ${JSON.stringify(r.worst)}`).toBe(true);
      const u = gradCheck((a, b) => tf.mul(diffUnsort(a, b, o), W), [x, y], { eps: 1e-3 });
      expect(u.ok, `unsort ${network} ${JSON.stringify(u.worst)}`).toBe(true);
      tf.dispose([x, y, W]);
    }
  });

  it("axis and [..., n] carry: y of x's shape, sorted along axis 0 of a [n, B] x", () => {
    const x = inputs(2, 5, 0, 21);
    const y = inputs(2, 5, 0, 22);
    const xt = tf.transpose(x);
    const yt = tf.transpose(y);
    const a = diffSort(x, { carry: y }).carried;
    const b = diffSort(xt, { carry: yt, axis: 0 }).carried;
    expect(b.shape).toEqual([5, 2]);
    expect(maxViolation(tf.transpose(b).dataSync(), a.dataSync(), 1e-6, 1e-6)).toBeLessThanOrEqual(0);
    const y4 = tf.stack([yt, tf.neg(yt)], 2); // [5, 2, 2]: d = 2 along the last axis
    const c = diffSort(xt, { carry: y4, axis: 0 }).carried;
    expect(c.shape).toEqual([5, 2, 2]);
    expect(maxViolation(tf.squeeze(tf.slice(c, [0, 0, 0], [5, 2, 1]), [2]).dataSync(), b.dataSync(), 1e-6, 1e-6)).toBeLessThanOrEqual(0);
    tf.dispose([x, y, xt, yt, a, b, y4, c]);
  });
});

describe("carry: errors and leaks", () => {
  const X = tf.tensor2d([
    [0.3, -1.2, 2.0, 0.5],
    [1.0, 0.9, -0.4, 0.0],
  ]);
  const Y = tf.ones([2, 4, 3]);
  afterAll(() => tf.dispose([X, Y]));

  it("a carry of another shape, or NaN in it, is a RelaxError naming the argument", () => {
    expect(() => diffSort(X, { carry: tf.ones([2, 5]) })).toThrow(RelaxError);
    expect(() => diffSort(X, { carry: [[1, 2, 3, 4]] })).toThrow(/carry/);
    expect(() =>
      diffSort(X, {
        carry: [
          [1, 2, 3, Number.NaN],
          [1, 2, 3, 4],
        ],
      }),
    ).toThrow(/carry/);
    expect(() => diffUnsort(X, tf.ones([2, 4, 3, 1]))).toThrow(/"z"|z/);
    expect(() => diffUnsort(X, Y, { valuesOnly: true } as never)).toThrow(RelaxError);
  });

  it("bare call, tf.grad and error paths leave nothing", () => {
    expect(countLeakedTensors(() => diffSort(X, { carry: Y }))).toBe(0);
    expect(countLeakedTensors(() => diffSort(X, { carry: Y, valuesOnly: true, hard: true }))).toBe(0);
    expect(
      countLeakedTensors(() =>
        diffUnsort(X, [
          [1, 2, 3, 4],
          [4, 3, 2, 1],
        ]),
      ),
    ).toBe(0);
    expect(
      countLeakedTensors(() =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(diffSort(a, { carry: b, valuesOnly: true }).carried))([X, Y]),
      ),
    ).toBe(0);
    expect(countLeakedTensors(() => tf.grad((a: tf.Tensor) => tf.sum(diffUnsort(a, Y, { hard: true })))(X))).toBe(0);
    expect(
      countLeakedTensors(() =>
        withReference(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(diffSort(a, { carry: b }).carried))([X, Y])),
      ),
    ).toBe(0);
    for (const bad of [
      () => diffSort(X, { carry: [[1, 2, 3, 4]] }),
      () => tf.grad((a: tf.Tensor) => tf.sum(diffSort(a, { carry: [[1]] }).sorted))(X),
      () =>
        diffUnsort(X, [
          [Number.NaN, 1, 2, 3],
          [1, 2, 3, 4],
        ]),
    ]) {
      const { error, leaked } = countLeakedTensorsOnThrow(bad);
      expect(error).toBeInstanceOf(RelaxError);
      expect(leaked).toBe(0);
    }
  });
});
