import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { RelaxError } from "@relax/core";
import {
  diffSort,
  diffTopK,
  fastSoftRank,
  fastSoftSort,
  neuralSort,
  oddEvenNetwork,
  rankingLoss,
  setSortWasm,
  sortWasmActive,
  softRank,
  softSort,
  softSpearman,
  topKCrossEntropy,
  truePermutation,
} from "../src/index.js";
import { diffSortReference, mixPairsReference, selectReference, valuesReference } from "../src/references.js";
import { arr } from "./helpers.js";

const X = tf.tensor2d([
  [0.3, -1.2, 2.0, 0.5],
  [1.0, 0.9, -0.4, 0.0],
]);
const T = tf.tensor2d([
  [2, 0, 3, 1],
  [3, 2, 0, 1],
]);
afterAll(() => tf.dispose([X, T]));

/** Runs `fn` (inside tidy) and returns the RelaxError it must throw. */
function relaxError(fn: () => unknown): RelaxError {
  try {
    tf.tidy(() => {
      fn();
    });
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(RelaxError);
    return e as RelaxError;
  }
  throw new Error("expected a RelaxError, but the call returned");
}

describe("options: unknown or misspelled keys, non-objects, null values", () => {
  const cases: [string, (o: unknown) => unknown, string, string][] = [
    ["diffSort", (o) => diffSort(X, o as never), "steepnes", "steepness"],
    ["diffSort", (o) => diffSort(X, o as never), "valueOnly", "valuesOnly"],
    ["diffTopK", (o) => diffTopK(X, 2, o as never), "netwrk", "network"],
    ["softRank", (o) => softRank(X, o as never), "onebased", "oneBased"],
    ["neuralSort", (o) => neuralSort(X, o as never), "taus", "tau"],
    ["softSort", (o) => softSort(X, o as never), "pwr", "pow"],
    ["fastSoftSort", (o) => fastSoftSort(X, o as never), "regularisationStrength", "regularizationStrength"],
    ["fastSoftRank", (o) => fastSoftRank(X, o as never), "descendng", "descending"],
    ["rankingLoss", (o) => rankingLoss(X, T, o as never), "reducton", "reduction"],
    ["softSpearman", (o) => softSpearman(X, T, o as never), "artLamda", "artLambda"],
    ["topKCrossEntropy", (o) => topKCrossEntropy(X, [0, 1], { pK: [1], ...(o as object) }), "methd", "method"],
    ["diffSortReference", (o) => diffSortReference(X as tf.Tensor2D, oddEvenNetwork(4), o as never, true), "steepnes", "steepness"],
  ];
  for (const [op, call, wrong, right] of cases) {
    it(`${op}: "${wrong}" → did you mean "${right}"?`, () => {
      const e = relaxError(() => call({ [wrong]: 1 }));
      expect(e.op).toBe(op);
      expect(e.argument).toBe(`options.${wrong}`);
      expect(e.message).toContain(`did you mean "${right}"?`);
    });
  }

  it("the issue's example: diffSort(x, { steepnes: 0 }) no longer sorts with β = 10", () => {
    const e = relaxError(() => diffSort(tf.tensor2d([[3, 1, 2]]), { steepnes: 0 } as never));
    expect(e.message).toBe('diffSort: options.steepnes must be a known option (did you mean "steepness"?), got 0');
  });

  it("keys of a sibling op are unknown (diffTopK has no 'oneBased', softRank no 'hard', softSpearman no 'descending')", () => {
    expect(relaxError(() => diffTopK(X, 1, { oneBased: true } as never)).argument).toBe("options.oneBased");
    expect(relaxError(() => softRank(X, { hard: true } as never)).argument).toBe("options.hard");
    expect(relaxError(() => softSpearman(X, T, { descending: true } as never)).argument).toBe("options.descending");
    expect(relaxError(() => neuralSort(X, { pow: 2 } as never)).argument).toBe("options.pow");
    expect(relaxError(() => rankingLoss(X, T, { valuesOnly: true } as never)).argument).toBe("options.valuesOnly");
  });

  it("options that are not an object, and null option values", () => {
    for (const bad of [null, [1], "bitonic", 5, true]) {
      expect(relaxError(() => diffSort(X, bad as never)).argument).toBe("options");
      expect(relaxError(() => rankingLoss(X, T, bad as never)).argument).toBe("options");
      expect(relaxError(() => fastSoftSort(X, bad as never)).argument).toBe("options");
    }
    expect(relaxError(() => diffSort(X, X as never)).argument).toBe("options");
    expect(relaxError(() => topKCrossEntropy(X, [0, 1], undefined as never)).argument).toBe("options");
    expect(relaxError(() => neuralSort(X, null as never)).argument).toBe("tau");
    expect(relaxError(() => diffSort(X, { steepness: null } as never)).argument).toBe("steepness");
    expect(relaxError(() => fastSoftRank(X, { regularizationStrength: null } as never)).argument).toBe("regularizationStrength");
    expect(relaxError(() => softSort(X, { pow: null } as never)).argument).toBe("pow");
    expect(relaxError(() => rankingLoss(X, T, { network: "neuralsort", tau: null } as never)).argument).toBe("tau");
  });

  it("a key set to undefined counts as absent", () => {
    expect(arr(diffSort(X, { steepness: undefined }).sorted)).toEqual(arr(diffSort(X).sorted));
  });
});

describe("parameter values", () => {
  it("softSort pow must be in [1, 10] (pow < 1 has an infinite gradient at ties; 0 and NaN were silently 1)", () => {
    for (const pow of [0, 0.5, Number.NaN, 11, 1e30, -1]) expect(relaxError(() => softSort(X, { pow })).argument).toBe("pow");
    expect(arr(tf.grad((z) => tf.sum(tf.mul(softSort(z, { pow: 10 }).permutation, 0.3)))(X)).every(Number.isFinite)).toBe(true);
  });

  it("rankingLoss validates tau and descending for the baselines too", () => {
    for (const tau of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, "1"]) {
      expect(relaxError(() => rankingLoss(X, T, { network: "softsort", tau } as never)).argument).toBe("tau");
    }
    expect(relaxError(() => rankingLoss(X, T, { network: "neuralsort", descending: "yes" } as never)).argument).toBe("descending");
  });

  it("steepness from 1e-6 to 1e6 with entries up to ±1e30 gives finite values and gradients", () => {
    const wide = tf.tensor2d([[1e30, -1e30, 0, 1, -1]]);
    for (const steepness of [1e-6, 1e6]) {
      for (const distribution of ["cauchy", "logistic", "logistic_phi", "gaussian", "reciprocal", "optimal"] as const) {
        const values = tf.tidy(() => [
          ...arr(diffSort(wide, { steepness, distribution }).permutation),
          ...arr(diffTopK(wide, 2, { steepness, distribution })),
          ...arr(tf.grad((z) => tf.sum(tf.mul(diffSort(z, { steepness, distribution }).permutation, 0.5)))(wide)),
          ...arr(tf.grad((z) => tf.sum(softRank(z, { steepness, distribution })))(wide)),
        ]);
        expect(values.every(Number.isFinite), `${distribution} β=${steepness}`).toBe(true);
      }
    }
    wide.dispose();
  });

  it("entries beyond ±1e30 are a RelaxError (differences and logits would overflow float32); ±1e30 itself is fine", () => {
    for (const v of [3e38, -3e38, 1.1e30]) {
      expect(relaxError(() => diffSort([[v, 0, 1]])).argument).toBe("x");
      expect(relaxError(() => diffTopK([[v, 0, 1]], 1)).argument).toBe("x");
      expect(relaxError(() => topKCrossEntropy([[0, v, 3]], [0], { pK: [1], mode: "smce" })).argument).toBe("logits");
    }
    const loss = tf.tidy(() => arr(topKCrossEntropy([[0, -1e30, 1e30]], [0], { pK: [1], mode: "smce" })));
    expect(loss.every(Number.isFinite)).toBe(true);
  });

  it("softSpearman: steepness at most 1e9, where the gradient at exact ties is still finite", () => {
    expect(relaxError(() => softSpearman(X, T, { steepness: 1e10 })).argument).toBe("steepness");
    const ties = tf.tensor2d([[0, 0, 0]]);
    const g = tf.tidy(() => arr(tf.grad((z) => tf.sum(softSpearman(z, [[1, 2, 3]], { steepness: 1e9 })))(ties)));
    expect(g.every(Number.isFinite)).toBe(true);
    ties.dispose();
  });

  it("setSortWasm checks its arguments", () => {
    expect(relaxError(() => setSortWasm("yes" as never)).argument).toBe("value");
    expect(relaxError(() => setSortWasm(true, "f16" as never)).argument).toBe("lanes");
  });

  it("RELAX_SORT_WASM / RELAX_SORT_WASM_LANES are tf.env() flags; setSortWasm (deprecated) sets them", () => {
    expect(tf.env().getBool("RELAX_SORT_WASM")).toBe(true);
    expect(tf.env().getString("RELAX_SORT_WASM_LANES")).toBe("f32");
    expect(setSortWasm(false, "f64")).toBe(true);
    expect(tf.env().getBool("RELAX_SORT_WASM")).toBe(false);
    expect(sortWasmActive()).toBe(false);
    expect(tf.env().getString("RELAX_SORT_WASM_LANES")).toBe("f64");
    tf.env().set("RELAX_SORT_WASM", true);
    tf.env().set("RELAX_SORT_WASM_LANES", "f32");
    expect(relaxError(() => tf.env().set("RELAX_SORT_WASM_LANES", "f16")).argument).toBe("RELAX_SORT_WASM_LANES");
    expect(tf.env().getString("RELAX_SORT_WASM_LANES")).toBe("f32");
  });
});

describe("topKCrossEntropy: pK, labels, logits", () => {
  const Z = [
    [0.5, 1, 2, -1],
    [0, 1, 2, 3],
  ];
  it("the issue's example: a NaN logit is a RelaxError, not a NaN loss", () => {
    const e = relaxError(() =>
      topKCrossEntropy(
        tf.tensor2d([
          [Number.NaN, 1, 2],
          [0, 1, 2],
        ]),
        [0, 1],
        { pK: [0.5, 0.5] },
      ),
    );
    expect(e.argument).toBe("logits");
    expect(relaxError(() => topKCrossEntropy([[Number.POSITIVE_INFINITY, 1, 2]], [0], { pK: [1] })).argument).toBe("logits");
  });
  it("pK: finite, ≥ 0, sums to 1, at most n (or m − 1) entries", () => {
    for (const pK of [
      [],
      [Number.NaN, 1],
      [Number.POSITIVE_INFINITY],
      [-0.5, 1.5],
      [0.5, 0.4],
      [0.5, "0.5"],
      "p",
      null,
      [0.2, 0.2, 0.2, 0.2, 0.2],
    ]) {
      expect(relaxError(() => topKCrossEntropy(Z, [0, 1], { pK } as never)).argument, JSON.stringify(pK)).toBe("pK");
    }
    expect(relaxError(() => topKCrossEntropy(Z, [0, 1], { pK: [0.5, 0.5], m: 2 })).argument).toBe("m");
  });
  it("labels: integers in [0, n), one per row, flat", () => {
    for (const labels of [[0], [0, 4], [0, -1], [0, 1.5], [0, Number.NaN], [[0, 1]], null, "01"]) {
      expect(relaxError(() => topKCrossEntropy(Z, labels as never, { pK: [1] })).argument, JSON.stringify(labels)).toBe("labels");
    }
    const l2 = tf.tensor2d([[0, 1]]);
    expect(relaxError(() => topKCrossEntropy(Z, l2, { pK: [1] })).argument).toBe("labels");
    l2.dispose();
  });
  it("−∞ logits are masked classes: finite loss and gradient, the masked class gets gradient 0", () => {
    const masked = tf.tensor2d([
      [Number.NEGATIVE_INFINITY, 1, 2, Number.NEGATIVE_INFINITY],
      [0, 1, 2, 3],
    ]);
    for (const method of ["splitter_selection", "bitonic", "odd_even", "neuralsort", "softsort"] as const) {
      const [loss, grad] = tf.tidy(() => {
        const f = (z: tf.Tensor) => topKCrossEntropy(z, [1, 3], { pK: [0.5, 0.5], method });
        return [arr(f(masked)), arr(tf.grad(f)(masked))];
      });
      expect(loss.every(Number.isFinite) && grad.every(Number.isFinite), method).toBe(true);
      expect([grad[0], grad[3]], method).toEqual([0, 0]);
    }
    masked.dispose();
  });
});

describe("non-finite entries: decided per op", () => {
  const nanX = [[1, Number.NaN, 2]];
  const posInf = [[1, Number.POSITIVE_INFINITY, 2]];
  const negInf = [[1, Number.NEGATIVE_INFINITY, 2]];
  it("sorts, ranks, baselines and losses reject NaN, +∞ and −∞ (a sorted −∞ is not a usable output)", () => {
    for (const x of [nanX, posInf, negInf]) {
      expect(relaxError(() => diffSort(x)).argument).toBe("x");
      expect(relaxError(() => softRank(x)).argument).toBe("x");
      expect(relaxError(() => neuralSort(x)).argument).toBe("x");
      expect(relaxError(() => softSort(x)).argument).toBe("x");
      expect(relaxError(() => fastSoftSort(x)).argument).toBe("x");
      expect(relaxError(() => rankingLoss(x, [[1, 2, 3]])).argument).toBe("scores");
      expect(relaxError(() => rankingLoss([[1, 2, 3]], x)).argument).toBe("targets");
      expect(relaxError(() => softSpearman([[1, 2, 3]], x)).argument).toBe("target");
      expect(relaxError(() => truePermutation(x)).argument).toBe("targets");
    }
  });
  it("diffTopK: NaN and +∞ are errors; −∞ is padding that never enters the top k", () => {
    expect(relaxError(() => diffTopK(nanX, 1)).argument).toBe("x");
    expect(relaxError(() => diffTopK(posInf, 1)).argument).toBe("x");
    const padded = tf.tensor2d([[3, Number.NEGATIVE_INFINITY, 1, Number.NEGATIVE_INFINITY]]);
    const top = tf.tidy(() => arr(diffTopK(padded, 2, { steepness: 1e3 })));
    expect(top.map((v) => Math.round(v * 1000) / 1000)).toEqual([1, 0, 0, 0, 0, 0, 1, 0]);
    const g = tf.tidy(() =>
      arr(
        tf.grad((z) =>
          tf.sum(
            tf.mul(
              diffTopK(z, 2),
              tf.tensor3d([
                [
                  [1, 2, 3, 4],
                  [5, 6, 7, 8],
                ],
              ]),
            ),
          ),
        )(padded),
      ),
    );
    expect(g.every(Number.isFinite)).toBe(true);
    expect([g[1], g[3]]).toEqual([0, 0]);
    padded.dispose();
  });
});

describe("shapes and types of the remaining exports", () => {
  it("truePermutation", () => {
    expect(relaxError(() => truePermutation(tf.tensor1d([3, 1, 2]))).argument).toBe("targets");
    expect(relaxError(() => truePermutation(tf.zeros([2, 0]))).argument).toBe("targets");
    expect(relaxError(() => truePermutation(null as never)).argument).toBe("targets");
    expect(relaxError(() => truePermutation(T, "yes" as never)).argument).toBe("descending");
    expect(tf.tidy(() => arr(truePermutation([[30, 10, 20]])))).toEqual([0, 1, 0, 0, 0, 1, 1, 0, 0]);
  });
  it("reference compositions check x, layers, U0, alpha and withMatrix", () => {
    const X2 = X as tf.Tensor2D;
    expect(relaxError(() => diffSortReference(X2, oddEvenNetwork(8), {}, true)).argument).toBe("layer");
    expect(relaxError(() => diffSortReference(null as never, oddEvenNetwork(4), {}, true)).argument).toBe("x");
    expect(relaxError(() => diffSortReference(X2, oddEvenNetwork(4), {}, "yes" as never)).argument).toBe("withMatrix");
    expect(relaxError(() => valuesReference(tf.tensor1d([1, 2]) as never, oddEvenNetwork(2), {})).argument).toBe("x");
    const u = tf.ones([1, 3]);
    expect(relaxError(() => selectReference(X2, oddEvenNetwork(4), {}, u as tf.Tensor2D)).argument).toBe("U0");
    u.dispose();
    const a = tf.tensor2d([[0.9], [0.5]]);
    expect(relaxError(() => mixPairsReference(X, { lo: [0], hi: [9] }, a)).argument).toBe("layer");
    expect(relaxError(() => mixPairsReference(X, { lo: [0, 2], hi: [1, 3] }, a)).argument).toBe("alpha");
    a.dispose();
  });
});

describe("network size", () => {
  it("more entries than a sorting network can have is reported by the op itself", () => {
    const big = tf.zeros([1, 65_537]);
    expect(() => diffSort(big, { valuesOnly: true })).toThrow(/^diffSort: x must be at most 65536 entries/);
    expect(() => diffTopK(big, 2)).toThrow(/^diffTopK: x must be at most 65536 entries/);
    big.dispose();
  });
});
