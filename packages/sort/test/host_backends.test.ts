/**
 * The fused diffSort kernels on both host backends: values and gradients are the same numbers on `cpu`
 * (hands kernels views of tensor data) and `wasm` (hands them copies), the forward's float64 weights reach
 * the gradient kernel as a saved output (`tape`, not a cache keyed on arrays), and the gradient is the same
 * with that tape and without it (recomputed).
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import { RelaxDiffSort, RelaxDiffSortGrad, runFusedKernel, type RelaxDiffSortAttrs } from "@relax/core";
import { afterAll, describe, expect, it } from "vitest";
import { diffSort } from "../src/diff_sort.js";

const BACKENDS = ["cpu", "wasm"] as const;

function normal(seed: number, n: number): Float32Array {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next()));
}

type Opts = Parameters<typeof diffSort>[1];

/** Sorted values, permutation and the gradient of `Σ sorted·u + Σ P·w` (fixed random u, w) as arrays. */
function valueAndGrad(x: Float32Array, shape: [number, number], options: Opts): Float32Array[] {
  return tf.tidy(() => {
    const xt = tf.tensor2d(x, shape);
    const { sorted, permutation } = diffSort(xt, options);
    const u = tf.tensor(normal(5, sorted.size), sorted.shape);
    const w = permutation ? tf.tensor(normal(6, permutation.size), permutation.shape) : null;
    const g = tf.grad((z: tf.Tensor) => {
      const r = diffSort(z as tf.Tensor2D, options);
      const s = tf.sum(tf.mul(r.sorted, u));
      return w && r.permutation ? tf.add(s, tf.sum(tf.mul(r.permutation, w))) : s;
    })(xt);
    return [sorted, ...(permutation ? [permutation] : []), g].map((t) => Float32Array.from(t.dataSync()));
  });
}

async function onBackend<T>(name: string, f: () => T): Promise<T> {
  await tf.setBackend(name);
  await tf.ready();
  return f();
}

afterAll(async () => {
  await tf.setBackend("cpu");
});

const CASES: { name: string; shape: [number, number]; options: Opts }[] = [
  { name: "odd-even with P", shape: [5, 8], options: {} },
  { name: "bitonic values only, descending", shape: [4, 16], options: { network: "bitonic", valuesOnly: true, descending: true } },
  { name: "logistic, hard", shape: [3, 7], options: { distribution: "logistic", hard: true } },
];

describe("diffSort fused kernels on the host backends", () => {
  for (const c of CASES) {
    it(`${c.name}: values and gradients equal on cpu and wasm`, async () => {
      const x = normal(11, c.shape[0] * c.shape[1]);
      const cpu = await onBackend("cpu", () => valueAndGrad(x, c.shape, c.options));
      const wasm = await onBackend("wasm", () => valueAndGrad(x, c.shape, c.options));
      expect(wasm.length).toBe(cpu.length);
      cpu.forEach((a, i) => expect(wasm[i], `output ${i}`).toEqual(a));
    });
  }

  for (const b of BACKENDS) {
    it(`${b}: the gradient kernel gives the same numbers with the forward's tape and without it`, async () => {
      await onBackend(b, () => undefined);
      const attrs = (): RelaxDiffSortAttrs => ({
        network: "odd_even",
        distribution: "cauchy",
        steepness: 10,
        artLambda: 0.25,
        withMatrix: true,
        descending: false,
        hard: false,
      });
      const [rows, n] = [3, 6];
      const x1 = tf.tensor2d(normal(21, rows * n), [rows, n]);
      const x2 = tf.tensor2d(normal(22, rows * n), [rows, n]);
      const dSorted = tf.tensor2d(normal(23, rows * n), [rows, n]);
      const dPermutation = tf.tensor3d(normal(24, rows * n * n), [rows, n, n]);
      const grad = (x: tf.Tensor, at: RelaxDiffSortAttrs, tape?: tf.Tensor) => {
        const dx = runFusedKernel<tf.Tensor>(RelaxDiffSortGrad, { x, dSorted, dPermutation, ...(tape ? { tape } : {}) }, at);
        const v = Float32Array.from(dx.dataSync());
        dx.dispose();
        return v;
      };
      const at = attrs();
      const fresh = grad(x1, at);
      const [sorted, permutation, tape] = runFusedKernel<tf.Tensor[]>(RelaxDiffSort, { x: x1 }, at);
      expect(tape!.size).toBe(4 * rows * 15); // α and d in float64 for the 15 comparators of odd-even n = 6
      expect(grad(x1, at, tape)).toEqual(fresh);
      // the tape is what carries the forward's weights: another input's tape gives other (wrong) numbers
      const other = runFusedKernel<tf.Tensor[]>(RelaxDiffSort, { x: x2 }, at);
      expect(grad(x1, at, other[2])).not.toEqual(fresh);
      tf.dispose([sorted!, permutation!, tape!, ...other]);
      tf.dispose([x1, x2, dSorted, dPermutation]);
    });
  }
});
