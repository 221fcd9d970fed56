import * as tf from "@tensorflow/tfjs-core";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { assertRelaxErrorOrFinite } from "@relax/core/testing";
import {
  diffSort,
  diffTopK,
  fastSoftRank,
  fastSoftSort,
  lapSumRank,
  lapSumSort,
  lapSumTopK,
  neuralSort,
  oddEvenNetwork,
  rankingLoss,
  softRank,
  softSort,
  softSpearman,
  topKCrossEntropy,
  truePermutation,
} from "../src/index.js";
import { diffSortReference } from "../src/references.js";
import "./helpers.js";

/**
 * The contract of every public op on generated bad and edge input: a RelaxError or only finite numbers,
 * and no tensor left behind (assertRelaxErrorOrFinite). Inputs are built outside the measured call and
 * disposed after it. Add a case here whenever a bug is found.
 */
const RUNS = {
  numRuns: Number(process.env.SORT_FUZZ_RUNS ?? 60), // e.g. SORT_FUZZ_RUNS=2000 SORT_FUZZ_SEED=7 for a long hunt
  seed: Number(process.env.SORT_FUZZ_SEED ?? 14),
};

/** Mostly valid, sometimes not (1 in 10). */
const mostly = <T, U>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<U>) =>
  fc.oneof({ arbitrary: valid, weight: 9 }, { arbitrary: invalid, weight: 1 }) as fc.Arbitrary<T | U>;
const special = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e30, -1e30, 3e38, -3e38, 1e-30, -0, 0);
const clean = fc.double({ min: -5, max: 5, noNaN: true });
const mixed = fc.oneof({ arbitrary: clean, weight: 3 }, { arbitrary: special, weight: 1 });
/** `[rows, n]` with rows 0–3 and n 0–6 (zeros included); a quarter of the matrices mix in special values. */
const matrix = fc
  .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 }), fc.boolean(), fc.integer({ min: 0, max: 3 }))
  .chain(([r, n, wide, kind]) => {
    const entry = kind === 0 ? mixed : wide ? fc.double({ min: -1e30, max: 1e30, noNaN: true }) : clean;
    return fc.array(fc.array(entry, { minLength: n, maxLength: n }), { minLength: r, maxLength: r }).map((rows) => ({ rows, n }));
  });

/** Numbers a user might pass for a parameter that must be positive (or anything else). */
const param = mostly(
  fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
  fc.constantFrom(0, -1, Number.NaN, Number.POSITIVE_INFINITY, 1e-30, 1e30, null, "10"),
);
const misspelled = fc.constantFrom("steepnes", "Steepness", "netwrok", "tua", "axes", "descend", "pk", "valueOnly", "foo");
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const comparatorOptions = fc.record(
  {
    network: maybe(mostly(fc.constantFrom("odd_even", "bitonic"), fc.constantFrom("splitter_selection", "bubble"))),
    distribution: maybe(
      mostly(fc.constantFrom("cauchy", "logistic", "logistic_phi", "gaussian", "reciprocal", "optimal"), fc.constant("laplace")),
    ),
    steepness: maybe(param),
    artLambda: maybe(mostly(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(-1, 2, Number.NaN))),
    axis: maybe(mostly(fc.constantFrom(-1, 0, 1), fc.constantFrom(2, 0.5))),
  },
  { requiredKeys: [] },
);
/** Options, sometimes with a misspelled key or replaced by a non-object. */
const withNoise = <T extends object>(a: fc.Arbitrary<T>) =>
  fc.oneof(
    { arbitrary: a, weight: 12 },
    { arbitrary: fc.tuple(a, misspelled, param).map(([o, k, v]) => ({ ...o, [k]: v })), weight: 1 },
    { arbitrary: fc.constantFrom(null, 5, "bitonic", [1], true), weight: 1 },
  );

/** Outcomes per label, so each property can also require that the ops really ran (not only rejected). */
const outcomes = new Map<string, { error: number; finite: number }>();
function tally(label: string, outcome: "error" | "finite"): void {
  const c = outcomes.get(label) ?? { error: 0, finite: 0 };
  c[outcome]++;
  outcomes.set(label, c);
}
/** Every label checked so far produced finite results in at least 10% of its calls. */
function expectMostlyRan(): void {
  for (const [label, c] of outcomes) expect(c.finite / (c.finite + c.error), `${label}: ${JSON.stringify(c)}`).toBeGreaterThan(0.1);
}

/** Builds the tensor, checks the call, disposes the tensor. */
function check(rows: number[][], n: number, call: (x: tf.Tensor) => unknown, label: string): void {
  const x = tf.tensor2d(rows.flat(), [rows.length, n]);
  try {
    tally(
      label,
      assertRelaxErrorOrFinite(() => call(x), label),
    );
  } finally {
    x.dispose();
  }
}
const gradOf = (f: (z: tf.Tensor) => tf.Tensor) => (x: tf.Tensor) => tf.grad((z: tf.Tensor) => tf.sum(f(z)))(x);

describe("fuzz: RelaxError or finite output, never a leak", () => {
  beforeEach(() => outcomes.clear());
  it("diffSort (forward and gradient)", () => {
    const options = withNoise(
      fc
        .record(
          { base: comparatorOptions, descending: maybe(fc.boolean()), hard: maybe(fc.boolean()), valuesOnly: maybe(fc.boolean()) },
          { requiredKeys: ["base"] },
        )
        .map(({ base, ...rest }) => ({ ...base, ...rest })),
    );
    fc.assert(
      fc.property(matrix, options, ({ rows, n }, o) => {
        check(rows, n, (x) => diffSort(x, o as never), "diffSort");
        check(
          rows,
          n,
          gradOf((z) => diffSort(z, o as never).sorted),
          "grad diffSort",
        );
      }),
      RUNS,
    );
    expectMostlyRan();
  });

  it("softRank and diffTopK (forward and gradient; −∞ is padding for diffTopK)", () => {
    const k = mostly(fc.integer({ min: 1, max: 3 }), fc.constantFrom(-1, 0, 7, 1.5, Number.NaN, 1e9));
    fc.assert(
      fc.property(matrix, withNoise(comparatorOptions), k, fc.boolean(), ({ rows, n }, o, kk, desc) => {
        const ro = o && typeof o === "object" && !Array.isArray(o) ? { ...o, descending: desc } : o;
        check(rows, n, (x) => softRank(x, ro as never), "softRank");
        check(
          rows,
          n,
          gradOf((z) => softRank(z, ro as never)),
          "grad softRank",
        );
        check(rows, n, (x) => diffTopK(x, kk, o as never), "diffTopK");
        check(
          rows,
          n,
          gradOf((z) => diffTopK(z, kk, o as never)),
          "grad diffTopK",
        );
      }),
      // found: grad with an invalid k left the saved tensors of the ops recorded before the throw
      { ...RUNS, examples: [[{ rows: [], n: 1 }, {}, 1e9, false]] },
    );
    expectMostlyRan();
  });

  it("neuralSort, softSort, fastSoftSort, fastSoftRank", () => {
    const baseline = fc.oneof(
      param,
      withNoise(
        fc.record(
          { tau: maybe(param), hard: maybe(fc.boolean()), descending: maybe(fc.boolean()), pow: maybe(param) },
          { requiredKeys: [] },
        ),
      ),
    );
    const fast = withNoise(
      fc.record(
        { regularizationStrength: maybe(param), regularization: maybe(fc.constantFrom("l2", "kl", "l1")), descending: maybe(fc.boolean()) },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(matrix, baseline, fast, ({ rows, n }, b, f) => {
        check(rows, n, (x) => neuralSort(x, b as never), "neuralSort");
        check(
          rows,
          n,
          gradOf((z) => softSort(z, b as never).permutation),
          "grad softSort",
        );
        check(
          rows,
          n,
          gradOf((z) => neuralSort(z, b as never).sorted),
          "grad neuralSort",
        );
        check(rows, n, (x) => fastSoftSort(x, f as never), "fastSoftSort");
        check(
          rows,
          n,
          gradOf((z) => fastSoftRank(z, f as never)),
          "grad fastSoftRank",
        );
      }),
      RUNS,
    );
    expectMostlyRan();
  });

  it("rankingLoss, softSpearman, truePermutation (scores and targets both generated)", () => {
    const net = fc.constantFrom("odd_even", "bitonic", "neuralsort", "softsort", undefined, "bubble");
    const options = withNoise(
      fc.record(
        { network: maybe(net), steepness: maybe(param), tau: maybe(param), reduction: maybe(fc.constantFrom("mean", "none", "sum")) },
        { requiredKeys: [] },
      ),
    );
    const pair = matrix.chain(({ rows, n }) =>
      fc
        .array(fc.array(mostly(clean, special), { minLength: n, maxLength: n }), { minLength: rows.length, maxLength: rows.length })
        .map((t) => ({ rows, n, t })),
    );
    fc.assert(
      fc.property(pair, options, ({ rows, n, t }, o) => {
        const targets = tf.tensor2d(t.flat(), [t.length, n]);
        try {
          check(rows, n, (x) => rankingLoss(x, targets, o as never), "rankingLoss");
          check(rows, n, (x) => tf.grad((z: tf.Tensor) => rankingLoss(z, t, o as never))(x), "grad rankingLoss");
          const so = o && typeof o === "object" && !Array.isArray(o) ? { steepness: (o as { steepness?: unknown }).steepness } : o;
          check(
            rows,
            n,
            gradOf((z) => softSpearman(z, targets, so as never)),
            "grad softSpearman",
          );
          tally(
            "truePermutation",
            assertRelaxErrorOrFinite(() => truePermutation(targets), "truePermutation"),
          );
        } finally {
          targets.dispose();
        }
      }),
      // found: softSpearman at exact ties (NaN gradient; β = 1e30 overflow); a leak on error under tf.grad
      {
        ...RUNS,
        examples: [
          [{ rows: [[0, 0]], n: 2, t: [[0, 0]] }, { steepness: 1e30 }],
          [{ rows: [], n: 2, t: [] }, { steepness: 0 }],
        ],
      },
    );
    expectMostlyRan();
  });

  it("topKCrossEntropy (logits, labels, pK, m, method, mode all generated)", () => {
    const pK = fc.oneof(
      { arbitrary: fc.constantFrom([1], [0.5, 0.5], [0.2, 0.3, 0.5], [0, 0, 1]), weight: 4 },
      { arbitrary: fc.constantFrom([], [Number.NaN, 1], [Number.POSITIVE_INFINITY], [-0.5, 1.5], [0.5, 0.4], null), weight: 1 },
    );
    const options: fc.Arbitrary<unknown> = withNoise(
      fc.record(
        {
          pK,
          method: maybe(fc.constantFrom("odd_even", "bitonic", "splitter_selection", "neuralsort", "softsort")),
          mode: maybe(fc.constantFrom("sm", "smce", "sort")),
          m: fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: fc.integer({ min: 0, max: 7 }), weight: 1 }),
          steepness: maybe(param),
          reduction: maybe(fc.constantFrom("mean", "none")),
        },
        { requiredKeys: ["pK"] },
      ),
    );
    /** Labels that mostly fit the logits (one integer in [0, n) per row), sometimes not. */
    const withLabels = matrix.chain(({ rows, n }) =>
      mostly(
        fc.array(fc.integer({ min: 0, max: Math.max(0, n - 1) }), { minLength: rows.length, maxLength: rows.length }),
        fc.array(fc.oneof(fc.integer({ min: -1, max: 7 }), fc.constantFrom(0.5, Number.NaN)), { maxLength: 4 }),
      ).map((l) => ({ rows, n, l })),
    );
    fc.assert(
      fc.property(withLabels, options, ({ rows, n, l }, o) => {
        check(rows, n, (x) => topKCrossEntropy(x, l, o as never), "topKCrossEntropy");
        check(rows, n, (x) => tf.grad((z: tf.Tensor) => topKCrossEntropy(z, l, o as never))(x), "grad topKCrossEntropy");
      }),
      // found: ±3e38 logits (NaN loss with mode "smce"); one class (tfjs oneHot error)
      {
        ...RUNS,
        examples: [
          [
            { rows: [[0, -3e38, 3e38, 0]], n: 4, l: [0] },
            { pK: [1], mode: "smce" },
          ],
          [{ rows: [], n: 1, l: [] }, { pK: [1] }],
        ],
      },
    );
    expectMostlyRan();
  });

  it("diffSortReference (the composed reference, float32 throughout)", () => {
    fc.assert(
      fc.property(matrix, withNoise(comparatorOptions), ({ rows, n }, o) => {
        const opts = o && typeof o === "object" && !Array.isArray(o) ? { distribution: o.distribution, steepness: o.steepness } : o;
        check(rows, n, (x) => diffSortReference(x as tf.Tensor2D, oddEvenNetwork(n), opts as never, true), "diffSortReference");
      }),
      // found: n = 0 (the caller's tensor was returned as `sorted`)
      { ...RUNS, numRuns: 30, examples: [[{ rows: [], n: 0 }, {}]] },
    );
    expectMostlyRan();
  });
  it("lapSumRank, lapSumSort, lapSumTopK (forward and gradient; −∞ is padding for lapSumTopK)", () => {
    const options = withNoise(
      fc.record(
        { alpha: maybe(param), descending: maybe(fc.boolean()), largest: maybe(fc.boolean()), oneBased: maybe(fc.boolean()) },
        { requiredKeys: [] },
      ),
    );
    const k = mostly(fc.double({ min: 0.1, max: 3, noNaN: true }), fc.constantFrom(-1, 0, 7, Number.NaN, 1e9));
    const only = (o: unknown, keys: string[]) =>
      o && typeof o === "object" && !Array.isArray(o) ? Object.fromEntries(Object.entries(o).filter(([key]) => keys.includes(key))) : o;
    fc.assert(
      fc.property(matrix, options, k, ({ rows, n }, o, kk) => {
        const ro = only(o, ["alpha", "descending", "oneBased"]);
        const so = only(o, ["alpha", "descending"]);
        const to = only(o, ["alpha", "largest"]);
        check(rows, n, (x) => lapSumRank(x, ro as never), "lapSumRank");
        check(
          rows,
          n,
          gradOf((z) => lapSumRank(z, ro as never)),
          "grad lapSumRank",
        );
        check(rows, n, (x) => lapSumSort(x, so as never), "lapSumSort");
        check(
          rows,
          n,
          gradOf((z) => lapSumSort(z, so as never)),
          "grad lapSumSort",
        );
        check(rows, n, (x) => lapSumTopK(x, kk, to as never), "lapSumTopK");
        check(
          rows,
          n,
          gradOf((z) => lapSumTopK(z, kk, to as never)),
          "grad lapSumTopK",
        );
      }),
      RUNS,
    );
    expectMostlyRan();
  });
});
