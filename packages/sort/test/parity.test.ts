import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { maxViolation } from "@relax/core/testing";
import type { ComparatorDistribution } from "@relax/core";
import { diffSort } from "../src/diff_sort.js";
import { diffTopK } from "../src/diff_topk.js";
import { softRank } from "../src/soft_rank.js";
import { arr, withReference } from "./helpers.js";

const DISTS: ComparatorDistribution[] = ["logistic", "logistic_phi", "gaussian", "reciprocal", "cauchy", "optimal"];

/** logistic_phi is ill-conditioned at (near-)ties: α' = β/(|x|+1e-10)^λ (golden README exception). */
function wellConditioned(xs: number[][], distribution: ComparatorDistribution): boolean {
  if (distribution !== "logistic_phi") return true;
  return xs.every((row) => row.every((a, i) => row.every((b, j) => i === j || Math.abs(a - b) > 1e-2)));
}

/** Values and gradients of a scalar-reduced op, for parity comparisons. */
function valueAndGrad(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, seed: number): { y: number[]; g: number[] } {
  return tf.tidy(() => {
    const y = f(x);
    const W = tf.randomNormal(y.shape, 0, 1, "float32", seed);
    const g = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(f(z), W)))(x);
    return { y: arr(y), g: arr(g) };
  });
}

function expectParity(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, seed = 1): void {
  const fused = valueAndGrad(f, x, seed);
  const ref = withReference(() => valueAndGrad(f, x, seed));
  expect(maxViolation(fused.y, ref.y, 1e-4, 1e-5)).toBe(0);
  const scale = Math.max(1, ...ref.g.map(Math.abs));
  expect(maxViolation(fused.g, ref.g, 1e-3, 1e-4 * scale)).toBe(0);
}

const inputs = fc.integer({ min: 1, max: 13 }).chain((n) =>
  fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constant(n)).chain(([b, nn]) =>
    fc.array(fc.array(fc.float({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true }), { minLength: nn, maxLength: nn }), {
      minLength: b,
      maxLength: b,
    }),
  ),
);

describe("fused kernels vs the composed-tfjs reference (values and gradients)", () => {
  it("diffSort: permutation and sorted, all networks/distributions/directions", () => {
    fc.assert(
      fc.property(
        inputs,
        fc.constantFrom<"odd_even" | "bitonic">("odd_even", "bitonic"),
        fc.constantFrom(...DISTS),
        fc.boolean(),
        fc.boolean(),
        (xs, network, distribution, descending, wasm) => {
          fc.pre(wellConditioned(xs, distribution));
          const prev = tf.env().getBool("RELAX_SORT_WASM");
          tf.env().set("RELAX_SORT_WASM", wasm);
          try {
            const x = tf.tensor2d(xs);
            const opts = { network, distribution, descending, steepness: 3 };
            expectParity((z) => diffSort(z, opts).permutation, x, 1);
            expectParity((z) => diffSort(z, opts).sorted, x, 2);
            expectParity((z) => diffSort(z, { ...opts, valuesOnly: true }).sorted, x, 3);
            x.dispose();
          } finally {
            tf.env().set("RELAX_SORT_WASM", prev);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("diffTopK and softRank", () => {
    fc.assert(
      fc.property(
        inputs,
        fc.constantFrom<"odd_even" | "bitonic" | "splitter_selection">("odd_even", "bitonic", "splitter_selection"),
        fc.constantFrom(...DISTS),
        (xs, network, distribution) => {
          fc.pre(wellConditioned(xs, distribution));
          const x = tf.tensor2d(xs);
          const n = xs[0]!.length;
          const k = 1 + ((n * 7) % n);
          expectParity((z) => diffTopK(z, k, { network, distribution, steepness: 3 }), x, 4);
          if (network !== "splitter_selection") expectParity((z) => softRank(z, { network, distribution, steepness: 3 }), x, 5);
          x.dispose();
        },
      ),
      { numRuns: 30 },
    );
  });

  it("hard straight-through: same forward and gradient on both paths", () => {
    const x = tf.tensor2d([[0.3, -1, 2, 0.31, 0.5, -0.2]]);
    expectParity((z) => diffSort(z, { hard: true }).permutation, x, 6);
    expectParity((z) => diffSort(z, { hard: true, network: "bitonic", descending: true }).sorted, x, 7);
    x.dispose();
  });

  it("JS loops and WebAssembly SIMD loops agree at n = 128", () => {
    const x = tf.randomNormal([2, 128], 0, 1, "float32", 11);
    for (const network of ["odd_even", "bitonic"] as const) {
      const f = (z: tf.Tensor) => diffSort(z, { network }).permutation;
      const prev = tf.env().getBool("RELAX_SORT_WASM");
      tf.env().set("RELAX_SORT_WASM", false);
      const js = valueAndGrad(f, x, 9);
      tf.env().set("RELAX_SORT_WASM", true);
      const wasm = valueAndGrad(f, x, 9);
      tf.env().set("RELAX_SORT_WASM", prev);
      expect(maxViolation(wasm.y, js.y, 1e-4, 1e-5)).toBe(0);
      expect(maxViolation(wasm.g, js.g, 1e-4, 1e-5)).toBe(0);
    }
    x.dispose();
  });
});
