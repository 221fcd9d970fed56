import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import {
  RelaxGroupSum,
  RelaxGroupSumGrad,
  RelaxLogicLayer,
  RelaxLogicLayerGradLogits,
  RelaxLogicLayerGradX,
  runFusedKernel,
  type RelaxLogicLayerAttrs,
} from "@relax/core";
import { GroupSum, LogicLayer, LogicNet } from "@relax/logic"; // also registers the CPU kernels
import { fanoutTable } from "../src/kernels/logic_layer.js";
import { initWebGPU, maxAbsError, maxRelViolation, onBackend, randomFloats, trainStepGrads } from "./webgpu_env.js";

const ok = await initWebGPU();
const batch = 37;
const inDim = 23;
const outDim = 41;
const a = Int32Array.from({ length: outDim }, (_, j) => (j * 7) % inDim);
const b = Int32Array.from({ length: outDim }, (_, j) => (j * 11 + 3) % inDim);
b[5] = a[5]!; // a neuron reading the same input twice
const xs = randomFloats(batch * inDim, 11, 0, 1);
const logitsV = randomFloats(outDim * 16, 12, -3, 3);
logitsV[16 * 2 + 4] = logitsV[16 * 2 + 9] = 10; // tie for argmax (first max wins)
const dyV = randomFloats(batch * outDim, 13, -1, 1);

interface LayoutCase {
  featureMajorIn?: boolean;
  featureMajorOut?: boolean;
}

/** `[r, c]` row-major values as `[c, r]`. */
function transposed(v: Float32Array, r: number, c: number): Float32Array {
  const t = new Float32Array(v.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = v[i * c + j] as number;
  return t;
}

async function runAll(backend: "cpu" | "webgpu", mode: "train" | "eval", layout: LayoutCase = {}) {
  return onBackend(backend, async () => {
    const attrs: RelaxLogicLayerAttrs = { a, b, mode, gradFactor: 1.5, ...layout };
    const x = layout.featureMajorIn ? tf.tensor2d(transposed(xs, batch, inDim), [inDim, batch]) : tf.tensor2d(xs, [batch, inDim]);
    const logits = tf.tensor2d(logitsV, [outDim, 16]);
    const dy = layout.featureMajorOut ? tf.tensor2d(transposed(dyV, batch, outDim), [outDim, batch]) : tf.tensor2d(dyV, [batch, outDim]);
    const y = runFusedKernel<tf.Tensor>(RelaxLogicLayer, { x, logits }, attrs);
    const dx = runFusedKernel<tf.Tensor>(RelaxLogicLayerGradX, { x, logits, dy }, attrs);
    const dl = runFusedKernel<tf.Tensor>(RelaxLogicLayerGradLogits, { x, logits, dy }, attrs);
    const [yv, dxv, dlv] = await Promise.all([y.data(), dx.data(), dl.data()]);
    expect(y.shape).toEqual(layout.featureMajorOut ? [outDim, batch] : [batch, outDim]);
    expect(dx.shape).toEqual(x.shape);
    expect(dl.shape).toEqual([outDim, 16]);
    tf.dispose([x, logits, dy, y, dx, dl]);
    return { y: yv as Float32Array, dx: dxv as Float32Array, dlogits: dlv as Float32Array };
  });
}

describe("fanoutTable", () => {
  it("lists every (neuron, role) of each input in CSR order", () => {
    const t = fanoutTable([0, 2, 0], [1, 0, 0], 3);
    // offsets: input0: (0,a) (1,b) (2,a) (2,b) ; input1: (0,b) ; input2: (1,a)
    expect(Array.from(t)).toEqual([0, 4, 5, 6, 0, 3, 4, 5, 1, 2]);
  });
});

describe.runIf(ok)("RelaxLogicLayer on webgpu", () => {
  const layouts: [string, LayoutCase][] = [
    ["batch-major", {}],
    ["feature-major in and out", { featureMajorIn: true, featureMajorOut: true }],
    ["batch-major in, feature-major out", { featureMajorOut: true }],
    ["feature-major in, batch-major out", { featureMajorIn: true }],
  ];
  for (const [name, layout] of layouts) {
    for (const mode of ["train", "eval"] as const) {
      it(`matches the CPU kernels in ${mode} mode, ${name} (y, dx, dlogits)`, async () => {
        const cpu = await runAll("cpu", mode, layout);
        const gpu = await runAll("webgpu", mode, layout);
        expect(tf.getBackend()).toBe("webgpu");
        const err = { y: maxAbsError(gpu.y, cpu.y), dx: maxAbsError(gpu.dx, cpu.dx), dlogits: maxAbsError(gpu.dlogits, cpu.dlogits) };
        console.log(`logic ${mode} ${name} max|webgpu − cpu|`, err);
        expect(maxRelViolation(gpu.y, cpu.y, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
        expect(maxRelViolation(gpu.dx, cpu.dx, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
        expect(maxRelViolation(gpu.dlogits, cpu.dlogits, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      });
    }
  }

  it("uploads a layer's wiring once, and rebuilds it when the wiring is edited in place", async () => {
    await onBackend("webgpu", async () => {
      const wa = Int32Array.of(0, 1, 2);
      const wb = Int32Array.of(1, 2, 0);
      const attrs: RelaxLogicLayerAttrs = { a: wa, b: wb, mode: "eval", gradFactor: 1 };
      const x = tf.tensor2d([0, 1, 1, 1, 0, 1], [2, 3]);
      // gate 1 (A AND B) everywhere
      const logits = tf.tensor2d(
        Array.from({ length: 48 }, (_, i) => (i % 16 === 1 ? 5 : 0)),
        [3, 16],
      );
      const gpuData = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
      const y1 = runFusedKernel<tf.Tensor>(RelaxLogicLayer, { x, logits }, attrs);
      expect(Array.from(await y1.data())).toEqual([0, 1, 0, 0, 0, 1]);
      const before = gpuData();
      for (let r = 0; r < 3; r++) tf.dispose(runFusedKernel<tf.Tensor>(RelaxLogicLayer, { x, logits }, attrs));
      expect(gpuData()).toBe(before); // the cached table is reused, nothing new stays allocated
      wb[0] = 2; // neuron 0 now reads inputs 0 and 2
      const y2 = runFusedKernel<tf.Tensor>(RelaxLogicLayer, { x, logits }, attrs);
      expect(Array.from(await y2.data())).toEqual([0, 1, 0, 1, 0, 1]);
      tf.dispose([x, logits, y1, y2]);
    });
  });
});

describe.runIf(ok)("RelaxGroupSum on webgpu", () => {
  for (const featureMajor of [false, true]) {
    it(`matches the CPU kernels, ${featureMajor ? "feature-major" : "batch-major"} input (out, dx)`, async () => {
      const [B, n, k, tau] = [13, 60, 4, 3];
      const xv = randomFloats(B * n, 31, 0, 1);
      const dyv = randomFloats(B * k, 32, -1, 1);
      const attrs = { k, tau, featureMajor };
      const run = (backend: "cpu" | "webgpu") =>
        onBackend(backend, async () => {
          const x = featureMajor ? tf.tensor2d(transposed(xv, B, n), [n, B]) : tf.tensor2d(xv, [B, n]);
          const out = runFusedKernel<tf.Tensor>(RelaxGroupSum, { x }, attrs);
          const dx = runFusedKernel<tf.Tensor>(RelaxGroupSumGrad, { dy: tf.tensor2d(dyv, [B, k]) }, { ...attrs, n });
          expect(out.shape).toEqual([B, k]);
          expect(dx.shape).toEqual(x.shape);
          const r = { out: (await out.data()) as Float32Array, dx: (await dx.data()) as Float32Array };
          tf.dispose([x, out, dx]);
          return r;
        });
      const cpu = await run("cpu");
      const gpu = await run("webgpu");
      expect(maxRelViolation(gpu.out, cpu.out, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.dx, cpu.dx, 1e-6, 1e-7)).toBeLessThanOrEqual(1);
    });
  }
});

describe.runIf(ok)("LogicNet on webgpu", () => {
  it("a whole training step (3 layers + GroupSum, softmax cross-entropy) matches cpu: loss and every logits gradient", async () => {
    const step = (backend: "cpu" | "webgpu") =>
      onBackend(backend, async () => {
        const net = new LogicNet([
          new LogicLayer(30, 60, { seed: 1 }),
          new LogicLayer(60, 60, { seed: 2, init: "residual" }),
          new LogicLayer(60, 40, { seed: 3, gradFactor: 2 }),
          new GroupSum(4, 5),
        ]);
        const out = await trainStepGrads(
          net,
          tf.tensor2d(randomFloats(16 * 30, 21, 0, 1), [16, 30]),
          Int32Array.from({ length: 16 }, (_, i) => i % 4),
          4,
        );
        net.dispose();
        return out;
      });
    const cpu = await step("cpu");
    const gpu = await step("webgpu");
    expect(tf.getBackend()).toBe("webgpu");
    expect(Math.abs(gpu.loss - cpu.loss)).toBeLessThan(1e-5 * Math.max(1, Math.abs(cpu.loss)));
    cpu.grads.forEach((g, i) => expect(maxRelViolation(gpu.grads[i]!, g, 1e-4, 1e-6), `layer ${i}`).toBeLessThanOrEqual(1));
  });

  it("runs LogicNet's feature-major path on webgpu (fused layers chained without transposes, fused GroupSum)", async () => {
    await onBackend("webgpu", async () => {
      const net = new LogicNet([new LogicLayer(12, 40, { seed: 4 }), new LogicLayer(40, 20, { seed: 5 }), new GroupSum(4, 2)]);
      const x = tf.tensor2d(randomFloats(6 * 12, 41, 0, 1), [6, 12]);
      const info = await tf.profile(() => net.forward(x));
      const layers = info.kernels.filter((k) => k.name === RelaxLogicLayer);
      expect(layers.map((k) => k.outputShapes[0])).toEqual([
        [40, 6],
        [20, 6],
      ]);
      expect(info.kernels.map((k) => k.name)).toContain(RelaxGroupSum);
      expect(info.kernels.map((k) => k.name)).not.toContain("Transpose");
      tf.dispose([x, info.result as tf.Tensor]);
      net.dispose();
    });
  });
});
