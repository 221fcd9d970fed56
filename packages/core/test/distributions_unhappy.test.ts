/**
 * Issue #14: the distributions (and the special-function tensor ops under them) on the unhappy path:
 * NaN → RelaxError naming `<name>.<method>` and `z`; ±Infinity → the limits; bad names/params → RelaxError
 * with did-you-mean; bare leak checks; fuzz.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DISTRIBUTION_NAMES,
  RelaxError,
  erfcTensor,
  erfTensor,
  gammaPTensor,
  getDistribution,
  lgammaTensor,
  type CanonicalDistributionName,
  type Distribution,
} from "../src/index.js";
import { assertRelaxErrorOrFinite, countLeakedTensors, countLeakedTensorsOnThrow } from "../src/testing/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterEach(() => {
  tf.env().set("RELAX_FORCE_REFERENCE", false);
  tf.env().set("RELAX_INPUT_CHECKS", true);
});

function dist(name: CanonicalDistributionName, shift = 0): Distribution {
  return getDistribution(name, name.startsWith("gamma") ? { shape: 2, shift } : { shift });
}
const PATHS = [
  ["fused", false],
  ["reference", true],
] as const;

describe("contract of cdf / pdf / cdfTensor / pdfTensor for every distribution", () => {
  for (const name of DISTRIBUTION_NAMES) {
    it(`${name}: NaN → RelaxError naming the method and z; ±Infinity → limits (scalar)`, () => {
      for (const shift of [0, 0.5]) {
        const d = dist(name, shift);
        expect(() => d.cdf(NaN)).toThrow(new RegExp(`^${name}.cdf: z must be a number, not NaN`));
        expect(() => d.pdf(NaN)).toThrow(new RegExp(`^${name}.pdf: z must be`));
        expect(() => d.cdf("1" as never)).toThrow(RelaxError);
        expect(() => d.pdf(undefined as never)).toThrow(RelaxError);
        expect(d.cdf(-Infinity)).toBe(0);
        expect(d.cdf(Infinity)).toBe(1);
        expect(d.pdf(-Infinity)).toBe(0);
        expect(d.pdf(Infinity)).toBe(0);
        // huge finite arguments approach the same limits
        expect(d.cdf(-1e300)).toBeCloseTo(0, 6);
        expect(d.cdf(1e300)).toBeCloseTo(1, 6);
      }
    });

    for (const [path, force] of PATHS) {
      it(`${name} (${path}): tensor NaN → RelaxError; ±Infinity → limits with zero gradient; arrays accepted`, () => {
        tf.env().set("RELAX_FORCE_REFERENCE", force);
        const d = dist(name);
        const z = tf.tensor1d([-Infinity, 0.25, Infinity]);
        const c = d.cdfTensor(z);
        const p = d.pdfTensor(z);
        const g = tf.grad((t: tf.Tensor) => tf.sum(d.cdfTensor(t)))(z);
        const cv = c.dataSync();
        expect(cv[0]).toBe(0);
        expect(cv[2]).toBe(1);
        expect(cv[1]).toBeCloseTo(d.cdf(0.25), 5);
        const pv = p.dataSync();
        expect([pv[0], pv[2]]).toEqual([0, 0]);
        expect(pv[1]).toBeCloseTo(d.pdf(0.25), 5);
        expect([g.dataSync()[0], g.dataSync()[2]]).toEqual([0, 0]);
        const nan = tf.tensor1d([0, NaN]);
        expect(() => d.cdfTensor(nan)).toThrow(new RegExp(`^${name}.cdfTensor: z must be free of NaN`));
        expect(() => d.pdfTensor(nan)).toThrow(new RegExp(`^${name}.pdfTensor: z must be free of NaN`));
        expect(() => d.cdfTensor(null as never)).toThrow(new RegExp(`^${name}.cdfTensor: z must be a tensor`));
        expect(countLeakedTensorsOnThrow(() => d.cdfTensor(nan)).leaked).toBe(0);
        const fromArray = d.cdfTensor([0.25]);
        expect(fromArray.dataSync()[0]).toBeCloseTo(d.cdf(0.25), 5);
        tf.dispose([z, c, p, g, nan, fromArray]);
      });
    }
  }

  it("with input checks off, a NaN passes through as NaN (documented), on both paths", () => {
    tf.env().set("RELAX_INPUT_CHECKS", false);
    for (const force of [false, true]) {
      tf.env().set("RELAX_FORCE_REFERENCE", force);
      const y = getDistribution("cauchy").cdfTensor([NaN]);
      expect(Number.isNaN(y.dataSync()[0])).toBe(true);
      y.dispose();
    }
  });
});

describe("getDistribution validation", () => {
  it("unknown names → RelaxError with the nearest valid one", () => {
    expect(() => getDistribution("cauchi" as never)).toThrow(
      /getDistribution: name must be one of .*\(did you mean 'cauchy'\?\), got "cauchi"/,
    );
    expect(() => getDistribution("hyperbolic-secant" as never)).toThrow(/did you mean 'hyperbolic_secant'/);
    expect(() => getDistribution(null as never)).toThrow(/name must be one of .*, got null/);
    expect(() => getDistribution("gausian" as never, {}, { op: "render", argument: "distribution" })).toThrow(
      /^render: distribution must be one of .*did you mean 'gaussian'/,
    );
  });

  it("misspelled params / context keys and non-object params → RelaxError", () => {
    expect(() => getDistribution("logistic", { shfit: 1 } as never)).toThrow(
      /params.shfit must be a known option \(did you mean "shift"\?\)/,
    );
    expect(() => getDistribution("gamma", { shap: 2 } as never)).toThrow(/did you mean "shape"/);
    expect(() => getDistribution("logistic", {}, { opp: "x" } as never)).toThrow(/context.opp .*did you mean "op"/);
    for (const bad of [null, 3, "x", [1]])
      expect(() => getDistribution("logistic", bad as never)).toThrow(/params must be an options object/);
    expect(() => getDistribution("logistic", {}, null as never)).toThrow(/context must be an options object/);
  });
});

describe("bare leak checks", () => {
  it("cdfTensor / pdfTensor (float32, int32, array; grad; error path) on both paths", () => {
    const z = tf.tensor2d([
      [-1, 0, 2],
      [0.5, -Infinity, Infinity],
    ]);
    const zi = tf.tensor1d([-1, 0, 3], "int32");
    for (const [, force] of PATHS) {
      tf.env().set("RELAX_FORCE_REFERENCE", force);
      for (const name of DISTRIBUTION_NAMES) {
        const d = dist(name, 0.3);
        for (const m of ["cdfTensor", "pdfTensor"] as const) {
          expect(
            countLeakedTensors(() => d[m](z)),
            `${name}.${m} tensor`,
          ).toBe(0);
          expect(
            countLeakedTensors(() => d[m](zi)),
            `${name}.${m} int32`,
          ).toBe(0);
          expect(
            countLeakedTensors(() => d[m]([[-1, 0.5]])),
            `${name}.${m} array`,
          ).toBe(0);
          const r = countLeakedTensorsOnThrow(() => d[m]([0, NaN]));
          expect(r.error).toBeInstanceOf(RelaxError);
          expect(r.leaked, `${name}.${m} error path`).toBe(0);
        }
        expect(
          countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(d.cdfTensor(t)))(z)),
          `${name} grad`,
        ).toBe(0);
      }
    }
    tf.dispose([z, zi]);
  });

  it("special-function tensor ops: erfTensor, erfcTensor, lgammaTensor, gammaPTensor", () => {
    const x = tf.tensor1d([0.5, 1.5, 3]);
    const xi = tf.tensor1d([1, 2], "int32");
    const ops: [string, (v: tf.Tensor | number[]) => tf.Tensor][] = [
      ["erfTensor", (v) => erfTensor(v)],
      ["erfcTensor", (v) => erfcTensor(v)],
      ["lgammaTensor", (v) => lgammaTensor(v)],
      ["gammaPTensor", (v) => gammaPTensor(v, 2)],
    ];
    for (const [label, f] of ops) {
      expect(
        countLeakedTensors(() => f(x)),
        `${label} tensor`,
      ).toBe(0);
      expect(
        countLeakedTensors(() => f(xi)),
        `${label} int32`,
      ).toBe(0);
      expect(
        countLeakedTensors(() => f([0.5, 2])),
        `${label} array`,
      ).toBe(0);
      expect(
        countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(f(t)))(x)),
        `${label} grad`,
      ).toBe(0);
      const r = countLeakedTensorsOnThrow(() => f([1, NaN]));
      expect(r.error, label).toBeInstanceOf(RelaxError);
      expect((r.error as Error).message).toMatch(new RegExp(`^${label}: x must be free of NaN`));
      expect(r.leaked).toBe(0);
      expect(() => f(null as never)).toThrow(new RegExp(`^${label}: x must be a tensor`));
    }
    expect(() => gammaPTensor([1], NaN)).toThrow(/gammaPTensor: a must be a finite number > 0/);
    tf.dispose([x, xi]);
  });
});

describe("fuzz: RelaxError or finite output, never a leak", () => {
  const z = fc.oneof(fc.double(), fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e-320, 15, -15));
  const nameArb = fc.oneof(fc.constantFrom(...DISTRIBUTION_NAMES), fc.constantFrom("cauchi", "", "hyperbolic_secant", "GAUSSIAN"));
  const params = fc.record(
    { shape: fc.oneof(fc.double(), fc.constantFrom(0, 2, 0.5, -1)), shift: fc.oneof(fc.double(), fc.constantFrom(0, 0.5, -2)) },
    { requiredKeys: [] },
  );

  it("scalar cdf / pdf", () => {
    fc.assert(
      fc.property(nameArb, params, z, (name, p, v) => {
        assertRelaxErrorOrFinite(() => {
          const d = getDistribution(name as never, p);
          return [d.cdf(v), d.pdf(v)];
        }, `${name}`);
      }),
      { numRuns: 300 },
    );
  });

  it("tensor cdfTensor / pdfTensor and the gradient, fused and reference", () => {
    const shape = fc.constantFrom<number[]>([0], [1], [3], [2, 2]);
    fc.assert(
      fc.property(nameArb, params, shape, fc.array(z, { minLength: 4, maxLength: 4 }), fc.boolean(), (name, p, s, vals, force) => {
        tf.env().set("RELAX_FORCE_REFERENCE", force);
        const n = s.reduce((a, b) => a * b, 1);
        const t = tf.tensor(vals.slice(0, n), s);
        try {
          assertRelaxErrorOrFinite(() => getDistribution(name as never, p).cdfTensor(t), `${name}.cdfTensor`);
          assertRelaxErrorOrFinite(() => getDistribution(name as never, p).pdfTensor(t), `${name}.pdfTensor`);
          assertRelaxErrorOrFinite(
            () => tf.grad((x: tf.Tensor) => tf.sum(getDistribution(name as never, p).cdfTensor(x)))(t),
            `${name} grad`,
          );
        } finally {
          t.dispose();
          tf.env().set("RELAX_FORCE_REFERENCE", false);
        }
      }),
      { numRuns: 80 },
    );
  });
});
