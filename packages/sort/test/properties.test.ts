import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ComparatorDistribution } from "@relax/core";
import { diffSort } from "../src/diff_sort.js";
import { arr } from "./helpers.js";

const DISTS: ComparatorDistribution[] = ["logistic", "logistic_phi", "gaussian", "reciprocal", "cauchy", "optimal"];
const MONOTONIC: ComparatorDistribution[] = ["reciprocal", "cauchy", "optimal"];
const nets = fc.constantFrom<"odd_even" | "bitonic">("odd_even", "bitonic");
const row = (min: number, max: number) =>
  fc
    .integer({ min, max })
    .chain((n) => fc.array(fc.float({ min: -5, max: 5, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n }));

describe("diffSort properties (fast-check)", () => {
  it("the relaxed permutation is doubly stochastic and sorted = P·x", () => {
    fc.assert(
      fc.property(
        row(1, 20),
        nets,
        fc.constantFrom(...DISTS),
        fc.double({ min: 0.5, max: 100, noNaN: true }),
        (xs, network, distribution, steepness) => {
          tf.tidy(() => {
            const n = xs.length;
            const x = tf.tensor2d([xs]);
            const { sorted, permutation } = diffSort(x, { network, distribution, steepness });
            const rowSums = arr(tf.sum(permutation, 2));
            const colSums = arr(tf.sum(permutation, 1));
            for (const s of [...rowSums, ...colSums]) expect(Math.abs(s - 1)).toBeLessThan(1e-5);
            for (const p of arr(permutation)) expect(p).toBeGreaterThanOrEqual(-1e-7);
            const px = arr(tf.squeeze(tf.matMul(permutation, tf.reshape(x, [1, n, 1]))));
            const sv = arr(sorted);
            px.forEach((v, j) => expect(Math.abs(v - (sv[j] as number))).toBeLessThan(1e-4 * (1 + Math.abs(v))));
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("in the hard limit (steepness 1e6) the output is sorted and P is a permutation", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }).chain((n) => fc.uniqueArray(fc.integer({ min: -1000, max: 1000 }), { minLength: n, maxLength: n })),
        nets,
        fc.constantFrom(...DISTS),
        (ints, network, distribution) => {
          tf.tidy(() => {
            const xs = ints.map((v) => v / 10);
            const { sorted, permutation } = diffSort(tf.tensor1d(xs), { network, distribution, steepness: 1e6 });
            const expected = [...xs].sort((a, b) => a - b);
            arr(sorted).forEach((v, j) => expect(Math.abs(v - (expected[j] as number))).toBeLessThan(1e-3));
            for (const p of arr(permutation)) expect(Math.min(Math.abs(p), Math.abs(1 - p))).toBeLessThan(1e-3);
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it("monotonic relaxations (cauchy, reciprocal, optimal) have no negative Jacobian entry", () => {
    fc.assert(
      fc.property(
        row(2, 12),
        nets,
        fc.constantFrom(...MONOTONIC),
        fc.double({ min: 0.5, max: 50, noNaN: true }),
        (xs, network, distribution, steepness) => {
          tf.tidy(() => {
            const n = xs.length;
            const x = tf.tensor2d([xs]);
            for (let j = 0; j < n; j++) {
              const e = tf.cast(tf.oneHot([j], n), "float32");
              const g = arr(
                tf.grad((z: tf.Tensor) => tf.sum(tf.mul(diffSort(z, { network, distribution, steepness, valuesOnly: true }).sorted, e)))(x),
              );
              for (const v of g) expect(v).toBeGreaterThanOrEqual(-1e-6);
            }
          });
        },
      ),
      { numRuns: 30 },
    );
  });

  it("a non-monotonic relaxation (logistic) does have negative Jacobian entries (as monotonicity.json)", () => {
    tf.tidy(() => {
      const x = tf.tensor2d([[0.3, 0.1, 0.25, -0.2, 0.05, 0.4, -0.1, 0.2]]);
      let negatives = 0;
      for (let j = 0; j < 8; j++) {
        const e = tf.cast(tf.oneHot([j], 8), "float32");
        const g = arr(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(diffSort(z, { distribution: "logistic", steepness: 5 }).sorted, e)))(x));
        negatives += g.filter((v) => v < -1e-7).length;
      }
      expect(negatives).toBeGreaterThan(0);
    });
  });

  it("descending mirrors ascending (positions reversed), values and gradients", () => {
    fc.assert(
      fc.property(row(1, 17), nets, fc.constantFrom(...DISTS), (xs, network, distribution) => {
        tf.tidy(() => {
          const x = tf.tensor2d([xs]);
          const up = diffSort(x, { network, distribution });
          const down = diffSort(x, { network, distribution, descending: true });
          expect(arr(down.sorted)).toEqual(arr(tf.reverse(up.sorted, 1)));
          expect(arr(down.permutation)).toEqual(arr(tf.reverse(up.permutation, 1)));
          const n = xs.length;
          const V = tf.tensor2d([Array.from({ length: n }, (_, j) => Math.cos(j))]);
          const gUp = arr(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.reverse(diffSort(z, { network, distribution }).sorted, 1), V)))(x));
          const gDown = arr(
            tf.grad((z: tf.Tensor) => tf.sum(tf.mul(diffSort(z, { network, distribution, descending: true }).sorted, V)))(x),
          );
          gUp.forEach((g, i) => expect(Math.abs(g - (gDown[i] as number))).toBeLessThan(1e-5 * (1 + Math.abs(g))));
        });
      }),
      { numRuns: 40 },
    );
  });

  it("hard: exact permutation and sorted values forward, relaxed gradient backward", () => {
    fc.assert(
      fc.property(row(1, 20), nets, fc.boolean(), (xs, network, descending) => {
        tf.tidy(() => {
          const x = tf.tensor2d([xs]);
          const { sorted, permutation } = diffSort(x, { network, hard: true, descending });
          const expected = [...xs].map((v) => Math.fround(v)).sort((a, b) => (descending ? b - a : a - b));
          // (+ 0 folds −0 into 0: tied ±0 may come out in either order, and toEqual tells the two zeros apart)
          expect(arr(sorted).map((v) => v + 0)).toEqual(expected.map((v) => v + 0));
          const P = arr(permutation);
          for (const p of P) expect(p === 0 || p === 1).toBe(true);
          expect(arr(tf.sum(permutation, 2)).every((s) => s === 1)).toBe(true);
          expect(arr(tf.sum(permutation, 1)).every((s) => s === 1)).toBe(true);
          const W = tf.randomUniform([1, xs.length, xs.length], -1, 1, "float32", 7);
          const gHard = arr(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(diffSort(z, { network, hard: true, descending }).permutation, W)))(x));
          const gSoft = arr(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(diffSort(z, { network, descending }).permutation, W)))(x));
          gHard.forEach((g, i) => expect(Math.abs(g - (gSoft[i] as number))).toBeLessThan(1e-5 * (1 + Math.abs(g))));
        });
      }),
      { numRuns: 30 },
    );
  });

  it("is numerically stable at steepness 1e6: no NaN/Inf in values, matrix or gradients", () => {
    for (const distribution of DISTS) {
      for (const network of ["odd_even", "bitonic"] as const) {
        tf.tidy(() => {
          const x = tf.tensor2d([[0.3, 0.3, -1e-4, 2, 1e-7, -5, 0.30001]]);
          const { sorted, permutation } = diffSort(x, { network, distribution, steepness: 1e6 });
          const W = tf.randomNormal([1, 7, 7], 0, 1, "float32", 3);
          const g = tf.grad((z: tf.Tensor) => {
            const r = diffSort(z, { network, distribution, steepness: 1e6 });
            return tf.add(tf.sum(tf.mul(r.permutation, W)), tf.sum(r.sorted));
          })(x);
          for (const v of [...arr(sorted), ...arr(permutation), ...arr(g)]) expect(Number.isFinite(v)).toBe(true);
        });
      }
    }
  });
});
