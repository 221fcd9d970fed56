/**
 * Fuzz suite: every public op of @relax/core (t-norms and distributions have their own) is fed generated
 * bad and edge inputs — shapes with zeros, NaN, ±Inf, huge and tiny values and parameters, misspelled and
 * mistyped options — and must either throw a RelaxError leaving no tensor behind, or return only finite
 * numbers leaving nothing but what it returned (`assertRelaxErrorOrFinite`). Add a case whenever a bug is found.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import fc from "fast-check";
import { beforeAll, describe, it } from "vitest";
import {
  argminSearch,
  bitonicNetwork,
  bubbleSort,
  catProbEq,
  cosineSimilarity,
  editDistance,
  getNetwork,
  ifElse,
  oddEvenNetwork,
  program,
  relaxedEqual,
  relaxedLess,
  relaxedSwap,
  relaxedSwapLayer,
  shortestPath,
  softArgMax,
  softArgMin,
  softMax,
  softMin,
  splitterSelectionNetwork,
  stopGradient,
  top1,
} from "../src/index.js";
import { assertRelaxErrorOrFinite } from "../src/testing/index.js";

/** Fixed seed and 40 runs per property by default; `FUZZ_RUNS=500 FUZZ_SEED=7 npx vitest run test/fuzz.test.ts` digs deeper. */
const RUNS = { numRuns: Number(process.env.FUZZ_RUNS ?? 40), seed: Number(process.env.FUZZ_SEED ?? 14) };

/** Edge numbers: ordinary, tiny, huge, zero, NaN and both infinities. */
const value = fc.oneof(
  { weight: 6, arbitrary: fc.double({ min: -5, max: 5, noNaN: true }) },
  fc.constantFrom(0, -0, 1e-30, -1e-30, 1e30, -1e30, 3e38, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
);
/** A parameter such as β, ε or a cost: good, tiny, huge, zero, negative, non-finite or of the wrong type. */
const param = fc.oneof(
  { weight: 3, arbitrary: fc.double({ min: 0.01, max: 50, noNaN: true }) },
  fc.constantFrom(0, -1, 1e-30, 1e30, Number.NaN, Number.POSITIVE_INFINITY, null, "10", true, [1]),
);
/** Options with a known key or a misspelled one (the misspelling must always be rejected). */
const options = (keys: string[], typo: string) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...keys), param, { maxKeys: 2 }) },
    fc.constant({ [typo]: 1 }),
    fc.constantFrom(null, 5, "x", [1]),
  );
/** A `[rows, n]` matrix (rows, n possibly 0) of edge numbers. */
const matrix = (maxRows: number, maxN: number) =>
  fc
    .tuple(fc.integer({ min: 0, max: maxRows }), fc.integer({ min: 0, max: maxN }))
    .chain(([r, n]) => fc.array(fc.array(value, { minLength: n, maxLength: n }), { minLength: r, maxLength: r }));

/** Runs `fn(tensor)` with a tensor made from `data` outside the measured call, and disposes it after. */
function withTensor(data: number[][] | number[][][], shape: number[], fn: (x: tf.Tensor) => unknown, label: string): void {
  const x = tf.tensor(data.flat(2) as number[], shape);
  try {
    assertRelaxErrorOrFinite(() => fn(x), label);
  } finally {
    x.dispose();
  }
}

const shapeOf = (m: number[][]) => [m.length, m[0]?.length ?? 0];

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("fuzz: RelaxError or finite output, and no leak", () => {
  it("comparisons and conditions", () => {
    fc.assert(
      fc.property(matrix(2, 3), matrix(2, 3), options(["beta", "distribution", "shape", "shift"], "betta"), (a, b, o) => {
        assertRelaxErrorOrFinite(() => relaxedLess(a, b, o as never), "relaxedLess");
        assertRelaxErrorOrFinite(() => relaxedEqual(a, b, o as never), "relaxedEqual");
        withTensor(a, shapeOf(a), (x) => relaxedLess(x, b, o as never), "relaxedLess(tensor)");
      }),
      RUNS,
    );
    fc.assert(
      fc.property(matrix(2, 3), matrix(2, 3), options(["beta", "axis", "eps"], "esp"), (u, v, o) => {
        assertRelaxErrorOrFinite(() => catProbEq(u, v, o as never), "catProbEq");
        assertRelaxErrorOrFinite(() => cosineSimilarity(u, v, o as never), "cosineSimilarity");
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 3 }), matrix(3, 2), matrix(3, 2), (p, t, e) => {
        assertRelaxErrorOrFinite(() => ifElse(p, t, e), "ifElse");
      }),
      RUNS,
    );
  });

  it("swaps and swap layers", () => {
    const keys = ["distribution", "steepness", "artLambda"];
    fc.assert(
      fc.property(fc.array(value, { maxLength: 3 }), fc.array(value, { maxLength: 3 }), options(keys, "steepnes"), (a, b, o) => {
        assertRelaxErrorOrFinite(() => relaxedSwap(a, b, o as never), "relaxedSwap");
      }),
      RUNS,
    );
    const layer = fc.oneof(
      fc.constant({ lo: [0], hi: [1] }),
      fc.record({
        lo: fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 2 }),
        hi: fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 2 }),
      }),
      fc.constantFrom(null, {}, { lo: [0.5], hi: [1] }),
    );
    fc.assert(
      fc.property(matrix(2, 3), layer, options(keys, "steepnes"), (x, l, o) => {
        assertRelaxErrorOrFinite(() => relaxedSwapLayer(x, l as never, o as never), "relaxedSwapLayer");
        withTensor(x, shapeOf(x), (t) => relaxedSwapLayer(t as tf.Tensor2D, l as never, o as never), "relaxedSwapLayer(tensor)");
      }),
      RUNS,
    );
  });

  it("soft min / max / argmin / argmax (±Inf padding included)", () => {
    const ops = [softMin, softMax, softArgMin, softArgMax];
    fc.assert(
      fc.property(matrix(2, 4), options(["beta", "axis"], "betta"), fc.integer({ min: 0, max: 3 }), (x, o, k) => {
        const op = ops[k] as typeof softMin;
        assertRelaxErrorOrFinite(() => op(x, o as never), op.name);
        withTensor(x, shapeOf(x), (t) => tf.grad((v: tf.Tensor) => tf.sum(op(v, o as never)))(t), `${op.name} gradient`);
      }),
      RUNS,
    );
  });

  it("algorithms: bubbleSort, argminSearch, top1, shortestPath, editDistance", () => {
    const settings = options(["beta", "epsilon", "maxIter", "hard", "straightThrough", "distribution", "epsilonScope"], "maxiter");
    fc.assert(
      fc.property(matrix(2, 3), settings, fc.integer({ min: 0, max: 2 }), (x, o, k) => {
        const op = [bubbleSort, argminSearch, top1][k] as typeof bubbleSort;
        assertRelaxErrorOrFinite(() => op(x, o as never), op.name);
      }),
      { ...RUNS, numRuns: Math.ceil(RUNS.numRuns * 0.75) },
    );
    const grid = fc
      .tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 }))
      .chain(([b, h, w]) =>
        fc.array(
          fc.array(
            fc.array(fc.oneof({ weight: 5, arbitrary: fc.double({ min: 0, max: 9, noNaN: true }) }, value), { minLength: w, maxLength: w }),
            { minLength: h, maxLength: h },
          ),
          {
            minLength: b,
            maxLength: b,
          },
        ),
      );
    const spOptions = options(["beta", "iterations", "tolerance", "traceSteps", "epsilon", "tconorm", "p"], "iteration");
    fc.assert(
      fc.property(grid, spOptions, (g, o) => {
        assertRelaxErrorOrFinite(() => shortestPath(g, o as never), "shortestPath");
      }),
      { ...RUNS, numRuns: Math.ceil(RUNS.numRuns * 0.75) },
    );
    const seq = (len: number) =>
      fc.array(fc.array(fc.array(value, { minLength: 2, maxLength: 2 }), { minLength: len, maxLength: len }), {
        minLength: 1,
        maxLength: 1,
      });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 }).chain(seq),
        fc.integer({ min: 1, max: 2 }).chain(seq),
        options(["beta", "substitution", "insertCost", "deleteCost"], "insertcost"),
        (a, b, o) => {
          assertRelaxErrorOrFinite(() => editDistance(a, b, o as never), "editDistance");
        },
      ),
      { ...RUNS, numRuns: Math.ceil(RUNS.numRuns * 0.75) },
    );
  });

  it("the program DSL: inputs, run settings and lambdas that misbehave", () => {
    const counter = program({ beta: 4, maxIter: 50 })
      .input("x")
      .real("steps", 0)
      .output("x", "steps")
      .body(($) => [$.while($.lt("x", 5), [$.let("x", (s) => tf.add(s.x, 1)), $.let("steps", (s) => tf.add(s.steps, 1))])]);
    const scaled = program()
      .input("x")
      .output("x")
      .body(($) => [$.let("x", (s) => tf.mul(s.x, 1e30))]);
    const settings = options(["beta", "epsilon", "maxIter", "hard", "straightThrough", "distribution", "epsilonScope"], "epsilom");
    fc.assert(
      fc.property(fc.array(value, { maxLength: 3 }), settings, (x, o) => {
        assertRelaxErrorOrFinite(() => counter.run({ x }, o as never), "program.run");
        assertRelaxErrorOrFinite(() => scaled.run({ x }), "program.run (overflowing lambda)");
        assertRelaxErrorOrFinite(
          () =>
            program(o as never)
              .input("x")
              .output("x")
              .body(() => [])
              .run({ x }),
          "program(settings)",
        );
      }),
      RUNS,
    );
  });

  it("comparator networks and stopGradient", () => {
    const size = fc.oneof(fc.integer({ min: -2, max: 40 }), fc.constantFrom(2.5, Number.NaN, Number.POSITIVE_INFINITY, 1e9, "4", null));
    fc.assert(
      fc.property(size, size, fc.constantFrom("odd_even", "bitonic", "splitter_selection", "nope"), (n, k, type) => {
        assertRelaxErrorOrFinite(() => oddEvenNetwork(n as never).length, "oddEvenNetwork");
        assertRelaxErrorOrFinite(() => bitonicNetwork(n as never).length, "bitonicNetwork");
        assertRelaxErrorOrFinite(() => splitterSelectionNetwork(n as never, k as never).length, "splitterSelectionNetwork");
        assertRelaxErrorOrFinite(() => getNetwork(type as never, n as never, k as never).size, "getNetwork");
      }),
      RUNS,
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.array(fc.double({ min: -5, max: 5, noNaN: true }), { maxLength: 3 }), fc.constantFrom(null, "x", {}, 3)),
        (x) => {
          assertRelaxErrorOrFinite(() => stopGradient(x as never), "stopGradient");
        },
      ),
      RUNS,
    );
  });
});
