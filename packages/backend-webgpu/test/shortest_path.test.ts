import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it } from "vitest";
import { RelaxShortestPath, RelaxShortestPathGrad, runFusedKernel, shortestPath, type RelaxShortestPathAttrs } from "@relax/core";
import { initWebGPU, maxAbsError, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

const base: RelaxShortestPathAttrs = {
  beta: 10,
  iterations: 0, // set per case: H·W
  tolerance: 1e-6,
  traceSteps: 0,
  epsilon: 1e-6,
  tconorm: "probabilistic",
  p: NaN,
};

type Case = Partial<RelaxShortestPathAttrs> & { B: number; H: number; W: number };

/** Costs in [0.1, 2], with cheap corridors on some rows so that rows converge after different iteration counts. */
function costs(B: number, H: number, W: number): Float32Array {
  const c = randomFloats(B * H * W, 81, 0.1, 2);
  for (let b = 0; b < B; b += 2) for (let x = 0; x < W; x++) c[b * H * W + x] = 0.05;
  return c;
}

async function run(backend: "cpu" | "webgpu", c: Case) {
  return onBackend(backend, async () => {
    const attrs: RelaxShortestPathAttrs = { ...base, iterations: c.H * c.W, traceSteps: c.H * c.W, ...c };
    const x = tf.tensor3d(costs(c.B, c.H, c.W), [c.B, c.H, c.W]);
    const dy = tf.tensor3d(randomFloats(c.B * c.H * c.W, 82, -1, 1), [c.B, c.H, c.W]);
    // outputs [path, tape]: the tape is the host forward's record for its gradient (a placeholder on webgpu)
    const [path, tape] = runFusedKernel<tf.Tensor[]>(RelaxShortestPath, { costs: x }, attrs) as [tf.Tensor, tf.Tensor];
    const grad = runFusedKernel<tf.Tensor>(RelaxShortestPathGrad, { costs: x, dy, tape }, attrs);
    const out = { path: (await path.data()) as Float32Array, grad: (await grad.data()) as Float32Array, shapes: [path.shape, grad.shape] };
    tf.dispose([x, dy, path, tape, grad]);
    return out;
  });
}

const cases: Case[] = [
  { B: 3, H: 6, W: 6 },
  { B: 2, H: 5, W: 9, beta: 3 },
  { B: 2, H: 12, W: 12, beta: 20 }, // Warcraft-sized maps
  { B: 1, H: 1, W: 7 },
  { B: 2, H: 4, W: 4, tolerance: 0, iterations: 5, traceSteps: 40 },
  { B: 2, H: 6, W: 5, epsilon: 0.2, traceSteps: 9 },
  { B: 2, H: 5, W: 5, tconorm: "max" },
  { B: 2, H: 5, W: 5, tconorm: "einstein" },
  { B: 2, H: 5, W: 5, tconorm: "hamacher", p: 0.5 },
  { B: 2, H: 5, W: 5, tconorm: "frank", p: 3 },
  { B: 2, H: 5, W: 5, tconorm: "yager", p: 1 },
  { B: 2, H: 5, W: 5, tconorm: "aczel_alsina", p: 2 },
  { B: 2, H: 5, W: 5, tconorm: "dombi", p: 2 },
  { B: 2, H: 5, W: 5, tconorm: "schweizer_sklar", p: -2 },
  // extreme p (issue #14): stable forms, in parity with core's host forms
  { B: 2, H: 5, W: 5, tconorm: "yager", p: 1e6 },
  { B: 2, H: 5, W: 5, tconorm: "dombi", p: 1e-3 },
  { B: 2, H: 5, W: 5, tconorm: "frank", p: 1e6 },
  { B: 2, H: 5, W: 5, tconorm: "schweizer_sklar", p: -1e6 },
];

describe.runIf(ok)("RelaxShortestPath on webgpu", () => {
  afterEach(() => {
    tf.env().set("RELAX_WEBGPU_PATH_SLICE_BYTES", 96 * 1024 * 1024);
  });

  for (const c of cases) {
    const { B, H, W, ...rest } = c;
    const name = `B=${B} ${H}×${W} ${JSON.stringify(rest)}`;
    it(`matches the CPU kernel (path and cost gradient): ${name}`, async () => {
      const cpu = await run("cpu", c);
      const gpu = await run("webgpu", c);
      expect(tf.getBackend()).toBe("webgpu");
      expect(gpu.shapes).toEqual(cpu.shapes);
      const gmax = cpu.grad.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      console.log(
        `shortest path ${name}: max|webgpu − cpu| path ${maxAbsError(gpu.path, cpu.path).toExponential(2)}, grad ${maxAbsError(gpu.grad, cpu.grad).toExponential(2)} (max ${gmax.toPrecision(3)})`,
      );
      expect(maxRelViolation(gpu.path, cpu.path, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      expect(maxRelViolation(gpu.grad, cpu.grad, 1e-3, 1e-4 * Math.max(1, gmax))).toBeLessThanOrEqual(1);
    });
  }

  it("runs the rows in slices when their scratch would exceed the budget", async () => {
    const c: Case = { B: 5, H: 6, W: 6 };
    const cpu = await run("cpu", c);
    tf.env().set("RELAX_WEBGPU_PATH_SLICE_BYTES", 200 * 1024); // two rows per slice
    const gpu = await run("webgpu", c);
    expect(maxRelViolation(gpu.path, cpu.path, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
    expect(maxRelViolation(gpu.grad, cpu.grad, 1e-3, 1e-4 * Math.max(1, ...cpu.grad.map(Math.abs)))).toBeLessThanOrEqual(1);
  });

  it("says which limit a map too large for one buffer exceeds", async () => {
    await onBackend("webgpu", async () => {
      tf.env().set("RELAX_WEBGPU_PATH_SLICE_BYTES", 1024);
      const x = tf.ones([1, 6, 6]);
      expect(() => runFusedKernel(RelaxShortestPath, { costs: x }, { ...base, iterations: 36, traceSteps: 36 })).toThrow(
        /MiB of scratch per map/,
      );
      x.dispose();
    });
  });

  it("shortestPath() and its gradient run on webgpu end to end (no synchronous read-back)", async () => {
    const grad = (backend: "cpu" | "webgpu") =>
      onBackend(backend, async () => {
        const x = tf.tensor3d(costs(2, 8, 8), [2, 8, 8]);
        const w = tf.tensor3d(randomFloats(128, 83), [2, 8, 8]);
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(shortestPath(v, { beta: 15 }), w)))(x);
        const out = (await g.data()) as Float32Array;
        tf.dispose([x, w, g]);
        return out;
      });
    const cpu = await grad("cpu");
    const gpu = await grad("webgpu");
    expect(maxRelViolation(gpu, cpu, 1e-3, 1e-4 * Math.max(1, ...cpu.map(Math.abs)))).toBeLessThanOrEqual(1);
  });
});
