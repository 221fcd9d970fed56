import * as tf from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { describe, expect, it } from "vitest";
import { COMPARATOR_DISTRIBUTIONS, COMPARATOR_MAP, DISTRIBUTION_NAMES, comparatorSigmoid, getDistribution, lgamma } from "@relax/core";
import { PARITY_Z, tailViolation } from "@relax/core/testing";
import { elementwiseProgram, f32, run } from "../src/program.js";
import { comparatorWgsl } from "../src/wgsl/comparator.js";
import { WGSL_DISTRIBUTIONS, distributionWgsl } from "../src/wgsl/distributions.js";
import { initWebGPU, onBackend } from "./webgpu_env.js";

/**
 * The WGSL forms of the distributions (the one table in src/wgsl/distributions.ts, used by the silhouette
 * rasterizer and, through core's COMPARATOR_MAP, by every comparator kernel) held to core's float64 scalar forms
 * over every (distribution, z) of core's parity grid, tails and float32 limits included, relative in the tails.
 */
const ok = await initWebGPU();
const SHAPE = 2.5;
const UNIFORMS = "shape : f32, lnorm : f32, lnorm1 : f32, steepness : f32, artLambda : f32, ";
/** f32 WGSL (GPU math builtins have a few ulps; gamma and lévy go through exp/log of f32 products). */
const RTOL: Record<string, number> = { gamma: 1e-4, gamma_rev: 1e-4, levy: 1e-4, levy_rev: 1e-4 };
const ATOL: Record<string, number> = { gamma: 1e-6, gamma_rev: 1e-6 };
/** A CDF near 1 in f32 WGSL: its complement to 4 ulps of 1 (WGSL's exp is accurate to 3 + 2|x| ulps, e.g. gumbel_max's exp(−e^w)). */
const COMPLEMENT_ATOL = 2 ** -22;
const wgslViolation = (got: ArrayLike<number>, want: number[], rtol: number, atol: number) =>
  tailViolation(got, want, rtol, atol, COMPLEMENT_ATOL);

async function evalWgsl(key: string, helpers: string, expr: string, steepness = 1): Promise<Float32Array> {
  return onBackend("webgpu", async () => {
    const backend = tf.backend() as WebGPUBackend;
    const x = tf.tensor1d(PARITY_Z as number[]);
    const program = elementwiseProgram({
      key: `parity_${key}`,
      variableNames: ["x"],
      outputShape: [PARITY_Z.length],
      uniforms: UNIFORMS,
      helpers,
      body: `let z = x[index]; result[index] = ${expr};`,
    });
    const info = run(backend, program, [x], "float32", [f32(SHAPE), f32(lgamma(SHAPE)), f32(lgamma(SHAPE + 1)), f32(steepness), f32(0.25)]);
    const out = tf.engine().makeTensorFromTensorInfo(info);
    const values = (await out.data()) as Float32Array;
    tf.dispose([x, out]);
    return values;
  });
}

describe("every core distribution and comparator has a WGSL form", () => {
  it("the WGSL table covers DISTRIBUTION_NAMES exactly, the comparator map every COMPARATOR_DISTRIBUTIONS", () => {
    expect([...WGSL_DISTRIBUTIONS].sort()).toEqual([...DISTRIBUTION_NAMES].sort());
    for (const c of COMPARATOR_DISTRIBUTIONS) {
      expect(WGSL_DISTRIBUTIONS).toContain(COMPARATOR_MAP[c].distribution);
      expect(comparatorWgsl(c)).toContain("fn relax_cmp_f");
    }
  });
});

describe.runIf(ok)("distribution parity: WGSL ↔ core's float64 scalar, every (distribution, z)", () => {
  for (const name of DISTRIBUTION_NAMES) {
    it(`${name}: cdf and pdf`, async () => {
      const w = distributionWgsl(name);
      const helpers = `${[...new Set(w.helpers)].join("\n")}\n${w.functions}`;
      const d = getDistribution(name, { shape: name.startsWith("gamma") ? SHAPE : 0 });
      const cdf = await evalWgsl(`${name}_cdf`, helpers, `${w.cdf}(z, 0.0)`);
      expect(
        wgslViolation(
          cdf,
          PARITY_Z.map((v) => d.cdf(v)),
          RTOL[name] ?? 1e-5,
          ATOL[name] ?? 1e-37,
        ),
        `${name} cdf`,
      ).toBe(0);
      const pdf = await evalWgsl(`${name}_pdf`, helpers, `${w.pdf}(z, 0.0)`);
      expect(
        wgslViolation(
          pdf,
          PARITY_Z.map((v) => d.pdf(v)),
          RTOL[name] ?? 1e-5,
          ATOL[name] ?? 1e-37,
        ),
        `${name} pdf`,
      ).toBe(0);
    });
  }
  for (const name of COMPARATOR_DISTRIBUTIONS) {
    it(`comparator ${name}: relax_cmp_f is core's comparatorSigmoid f`, async () => {
      const steepness = 3;
      const sig = comparatorSigmoid("parity", { distribution: name, steepness, artLambda: 0.25 });
      const xs = PARITY_Z.map((v) => Math.fround(v / steepness));
      const got = await evalWgsl(`cmp_${name}`, comparatorWgsl(name), "relax_cmp_f(z / uniforms.steepness)", steepness);
      expect(
        wgslViolation(
          got,
          xs.map((x) => sig.f(x)),
          1e-5,
          1e-37,
        ),
        `${name} f`,
      ).toBe(0);
    });
  }
});
