import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { RelaxRasterizeSilhouette, RelaxRasterizeSilhouetteGrad, runFusedKernel, type RelaxRasterizeSilhouetteAttrs } from "@relax/core";
import "../../render/src/kernels/silhouette.js"; // the CPU kernel of @relax/render
import { SILHOUETTE_BASE, initWebGPU, maxAbsError, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

/** Small octahedron-ish mesh plus random triangles: faces [B, F, 3, 3]. */
function scene(B: number, F: number, seed: number): Float32Array {
  const v = randomFloats(B * F * 9, seed, -0.9, 0.9);
  return v;
}

const base: RelaxRasterizeSilhouetteAttrs = SILHOUETTE_BASE;

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
  // the remaining GenDR distributions (shifts chosen so that outside pixels contribute for the one-sided ones)
  { distribution: "cubic_hermite", scale: 0.1 },
  { distribution: "wigner_semicircle", scale: 0.1 },
  { distribution: "wigner_semicircle", squared: true, scale: 0.01, tconorm: "einstein" },
  { distribution: "reciprocal", scale: 0.02 },
  { distribution: "gumbel_max", scale: 0.05 },
  { distribution: "gumbel_min", scale: 0.05, shift: 0.3 },
  { distribution: "exponential", scale: 0.05, shift: 0.5 },
  { distribution: "exponential_rev", scale: 0.05, tconorm: "einstein" },
  { distribution: "gamma", shape: 2, shift: 1, scale: 0.05 },
  { distribution: "gamma", shape: 0.5, shift: 0.5, squared: true, scale: 0.003, tconorm: "max" },
  { distribution: "gamma", shape: 0, shift: 0.5, scale: 0.05 },
  { distribution: "gamma_rev", shape: 2, scale: 0.05 },
  { distribution: "levy", shift: 0.5, scale: 0.05 },
  { distribution: "levy_rev", scale: 0.05, pixelConvention: "pytorch3d" },
  { distribution: "hyperbolic_secant", scale: 0.05, tconorm: "einstein" },
  // the parametric t-conorms (p = NaN: core's default)
  { tconorm: "hamacher" },
  { tconorm: "hamacher", p: 0.5 },
  { tconorm: "hamacher", p: 2, distribution: "gaussian", scale: 0.03 },
  { tconorm: "frank", p: 2 },
  { tconorm: "frank", p: 0.5, distribution: "cauchy", scale: 0.01 },
  { tconorm: "yager", p: 1 },
  { tconorm: "yager", p: 2 },
  { tconorm: "yager", p: 0.5, distribution: "laplace" },
  { tconorm: "aczel_alsina", p: 2 },
  { tconorm: "aczel_alsina", p: 0.5, distribution: "gaussian", scale: 0.03 },
  { tconorm: "dombi", p: 2 },
  { tconorm: "dombi", p: 0.5, distribution: "reciprocal", scale: 0.02 },
  { tconorm: "schweizer_sklar", p: -2 },
  { tconorm: "schweizer_sklar", p: -0.5, distribution: "gaussian", scale: 0.03 },
  // extreme p (issue #14): the stable forms tend to max and stay finite, in parity with core's host forms
  { tconorm: "yager", p: 1e6 },
  { tconorm: "yager", p: 1e-3 },
  { tconorm: "aczel_alsina", p: 100 },
  { tconorm: "dombi", p: 1e6 },
  { tconorm: "schweizer_sklar", p: -1e6 },
  { tconorm: "schweizer_sklar", p: -1e-3 },
  { tconorm: "frank", p: 1e6 },
  { tconorm: "frank", p: 1e-6 },
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
    const params = [
      attrs.shape ? `shape=${attrs.shape}` : "",
      attrs.shift ? `shift=${attrs.shift}` : "",
      Number.isNaN(attrs.p) ? "" : `p=${attrs.p}`,
      `τ=${attrs.scale}`,
    ].filter(Boolean);
    const name = `${attrs.distribution}/${attrs.tconorm} ${params.join(" ")}${attrs.squared ? " squared" : ""}${attrs.maxTies === "all" ? " maxTies=all" : ""} ${attrs.pixelConvention} S=${attrs.imageSize}`;
    it(`matches the CPU kernel: ${name}`, async () => {
      const B = attrs.imageSize === 5 ? 1 : 2;
      const F = attrs.imageSize === 5 ? 150 : 6;
      const cpu = await runBoth("cpu", attrs, B, F);
      const gpu = await runBoth("webgpu", attrs, B, F);
      expect(tf.getBackend()).toBe("webgpu");
      expect(gpu.shapes).toEqual(cpu.shapes);
      let gmax = 0;
      for (const v of cpu.dfaces) gmax = Math.max(gmax, Math.abs(v));
      const violation = {
        alpha: maxRelViolation(gpu.alpha, cpu.alpha, 1e-4, 1e-5),
        dfaces: maxRelViolation(gpu.dfaces, cpu.dfaces, 1e-4, 1e-4 * Math.max(1, gmax)),
      };
      console.log(
        `silhouette ${name}: max|webgpu − cpu| alpha ${maxAbsError(gpu.alpha, cpu.alpha).toExponential(2)}, ` +
          `dfaces ${maxAbsError(gpu.dfaces, cpu.dfaces).toExponential(2)} (max|dfaces| ${gmax.toPrecision(3)}); ` +
          `tolerance used ${violation.alpha.toFixed(3)} / ${violation.dfaces.toFixed(3)}`,
      );
      expect(violation.alpha).toBeLessThanOrEqual(1);
      // gradients are sums over pixels: absolute tolerance relative to the largest entry
      expect(violation.dfaces).toBeLessThanOrEqual(1);
    });
  }

  it("throws a clear error for a distribution the renderer does not know", async () => {
    await tf.setBackend("webgpu");
    const faces = tf.zeros([1, 1, 3, 3]);
    // `optimal` is core's sort-only sigmoid, not a GenDR distribution (the CPU kernel rejects it too)
    expect(() => runFusedKernel(RelaxRasterizeSilhouette, { faces }, { ...base, distribution: "optimal" as "logistic" })).toThrow(
      /RelaxRasterizeSilhouette \(webgpu\): distribution must be one with a WGSL implementation .*, got "optimal"/,
    );
    faces.dispose();
  });
});

describe.runIf(ok)("RelaxRasterizeSilhouetteGrad on webgpu, a pixel on a shared edge", () => {
  it("keeps the gradient's direction where the pixel lies within float32 rounding of the edge", async () => {
    // Two faces share the edge A–B, which passes ~3e-8 from the centre (0.125, 0.125) of pixel (3, 4) of an
    // 8×8 image: (c − p)/d from float32 coordinates would point anywhere; the gradient there is F'(0)/τ.
    const p = [0.125, 0.125];
    const A = [p[0]! - 0.4, p[1]! - 0.12 + 3e-8];
    const B = [p[0]! + 0.4, p[1]! + 0.12 + 3e-8];
    const faces = Float32Array.from([...A, 1, ...B, 1, p[0]!, p[1]! + 0.5, 1, ...B, 1, ...A, 1, p[0]!, p[1]! - 0.5, 1]);
    const dy = new Float32Array(64);
    dy[3 * 8 + 4] = 1;
    const attrs: RelaxRasterizeSilhouetteAttrs = { ...base, imageSize: 8, scale: 0.05 };
    const grad = (backend: "cpu" | "webgpu") =>
      onBackend(backend, async () => {
        const f = tf.tensor4d(faces, [1, 2, 3, 3]);
        const d = tf.tensor3d(dy, [1, 8, 8]);
        const g = runFusedKernel<tf.Tensor>(RelaxRasterizeSilhouetteGrad, { faces: f, dy: d }, attrs);
        const v = (await g.data()) as Float32Array;
        tf.dispose([f, d, g]);
        return v;
      });
    const cpu = await grad("cpu");
    const gpu = await grad("webgpu");
    expect(Math.max(...cpu.map(Math.abs))).toBeGreaterThan(0.5); // the pixel's gradient is large
    expect(maxRelViolation(gpu, cpu, 1e-4, 1e-4)).toBeLessThanOrEqual(1);
  });
});
