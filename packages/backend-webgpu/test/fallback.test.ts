/**
 * Dispatch that falls back: a WGSL kernel declines the attributes it has no form for (supports.ts), and
 * the op then runs its reference composition on the webgpu backend instead of throwing.
 */
import * as tf from "@tensorflow/tfjs-core";
import { afterEach, describe, expect, it } from "vitest";
import {
  RELAX_FORCE_REFERENCE,
  RelaxDiffSort,
  RelaxRasterizeRgb,
  RelaxRasterizeSilhouette,
  RelaxShortestPath,
  RelaxSortNetSelect,
  RelaxSwapLayer,
  registerKernelSupport,
  relaxedSwapLayer,
  useFused,
  withFlags,
} from "@relax/core";
import { diffSort } from "@relax/sort";
import { registerWebGPUKernelSupports } from "../src/supports.js";
import { initWebGPU, maxRelViolation, onBackend, randomFloats } from "./webgpu_env.js";

const ok = await initWebGPU();

describe.runIf(ok)("dispatch on webgpu falls back to the reference", () => {
  afterEach(() => registerWebGPUKernelSupports());

  it("the WGSL kernels decline distributions and t-conorms they have no WGSL form for", async () => {
    await onBackend("webgpu", () => {
      expect(useFused(RelaxShortestPath, { tconorm: "probabilistic" })).toBe(true);
      expect(useFused(RelaxShortestPath, { tconorm: "hard" })).toBe(false);
      for (const name of [RelaxSwapLayer, RelaxDiffSort, RelaxSortNetSelect]) {
        expect(useFused(name, { distribution: "cauchy" }), name).toBe(true);
        expect(useFused(name, { distribution: "laplace" }), name).toBe(false);
      }
      for (const name of [RelaxRasterizeSilhouette, RelaxRasterizeRgb]) {
        expect(useFused(name, { distribution: "hyperbolic_secant", tconorm: "yager" }), name).toBe(true);
        expect(useFused(name, { distribution: "optimal", tconorm: "yager" }), name).toBe(false);
        expect(useFused(name, { distribution: "logistic", tconorm: "nilpotent" }), name).toBe(false);
      }
    });
  });

  // Ops whose reference runs on webgpu in Node (shortestPath's reference reads its iterates with dataSync,
  // which Dawn in Node cannot): each kernel is made to decline `cauchy`, and the op must then give the
  // reference's numbers on webgpu instead of throwing.
  const x = randomFloats(3 * 8, 7, -2, 2);
  const cases: [string, string, () => tf.Tensor][] = [
    [
      "relaxedSwapLayer",
      RelaxSwapLayer,
      () => relaxedSwapLayer(tf.tensor2d(x, [3, 8]), { lo: [0, 2, 4, 6], hi: [1, 3, 5, 7] }, { distribution: "cauchy", steepness: 4 }).y,
    ],
    ["diffSort", RelaxDiffSort, () => diffSort(tf.tensor2d(x, [3, 8]), { distribution: "cauchy", steepness: 4 }).sorted],
  ];
  for (const [op, kernel, call] of cases) {
    it(`${op}: a declined call returns the reference's numbers, on webgpu`, async () => {
      const values = (f: () => tf.Tensor) =>
        onBackend("webgpu", async () => {
          expect(tf.getBackend()).toBe("webgpu");
          const y = tf.tidy(f);
          const v = (await y.data()) as Float32Array;
          y.dispose();
          return v;
        });
      const reference = await values(() => withFlags({ [RELAX_FORCE_REFERENCE]: true }, call));
      const fused = await values(call);
      registerKernelSupport<{ distribution: string }>(kernel, "webgpu", (at) => at.distribution !== "cauchy");
      expect(useFused(kernel, { distribution: "cauchy" })).toBe(false);
      const declined = await values(call);
      expect(Array.from(declined)).toEqual(Array.from(reference));
      expect(maxRelViolation(fused, reference, 1e-4, 1e-5)).toBeLessThanOrEqual(1);
    });
  }
});
