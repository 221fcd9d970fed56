import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, countLeakedTensorsOnThrow, gradCheck, maxViolation } from "@relax/core/testing";
import { diffSort, diffTopK, type DiffTopKOptions } from "../src/index.js";
import { withReference } from "./helpers.js";

function rowsOf(B: number, n: number, seed: number, kind = 0): tf.Tensor2D {
  const v = new Float32Array(B * n);
  let s = seed >>> 0;
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    v[i] = kind === 0 ? (s / 2 ** 32 - 0.5) * 4 : kind === 1 ? (i % n) * 0.25 : Math.round((s / 2 ** 32) * 3);
  }
  return tf.tensor2d(v, [B, n]);
}

describe("diffTopK: hard, descending, valuesOnly, carry", () => {
  it("accepts every diffSort option key except the permutation-only ones it has no use for", () => {
    const x = rowsOf(1, 5, 1);
    const all = {
      network: "bitonic",
      distribution: "logistic",
      steepness: 5,
      artLambda: 0.3,
      descending: false,
      hard: true,
      axis: -1,
    } as const;
    const r = diffTopK(x, 2, { ...all, valuesOnly: true });
    const c = diffTopK(x, 2, { ...all, carry: x });
    expect(r.shape).toEqual([1, 2]);
    expect(c.shape).toEqual([1, 2]);
    tf.dispose([x, r, c]);
  });

  it("valuesOnly equals the [k, n] matrix times x; carry equals it times y (fast-check, all networks)", () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 2, max: 16 }),
          kFrac: fc.double({ min: 0, max: 1, noNaN: true }),
          d: fc.integer({ min: 1, max: 3 }),
          network: fc.constantFrom("odd_even", "bitonic", "splitter_selection"),
          distribution: fc.constantFrom("cauchy", "logistic", "optimal", "reciprocal"),
          steepness: fc.constantFrom(1, 8, 40),
          descending: fc.boolean(),
          kind: fc.integer({ min: 0, max: 2 }),
          seed: fc.nat(),
        }),
        (c) => {
          const k = 1 + Math.floor(c.kFrac * (c.n - 1));
          const x = rowsOf(2, c.n, c.seed, c.kind);
          const y = tf.reshape(rowsOf(2 * c.n, c.d, c.seed + 1), [2, c.n, c.d]);
          const o: DiffTopKOptions = { network: c.network, distribution: c.distribution, steepness: c.steepness, descending: c.descending };
          const M = diffTopK(x, k, o);
          const v = diffTopK(x, k, { ...o, valuesOnly: true });
          const cy = diffTopK(x, k, { ...o, carry: y });
          const mv = tf.tidy(() => tf.reshape(tf.matMul(M as tf.Tensor3D, tf.reshape(x, [2, c.n, 1])), [2, k]));
          const my = tf.matMul(M as tf.Tensor3D, y);
          try {
            expect(v.shape).toEqual([2, k]);
            expect(cy.shape).toEqual([2, k, c.d]);
            expect(maxViolation(v.dataSync(), mv.dataSync(), 1e-4, 1e-4)).toBeLessThanOrEqual(0);
            expect(maxViolation(cy.dataSync(), my.dataSync(), 1e-4, 1e-4)).toBeLessThanOrEqual(0);
          } finally {
            tf.dispose([x, y, M, v, cy, mv, my]);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it("descending: false selects the k smallest, smallest first; hard is exact forward", () => {
    const x = tf.tensor2d([[0.3, -2, 5, 1, 4]]);
    const big = Array.from(diffTopK(x, 2, { valuesOnly: true, hard: true }).dataSync());
    const small = Array.from(diffTopK(x, 2, { valuesOnly: true, hard: true, descending: false }).dataSync());
    expect(big).toEqual([5, 4]);
    expect(small).toEqual([-2, 0.30000001192092896]);
    const M = diffTopK(x, 2, { hard: true, descending: false });
    expect(Array.from(M.dataSync())).toEqual([0, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
    const soft = diffTopK(x, 2, { steepness: 1e4, descending: false, valuesOnly: true });
    expect(maxViolation(soft.dataSync(), [-2, 0.3], 1e-3, 1e-3)).toBeLessThanOrEqual(0);
    tf.dispose([x, M, soft]);
  });

  it("hard: forward exact, gradient the relaxed one (straight-through, as diffSort)", () => {
    const x = rowsOf(2, 8, 3);
    const W = rowsOf(2, 3, 4);
    for (const network of ["bitonic", "splitter_selection"] as const) {
      const soft = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(diffTopK(z, 3, { network, valuesOnly: true, steepness: 4 }), W)))(x);
      const hard = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(diffTopK(z, 3, { network, valuesOnly: true, hard: true, steepness: 4 }), W)))(x);
      expect(maxViolation(hard.dataSync(), soft.dataSync(), 1e-5, 1e-6)).toBeLessThanOrEqual(0);
      const exact = diffSort(x, { hard: true, descending: true, valuesOnly: true }).sorted;
      const top = diffTopK(x, 3, { network, valuesOnly: true, hard: true });
      expect(Array.from(top.dataSync())).toEqual(Array.from(tf.slice(exact, [0, 0], [2, 3]).dataSync()));
      tf.dispose([soft, hard, exact, top]);
    }
    tf.dispose([x, W]);
  });

  it("fused and reference agree (values, carry, hard matrix) with gradients; finite differences", () => {
    const x = rowsOf(2, 7, 9);
    const y = tf.reshape(rowsOf(14, 2, 10), [2, 7, 2]);
    const cases: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
      ["values", (a) => diffTopK(a, 3, { valuesOnly: true, steepness: 3 })],
      ["values asc splitter", (a) => diffTopK(a, 2, { valuesOnly: true, descending: false, network: "splitter_selection", steepness: 3 })],
      ["carry", (a, b) => diffTopK(a, 3, { carry: b, steepness: 3, network: "odd_even" })],
      ["hard matrix asc", (a) => diffTopK(a, 3, { hard: true, descending: false, steepness: 3 })],
    ];
    for (const [name, f] of cases) {
      const run = () =>
        tf.tidy(() => {
          const [ga, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.add(tf.sum(tf.sin(f(a, b))), tf.mul(tf.sum(b), 0)))([x, y]);
          return [f(x, y).dataSync().slice(), ga!.dataSync().slice(), gb!.dataSync().slice()];
        });
      const fused = run();
      const ref = withReference(run);
      for (let i = 0; i < 3; i++) expect(maxViolation(fused[i], ref[i], 1e-4, 1e-5), `${name} ${i}`).toBeLessThanOrEqual(0);
      if (!name.startsWith("hard")) {
        const g =
          name === "carry"
            ? gradCheck((a, b) => tf.sin(f(a, b)), [x, y], { eps: 1e-3 })
            : gradCheck((a) => tf.sin(f(a, y)), [x], { eps: 1e-3 });
        expect(g.ok, `${name} ${JSON.stringify(g.worst)}`).toBe(true);
      }
    }
    tf.dispose([x, y]);
  });

  it("errors and leaks: bare call, tf.grad, error paths", () => {
    const X = rowsOf(2, 4, 5);
    const Y = tf.ones([2, 4, 3]);
    expect(() => diffTopK(X, 2, { carry: [[1, 2]] })).toThrow(/carry/);
    expect(() => diffTopK(X, 2, { carry: Y, valuesOnly: true })).toThrow(RelaxError);
    expect(() => diffTopK(X, 2, { hard: 1 as never })).toThrow(/hard/);
    for (const f of [
      () => diffTopK(X, 2, { valuesOnly: true, descending: false }),
      () => diffTopK(X, 2, { carry: Y, hard: true }),
      () => diffTopK(X, 2, { hard: true }),
      () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(diffTopK(a, 2, { carry: b })))([X, Y]),
      () => tf.grad((a: tf.Tensor) => tf.sum(diffTopK(a, 2, { valuesOnly: true, hard: true })))(X),
    ])
      expect(countLeakedTensors(f)).toBe(0);
    for (const bad of [
      () => diffTopK(X, 2, { carry: [[1]] }),
      () => tf.grad((a: tf.Tensor) => tf.sum(diffTopK(a, 5, { valuesOnly: true })))(X),
    ]) {
      const { error, leaked } = countLeakedTensorsOnThrow(bad);
      expect(error).toBeInstanceOf(RelaxError);
      expect(leaked).toBe(0);
    }
    tf.dispose([X, Y]);
  });
});
