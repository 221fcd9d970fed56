import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import {
  hasFusedKernel,
  RelaxFastSoftSort,
  RelaxFastSoftSortGrad,
  runFusedKernel,
  useFused,
  type RelaxFastSoftSortAttrs,
} from "@relax/core";
// @relax/sort (its sources, see vitest.config.ts) registers the CPU kernels on import.
import { fastSoftRank, fastSoftSort } from "@relax/sort";
import { initWebGPU, maxAbsError, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

/** Inputs: random in [−2, 2] with duplicated values, or small integers (exact ties of the l2 pooling test at ε = 1). */
function data(rows: number, n: number, seed: number, kind: "random" | "integer"): Float32Array {
  if (kind === "integer") return Float32Array.from(randomFloats(rows * n, seed, 0, 6), Math.floor);
  const v = randomFloats(rows * n, seed, -2, 2);
  for (let r = 0; r < rows; r++) {
    if (n > 3) v[r * n + 2] = v[r * n]!; // a tie
    if (n > 10) v[r * n + 9] = v[r * n + 5] = v[r * n + 7]!; // a triple
  }
  return v;
}

interface Case {
  n: number;
  rows: number;
  eps: number;
  descending: boolean;
  kind: "random" | "integer";
}

async function runKernels(backend: "cpu" | "webgpu", c: Case, attrs: RelaxFastSoftSortAttrs) {
  return onBackend(backend, async () => {
    const x = tf.tensor2d(data(c.rows, c.n, c.n * 7 + c.rows, c.kind), [c.rows, c.n]);
    const dy = tf.tensor2d(randomFloats(c.rows * c.n, c.n + 3), [c.rows, c.n]);
    const y = runFusedKernel<tf.Tensor>(RelaxFastSoftSort, { x }, attrs);
    const dx = runFusedKernel<tf.Tensor>(RelaxFastSoftSortGrad, { x, dy }, attrs);
    const out = { y: (await y.data()) as Float32Array, dx: (await dx.data()) as Float32Array, shapes: [y.shape, dx.shape] };
    tf.dispose([x, dy, y, dx]);
    return out;
  });
}

/** max |a − b| / (atol + rtol·|b|) with atol relative to the largest |b| (outputs and gradients scale with n and 1/ε). */
function violation(a: Float32Array, b: Float32Array, rtol: number, atolRel: number): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  const atol = atolRel * Math.max(scale, 1);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]! - b[i]!) / (atol + rtol * Math.abs(b[i]!));
    if (!(v <= worst)) worst = Number.isNaN(v) ? Infinity : v;
  }
  return worst;
}

// Every n and rows of the grid at strengths from the hard limit (ε = 1e-3: no pooling except ties) to
// everything pooled (ε = 1e4), both directions; integer inputs at ε = 1 (exact ties of the l2 pooling test).
const cases: Case[] = [];
for (const n of [1, 2, 7, 64, 300]) {
  for (const rows of [1, 5]) {
    [1e-3, 0.1, 1, 10, 1e4].forEach((eps, k) => {
      const descending = (k + rows) % 2 === 1;
      cases.push({ n, rows, eps, descending, kind: "random" });
      if (eps === 1) cases.push({ n, rows, eps, descending: !descending, kind: "integer" });
    });
  }
}

describe.runIf(ok)("RelaxFastSoftSort on webgpu", () => {
  it("is registered, so fastSoftSort / fastSoftRank dispatch to it", async () => {
    await onBackend("webgpu", () => undefined);
    expect(tf.getBackend()).toBe("webgpu");
    expect(hasFusedKernel(RelaxFastSoftSort, "webgpu") && hasFusedKernel(RelaxFastSoftSortGrad, "webgpu")).toBe(true);
    expect(useFused(RelaxFastSoftSort)).toBe(true);
  });

  for (const op of ["sort", "rank"] as const) {
    for (const regularization of ["l2", "kl"] as const) {
      it(`matches the CPU kernel (values and gradient): ${op} ${regularization}`, async () => {
        let worstY = 0;
        let worstDx = 0;
        let worstV = 0;
        for (const c of cases) {
          const attrs: RelaxFastSoftSortAttrs = { op, descending: c.descending, regularizationStrength: c.eps, regularization };
          const cpu = await runKernels("cpu", c, attrs);
          const gpu = await runKernels("webgpu", c, attrs);
          expect(tf.getBackend()).toBe("webgpu");
          expect(gpu.shapes).toEqual(cpu.shapes);
          const name = `${op} ${regularization} n=${c.n} rows=${c.rows} ε=${c.eps}${c.descending ? " desc" : ""} ${c.kind}`;
          const vy = violation(gpu.y, cpu.y, 1e-4, 1e-6);
          const vdx = violation(gpu.dx, cpu.dx, 1e-4, 1e-5);
          worstY = Math.max(worstY, maxAbsError(gpu.y, cpu.y));
          worstDx = Math.max(worstDx, maxAbsError(gpu.dx, cpu.dx));
          worstV = Math.max(worstV, vy, vdx);
          expect(vy, `${name}: values`).toBeLessThanOrEqual(1);
          expect(vdx, `${name}: gradient`).toBeLessThanOrEqual(1);
        }
        console.log(`fastSoftSort ${op} ${regularization} max|webgpu − cpu|`, { y: worstY, dx: worstDx, "of tolerance": worstV });
      });
    }
  }

  it("runs fastSoftSort / fastSoftRank under tf.grad with the CPU numbers (axis 1 of a [2, 9, 3] tensor)", async () => {
    const values = data(1, 54, 11, "random");
    const weights = randomFloats(54, 12);
    const both = async (backend: "cpu" | "webgpu") =>
      onBackend(backend, async () => {
        const x = tf.tensor3d(values, [2, 9, 3]);
        const w = tf.tensor3d(weights, [2, 9, 3]);
        const results: Float32Array[] = [];
        for (const regularization of ["l2", "kl"] as const) {
          const opts = { regularizationStrength: 0.5, regularization, axis: 1 };
          const f = (t: tf.Tensor) =>
            tf.add(tf.sum(tf.mul(fastSoftSort(t, { ...opts, descending: true }), w)), tf.sum(tf.mul(fastSoftRank(t, opts), tf.square(w))));
          const [y, g] = tf.tidy(() => [f(x), tf.grad(f)(x)]);
          results.push((await y!.data()) as Float32Array, (await g!.data()) as Float32Array);
          tf.dispose([y!, g!]);
        }
        tf.dispose([x, w]);
        return results;
      });
    const before = await onBackend("webgpu", () => tf.memory().numTensors);
    const gpu = await both("webgpu");
    expect(tf.getBackend()).toBe("webgpu");
    expect(tf.memory().numTensors).toBe(before);
    const cpu = await both("cpu");
    for (let k = 0; k < cpu.length; k++) {
      expect(gpu[k]!.length).toBe(cpu[k]!.length);
      expect(violation(gpu[k]!, cpu[k]!, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
    }
  });

  it("runs rows in chunks when the scratch exceeds its budget (5 rows of 64 in chunks of 2, 2, 1)", async () => {
    const c: Case = { n: 64, rows: 5, eps: 0.3, descending: true, kind: "random" };
    for (const [op, regularization] of [
      ["rank", "kl"],
      ["sort", "l2"],
    ] as const) {
      const attrs: RelaxFastSoftSortAttrs = { op, descending: c.descending, regularizationStrength: c.eps, regularization };
      const cpu = await runKernels("cpu", c, attrs);
      const previous = tf.env().getNumber("RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET");
      tf.env().set("RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET", 2 * 6 * c.n * 4 + 4);
      try {
        const gpu = await runKernels("webgpu", c, attrs);
        expect(violation(gpu.y, cpu.y, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
        expect(violation(gpu.dx, cpu.dx, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      } finally {
        tf.env().set("RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET", previous);
      }
    }
  });

  it("returns an empty result for zero rows", async () => {
    const shape = await onBackend("webgpu", async () => {
      const y = fastSoftRank(tf.zeros([0, 4]));
      const s = y.shape;
      y.dispose();
      return s;
    });
    expect(shape).toEqual([0, 4]);
  });
});
