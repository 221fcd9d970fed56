import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { RelaxSoftPermute, RelaxSoftPermuteGrad, runFusedKernel, useFused, type RelaxSoftPermuteAttrs } from "@relax/core";
// The CPU kernels of @relax/sort (registered on import).
import "../../sort/src/kernels/register.js";
import "../src/index.js";
import { initWebGPU, maxAbsError, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

type Case = Omit<RelaxSoftPermuteAttrs, "artLambda" | "hard"> & { rows: number; n: number; d: number };

async function runPermute(backend: "cpu" | "webgpu", c: Case) {
  return onBackend(backend, async () => {
    const attrs: RelaxSoftPermuteAttrs = { ...c, artLambda: 0.25, hard: false };
    const xv = randomFloats(c.rows * c.n, c.n, -2, 2);
    if (c.n > 3) xv[2] = xv[0]!; // a tie
    const x = tf.tensor2d(xv, [c.rows, c.n]);
    const y = tf.tensor3d(randomFloats(c.rows * c.n * c.d, 7), [c.rows, c.n, c.d]);
    const out = runFusedKernel<tf.Tensor>(RelaxSoftPermute, { x, y }, attrs);
    const dy = tf.tensor3d(randomFloats(c.rows * c.n * c.d, 8), [c.rows, c.n, c.d]);
    const [dx, dY] = runFusedKernel<tf.Tensor[]>(RelaxSoftPermuteGrad, { x, y, dy }, attrs);
    const res = {
      out: (await out.data()) as Float32Array,
      dx: (await dx!.data()) as Float32Array,
      dY: (await dY!.data()) as Float32Array,
      shapes: [out.shape, dx!.shape, dY!.shape],
    };
    tf.dispose([x, y, out, dy, dx!, dY!]);
    return res;
  });
}

const cases: Case[] = [
  { rows: 5, n: 7, d: 3, k: 1, network: "odd_even", distribution: "cauchy", steepness: 6, descending: false, transpose: false },
  { rows: 3, n: 6, d: 1, k: 1, network: "bitonic", distribution: "logistic_phi", steepness: 10, descending: true, transpose: false },
  { rows: 4, n: 16, d: 5, k: 1, network: "bitonic", distribution: "optimal", steepness: 8, descending: false, transpose: true },
  { rows: 2, n: 9, d: 2, k: 1, network: "odd_even", distribution: "gaussian", steepness: 5, descending: true, transpose: true },
  {
    rows: 3,
    n: 12,
    d: 4,
    k: 3,
    network: "splitter_selection",
    distribution: "reciprocal",
    steepness: 3,
    descending: true,
    transpose: false,
  },
  { rows: 70, n: 5, d: 2, k: 1, network: "odd_even", distribution: "logistic", steepness: 3, descending: false, transpose: false },
  { rows: 2, n: 1, d: 3, k: 1, network: "bitonic", distribution: "cauchy", steepness: 3, descending: false, transpose: false },
];

describe.runIf(ok)("RelaxSoftPermute on webgpu", () => {
  for (const c of cases) {
    const name = `${c.network} n=${c.n} d=${c.d} rows=${c.rows} ${c.distribution}${c.descending ? " desc" : ""}${c.transpose ? " Pᵀ" : ""}`;
    it(`matches the CPU kernel: ${name}`, async () => {
      const cpu = await runPermute("cpu", c);
      const gpu = await runPermute("webgpu", c);
      expect(tf.getBackend()).toBe("webgpu");
      expect(gpu.shapes).toEqual(cpu.shapes);
      console.log(`softPermute ${name} max|webgpu − cpu|`, {
        out: maxAbsError(gpu.out, cpu.out),
        dx: maxAbsError(gpu.dx, cpu.dx),
        dY: maxAbsError(gpu.dY, cpu.dY),
      });
      expect(maxRelViolation(gpu.out, cpu.out, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.dY, cpu.dY, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.dx, cpu.dx, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
    });
  }

  it("hard declines the WGSL kernel (the op runs its reference); soft uses it", async () => {
    await onBackend("webgpu", async () => {
      const base = {
        network: "odd_even",
        k: 1,
        distribution: "cauchy",
        steepness: 10,
        artLambda: 0.25,
        descending: false,
        transpose: false,
      } as const;
      expect(useFused(RelaxSoftPermute, { ...base, hard: false })).toBe(true);
      expect(useFused(RelaxSoftPermute, { ...base, hard: true })).toBe(false);
    });
  });
});
