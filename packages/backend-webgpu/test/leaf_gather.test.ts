import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import {
  RelaxLogicLeafGather,
  RelaxLogicLeafGatherGradWiring,
  RelaxLogicLeafGatherGradX,
  runFusedKernel,
  useFused,
  type RelaxLogicLeafGatherAttrs,
} from "@relax/core";
import "@relax/logic"; // registers the CPU kernels
import { initWebGPU, maxAbsError, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

interface GatherCase {
  batch: number;
  h: number;
  w: number;
  c: number;
  /** Trees K, leaves 2^depth, candidates M. */
  K: number;
  depth: number;
  M: number;
  rf: number;
  padding: "valid" | "same";
  stride: number;
  mode: "train" | "eval";
  wiringChoice: "soft" | "gumbel-st" | "hard-st";
}

const CASES: GatherCase[] = [
  { batch: 2, h: 7, w: 6, c: 2, K: 3, depth: 1, M: 4, rf: 3, padding: "valid", stride: 1, mode: "train", wiringChoice: "soft" },
  { batch: 3, h: 9, w: 8, c: 3, K: 2, depth: 2, M: 6, rf: 3, padding: "same", stride: 2, mode: "train", wiringChoice: "soft" },
  { batch: 2, h: 8, w: 9, c: 2, K: 4, depth: 1, M: 5, rf: 4, padding: "valid", stride: 3, mode: "train", wiringChoice: "gumbel-st" },
  { batch: 3, h: 7, w: 7, c: 1, K: 2, depth: 2, M: 8, rf: 3, padding: "same", stride: 1, mode: "train", wiringChoice: "hard-st" },
  { batch: 2, h: 6, w: 6, c: 3, K: 3, depth: 3, M: 3, rf: 2, padding: "same", stride: 2, mode: "eval", wiringChoice: "soft" },
  // 5 × 15 × 15 = 1 125 positions: the ∂wiring reduction spans two chunks of 1 024 positions
  { batch: 5, h: 15, w: 15, c: 2, K: 2, depth: 1, M: 4, rf: 3, padding: "same", stride: 1, mode: "train", wiringChoice: "soft" },
];

function caseInputs(t: GatherCase, seed: number) {
  const n = t.K * (1 << t.depth) * t.M;
  const candY = Int32Array.from(randomFloats(n, seed, 0, t.rf), Math.floor);
  const candX = Int32Array.from(randomFloats(n, seed + 1, 0, t.rf), Math.floor);
  const candC = Int32Array.from(randomFloats(n, seed + 2, 0, t.c), Math.floor);
  const xs = randomFloats(t.batch * t.h * t.w * t.c, seed + 3, 0, 1);
  const wiring = randomFloats(n, seed + 4, -2, 2);
  const ho = t.padding === "same" ? Math.ceil(t.h / t.stride) : Math.floor((t.h - t.rf) / t.stride) + 1;
  const wo = t.padding === "same" ? Math.ceil(t.w / t.stride) : Math.floor((t.w - t.rf) / t.stride) + 1;
  const Q = t.K * (1 << t.depth);
  // dy with exact zeros (as behind a max pool)
  const dy = randomFloats(t.batch * ho * wo * Q, seed + 5, -1, 1).map((v) => (Math.abs(v) < 0.3 ? 0 : v));
  const attrs: RelaxLogicLeafGatherAttrs = {
    candY,
    candX,
    candC,
    receptiveField: t.rf,
    padding: t.padding,
    stride: t.stride,
    mode: t.mode,
    wiringChoice: t.wiringChoice,
    temperature: 0.5,
    noiseSeed: 11,
  };
  return { xs, wiring, dy, attrs, shapes: { x: [t.batch, t.h, t.w, t.c], wiring: [t.K, 1 << t.depth, t.M], y: [t.batch, ho, wo, Q] } };
}

async function runGather(backend: "cpu" | "webgpu", t: GatherCase, seed: number) {
  const { xs, wiring: ws, dy: dys, attrs, shapes } = caseInputs(t, seed);
  return onBackend(backend, async () => {
    const x = tf.tensor(xs, shapes.x);
    const wiring = tf.tensor(ws, shapes.wiring);
    const dy = tf.tensor(dys, shapes.y);
    const y = runFusedKernel<tf.Tensor>(RelaxLogicLeafGather, { x, wiring }, attrs);
    const dx = runFusedKernel<tf.Tensor>(RelaxLogicLeafGatherGradX, { x, wiring, dy }, attrs);
    const dw = runFusedKernel<tf.Tensor>(RelaxLogicLeafGatherGradWiring, { x, wiring, dy }, attrs);
    expect(y.shape).toEqual(shapes.y);
    expect(dx.shape).toEqual(shapes.x);
    expect(dw.shape).toEqual(shapes.wiring);
    const [yv, dxv, dwv] = await Promise.all([y.data(), dx.data(), dw.data()]);
    tf.dispose([x, wiring, dy, y, dx, dw]);
    return { y: yv as Float32Array, dx: dxv as Float32Array, dwiring: dwv as Float32Array };
  });
}

describe.runIf(ok)("RelaxLogicLeafGather on webgpu", () => {
  CASES.forEach((t, ci) => {
    const name = `${t.h}×${t.w} C=${t.c} K=${t.K} depth=${t.depth} M=${t.M} rf=${t.rf} ${t.padding} stride ${t.stride} batch=${t.batch} ${t.mode} ${t.wiringChoice}`;
    it(`matches the CPU kernels: ${name} (y, dx, dwiring)`, async () => {
      const cpu = await runGather("cpu", t, 200 + 10 * ci);
      const gpu = await runGather("webgpu", t, 200 + 10 * ci);
      expect(tf.getBackend()).toBe("webgpu");
      console.log(`leaf gather ${name} max|webgpu − cpu|`, {
        y: maxAbsError(gpu.y, cpu.y),
        dx: maxAbsError(gpu.dx, cpu.dx),
        dwiring: maxAbsError(gpu.dwiring, cpu.dwiring),
      });
      expect(maxRelViolation(gpu.y, cpu.y, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.dx, cpu.dx, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.dwiring, cpu.dwiring, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      // not vacuous comparisons
      expect(maxAbsError(cpu.y, new Float32Array(cpu.y.length))).toBeGreaterThan(0);
      expect(maxAbsError(cpu.dx, new Float32Array(cpu.dx.length))).toBeGreaterThan(0);
      if (t.mode === "eval") expect(gpu.dwiring.every((v) => v === 0)).toBe(true);
      else expect(maxAbsError(cpu.dwiring, new Float32Array(cpu.dwiring.length))).toBeGreaterThan(0);
    });
  });

  it("supports.ts accepts every wiring choice, declines an unknown one", async () => {
    await onBackend("webgpu", () => {
      for (const wiringChoice of ["soft", "gumbel-st", "hard-st"]) expect(useFused(RelaxLogicLeafGather, { wiringChoice })).toBe(true);
      expect(useFused(RelaxLogicLeafGather, { wiringChoice: "sparsemax" })).toBe(false);
    });
  });

  it("an empty batch gives empty outputs and zero gradients without binding a zero-size buffer", async () => {
    const t = { ...CASES[1]!, batch: 0 };
    const gpu = await runGather("webgpu", t, 300);
    expect(gpu.y.length).toBe(0);
    expect(gpu.dx.length).toBe(0);
    expect(gpu.dwiring.every((v) => v === 0)).toBe(true);
  });

  it("a bare call leaks no tensor and no GPU buffer on webgpu (the backend's data ids)", async () => {
    const { xs, wiring: ws, dy: dys, attrs, shapes } = caseInputs(CASES[2]!, 310); // gumbel-st: the noise is uploaded too
    await onBackend("webgpu", async () => {
      const x = tf.tensor(xs, shapes.x);
      const wiring = tf.tensor(ws, shapes.wiring);
      const dy = tf.tensor(dys, shapes.y);
      const round = async () => {
        const outs = [
          runFusedKernel<tf.Tensor>(RelaxLogicLeafGather, { x, wiring }, attrs),
          runFusedKernel<tf.Tensor>(RelaxLogicLeafGatherGradX, { x, wiring, dy }, attrs),
          runFusedKernel<tf.Tensor>(RelaxLogicLeafGatherGradWiring, { x, wiring, dy }, attrs),
        ];
        await Promise.all(outs.map((o) => o.data()));
        return outs;
      };
      const buffers = (): number => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
      tf.dispose(await round()); // the layer's candidate tables are uploaded once and kept
      const tensors = tf.memory().numTensors;
      const before = buffers();
      const outs = await round();
      expect(tf.memory().numTensors).toBe(tensors + 3);
      tf.dispose(outs);
      expect(buffers()).toBe(before);
      tf.dispose([x, wiring, dy]);
    });
  });
});
