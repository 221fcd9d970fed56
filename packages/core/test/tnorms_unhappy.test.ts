/** Issue #14: t-norm / t-conorm ops on the unhappy path — validation, bare leak checks, fuzz. */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { RelaxError } from "../src/index.js";
import { getTConorm, reduceTConorm, reduceTNorm, tconorm, tnorm, TCONORM_NAMES, type TConormName } from "../src/tnorms/index.js";
import { assertRelaxErrorOrFinite, countLeakedTensors, countLeakedTensorsOnThrow } from "../src/testing/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const SPECS: { name: TConormName; p?: number }[] = [
  ...TCONORM_NAMES.map((name) => ({ name })),
  { name: "yager", p: 1e6 },
  { name: "frank", p: 1e-6 },
  { name: "hamacher", p: 1e-9 },
  { name: "schweizer_sklar", p: -1e6 },
];
const PAIR = [tconorm, tnorm] as const;
const REDUCE = [reduceTConorm, reduceTNorm] as const;

describe("bare leak checks (tensor and array inputs, int32, grad, error path)", () => {
  it("tconorm / tnorm leave only their result", () => {
    const a = tf.tensor2d([
      [0.1, 1, 0.6],
      [0, 0, 0],
    ]);
    const b = tf.tensor1d([0.5, 0.2, 1]);
    const ai = tf.tensor1d([0, 1, 1], "int32");
    for (const spec of SPECS) {
      for (const op of PAIR) {
        const o = { name: spec.name, p: spec.p };
        expect(
          countLeakedTensors(() => op(a, b, o)),
          `${op.name} ${spec.name} tensor`,
        ).toBe(0);
        expect(
          countLeakedTensors(() => op([0.1, 0.7], [[0.2], [0.9]], o)),
          `${op.name} ${spec.name} array`,
        ).toBe(0);
        expect(
          countLeakedTensors(() => op(ai, 0.5, o)),
          `${op.name} ${spec.name} int32`,
        ).toBe(0);
        expect(
          countLeakedTensors(() => tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(op(x, y, o)))([a, a])),
          `${op.name} grad`,
        ).toBe(0);
        const r = countLeakedTensorsOnThrow(() => op([0.1, 2], [0.3, 0.4], o));
        expect(r.error).toBeInstanceOf(RelaxError);
        expect(r.leaked, `${op.name} ${spec.name} error path`).toBe(0);
      }
    }
    tf.dispose([a, b, ai]);
  });

  it("reduceTConorm / reduceTNorm leave only their result", () => {
    const x = tf.tensor2d([
      [0.1, 1, 0.6],
      [0, 0, 0],
    ]);
    const empty = tf.zeros([2, 0]);
    for (const spec of SPECS) {
      for (const op of REDUCE) {
        const o = { name: spec.name, p: spec.p };
        expect(
          countLeakedTensors(() => op(x, o)),
          `${op.name} ${spec.name} tensor`,
        ).toBe(0);
        expect(
          countLeakedTensors(() => op([[0.2, 0.4, 0.9]], { ...o, axis: 0 })),
          `${op.name} ${spec.name} array`,
        ).toBe(0);
        expect(
          countLeakedTensors(() => op(empty, o)),
          `${op.name} empty`,
        ).toBe(0);
        expect(
          countLeakedTensors(() => tf.grad((t: tf.Tensor) => tf.sum(op(t, o)))(x)),
          `${op.name} grad`,
        ).toBe(0);
        const r = countLeakedTensorsOnThrow(() => op([[0.1, NaN]], o));
        expect(r.error).toBeInstanceOf(RelaxError);
        expect(r.leaked).toBe(0);
      }
    }
    tf.dispose([x, empty]);
  });

  it("getTConorm's tensor forms leave only their result", () => {
    const a = tf.tensor1d([0, 0.3, 1]);
    for (const spec of SPECS) {
      const S = getTConorm(spec.name, spec.p);
      expect(countLeakedTensors(() => S.sTensor(a, a))).toBe(0);
      expect(countLeakedTensors(() => S.tTensor(a, a))).toBe(0);
      expect(countLeakedTensors(() => S.reduce(tf.keep(a), 0))).toBe(0);
      expect(countLeakedTensorsOnThrow(() => S.reduce(a, 3)).leaked).toBe(0);
    }
    a.dispose();
  });
});

describe("validation", () => {
  it("misspelled option keys → RelaxError with did you mean", () => {
    expect(() => tconorm([0.1], [0.2], { nam: "yager" } as never)).toThrow(
      /tconorm: options.nam must be a known option \(did you mean "name"\?\)/,
    );
    expect(() => tnorm([0.1], [0.2], { name: "yager", P: 3 } as never)).toThrow(/options.P must be a known option \(did you mean "p"\?\)/);
    expect(() => reduceTConorm([[0.1]], { axsi: 0 } as never)).toThrow(/reduceTConorm: options.axsi .*did you mean "axis"/);
    expect(() => reduceTNorm([[0.1]], { axis: 0, pp: 1 } as never)).toThrow(/did you mean "p"/);
    // `axis` is not an option of the pairwise ops
    expect(() => tconorm([0.1], [0.2], { axis: 0 } as never)).toThrow(RelaxError);
  });

  it("options that are not an object → RelaxError", () => {
    for (const bad of [null, 3, "yager", [1], tf.scalar(1)]) {
      expect(() => tconorm([0.1], [0.2], bad as never)).toThrow(/tconorm: options must be an options object/);
      expect(() => reduceTNorm([[0.1]], bad as never)).toThrow(/reduceTNorm: options must be an options object/);
    }
  });

  it("unknown names → RelaxError with the nearest valid one", () => {
    expect(() => tconorm([0.1], [0.2], { name: "yagr" as TConormName })).toThrow(
      /tconorm: name must be one of .* \(did you mean 'yager'\?\), got "yagr"/,
    );
    expect(() => getTConorm("dombbi")).toThrow(/did you mean 'dombi'/);
    expect(() => getTConorm("schweizer-sklar")).toThrow(/did you mean 'schweizer_sklar'/);
    expect(() => getTConorm(3 as never)).toThrow(/name must be one of .*, got 3/);
  });

  it("out-of-range p → RelaxError naming the op and p; p of a parameter-free family must be a number if given", () => {
    const bad: [TConormName, unknown][] = [
      ["yager", Infinity],
      ["yager", -Infinity],
      ["aczel_alsina", NaN],
      ["dombi", -2],
      ["schweizer_sklar", Infinity],
      ["schweizer_sklar", 1],
      ["frank", 1],
      ["frank", -0.5],
      ["hamacher", -1e-9],
      ["max", "2"],
      ["einstein", null],
    ];
    for (const [name, p] of bad) {
      for (const op of PAIR)
        expect(() => op([0.1], [0.2], { name, p: p as number }), `${name} ${p}`).toThrow(new RegExp(`${op.name}: p must be`));
    }
    // parameter-free families ignore a numeric p (NaN = the default)
    expect(tconorm([0.5], [0.5], { name: "einstein", p: NaN }).dataSync()[0]).toBeCloseTo(0.8, 6);
  });
});

describe("fuzz: RelaxError or finite output, never a leak", () => {
  const value = fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, NaN, Infinity, -Infinity, -0.5, 1.5, 1e-40));
  const pArb = fc.oneof(
    fc.constant(undefined),
    fc.double({ noNaN: false }),
    fc.constantFrom(1e-300, 1e-6, 1e6, 1e300, -1e6, -1e-6, 0, 1, NaN, Infinity),
  );
  const nameArb = fc.oneof(fc.constantFrom(...TCONORM_NAMES), fc.constantFrom("yagr", "", "MAX"));
  const keyArb = fc.constantFrom("name", "p", "axis", "nmae", "pp");
  const shapeArb = fc.constantFrom<number[]>([0], [1], [3], [2, 2], [2, 0]);

  it("tconorm / tnorm", () => {
    fc.assert(
      fc.property(
        shapeArb,
        fc.array(value, { minLength: 8, maxLength: 8 }),
        nameArb,
        pArb,
        keyArb,
        fc.boolean(),
        (shape, vals, name, p, key, asArray) => {
          const n = shape.reduce((s, d) => s * d, 1);
          const a = tf.tensor(vals.slice(0, n), shape);
          const b = tf.tensor(vals.slice(8 - n), shape);
          const opts = key === "name" || key === "p" ? { name, p } : { name, [key]: 1 };
          try {
            for (const op of PAIR) {
              assertRelaxErrorOrFinite(() => op(asArray ? (a.arraySync() as number[]) : a, b, opts as never), `${op.name}`);
              assertRelaxErrorOrFinite(() => tf.grad((x: tf.Tensor) => tf.sum(op(x, b, opts as never)))(a), `${op.name} grad`);
            }
          } finally {
            tf.dispose([a, b]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("reduceTConorm / reduceTNorm", () => {
    const axisArb = fc.oneof(fc.constant(undefined), fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, NaN));
    fc.assert(
      fc.property(shapeArb, fc.array(value, { minLength: 4, maxLength: 4 }), nameArb, pArb, axisArb, (shape, vals, name, p, axis) => {
        const n = shape.reduce((s, d) => s * d, 1);
        const x = tf.tensor(vals.slice(0, n), shape);
        try {
          for (const op of REDUCE) {
            assertRelaxErrorOrFinite(() => op(x, { name: name as TConormName, p, axis }), op.name);
            assertRelaxErrorOrFinite(
              () => tf.grad((t: tf.Tensor) => tf.sum(op(t, { name: name as TConormName, p, axis })))(x),
              `${op.name} grad`,
            );
          }
        } finally {
          x.dispose();
        }
      }),
      { numRuns: 60 },
    );
  });

  it("getTConorm scalar forms: RelaxError or finite for any p on [0, 1]²", () => {
    fc.assert(
      fc.property(
        nameArb,
        pArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (name, p, a, b) => {
          assertRelaxErrorOrFinite(() => {
            const S = getTConorm(name, p);
            return [S.s(a, b), S.dsda(a, b), S.dsda(b, a), S.s(a, 0), S.dsda(0, 0), S.dsda(1, b)];
          }, "getTConorm");
        },
      ),
      { numRuns: 200 },
    );
  });
});
