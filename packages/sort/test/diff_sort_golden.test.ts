import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { loadGolden, maxViolation } from "@relax/core/testing";
import type { ComparatorDistribution } from "@relax/core";
import { diffSort } from "../src/diff_sort.js";
import { getNetwork } from "../src/networks.js";
import { arr, transposeLast, vMat, wPapers, withReference } from "./helpers.js";

interface SortCase {
  distribution: ComparatorDistribution;
  steepness: number;
  art_lambda: number;
  sorted: number[][];
  P: number[][][];
  grad_x_sum_P_times_W: number[][];
  grad_x_sum_sorted_times_V: number[][];
}
interface SortFile {
  network: "odd_even" | "bitonic";
  n: number;
  network_layers: [number, number][][];
  inputs: number[][];
  cases: SortCase[];
}

function run(file: SortFile, c: SortCase, reference: boolean) {
  const go = () =>
    tf.tidy(() => {
      const x = tf.tensor2d(file.inputs);
      const B = file.inputs.length;
      const opts = { network: file.network, distribution: c.distribution, steepness: c.steepness, artLambda: c.art_lambda };
      const { sorted, permutation } = diffSort(x, opts);
      const W = wPapers(B, file.n);
      const V = vMat(B, file.n);
      const gP = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(diffSort(z, opts).permutation, W)))(x);
      const gS = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(diffSort(z, opts).sorted, V)))(x);
      return {
        sorted: sorted.arraySync() as number[][],
        P: transposeLast(permutation.arraySync() as number[][][]),
        gP: gP.arraySync() as number[][],
        gS: gS.arraySync() as number[][],
      };
    });
  return reference ? withReference(go) : go();
}

/** Every diffsort golden file, named in full so that a search for a file name finds its test. */
const files = [
  "sort/diffsort_odd_even_n2.json",
  "sort/diffsort_odd_even_n3.json",
  "sort/diffsort_odd_even_n4.json",
  "sort/diffsort_odd_even_n8.json",
  "sort/diffsort_odd_even_n16.json",
  "sort/diffsort_bitonic_n2.json",
  "sort/diffsort_bitonic_n3.json",
  "sort/diffsort_bitonic_n4.json",
  "sort/diffsort_bitonic_n8.json",
  "sort/diffsort_bitonic_n16.json",
];

describe("diffSort golden parity (diffsort 0.2.0, float64)", () => {
  for (const path of files) {
    const file = loadGolden<SortFile>(path);
    it(`${path}: network wiring`, () => {
      const net = getNetwork(file.network, file.n);
      const layers = net.layers.map((l) => l.lo.map((a, t) => [a, l.hi[t]]));
      expect(layers).toEqual(file.network_layers.filter((l) => l.length > 0)); // empty odd-even layers are no-ops
    });
    for (const reference of [false, true]) {
      if (reference && file.n > 8) continue;
      it(`${path}: sorted, P and both gradients (${reference ? "reference" : "fused"})`, () => {
        for (const c of file.cases) {
          const got = run(file, { ...c, steepness: Number(c.steepness), art_lambda: Number(c.art_lambda) }, reference);
          const tag = `${c.distribution} β=${c.steepness} λ=${c.art_lambda}`;
          expect(maxViolation(got.sorted, c.sorted, 0, 1e-5), `sorted ${tag}`).toBe(0);
          expect(maxViolation(got.P, c.P, 0, 1e-5), `P ${tag}`).toBe(0);
          // logistic_phi at the exact tie (row 2): α' = β/(1e-10)^λ, beyond float32 (README exception).
          const rows = c.distribution === "logistic_phi" ? [0, 1] : [0, 1, 2];
          // float32 inputs: 1e-4 relative plus 1e-5 absolute, the absolute part scaled by the row's largest
          // gradient (x itself is rounded to float32, which moves steep gradients by ~1e-6 of their scale).
          const atol = (g: number[] | undefined) => Math.max(1e-5, 2e-6 * Math.max(...(g ?? []).map(Math.abs)));
          // The reference path computes in float32 throughout (tfjs erf is an approximation): looser.
          const rtol = reference ? 1e-3 : 1e-4;
          for (const r of rows) {
            const eP = c.grad_x_sum_P_times_W[r];
            const eS = c.grad_x_sum_sorted_times_V[r];
            expect(maxViolation(got.gP[r], eP, rtol, atol(eP)), `grad P ${tag} row ${r}`).toBe(0);
            expect(maxViolation(got.gS[r], eS, rtol, atol(eS)), `grad sorted ${tag} row ${r}`).toBe(0);
          }
          if (c.distribution === "logistic_phi") {
            // The tie row still agrees in relative terms on the large entries.
            expect(
              maxViolation(
                got.gS[2],
                c.grad_x_sum_sorted_times_V[2],
                2e-2,
                1e-2 * Math.max(...(c.grad_x_sum_sorted_times_V[2] ?? []).map(Math.abs)),
              ),
              `tie grad sorted ${tag}`,
            ).toBe(0);
          }
        }
      });
    }
  }
});
void arr;
