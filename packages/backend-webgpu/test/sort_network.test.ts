import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it } from "vitest";
import {
  RelaxDiffSort,
  RelaxDiffSortGrad,
  RelaxSortNetSelect,
  RelaxSortNetSelectGrad,
  runFusedKernel,
  type RelaxDiffSortAttrs,
  type RelaxSortNetSelectAttrs,
} from "@relax/core";
// The CPU kernels of @relax/sort (registered on import).
import "../../sort/src/kernels/register.js";
import { initWebGPU, maxAbsError, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

function data(rows: number, n: number, seed: number): Float32Array {
  const v = randomFloats(rows * n, seed, -2, 2);
  if (n > 3) v[2] = v[0]!; // a tie
  return v;
}

type SortCase = Omit<RelaxDiffSortAttrs, "artLambda"> & { rows: number; n: number };

async function runSort(backend: "cpu" | "webgpu", c: SortCase) {
  return onBackend(backend, async () => {
    const attrs: RelaxDiffSortAttrs = { ...c, artLambda: 0.25 };
    const x = tf.tensor2d(data(c.rows, c.n, c.n), [c.rows, c.n]);
    const [sorted, P] = runFusedKernel<tf.Tensor[]>(RelaxDiffSort, { x }, attrs);
    const dSorted = tf.tensor2d(randomFloats(c.rows * c.n, 5), [c.rows, c.n]);
    const dPermutation = c.withMatrix ? tf.tensor3d(randomFloats(c.rows * c.n * c.n, 6), [c.rows, c.n, c.n]) : tf.zeros([c.rows, 0, 0]);
    const dx = runFusedKernel<tf.Tensor>(RelaxDiffSortGrad, { x, dSorted, dPermutation }, attrs);
    const out = {
      sorted: (await sorted!.data()) as Float32Array,
      P: (await P!.data()) as Float32Array,
      dx: (await dx.data()) as Float32Array,
      shapes: [sorted!.shape, P!.shape, dx.shape],
    };
    tf.dispose([x, sorted!, P!, dSorted, dPermutation, dx]);
    return out;
  });
}

const sortCases: SortCase[] = [
  { rows: 5, n: 7, network: "odd_even", distribution: "cauchy", steepness: 6, withMatrix: true, descending: false, hard: false },
  { rows: 3, n: 6, network: "bitonic", distribution: "logistic_phi", steepness: 10, withMatrix: true, descending: true, hard: false },
  { rows: 4, n: 16, network: "bitonic", distribution: "optimal", steepness: 8, withMatrix: false, descending: false, hard: false },
  { rows: 2, n: 9, network: "odd_even", distribution: "gaussian", steepness: 5, withMatrix: true, descending: true, hard: true },
  { rows: 70, n: 5, network: "odd_even", distribution: "reciprocal", steepness: 3, withMatrix: false, descending: false, hard: false },
  { rows: 2, n: 1, network: "bitonic", distribution: "logistic", steepness: 3, withMatrix: true, descending: false, hard: false },
];

describe.runIf(ok)("RelaxDiffSort on webgpu", () => {
  for (const c of sortCases) {
    const name = `${c.network} n=${c.n} rows=${c.rows} ${c.distribution}${c.withMatrix ? " +P" : ""}${c.descending ? " desc" : ""}${c.hard ? " hard" : ""}`;
    it(`matches the CPU kernel: ${name}`, async () => {
      const cpu = await runSort("cpu", c);
      const gpu = await runSort("webgpu", c);
      expect(tf.getBackend()).toBe("webgpu");
      expect(gpu.shapes).toEqual(cpu.shapes);
      console.log(`diffSort ${name} max|webgpu − cpu|`, {
        sorted: maxAbsError(gpu.sorted, cpu.sorted),
        P: maxAbsError(gpu.P, cpu.P),
        dx: maxAbsError(gpu.dx, cpu.dx),
      });
      expect(maxRelViolation(gpu.sorted, cpu.sorted, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.P, cpu.P, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.dx, cpu.dx, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
    });
  }
});

type SelectCase = Omit<RelaxSortNetSelectAttrs, "artLambda"> & { rows: number; n: number };

async function runSelect(backend: "cpu" | "webgpu", c: SelectCase) {
  return onBackend(backend, async () => {
    const attrs: RelaxSortNetSelectAttrs = { ...c, artLambda: 0.25 };
    const x = tf.tensor2d(data(c.rows, c.n, c.n + 100), [c.rows, c.n]);
    const y = runFusedKernel<tf.Tensor>(RelaxSortNetSelect, { x }, attrs);
    const dy = tf.tensor3d(randomFloats(c.rows * c.k * c.n, 7), [c.rows, c.k, c.n]);
    const dx = runFusedKernel<tf.Tensor>(RelaxSortNetSelectGrad, { x, dy }, attrs);
    const out = { y: (await y.data()) as Float32Array, dx: (await dx.data()) as Float32Array, shapes: [y.shape, dx.shape] };
    tf.dispose([x, y, dy, dx]);
    return out;
  });
}

const selectCases: SelectCase[] = [
  { rows: 4, n: 10, k: 3, network: "splitter_selection", init: "topk", distribution: "cauchy", steepness: 8 },
  { rows: 3, n: 8, k: 2, network: "bitonic", init: "topk", distribution: "logistic", steepness: 6 },
  { rows: 3, n: 7, k: 1, network: "odd_even", init: "rank", distribution: "optimal", steepness: 4 },
  { rows: 2, n: 6, k: 1, network: "bitonic", init: "rank_desc", distribution: "gaussian", steepness: 4 },
];

describe.runIf(ok)("RelaxSortNetSelect on webgpu", () => {
  const cases: [SelectCase, boolean][] = [
    ...selectCases.map((c): [SelectCase, boolean] => [c, false]),
    ...selectCases.map((c): [SelectCase, boolean] => [c, true]),
    [{ rows: 5, n: 300, k: 7, network: "splitter_selection", init: "topk", distribution: "logistic", steepness: 10 }, false],
    [{ rows: 2, n: 64, k: 3, network: "bitonic", init: "topk", distribution: "reciprocal", steepness: 10 }, false],
  ];
  afterEach(() => {
    tf.env().set("RELAX_WEBGPU_SELECT_FORCE_GLOBAL", false);
  });
  for (const [c, forceGlobal] of cases) {
    const name = `${c.network} n=${c.n} k=${c.k} ${c.init} ${c.distribution}${forceGlobal ? " (one invocation per selected row)" : ""}`;
    it(`matches the CPU kernel: ${name}`, async () => {
      const cpu = await runSelect("cpu", c);
      tf.env().set("RELAX_WEBGPU_SELECT_FORCE_GLOBAL", forceGlobal);
      const gpu = await runSelect("webgpu", c);
      expect(tf.getBackend()).toBe("webgpu");
      expect(gpu.shapes).toEqual(cpu.shapes);
      console.log(`select ${name} max|webgpu − cpu|`, { y: maxAbsError(gpu.y, cpu.y), dx: maxAbsError(gpu.dx, cpu.dx) });
      expect(maxRelViolation(gpu.y, cpu.y, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.dx, cpu.dx, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
    });
  }
});
