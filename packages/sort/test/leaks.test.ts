import * as tf from "@tensorflow/tfjs-core";
import { afterAll, describe, expect, it } from "vitest";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, countLeakedTensorsOnThrow } from "@relax/core/testing";
import {
  bitonicNetwork,
  diffSort,
  diffTopK,
  fastSoftRank,
  fastSoftSort,
  neuralSort,
  oddEvenNetwork,
  rankingLoss,
  softRank,
  softSort,
  softSpearman,
  topKCrossEntropy,
  truePermutation,
} from "../src/index.js";
import { diffSortReference, mixPairsReference, selectReference, valuesReference } from "../src/references.js";
import "./helpers.js";

// Inputs are made once, outside every measured closure (a tensor created inside counts as a leak).
const ROWS = [
  [0.3, -1.2, 2.0, 0.5],
  [1.0, 0.9, -0.4, 0.0],
];
const X = tf.tensor2d(ROWS);
const XI = tf.tensor2d(
  [
    [3, 1, 2, 0],
    [0, 5, 1, 2],
  ],
  undefined,
  "int32",
);
const T = tf.tensor2d([
  [2, 0, 3, 1],
  [3, 2, 0, 1],
]);
const NAN = tf.tensor2d([
  [Number.NaN, 1, 2, 3],
  [0, 1, 2, 3],
]);
const LABELS = tf.tensor1d([0, 3], "int32");
const U0 = tf.tensor2d([[0, 0, 0, 1]]);
afterAll(() => tf.dispose([X, XI, T, NAN, LABELS, U0]));

type Input = tf.Tensor | number[][];
/** Every public op as `(x) => full result`, with a tensor to differentiate picked from the result. */
const OPS: [string, (x: Input) => unknown, (r: never) => tf.Tensor][] = [
  ["diffSort", (x) => diffSort(x), (r: { permutation: tf.Tensor }) => r.permutation],
  [
    "diffSort bitonic hard descending",
    (x) => diffSort(x, { network: "bitonic", hard: true, descending: true }),
    (r: { sorted: tf.Tensor }) => r.sorted,
  ],
  ["diffSort valuesOnly", (x) => diffSort(x, { valuesOnly: true }), (r: { sorted: tf.Tensor }) => r.sorted],
  ["diffSort axis 0", (x) => diffSort(x, { axis: 0 }), (r: { permutation: tf.Tensor }) => r.permutation],
  ["softRank", (x) => softRank(x, { descending: true, oneBased: true }), (r: tf.Tensor) => r],
  ["diffTopK", (x) => diffTopK(x, 2), (r: tf.Tensor) => r],
  ["neuralSort", (x) => neuralSort(x, { tau: 0.5, hard: true }), (r: { permutation: tf.Tensor }) => r.permutation],
  ["softSort", (x) => softSort(x, { tau: 0.5, pow: 2 }), (r: { permutation: tf.Tensor }) => r.permutation],
  ["fastSoftSort", (x) => fastSoftSort(x), (r: tf.Tensor) => r],
  ["fastSoftRank kl", (x) => fastSoftRank(x, { regularization: "kl" }), (r: tf.Tensor) => r],
  ["rankingLoss (tensor targets)", (x) => rankingLoss(x, T), (r: tf.Tensor) => r],
  [
    "rankingLoss (array targets, softsort)",
    (x) =>
      rankingLoss(
        x,
        [
          [2, 0, 3, 1],
          [3, 2, 0, 1],
        ],
        { network: "softsort" },
      ),
    (r: tf.Tensor) => r,
  ],
  ["rankingLoss neuralsort none", (x) => rankingLoss(x, T, { network: "neuralsort", reduction: "none" }), (r: tf.Tensor) => r],
  ["softSpearman", (x) => softSpearman(x, T), (r: tf.Tensor) => r],
  [
    "softSpearman (array target)",
    (x) =>
      softSpearman(x, [
        [2, 0, 3, 1],
        [3, 2, 0, 1],
      ]),
    (r: tf.Tensor) => r,
  ],
  ["topKCrossEntropy", (x) => topKCrossEntropy(x, [0, 3], { pK: [0.5, 0.5] }), (r: tf.Tensor) => r],
  ["topKCrossEntropy m, tensor labels", (x) => topKCrossEntropy(x, LABELS, { pK: [0.5, 0.5], m: 3, mode: "smce" }), (r: tf.Tensor) => r],
  ["topKCrossEntropy softsort", (x) => topKCrossEntropy(x, [0, 3], { pK: [1], method: "softsort" }), (r: tf.Tensor) => r],
];

describe("bare leak checks: every public op leaves exactly what it returns", () => {
  for (const [name, call, pick] of OPS) {
    it(`${name}: tensor, int32 tensor and plain-array input, gradient`, () => {
      expect(
        countLeakedTensors(() => call(X)),
        "float32 tensor",
      ).toBe(0);
      expect(
        countLeakedTensors(() => call(XI)),
        "int32 tensor",
      ).toBe(0);
      expect(
        countLeakedTensors(() => call(ROWS)),
        "plain array",
      ).toBe(0);
      expect(
        countLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(pick(call(z) as never)))(X)),
        "gradient",
      ).toBe(0);
    });
    it(`${name}: error paths leave nothing (NaN input, misspelled option)`, () => {
      for (const bad of [() => call(NAN), () => call([[1, Number.NaN, 2, 3]])]) {
        const { error, leaked } = countLeakedTensorsOnThrow(bad);
        expect(error).toBeInstanceOf(RelaxError);
        expect(leaked).toBe(0);
      }
    });
  }

  it("truePermutation: tensor, array, int32; error path", () => {
    expect(countLeakedTensors(() => truePermutation(T))).toBe(0);
    expect(countLeakedTensors(() => truePermutation(ROWS, true))).toBe(0);
    expect(countLeakedTensors(() => truePermutation(XI))).toBe(0);
    const { error, leaked } = countLeakedTensorsOnThrow(() => truePermutation(NAN));
    expect(error).toBeInstanceOf(RelaxError);
    expect(leaked).toBe(0);
  });

  it("misspelled options and bad labels throw before leaving anything", () => {
    const calls: (() => unknown)[] = [
      () => diffSort(X, { steepnes: 0 } as never),
      () => diffTopK(X, 2, { descendng: true } as never),
      () => rankingLoss(X, T, { tua: 1 } as never),
      () => topKCrossEntropy(X, [0, 9], { pK: [1] }),
      () => topKCrossEntropy(X, LABELS, { pK: [0.5, 0.6] }),
      () => softSpearman(X, [[1, 2]]),
    ];
    for (const call of calls) {
      const { error, leaked } = countLeakedTensorsOnThrow(call);
      expect(error).toBeInstanceOf(RelaxError);
      expect(leaked).toBe(0);
    }
  });

  it("reference compositions (valuesReference used to leave 35 tensors per call)", () => {
    const net = oddEvenNetwork(4);
    expect(countLeakedTensors(() => valuesReference(X as tf.Tensor2D, net, {}))).toBe(0);
    expect(countLeakedTensors(() => diffSortReference(X as tf.Tensor2D, bitonicNetwork(4), { steepness: 3 }, true))).toBe(0);
    expect(countLeakedTensors(() => selectReference(X as tf.Tensor2D, net, {}, U0 as tf.Tensor2D))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(valuesReference(z as tf.Tensor2D, net, {}).sorted))(X))).toBe(0);
    const { error, leaked } = countLeakedTensorsOnThrow(() => valuesReference(NAN as tf.Tensor2D, net, {}));
    expect(error).toBeInstanceOf(RelaxError);
    expect(leaked).toBe(0);
    const alpha = tf.tensor2d([[0.9], [0.2]]);
    expect(countLeakedTensors(() => mixPairsReference(X, { lo: [0], hi: [1] }, alpha))).toBe(0);
    alpha.dispose();
  });

  it("a 200-step ranking training loop keeps numTensors flat", () => {
    const w = tf.variable(tf.zeros([4]));
    const opt = tf.train.sgd(0.1);
    const step = () => {
      const cost = opt.minimize(() => rankingLoss(tf.add(X, w), T, { steepness: 5 }) as tf.Scalar, true);
      cost?.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    w.dispose();
  });
});
