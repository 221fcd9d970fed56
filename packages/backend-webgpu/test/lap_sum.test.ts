import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { hasFusedKernel, RelaxLapSum, RelaxLapSumGrad, runFusedKernel, type RelaxLapSumAttrs } from "@relax/core";
// @relax/sort (its sources, see vitest.config.ts) registers the CPU kernels on import.
import { lapSumRank, lapSumSort, lapSumTopK } from "@relax/sort";
import { initWebGPU, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

/** Random rows in [−3, 3] with a tie per row (the kernels' density ½ at 0 on both backends). */
function data(rows: number, n: number, seed: number): Float32Array {
  const v = randomFloats(rows * n, seed, -3, 3);
  for (let r = 0; r < rows; r++) if (n > 3) v[r * n + 2] = v[r * n]!;
  return v;
}

async function kernels(backend: "cpu" | "webgpu", rows: number, n: number, attrs: RelaxLapSumAttrs) {
  return onBackend(backend, async () => {
    const x = tf.tensor2d(data(rows, n, n * 5 + rows), [rows, n]);
    const dy = tf.tensor2d(randomFloats(rows * n, n + 11), [rows, n]);
    const [y, order] = runFusedKernel<tf.Tensor[]>(RelaxLapSum, { x }, attrs) as [tf.Tensor, tf.Tensor];
    const dx = runFusedKernel<tf.Tensor>(RelaxLapSumGrad, { x, order, dy }, attrs);
    const out = { y: (await y.data()) as Float32Array, dx: (await dx.data()) as Float32Array, shapes: [y.shape, dx.shape] };
    tf.dispose([x, dy, y, order, dx]);
    return out;
  });
}

/** Tolerances relative to the largest |value| (float32 sums of n terms vs the host kernel's float64). */
function scaled(a: Float32Array, b: Float32Array, rtol: number, atolRel: number): number {
  let m = 1;
  for (const v of b) m = Math.max(m, Math.abs(v));
  return maxRelViolation(a, b, rtol, atolRel * m);
}

describe.skipIf(!ok)("LapSum WGSL kernels = the host kernels (SwiftShader)", () => {
  it("is registered", () => {
    expect(hasFusedKernel(RelaxLapSum, "webgpu")).toBe(true);
    expect(hasFusedKernel(RelaxLapSumGrad, "webgpu")).toBe(true);
  });

  const cases: [string, RelaxLapSumAttrs][] = [];
  for (const alpha of [0.05, 0.7, 5]) {
    for (const flag of [false, true]) {
      cases.push([`rank α=${alpha} desc=${flag}`, { op: "rank", alpha, descending: flag, largest: true, k: 0 }]);
      cases.push([`sort α=${alpha} desc=${flag}`, { op: "sort", alpha, descending: flag, largest: true, k: 0 }]);
      cases.push([`topk α=${alpha} largest=${flag}`, { op: "topk", alpha, descending: false, largest: flag, k: 3 }]);
    }
  }
  cases.push(["topk k = n", { op: "topk", alpha: 1, descending: false, largest: true, k: 40 }]);
  cases.push(["topk real k", { op: "topk", alpha: 0.3, descending: false, largest: true, k: 2.5 }]);
  for (const [name, attrs] of cases) {
    it(`${name}: values and gradients`, async () => {
      for (const [rows, n] of [
        [3, 7],
        [2, 40],
        [1, 1],
      ] as const) {
        const at = { ...attrs, k: Math.min(attrs.k, n) };
        const gpu = await kernels("webgpu", rows, n, at);
        const cpu = await kernels("cpu", rows, n, at);
        expect(gpu.shapes).toEqual(cpu.shapes);
        expect(scaled(gpu.y, cpu.y, 1e-4, 2e-5), `${name} [${rows}, ${n}] values`).toBeLessThanOrEqual(1);
        expect(scaled(gpu.dx, cpu.dx, 2e-3, 2e-4), `${name} [${rows}, ${n}] gradients`).toBeLessThanOrEqual(1);
      }
    });
  }

  it("the public ops run the WGSL kernels and match cpu, with gradients", async () => {
    const rows = [
      [0.3, -1.2, 2.0, 0.5, 0.9],
      [1.0, 0.9, -0.4, 0.0, 3.0],
    ];
    const w = [
      [1, 2, -1, 0.5, 3],
      [0.3, -1, 2, 1, 1],
    ];
    const ops = [
      (t: tf.Tensor) => lapSumRank(t, { alpha: 0.4, oneBased: true }),
      (t: tf.Tensor) => lapSumSort(t, { alpha: 0.4, descending: true }),
      (t: tf.Tensor) => lapSumTopK(t, 2, { alpha: 0.4 }),
    ];
    for (const f of ops) {
      const on = (backend: "cpu" | "webgpu") =>
        onBackend(backend, async () => {
          const x = tf.tensor2d(rows);
          const wt = tf.tensor2d(w);
          const y = f(x);
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), wt)))(x);
          const out = [(await y.data()) as Float32Array, (await g.data()) as Float32Array];
          tf.dispose([x, wt, y, g]);
          return out;
        });
      const [gy, gg] = await on("webgpu");
      const [cy, cg] = await on("cpu");
      expect(scaled(gy!, cy!, 1e-4, 2e-5)).toBeLessThanOrEqual(1);
      expect(scaled(gg!, cg!, 2e-3, 2e-4)).toBeLessThanOrEqual(1);
    }
  });
});
