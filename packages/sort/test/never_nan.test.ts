import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  diffSort,
  diffTopK,
  fastSoftRank,
  fastSoftSort,
  lapSumRank,
  lapSumSort,
  lapSumTopK,
  neuralSort,
  rankingLoss,
  softRank,
  softSort,
  softSpearman,
  topKCrossEntropy,
} from "../src/index.js";
import { arr, withReference } from "./helpers.js";

/**
 * Never NaN (torchsort #63 is a NaN report): on VALID input — ties, ±1e30 entries, every parameter from 1e-6 to
 * 1e6 (β, ε, α, τ) — every op of @relax/sort returns finite values and finite gradients, on the fused kernels
 * and on the tfjs reference. (fuzz.test.ts covers invalid input: a RelaxError or a finite result.)
 */
const RUNS = { numRuns: Number(process.env.SORT_NAN_RUNS ?? 25) };
const entry = fc.oneof(
  { arbitrary: fc.constantFrom(-1e30, -1, 0, 0, 0, 1, 1, 1e30), weight: 2 }, // ties and extremes
  { arbitrary: fc.double({ min: -3, max: 3, noNaN: true }), weight: 1 },
);
const matrix = fc
  .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 7 }))
  .chain(([r, n]) => fc.array(fc.array(entry, { minLength: n, maxLength: n }), { minLength: r, maxLength: r }));
/** Log-uniform in [1e-6, 1e6] with the ends drawn often. */
const strength = fc.oneof(
  fc.constantFrom(1e-6, 1e-3, 1, 1e3, 1e6),
  fc.double({ min: -6, max: 6, noNaN: true }).map((e) => 10 ** e),
);

function expectFinite(label: string, values: number[]): void {
  const bad = values.findIndex((v) => !Number.isFinite(v));
  expect(bad, `${label}: ${values[bad]} at ${bad}`).toBe(-1);
}

/** Values and the gradient of sum(out ⊙ W) are finite, fused and reference. */
function finiteEverywhere(label: string, rows: number[][], f: (x: tf.Tensor) => tf.Tensor): void {
  const x = tf.tensor2d(rows);
  try {
    for (const path of ["fused", "reference"] as const) {
      const run = () =>
        tf.tidy(() => {
          const y = f(x);
          const w = tf.tensor(
            arr(y).map((_, i) => Math.sin(1 + 0.7 * i)),
            y.shape,
          );
          return [arr(y), arr(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), w)))(x))];
        });
      const [values, grad] = path === "fused" ? run() : withReference(run);
      expectFinite(`${label} ${path} values`, values as number[]);
      expectFinite(`${label} ${path} gradient`, grad as number[]);
    }
  } finally {
    x.dispose();
  }
}

const DISTRIBUTIONS = ["cauchy", "logistic", "logistic_phi", "gaussian", "reciprocal", "optimal"] as const;

describe("never NaN: finite values and gradients on valid input", () => {
  it("fastSoftSort / fastSoftRank, l2 and kl, at ties and ε from 1e-6 to 1e6 (torchsort #63)", () => {
    fc.assert(
      fc.property(matrix, strength, fc.constantFrom("l2", "kl"), fc.boolean(), (rows, eps, reg, descending) => {
        const o = { regularizationStrength: eps, regularization: reg as "l2" | "kl", descending };
        const x = tf.tensor2d(rows);
        try {
          for (const f of [fastSoftSort, fastSoftRank]) {
            const [v, g] = tf.tidy(() => [arr(f(x, o)), arr(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t, o), tf.sin(t))))(x))]);
            expectFinite(`${f.name} ${JSON.stringify(o)} values`, v as number[]);
            expectFinite(`${f.name} ${JSON.stringify(o)} gradient`, g as number[]);
          }
        } finally {
          x.dispose();
        }
      }),
      RUNS,
    );
  });

  it("diffSort (matrix, values, hard), softRank, diffTopK at β up to 1e6, every relaxation", () => {
    fc.assert(
      fc.property(
        matrix,
        strength,
        fc.constantFrom(...DISTRIBUTIONS),
        fc.constantFrom("odd_even", "bitonic"),
        (rows, beta, distribution, network) => {
          const o = { steepness: beta, distribution, network: network as "odd_even" | "bitonic" };
          finiteEverywhere(`diffSort ${JSON.stringify(o)}`, rows, (x) => {
            const { sorted, permutation } = diffSort(x, o);
            return tf.concat([tf.reshape(sorted, [-1]), tf.reshape(permutation, [-1])]);
          });
          finiteEverywhere(`diffSort hard ${JSON.stringify(o)}`, rows, (x) => diffSort(x, { ...o, hard: true, valuesOnly: true }).sorted);
          finiteEverywhere(`softRank ${JSON.stringify(o)}`, rows, (x) => softRank(x, o));
          finiteEverywhere(`diffTopK ${JSON.stringify(o)}`, rows, (x) => diffTopK(x, 1, { ...o, network: "splitter_selection" }));
        },
      ),
      RUNS,
    );
  });

  it("rankingLoss, softSpearman and topKCrossEntropy at β up to 1e6", () => {
    fc.assert(
      fc.property(matrix, strength, fc.constantFrom(...DISTRIBUTIONS), (rows, beta, distribution) => {
        const n = rows[0]!.length;
        const targets = tf.tensor2d(rows.map((r) => r.map((_, j) => (j * 7) % n)));
        const labels = rows.map((_, b) => b % n);
        try {
          finiteEverywhere("rankingLoss", rows, (x) => rankingLoss(x, targets, { steepness: beta, distribution }));
          finiteEverywhere("softSpearman", rows, (x) => softSpearman(x, targets, { steepness: Math.min(beta, 1e6), distribution }));
          finiteEverywhere("topKCrossEntropy", rows, (x) => topKCrossEntropy(x, labels, { pK: [0.5, 0.5], steepness: beta, distribution }));
        } finally {
          targets.dispose();
        }
      }),
      RUNS,
    );
  });

  it("neuralSort and softSort at τ from 1e-6 to 1e6", () => {
    fc.assert(
      fc.property(matrix, strength, fc.boolean(), (rows, tau, hard) => {
        finiteEverywhere("neuralSort", rows, (x) => neuralSort(x, { tau, hard }).permutation);
        finiteEverywhere("softSort", rows, (x) => softSort(x, { tau, hard }).permutation);
      }),
      RUNS,
    );
  });

  it("lapSumRank / lapSumSort / lapSumTopK at α from 1e-6 to 1e6", () => {
    fc.assert(
      fc.property(matrix, strength, fc.boolean(), (rows, alpha, flag) => {
        const n = rows[0]!.length;
        finiteEverywhere("lapSumRank", rows, (x) => lapSumRank(x, { alpha, descending: flag }));
        finiteEverywhere("lapSumSort", rows, (x) => lapSumSort(x, { alpha, descending: flag }));
        finiteEverywhere("lapSumTopK", rows, (x) => lapSumTopK(x, Math.max(1, n - 1), { alpha, largest: flag }));
      }),
      RUNS,
    );
  });
});
