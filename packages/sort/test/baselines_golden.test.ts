import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { loadGolden, maxViolation } from "@relax/core/testing";
import { neuralSort } from "../src/neural_sort.js";
import { softSort } from "../src/soft_sort.js";
import { transposeLast, wPapers } from "./helpers.js";

interface BaseCase {
  method: "neuralsort" | "softsort";
  n: number;
  tau: number;
  inputs: number[][];
  P: number[][][];
  grad_x_sum_P_times_W: number[][];
}

describe("NeuralSort / SoftSort golden parity (difftopk)", () => {
  const file = loadGolden<{ cases: BaseCase[] }>("sort/neuralsort_softsort.json");
  const parse = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
  for (const c0 of file.cases) {
    const c = {
      ...c0,
      n: Number(c0.n),
      tau: Number(c0.tau),
      inputs: parse(c0.inputs) as number[][],
      P: parse(c0.P) as number[][][],
      grad: parse(c0.grad_x_sum_P_times_W) as number[][],
    };
    it(`${c.method} n=${c.n} τ=${c.tau}`, () => {
      const fn = c.method === "neuralsort" ? neuralSort : softSort;
      const { P, g } = tf.tidy(() => {
        const x = tf.tensor2d(c.inputs);
        const W = wPapers(c.inputs.length, c.n);
        return {
          P: transposeLast(fn(x, c.tau).permutation.arraySync() as number[][][]),
          g: tf
            .grad((z: tf.Tensor) => tf.sum(tf.mul(fn(z, c.tau).permutation, W)))(x)
            .arraySync() as number[][],
        };
      });
      expect(maxViolation(P, c.P, 0, 1e-5)).toBe(0);
      // Row 2 holds an exact tie: at ties both orders are equally right; compare rows 0 and 1 strictly.
      for (const r of [0, 1]) {
        const e = c.grad[r];
        expect(maxViolation(g[r], e, 1e-4, Math.max(1e-5, 2e-6 * Math.max(...(e ?? []).map(Math.abs)))), `grad row ${r}`).toBe(0);
      }
    });
  }
});
