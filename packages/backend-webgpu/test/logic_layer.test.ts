import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { RelaxLogicLayer, RelaxLogicLayerGradLogits, RelaxLogicLayerGradX, runFusedKernel, type RelaxLogicLayerAttrs } from "@relax/core";
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

async function runAll(backend: "cpu" | "webgpu", mode: "train" | "eval") {
  return onBackend(backend, async () => {
    const attrs: RelaxLogicLayerAttrs = { a, b, mode, gradFactor: 1.5 };
    const x = tf.tensor2d(xs, [batch, inDim]);
    const logits = tf.tensor2d(logitsV, [outDim, 16]);
    const dy = tf.tensor2d(dyV, [batch, outDim]);
    const y = runFusedKernel<tf.Tensor>(RelaxLogicLayer, { x, logits }, attrs);
    const dx = runFusedKernel<tf.Tensor>(RelaxLogicLayerGradX, { x, logits, dy }, attrs);
    const dl = runFusedKernel<tf.Tensor>(RelaxLogicLayerGradLogits, { x, logits, dy }, attrs);
    const [yv, dxv, dlv] = await Promise.all([y.data(), dx.data(), dl.data()]);
    expect(dx.shape).toEqual([batch, inDim]);
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
  for (const mode of ["train", "eval"] as const) {
    it(`matches the CPU kernels in ${mode} mode (y, dx, dlogits)`, async () => {
      const cpu = await runAll("cpu", mode);
      const gpu = await runAll("webgpu", mode);
      expect(tf.getBackend()).toBe("webgpu");
      const err = { y: maxAbsError(gpu.y, cpu.y), dx: maxAbsError(gpu.dx, cpu.dx), dlogits: maxAbsError(gpu.dlogits, cpu.dlogits) };
      console.log(`logic ${mode} max|webgpu − cpu|`, err);
      expect(maxRelViolation(gpu.y, cpu.y, 1e-4, 1e-6)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.dx, cpu.dx, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.dlogits, cpu.dlogits, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
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

  it("refuses the feature-major layouts of the host kernels instead of misreading them", async () => {
    await onBackend("webgpu", () => {
      const x = tf.zeros([4, 3]);
      const logits = tf.zeros([2, 16]);
      const attrs: RelaxLogicLayerAttrs = {
        a: Int32Array.of(0, 1),
        b: Int32Array.of(1, 2),
        mode: "train",
        gradFactor: 1,
        featureMajorOut: true,
      };
      expect(() => runFusedKernel(RelaxLogicLayer, { x, logits }, attrs)).toThrow(/featureMajor/);
      tf.dispose([x, logits]);
    });
  });
});
