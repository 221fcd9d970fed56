import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import {
  COMPARATOR_DISTRIBUTIONS,
  RelaxSwapLayer,
  RelaxSwapLayerGrad,
  relaxedSwapLayer,
  runFusedKernel,
  type ComparatorDistribution,
} from "@relax/core";
import { initWebGPU, maxAbsError, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();
const rows = 7;
const n = 9;
const layer = { lo: [0, 5, 2, 7], hi: [3, 1, 4, 8] }; // wire 6 untouched
const xs = randomFloats(rows * n, 1, -1.5, 1.5);
xs[3] = xs[0]!; // an exact tie
xs[n + 1] = 40; // far tails
xs[n + 5] = -40;

interface Run {
  y: Float32Array;
  alpha: Float32Array;
  dx: Float32Array;
  dxFused: Float32Array;
}

async function runAll(backend: "cpu" | "webgpu", distribution: ComparatorDistribution, steepness: number): Promise<Run> {
  return onBackend(backend, async () => {
    const opts = { distribution, steepness, artLambda: 0.3 };
    const x = tf.tensor2d(xs, [rows, n]);
    const { y, alpha } = relaxedSwapLayer(x, layer, opts);
    const wy = tf.tensor2d(randomFloats(rows * n, 2), [rows, n]);
    const wa = tf.tensor2d(randomFloats(rows * layer.lo.length, 3), [rows, layer.lo.length]);
    const g = tf.grad((v: tf.Tensor) => {
      const r = relaxedSwapLayer(v as tf.Tensor2D, layer, opts);
      return tf.add(tf.sum(tf.mul(r.y, wy)), tf.sum(tf.mul(r.alpha, wa)));
    })(x);
    const attrs = { lo: layer.lo, hi: layer.hi, distribution, steepness, artLambda: 0.3 };
    const dxFused = runFusedKernel<tf.Tensor>(RelaxSwapLayerGrad, { x, alpha, dy: wy, dalpha: wa }, attrs);
    const out = {
      y: (await y.data()) as Float32Array,
      alpha: (await alpha.data()) as Float32Array,
      dx: (await g.data()) as Float32Array,
      dxFused: (await dxFused.data()) as Float32Array,
    };
    tf.dispose([x, y, alpha, wy, wa, g, dxFused]);
    return out;
  });
}

describe.runIf(ok)("RelaxSwapLayer on webgpu", () => {
  it("is registered for webgpu and the backend is active", async () => {
    await tf.setBackend("webgpu");
    expect(tf.getBackend()).toBe("webgpu");
    expect(tf.getKernel(RelaxSwapLayer, "webgpu")).toBeDefined();
    expect(tf.getKernel(RelaxSwapLayerGrad, "webgpu")).toBeDefined();
  });

  for (const distribution of COMPARATOR_DISTRIBUTIONS) {
    it(`matches the CPU kernel: ${distribution} (forward y, alpha; backward dx)`, async () => {
      for (const steepness of [3, 25]) {
        const cpu = await runAll("cpu", distribution, steepness);
        const gpu = await runAll("webgpu", distribution, steepness);
        expect(tf.getBackend()).toBe("webgpu");
        const report = {
          y: maxRelViolation(gpu.y, cpu.y, 1e-4, 1e-6),
          alpha: maxRelViolation(gpu.alpha, cpu.alpha, 1e-4, 1e-6),
          dx: maxRelViolation(gpu.dx, cpu.dx, 1e-4, 1e-5),
          dxFused: maxRelViolation(gpu.dxFused, cpu.dxFused, 1e-4, 1e-5),
        };
        console.log(`swap ${distribution} β=${steepness} max|webgpu − cpu|`, {
          y: maxAbsError(gpu.y, cpu.y),
          alpha: maxAbsError(gpu.alpha, cpu.alpha),
          dx: maxAbsError(gpu.dx, cpu.dx),
          dxFused: maxAbsError(gpu.dxFused, cpu.dxFused),
        });
        for (const [k, v] of Object.entries(report)) expect(v, `${distribution} β=${steepness} ${k}`).toBeLessThanOrEqual(1);
      }
    });
  }

  it("is leak-free on webgpu", async () => {
    await tf.setBackend("webgpu");
    const x = tf.tensor2d(xs, [rows, n]);
    const before = tf.memory().numTensors;
    const dataBefore = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
    tf.tidy(() => {
      relaxedSwapLayer(x, layer);
      return tf.grad((v: tf.Tensor) => tf.sum(relaxedSwapLayer(v as tf.Tensor2D, layer).y))(x);
    }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(dataBefore);
    x.dispose();
  });
});
