import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RelaxError } from "@relax/core";
import { assertRelaxErrorOrFinite } from "@relax/core/testing";
import * as T from "../src/index.js";

const RUNS = { numRuns: 100, seed: 14 };
/** Numbers a user might pass by mistake or at the edge: NaN, ±Inf, huge, tiny, negative, fractional. */
const num = fc.oneof(
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -1, 1e-30, 1e30, 0.5, 2, 1e9),
  fc.double({ min: -10, max: 10, noNaN: true }),
);
/** A small shape, zeros allowed. */
const dims = (rank: number) => fc.array(fc.integer({ min: 0, max: 3 }), { minLength: rank, maxLength: rank });
const filled = (shape: number[], values: number[]) => {
  const size = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: size }, (_, i) => values[i % Math.max(1, values.length)] ?? 0);
};
/** A plain nested array of `shape` (the op converts it; nothing to dispose here). */
const nested = (shape: number[], values: number[]): unknown => {
  const flat = filled(shape, values);
  const build = (d: number, off: number): unknown => {
    if (d === shape.length) return flat[off];
    const stride = shape.slice(d + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[d] as number }, (_, i) => build(d + 1, off + i * stride));
  };
  return build(0, 0);
};
/** Option objects: a known key with an edge value, or a misspelled / unknown key, or not an object at all. */
const opts = (keys: string[]) =>
  fc.oneof(
    fc
      .record({ key: fc.constantFrom(...keys), value: fc.oneof(num, fc.constantFrom("x", null, true, [1])) })
      .map(({ key, value }) => ({ [key]: value })),
    fc.constantFrom(...keys).map((k) => ({ [`${k.slice(0, -1)}${k.endsWith("s") ? "z" : "s"}`]: 1 })),
    fc.constantFrom(null, 3, "x", [1]),
  );

const check = (label: string, fn: () => unknown) => {
  assertRelaxErrorOrFinite(fn, label);
};

describe("fuzz: RelaxError or finite output, and no leak", () => {
  const batch = {
    x: tf.zeros([6, 4]),
    target: tf.tensor2d([
      [3, 1, 2],
      [1, 2, 3],
    ]),
  };
  const y23 = tf.tensor2d([
    [0.3, 0.1, 0.2],
    [1, 3, 2],
  ]);

  it("losses", () => {
    fc.assert(
      fc.property(
        dims(2),
        fc.array(num, { minLength: 1, maxLength: 6 }),
        opts(["steepness", "distribution", "network", "artLambda", "tau"]),
        (shape, vals, o) => {
          const ys = nested(shape, vals);
          check("rankingSupervision", () => T.rankingSupervision(o as never)(y23, batch));
          check("topKLoss", () => T.topKLoss(ys as never, [0, 1], { pK: [0.5, 0.5], ...(o as object) } as never));
          check("shortestPathLoss", () =>
            T.shortestPathLoss(nested([1, ...shape], vals) as never, nested([1, ...shape], [0, 1]) as never, o as never),
          );
          check("editDistanceLoss", () =>
            T.editDistanceLoss(nested([1, ...shape], vals) as never, nested([1, ...shape], [0.5]) as never, vals[0] as number, o as never),
          );
          check("smoothedDijkstraLoss", () =>
            T.smoothedDijkstraLoss(
              nested([1, ...shape], vals) as never,
              nested([1, ...shape], [1, 0]) as never,
              { samples: 4, ...(o as object) } as never,
            ),
          );
        },
      ),
      { ...RUNS, numRuns: 60 },
    );
  });

  it("stochastic smoothing", () => {
    fc.assert(
      fc.property(
        fc.array(num, { minLength: 0, maxLength: 4 }),
        opts(["noise", "scale", "samples", "sampler", "covariate", "antithetic", "seed"]),
        (vals, o) => {
          check("smoothedEstimate", () => T.smoothedEstimate((v) => [v[0] ?? 0], vals, { samples: 8, ...(o as object) } as never));
          check("smoothedEstimate f", () => T.smoothedEstimate(() => vals, [1], { samples: 4 }));
          check("smooth", () =>
            T.smooth((v) => [(v[0] as number) * 2], { n: 2, m: 1, samples: 4, ...(o as object) } as never)(nested([1, 2], vals) as never),
          );
          check("smooth shape", () => T.smooth((v) => [v[0] as number], { n: 2, m: 1, samples: 4 })(vals as never));
        },
      ),
      RUNS,
    );
  });

  it("Newton losses and solvers", () => {
    const rl = (v: tf.Tensor2D) => T.rankingSupervision()(v, batch);
    fc.assert(
      fc.property(
        fc.array(num, { minLength: 6, maxLength: 6 }),
        opts(["variant", "lambda", "hessian", "fdStep"]),
        fc.integer({ min: -1, max: 3 }),
        (vals, o, m) => {
          const y = tf.tensor2d(vals, [2, 3]);
          try {
            check("newtonTargets", () => T.newtonTargets(y, rl, o as never));
            check("newtonLoss", () => T.newtonLoss(y, rl, { lambda: vals[0] } as never));
            check("injectFisher", () => T.injectFisher(y, vals[1] as number));
            check("luSolve", () => T.luSolve(vals.slice(0, 4), vals.slice(4), m, 1));
            check("solveSymmetric", () => T.solveSymmetric(vals.slice(0, 4), vals.slice(2), 2, m));
          } finally {
            y.dispose();
          }
        },
      ),
      RUNS,
    );
  });

  it("metrics, models, data", () => {
    fc.assert(
      fc.property(
        fc.array(num, { minLength: 1, maxLength: 6 }),
        dims(2),
        opts(["k", "inputSize", "hidden", "outputs", "height", "width", "seed"]),
        (vals, shape, o) => {
          const s = { values: filled(shape, vals), shape };
          check("rankingMetrics", () => T.rankingMetrics(s as never, s as never, o as never));
          check("topKAccuracy", () => T.topKAccuracy(s as never, vals.slice(0, shape[0]), vals[0] as number));
          check("pathPerfectMatch", () => T.pathPerfectMatch(s as never, s as never, vals[0] as number));
          check("shortestPathMetrics", () =>
            T.shortestPathMetrics(filled([1, ...shape], vals), filled([1, ...shape], [1]), filled([1, ...shape], [1, 0]), o as never),
          );
          check("dijkstraPath", () => T.dijkstraPath(vals, shape[0] as number, shape[1] as number, vals[0] as number));
          check("createMlp", () => {
            const m = T.createMlp({ inputSize: 2, ...(o as object) } as never);
            T.disposeModel(m);
            return 0;
          });
          check("initTensor", () => T.initTensor(shape, "heNormal", vals[0] as number, 1));
          check("generateTerrainMaps", () => T.generateTerrainMaps(1, { height: 3, width: 3, ...(o as object) } as never).pathCosts);
          check("createRng", () => T.createRng(vals[0] as number).next());
        },
      ),
      RUNS,
    );
  });

  it("damaged checkpoints: every single-byte change or truncation is a RelaxError", async () => {
    const dir = mkdtempSync(join(tmpdir(), "relax-fuzz-"));
    const m = T.createMlp({ inputSize: 2, hidden: [2], seed: 0 });
    const o = tf.train.adam(0.1);
    await T.trainWithAlgorithm({
      model: m,
      optimizer: o,
      steps: 2,
      data: (s) => ({ x: tf.randomNormal([6, 2], 0, 1, "float32", s), target: tf.randomNormal([2, 3], 0, 1, "float32", s + 1) }),
      loss: T.rankingSupervision(),
      forward: T.setScores(3),
      progress: false,
      log: () => {},
    });
    const path = join(dir, "c.json");
    await T.saveCheckpoint(path, m, o, 2);
    const good = readFileSync(path, "utf8");
    const target = T.createMlp({ inputSize: 2, hidden: [2], seed: 5 });
    const fresh = tf.train.adam(0.1);
    const before = tf.memory().numTensors;
    await fc.assert(
      fc.asyncProperty(fc.nat(good.length - 1), fc.integer({ min: 32, max: 126 }), fc.boolean(), async (i, code, truncate) => {
        const ch = String.fromCharCode(code);
        fc.pre(truncate || good[i] !== ch);
        const p = join(dir, "bad.json");
        writeFileSync(p, truncate ? good.slice(0, i) : good.slice(0, i) + ch + good.slice(i + 1));
        const err = await T.loadCheckpoint(p, target, fresh).then(
          () => null,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(RelaxError);
      }),
      { numRuns: 60, seed: 14 },
    );
    expect(tf.memory().numTensors).toBe(before);
    T.disposeModel(m);
    T.disposeModel(target);
    o.dispose();
    fresh.dispose();
  });
});
