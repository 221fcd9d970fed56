import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { RelaxError } from "@relax/core";
import { badInputs, badPositive, countLeakedTensors, gradCheck } from "@relax/core/testing";
import {
  diffSort,
  diffTopK,
  neuralSort,
  rankingLoss,
  softRank,
  softSort,
  softSpearman,
  topKCrossEntropy,
  getNetwork,
} from "../src/index.js";
import { arr } from "./helpers.js";

const x0 = () =>
  tf.tensor2d([
    [0.3, -1.2, 2.0, 0.5, 0.9],
    [1.0, 0.9, -0.4, 0.0, 0.35],
  ]);
const _W5 = () => tf.randomNormal([2, 5, 5], 0, 1, "float32", 5);

/** Targets of the losses, made once (a tensor created inside a leak-checked closure would count as a leak). */
const T5 = tf.tensor2d([
  [2, 0, 4, 1, 3],
  [4, 3, 0, 1, 2],
]);

/**
 * `[name, full call, the tensor the checks differentiate]`: the leak checks dispose everything the full
 * call returns (e.g. both `sorted` and `permutation`), the gradient checks use the picked tensor.
 */
const ops: [string, (x: tf.Tensor) => tf.Tensor | { sorted: tf.Tensor; permutation: tf.Tensor | null }, (r: never) => tf.Tensor][] = [
  ["diffSort permutation (odd_even)", (x) => diffSort(x, { steepness: 3 }), (r: { permutation: tf.Tensor }) => r.permutation],
  [
    "diffSort sorted (bitonic, logistic_phi)",
    (x) => diffSort(x, { network: "bitonic", distribution: "logistic_phi", steepness: 3 }),
    (r: { sorted: tf.Tensor }) => r.sorted,
  ],
  [
    "diffSort valuesOnly (optimal)",
    (x) => diffSort(x, { distribution: "optimal", steepness: 2, valuesOnly: true }),
    (r: { sorted: tf.Tensor }) => r.sorted,
  ],
  ["softRank", (x) => softRank(x, { steepness: 3 }), (r: tf.Tensor) => r],
  ["diffTopK splitter", (x) => diffTopK(x, 2, { network: "splitter_selection", steepness: 3 }), (r: tf.Tensor) => r],
  ["neuralSort", (x) => neuralSort(x, 1), (r: { permutation: tf.Tensor }) => r.permutation],
  ["softSort", (x) => softSort(x, 1), (r: { permutation: tf.Tensor }) => r.permutation],
  ["rankingLoss", (x) => rankingLoss(x, T5, { steepness: 3 }), (r: tf.Tensor) => r],
  ["rankingLoss per sample (bitonic)", (x) => rankingLoss(x, T5, { network: "bitonic", reduction: "none" }), (r: tf.Tensor) => r],
  ["topKCrossEntropy", (x) => topKCrossEntropy(x, [2, 0], { pK: [0.5, 0.5], method: "bitonic", steepness: 2 }), (r: tf.Tensor) => r],
  ["softSpearman", (x) => softSpearman(x, T5, { steepness: 3 }), (r: tf.Tensor) => r],
];

describe("gradient checks (central finite differences)", () => {
  for (const [name, call, pick] of ops) {
    const f = (z: tf.Tensor) => pick(call(z) as never);
    it(name, () => {
      const x = x0();
      const r = gradCheck(
        (z) => {
          const y = f(z);
          return tf.sum(tf.mul(y, tf.sin(tf.add(tf.reshape(tf.range(0, y.size), y.shape), 0.3))));
        },
        [x],
        { eps: 1e-2, rtol: 3e-2, atol: 3e-3 },
      );
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
      x.dispose();
    });
  }
});

describe("leak checks (bare: forward and backward)", () => {
  for (const [name, call, pick] of ops) {
    it(name, () => {
      const x = x0();
      expect(countLeakedTensors(() => call(x))).toBe(0);
      expect(countLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(pick(call(z) as never)))(x))).toBe(0);
      x.dispose();
    });
  }
  it("diffSort outside tidy returns exactly its two tensors", () => {
    const x = x0();
    const before = tf.memory().numTensors;
    const r = diffSort(x);
    expect(tf.memory().numTensors - before).toBe(2);
    tf.dispose([r.sorted, r.permutation]);
    const v = diffSort(x, { valuesOnly: true });
    expect(v.permutation).toBeNull();
    expect(tf.memory().numTensors - before).toBe(1);
    v.sorted.dispose();
    x.dispose();
  });
});

describe("semantics", () => {
  it("softRank = Σ_j j·P[j, i] (never forming P), descending and one-based", () => {
    tf.tidy(() => {
      const x = x0();
      for (const network of ["odd_even", "bitonic"] as const) {
        const P = diffSort(x, { network }).permutation;
        const viaP = arr(tf.squeeze(tf.matMul(tf.reshape(tf.range(0, 5), [1, 1, 5]), P)));
        const r = arr(softRank(x, { network }));
        r.forEach((v, i) => expect(Math.abs(v - (viaP[i] as number))).toBeLessThan(1e-5));
        const rd = arr(softRank(x, { network, descending: true, oneBased: true }));
        rd.forEach((v, i) => expect(Math.abs(v - (5 - (r[i] as number)))).toBeLessThan(1e-5));
      }
    });
  });

  it("diffTopK rows equal the top rows of the full permutation (odd_even, bitonic)", () => {
    tf.tidy(() => {
      const x = x0();
      for (const network of ["odd_even", "bitonic"] as const) {
        const P = diffSort(x, { network, descending: true }).permutation;
        expect(arr(diffTopK(x, 3, { network }))).toEqual(arr(tf.slice(P, [0, 0, 0], [2, 3, 5])).map((v) => expect.closeTo(v, 5)));
      }
      const hard = arr(diffTopK(x, 2, { network: "splitter_selection", steepness: 1e5 }));
      expect(hard.map((v) => Math.round(v))).toEqual([0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    });
  });

  it("splitter selection needs far fewer layers than bitonic (k = 5)", () => {
    expect(getNetwork("splitter_selection", 32, 5).depth).toBe(14);
    expect(getNetwork("splitter_selection", 32, 5).size).toBe(111);
    expect(getNetwork("splitter_selection", 1024, 5).depth).toBe(22);
    expect(getNetwork("bitonic", 1024).depth).toBe(55);
  });

  it("batch dims and axis", () => {
    tf.tidy(() => {
      const x = tf.randomNormal([2, 3, 6], 0, 1, "float32", 3);
      const a = diffSort(x, { axis: 1 });
      expect(a.sorted.shape).toEqual([2, 3, 6]);
      expect(a.permutation.shape).toEqual([2, 6, 3, 3]);
      const moved = diffSort(tf.transpose(x, [0, 2, 1]));
      expect(arr(tf.transpose(a.sorted, [0, 2, 1]))).toEqual(arr(moved.sorted));
      expect(arr(a.permutation)).toEqual(arr(moved.permutation));
      const one = diffSort(tf.tensor1d([3, 1, 2]));
      expect(one.sorted.shape).toEqual([3]);
      expect(one.permutation.shape).toEqual([3, 3]);
      expect(softRank(x, { axis: 0 }).shape).toEqual([2, 3, 6]);
      expect(diffTopK(x, 2).shape).toEqual([2, 3, 2, 6]);
    });
  });

  it("rankingLoss is the mean BCE over batch·n·n and 'none' gives per-sample means", () => {
    tf.tidy(() => {
      const s = x0();
      const t = tf.tensor2d([
        [2, 0, 4, 1, 3],
        [4, 3, 0, 1, 2],
      ]);
      const P = diffSort(s).permutation;
      const Q = new Float32Array(50);
      [
        [1, 3, 0, 4, 2],
        [2, 3, 4, 1, 0],
      ].forEach((perm, b) => perm.forEach((i, j) => (Q[b * 25 + j * 5 + i] = 1)));
      const q = tf.tensor3d(Q, [2, 5, 5]);
      const bce = tf.neg(tf.add(tf.mul(q, tf.log(P)), tf.mul(tf.sub(1, q), tf.log(tf.sub(1, P)))));
      const mean = arr(rankingLoss(s, t))[0] as number;
      expect(mean).toBeCloseTo(arr(tf.mean(bce))[0] as number, 5);
      const per = arr(rankingLoss(s, t, { reduction: "none" }));
      expect(per.length).toBe(2);
      expect((per[0]! + per[1]!) / 2).toBeCloseTo(mean, 5);
      for (const network of ["neuralsort", "softsort"] as const)
        expect(Number.isFinite(arr(rankingLoss(s, t, { network, tau: 0.5 }))[0])).toBe(true);
      // A perfect, sharp prediction has a small loss.
      expect(arr(rankingLoss(t, t, { steepness: 100 }))[0]).toBeLessThan(0.05);
    });
  });

  it("softSpearman ≈ 1 for the same order and ≈ −1 for the reverse", () => {
    tf.tidy(() => {
      const t = tf.tensor2d([[1, 2, 3, 4, 5]]);
      expect(arr(softSpearman(tf.mul(t, 10), t))[0]).toBeCloseTo(1, 3);
      expect(arr(softSpearman(tf.mul(t, -10), t))[0]).toBeCloseTo(-1, 3);
    });
  });

  it("baselines: hard straight-through gives permutations; descending reverses", () => {
    tf.tidy(() => {
      const x = x0();
      for (const fn of [neuralSort, softSort]) {
        const h = arr(fn(x, { tau: 1, hard: true }).permutation);
        expect(h.every((v) => v === 0 || v === 1)).toBe(true);
        const up = fn(x, 0.1).permutation;
        const down = fn(x, { tau: 0.1, descending: true }).permutation;
        expect(arr(down)).toEqual(arr(tf.reverse(up, 1)).map((v) => expect.closeTo(v, 5)));
      }
    });
  });
});

describe("bad input → RelaxError naming the argument", () => {
  const expectRelax = (fn: () => unknown, argument: string) => {
    let err: unknown;
    try {
      tf.tidy(() => {
        fn();
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RelaxError);
    expect((err as RelaxError).argument).toBe(argument);
  };
  it("diffSort", () => {
    expectRelax(() => diffSort(tf.scalar(1)), "x");
    expectRelax(() => diffSort(tf.zeros([2, 0])), "x");
    expectRelax(() => diffSort(badInputs.nan()), "x");
    expectRelax(() => diffSort(badInputs.inf()), "x");
    expectRelax(() => diffSort(badInputs.string()), "x");
    expectRelax(() => diffSort(badInputs.ragged()), "x");
    expectRelax(() => diffSort(badInputs.notATensor() as number[]), "x");
    for (const s of badPositive) expectRelax(() => diffSort([[1, 2]], { steepness: s as number }), "steepness");
    expectRelax(() => diffSort([[1, 2]], { network: "bubble" as "bitonic" }), "network");
    expectRelax(() => diffSort([[1, 2]], { distribution: "laplace" as "cauchy" }), "distribution");
    expectRelax(() => diffSort([[1, 2]], { artLambda: 2 }), "artLambda");
    expectRelax(() => diffSort([[1, 2]], { axis: 2 }), "axis");
    expectRelax(() => diffSort([[1, 2]], { descending: "yes" as unknown as boolean }), "descending");
  });
  it("diffTopK, softRank, baselines", () => {
    expectRelax(() => diffTopK([[1, 2, 3]], 4), "k");
    expectRelax(() => diffTopK([[1, 2, 3]], 0), "k");
    expectRelax(() => diffTopK([[1, 2, 3]], 1.5), "k");
    expectRelax(() => diffTopK([[1, 2, 3]], 1, { network: "odd" as "bitonic" }), "network");
    expectRelax(() => softRank(tf.zeros([0])), "x");
    expectRelax(() => softRank([[1, NaN]]), "x");
    expectRelax(() => neuralSort([[1, 2]], 0), "tau");
    expectRelax(() => softSort([[1, 2]], -1), "tau");
  });
  it("losses", () => {
    expectRelax(() => rankingLoss([[1, 2]], [[1, 2, 3]]), "targets");
    expectRelax(() => rankingLoss([[1, 2]], [[1, 2]], { reduction: "sum" as "mean" }), "reduction");
    expectRelax(() => topKCrossEntropy([[1, 2, 3]], [0], { pK: [0.5, 0.4] }), "pK");
    expectRelax(() => topKCrossEntropy([[1, 2, 3]], [3], { pK: [1] }), "labels");
    expectRelax(() => topKCrossEntropy([[1, 2, 3]], [0], { pK: [0.5, 0.5], m: 2 }), "m");
    expectRelax(() => topKCrossEntropy([[1, 2, 3]], [0], { pK: [0.25, 0.25, 0.25, 0.25] }), "pK");
    expectRelax(() => topKCrossEntropy([[1, 2, 3]], [0], { pK: [1], mode: "x" as "sm" }), "mode");
    expectRelax(() => softSpearman([[1]], [[1]]), "x");
  });
});
