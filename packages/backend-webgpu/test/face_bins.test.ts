import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it } from "vitest";
import {
  RelaxRasterizeRgb,
  RelaxRasterizeRgbGrad,
  RelaxRasterizeSilhouette,
  RelaxRasterizeSilhouetteGrad,
  runFusedKernel,
  type RelaxRasterizeRgbAttrs,
} from "@relax/core";
import "@relax/render"; // the CPU kernels (aliased to ../render/src in vitest.config.ts)
import { RGB_BASE, initWebGPU, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

/**
 * Many small triangles spread over the image (so each 8×8 tile meets a different few), depth in [1.5, 3],
 * both windings, colours in [0, 1]: faces and colours `[B, F, 3, 3]`.
 */
function smallTriangles(B: number, F: number, seed: number): { faces: Float32Array; colors: Float32Array } {
  const centres = randomFloats(B * F * 2, seed, -0.85, 0.85);
  const offsets = randomFloats(B * F * 6, seed + 1, -0.12, 0.12);
  const depth = randomFloats(B * F * 3, seed + 2, 1.5, 3);
  const faces = new Float32Array(B * F * 9);
  for (let f = 0; f < B * F; f++) {
    for (let k = 0; k < 3; k++) {
      faces[f * 9 + k * 3] = centres[f * 2]! + offsets[f * 6 + k * 2]!;
      faces[f * 9 + k * 3 + 1] = centres[f * 2 + 1]! + offsets[f * 6 + k * 2 + 1]!;
      faces[f * 9 + k * 3 + 2] = depth[f * 3 + k]!;
    }
  }
  return { faces, colors: randomFloats(B * F * 9, seed + 3, 0, 1) };
}

const attrs: RelaxRasterizeRgbAttrs = {
  ...RGB_BASE,
  imageSize: 37, // 5×5 tiles, the last row and column partial
  scale: 0.01,
  gamma: 0.01,
  far: 4,
  doubleSide: true,
  background: [0.1, 0.2, 0.3],
};

const B = 2;
const F = 60;
const { faces, colors } = smallTriangles(B, F, 71);

async function rasterize(backend: "cpu" | "webgpu", at: RelaxRasterizeRgbAttrs) {
  return onBackend(backend, async () => {
    const f = tf.tensor4d(faces, [B, F, 3, 3]);
    const c = tf.tensor4d(colors, [B, F, 3, 3]);
    const S = at.imageSize;
    const dyA = tf.tensor3d(randomFloats(B * S * S, 72), [B, S, S]);
    const dyC = tf.tensor4d(randomFloats(B * S * S * 3, 73), [B, S, S, 3]);
    const alpha = runFusedKernel<tf.Tensor>(RelaxRasterizeSilhouette, { faces: f }, at);
    const dAlpha = runFusedKernel<tf.Tensor>(RelaxRasterizeSilhouetteGrad, { faces: f, dy: dyA }, at);
    const rgb = runFusedKernel<tf.Tensor>(RelaxRasterizeRgb, { faces: f, colors: c }, at);
    const [dFaces, dColors] = runFusedKernel<tf.Tensor[]>(RelaxRasterizeRgbGrad, { faces: f, colors: c, dy: dyC }, at);
    const outs = [alpha, dAlpha, rgb, dFaces!, dColors!];
    const values = (await Promise.all(outs.map((t) => t.data()))) as Float32Array[];
    tf.dispose([f, c, dyA, dyC, ...outs]);
    return values;
  });
}

describe.runIf(ok)("face bins of the WGSL rasterizers", () => {
  afterEach(() => {
    tf.env().set("RELAX_WEBGPU_BIN_MAX_CAP", 4096);
  });

  // [list cap, what it exercises]
  const caps: [number, string][] = [
    [4096, "every tile folds over its own list"],
    [3, "full tiles (more than 3 faces) fold over all faces, the others over their lists"],
  ];
  for (const [cap, what] of caps) {
    it(`silhouette and colour image, values and gradients, match the CPU kernels: ${what}`, async () => {
      const cpu = await rasterize("cpu", attrs);
      tf.env().set("RELAX_WEBGPU_BIN_MAX_CAP", cap);
      const gpu = await rasterize("webgpu", attrs);
      expect(tf.getBackend()).toBe("webgpu");
      const names = ["alpha", "dAlpha", "rgb", "dFaces", "dColors"];
      names.forEach((name, i) => {
        const c = cpu[i]!;
        const gmax = c.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        const atol = name.startsWith("d") ? 1e-4 * Math.max(1, gmax) : 1e-5;
        expect(maxRelViolation(gpu[i]!, c, 1e-4, atol), name).toBeLessThanOrEqual(1);
      });
    });
  }
});
