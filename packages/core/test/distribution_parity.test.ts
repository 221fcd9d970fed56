import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  COMPARATOR_DISTRIBUTIONS,
  COMPARATOR_MAP,
  DISTRIBUTION_NAMES,
  comparatorSigmoid,
  getDistribution,
  setForceReference,
  type CanonicalDistributionName,
} from "../src/index.js";
import { PARITY_Z, tailViolation } from "../src/testing/index.js";

/**
 * One definition of each distribution: the float64 scalar `cdf`/`pdf` are the reference; the fused host kernel
 * (cpu) and the tfjs reference composition (float32) are held to it over every (distribution, z) of `PARITY_Z`,
 * tails included (relative on the smaller of F and 1 − F), and the comparator relaxations to the distributions
 * they map onto. `@relax/sort` (its inlined forms) and `@relax/backend-webgpu` (the WGSL forms) hold theirs to
 * the same scalar forms with the same grid.
 */

/** float32 reference composition: relative error allowed per family (series/clipped forms are looser). */
const REFERENCE_RTOL: Partial<Record<CanonicalDistributionName, number>> = { gamma: 1e-4, gamma_rev: 1e-4, levy: 1e-4, levy_rev: 1e-4 };
/** …and absolute: GenDR's gamma is a 32-term series summed in float32 (a few ulps of 1 near its cut at 15). */
const REFERENCE_ATOL: Partial<Record<CanonicalDistributionName, number>> = { gamma: 1e-6, gamma_rev: 1e-6 };
const SHAPES: Partial<Record<CanonicalDistributionName, number>> = { gamma: 2.5, gamma_rev: 2.5 };
/** Below float32's smallest normal number values are denormal (absolute resolution). */
const DENORMAL = 1e-37;

const z = tf.tensor1d(PARITY_Z as number[]);
afterAll(() => z.dispose());

const scalarCdf = (name: CanonicalDistributionName) => {
  const d = getDistribution(name, { shape: SHAPES[name] ?? 0 });
  return PARITY_Z.map((v) => d.cdf(v));
};

describe("distribution parity: scalar (float64) ↔ host kernel ↔ tensor reference, every (distribution, z)", () => {
  for (const name of DISTRIBUTION_NAMES) {
    const d = getDistribution(name, { shape: SHAPES[name] ?? 0 });
    it(`${name}: host kernel cdf/pdf are the float64 scalars rounded to float32`, () => {
      const want = scalarCdf(name);
      expect(tailViolation(d.cdfTensor(z).dataSync(), want, 1e-7, DENORMAL)).toBe(0);
      const pdf = PARITY_Z.map((v) => d.pdf(v));
      expect(tailViolation(d.pdfTensor(z).dataSync(), pdf, 1e-7, DENORMAL)).toBe(0);
    });
    describe(`${name}: tensor reference (tfjs ops, float32)`, () => {
      let prev = false;
      beforeAll(() => {
        prev = setForceReference(true);
      });
      afterAll(() => {
        setForceReference(prev);
      });
      it("cdf within float32 relative error in both tails", () => {
        const want = scalarCdf(name);
        const rtol = REFERENCE_RTOL[name] ?? 2e-6;
        expect(tailViolation(d.cdfTensor(z).dataSync(), want, rtol, REFERENCE_ATOL[name] ?? DENORMAL)).toBe(0);
      });
    });
  }
});

describe("comparator relaxations are a map onto the distributions (COMPARATOR_MAP)", () => {
  const xs = PARITY_Z.filter((v) => Math.abs(v) < 1e30);
  for (const name of COMPARATOR_DISTRIBUTIONS) {
    it(`${name}: f, df, fTensor = F_D(scale·β·φ(x)) and its derivative`, () => {
      const beta = 3;
      const sig = comparatorSigmoid("parity", { distribution: name, steepness: beta });
      const m = COMPARATOR_MAP[name];
      const d = getDistribution(m.distribution);
      const s = beta * m.scale;
      const arg = (x: number) => (m.art ? (s * x) / Math.pow(Math.abs(x) + 1e-10, 0.25) : s * x);
      expect(xs.map((x) => sig.f(x))).toEqual(xs.map((x) => d.cdf(arg(x))));
      if (!m.art) expect(xs.map((x) => sig.df(x))).toEqual(xs.map((x) => s * d.pdf(s * x)));
      const got = tf.tidy(() => sig.fTensor(tf.tensor1d(xs)).dataSync());
      expect(
        tailViolation(
          got,
          xs.map((x) => sig.f(x)),
          2e-6,
          DENORMAL,
        ),
      ).toBe(0);
    });
  }
  it("the diffsort formulas themselves (within float64 rounding, away from cancelling tails)", () => {
    const v = [-3, -0.7, -0.2, 0, 0.1, 0.24, 0.26, 0.9, 4];
    const forms: Record<string, (v: number) => number> = {
      logistic: (t) => 1 / (1 + Math.exp(-t)),
      reciprocal: (t) => 0.5 * (t / (2 + Math.abs(t)) + 1),
      cauchy: (t) => 0.5 + Math.atan(t) / Math.PI,
      optimal: (t) =>
        Math.min(Math.max(t, -0.25), 0.25) + 0.5 + Math.sign(t) * (Math.abs(t) > 0.25 ? 0.25 - 1 / (16 * (Math.abs(t) + 1e-10)) : 0),
    };
    for (const [name, form] of Object.entries(forms)) {
      const sig = comparatorSigmoid("parity", { distribution: name as "cauchy", steepness: 1 });
      for (const t of v) expect(sig.f(t)).toBeCloseTo(form(t), 14);
    }
  });
});
