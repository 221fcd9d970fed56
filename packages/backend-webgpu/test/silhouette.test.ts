import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { RelaxRasterizeSilhouette, RelaxRasterizeSilhouetteGrad, runFusedKernel, type RelaxRasterizeSilhouetteAttrs } from "@relax/core";
import "../../render/src/silhouette_kernel.js"; // the CPU kernel of @relax/render
import { initWebGPU, maxAbsError, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

/** Small octahedron-ish mesh plus random triangles: faces [B, F, 3, 3]. */
function scene(B: number, F: number, seed: number): Float32Array {
  const v = randomFloats(B * F * 9, seed, -0.9, 0.9);
  return v;
}

const base: RelaxRasterizeSilhouetteAttrs = {
  imageSize: 12,
  distribution: "logistic",
  scale: 0.05,
  squared: false,
  shape: 0,
  shift: 0,
  tconorm: "probabilistic",
  p: NaN,
  distEps: 1e4,
  maxTies: "split",
  pixelConvention: "gendr",
};

const cases: Partial<RelaxRasterizeSilhouetteAttrs>[] = [
  {},
  { distribution: "gaussian", tconorm: "einstein", scale: 0.02 },
  { distribution: "uniform", tconorm: "max", scale: 0.1 },
  { distribution: "cauchy", squared: true, scale: 0.003, pixelConvention: "pytorch3d" },
  { distribution: "laplace", tconorm: "max", maxTies: "all", shift: 0.5 },
  { distribution: "gudermannian", tconorm: "probabilistic", imageSize: 9 },
  { distribution: "hard", tconorm: "hard" },
  // many kept fragments per pixel (> 64): exercises the checkpointed reverse fold
  { distribution: "logistic", tconorm: "einstein", scale: 0.5, imageSize: 5 },
];

async function runBoth(backend: "cpu" | "webgpu", attrs: RelaxRasterizeSilhouetteAttrs, B: number, F: number) {
  return onBackend(backend, async () => {
    const faces = tf.tensor4d(scene(B, F, 41), [B, F, 3, 3]);
    const S = attrs.imageSize;
    const dy = tf.tensor3d(randomFloats(B * S * S, 42), [B, S, S]);
    const alpha = runFusedKernel<tf.Tensor>(RelaxRasterizeSilhouette, { faces }, attrs);
    const df = runFusedKernel<tf.Tensor>(RelaxRasterizeSilhouetteGrad, { faces, dy }, attrs);
    const out = { alpha: (await alpha.data()) as Float32Array, dfaces: (await df.data()) as Float32Array, shapes: [alpha.shape, df.shape] };
    tf.dispose([faces, dy, alpha, df]);
    return out;
  });
}

describe.runIf(ok)("RelaxRasterizeSilhouette on webgpu", () => {
  for (const c of cases) {
    const attrs = { ...base, ...c };
    const name = `${attrs.distribution}/${attrs.tconorm}${attrs.squared ? " squared" : ""}${attrs.maxTies === "all" ? " maxTies=all" : ""} ${attrs.pixelConvention} S=${attrs.imageSize}`;
    it(`matches the CPU kernel: ${name}`, async () => {
      const B = attrs.imageSize === 5 ? 1 : 2;
      const F = attrs.imageSize === 5 ? 150 : 6;
      const cpu = await runBoth("cpu", attrs, B, F);
      const gpu = await runBoth("webgpu", attrs, B, F);
      expect(tf.getBackend()).toBe("webgpu");
      expect(gpu.shapes).toEqual(cpu.shapes);
      let gmax = 0;
      for (const v of cpu.dfaces) gmax = Math.max(gmax, Math.abs(v));
      console.log(`silhouette ${name} max|webgpu − cpu|`, {
        alpha: maxAbsError(gpu.alpha, cpu.alpha),
        dfaces: maxAbsError(gpu.dfaces, cpu.dfaces),
        dfacesScale: gmax,
      });
      expect(maxRelViolation(gpu.alpha, cpu.alpha, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
      // gradients are sums over pixels: absolute tolerance relative to the largest entry
      expect(maxRelViolation(gpu.dfaces, cpu.dfaces, 1e-4, 1e-4 * Math.max(1, gmax))).toBeLessThanOrEqual(1);
    });
  }

  it("throws a clear error for a configuration without WGSL", async () => {
    await tf.setBackend("webgpu");
    const faces = tf.zeros([1, 1, 3, 3]);
    expect(() => runFusedKernel(RelaxRasterizeSilhouette, { faces }, { ...base, distribution: "gamma", shape: 2 })).toThrow(
      /no WGSL implementation/,
    );
    faces.dispose();
  });
});
