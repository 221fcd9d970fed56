import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, gradCheck, loadGolden, maxViolation } from "@relax/core/testing";
import { describe, expect, it } from "vitest";
import { fastSoftRank, fastSoftSort } from "../src/index.js";

interface FssCase {
  op: "soft_rank" | "soft_sort";
  n: number;
  regularization: "l2" | "kl";
  regularization_strength: number;
  direction: "ASCENDING" | "DESCENDING";
  inputs: number[][];
  output: number[][];
  grad_x_sum_output_times_V: number[][];
}

const golden = loadGolden<{ cases: FssCase[] }>("sort/fast_soft_sort.json");
const V = (b: number, n: number) => Array.from({ length: n }, (_, j) => Math.cos(0.5 + 0.29 * b + 0.83 * j));
const hasExactTie = (row: number[]) => new Set(row).size < row.length;

describe("fastSoftSort / fastSoftRank (Blondel et al., ICML 2020) vs fast-soft-sort", () => {
  for (const c of golden.cases) {
    const name = `${c.op} n=${c.n} ${c.regularization} ε=${c.regularization_strength} ${c.direction}`;
    it(`matches values and gradients: ${name}`, () => {
      const f = c.op === "soft_rank" ? fastSoftRank : fastSoftSort;
      const options = {
        regularization: c.regularization,
        regularizationStrength: c.regularization_strength,
        descending: c.direction === "DESCENDING",
      };
      const x = tf.tensor2d(c.inputs);
      expect(maxViolation(f(x, options).arraySync(), c.output, 1e-4, 1e-4)).toBe(0);
      const w = tf.tensor2d(c.inputs.map((row, b) => V(b, row.length)));
      const g = (tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t, options), w)))(x) as tf.Tensor2D).arraySync();
      if (c.op === "soft_sort" && c.regularization === "kl") {
        // The reference's soft_sort KL vjp weights a pooled block by softmax of (n…1)/ε, not of the sorted
        // values the output depends on, so it is not the gradient of its own forward pass (central differences
        // of the reference's forward in float64 agree with us, e.g. n=2, ε=1, x=[1, −1]: [0.0780, 0.5766]
        // vs its vjp [0.1761, 0.4786]). We return the true gradient and check it against finite differences.
        // Finite differences need room around the point: rows with (near-)ties sit next to a kink, and the
        // evenly spaced row puts PAV blocks exactly on their merge boundary, so check a slightly moved point.
        c.inputs.forEach((row, b) => {
          const sorted = [...row].sort((p, q) => p - q);
          if (sorted.some((v, i) => i > 0 && v - (sorted[i - 1] as number) < 1e-2)) return;
          const moved = row.map((v, j) => v + 0.01 * Math.sin(1 + j));
          const check = gradCheck((t) => tf.mul(f(t, options), [V(b, row.length)]), [tf.tensor2d([moved])], { eps: 1e-3 });
          expect(check.ok, `row ${b}: ${JSON.stringify(check.worst)}`).toBe(true);
        });
        return;
      }
      // Rows with an exact tie sit on a kink; which tied input gets which share follows numpy's argsort order.
      c.inputs.forEach((row, b) => {
        if (!hasExactTie(row)) expect(maxViolation(g[b], c.grad_x_sum_output_times_V[b], 1e-4, 1e-4), `row ${b}`).toBe(0);
      });
    });
  }

  it("has gradients that match finite differences", () => {
    const x = tf.tensor2d([[0.3, -1.2, 0.9, 0.35, 2.0]]);
    for (const regularization of ["l2", "kl"] as const) {
      for (const f of [fastSoftSort, fastSoftRank]) {
        expect(
          gradCheck((t) => tf.mul(f(t, { regularization, regularizationStrength: 0.7 }), [[1, -2, 0.5, 3, 1]]), [x], { eps: 1e-3 }).ok,
        ).toBe(true);
      }
    }
  });

  it("tends to the hard sort and ranks as ε → 0, keeps leading batch dims and the axis", () => {
    const x = tf.tensor3d([
      [
        [3, 1, 2],
        [0, -1, 5],
      ],
    ]);
    expect(
      maxViolation(
        fastSoftSort(x, { regularizationStrength: 1e-3 }).arraySync(),
        [
          [
            [1, 2, 3],
            [-1, 0, 5],
          ],
        ],
        0,
        1e-6,
      ),
    ).toBe(0);
    expect(
      maxViolation(
        fastSoftRank(x, { regularizationStrength: 1e-3 }).arraySync(),
        [
          [
            [3, 1, 2],
            [2, 1, 3],
          ],
        ],
        0,
        1e-6,
      ),
    ).toBe(0);
    expect(
      maxViolation(
        fastSoftRank(x, { regularizationStrength: 1e-3, axis: 1 }).arraySync(),
        [
          [
            [2, 2, 1],
            [1, 1, 2],
          ],
        ],
        0,
        1e-6,
      ),
    ).toBe(0);
  });

  it("is leak-free", () => {
    const x = tf.tensor2d([[0.3, -1.2, 0.9]]);
    expect(countLeakedTensors(() => fastSoftSort(x))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(fastSoftRank(t, { regularization: "kl" })))(x))).toBe(0);
  });

  it("rejects bad input with RelaxError", () => {
    expect(() => fastSoftSort([[1, NaN]])).toThrow(/x must be finite/);
    expect(() => fastSoftSort([1, 2], { regularizationStrength: 0 })).toThrow(/regularizationStrength must be a finite number > 0/);
    expect(() => fastSoftRank([1, 2], { regularization: "entropy" as never })).toThrow(RelaxError);
    expect(() => fastSoftRank(5 as never)).toThrow(/rank ≥ 1/);
  });
});
