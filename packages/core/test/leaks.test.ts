import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  argminSearch,
  bubbleSort,
  catProbEq,
  cosineSimilarity,
  editDistance,
  ifElse,
  program,
  relaxedEqual,
  relaxedGreater,
  relaxedGreaterEqual,
  relaxedLess,
  relaxedLessEqual,
  relaxedNotEqual,
  relaxedSwap,
  relaxedSwapLayer,
  RelaxError,
  shortestPath,
  softArgMax,
  softArgMin,
  softMax,
  softMin,
  stopGradient,
  top1,
  type TensorInput,
} from "../src/index.js";
import { shortestPathReference, swapLayerReference } from "../src/reference.js";
import { countLeakedTensors, countLeakedTensorsOnThrow } from "../src/testing/index.js";

/** Sums every tensor an op returns (a tensor or a record of tensors), for `tf.grad`. */
function total(out: unknown): tf.Scalar {
  const parts = out instanceof tf.Tensor ? [out] : Object.values(out as Record<string, tf.Tensor>);
  return tf.addN(parts.map((t) => tf.sum(t))) as tf.Scalar;
}

/** One public op of one argument: good data (as a nested array), a call, and a bad option that must throw. */
interface Case {
  name: string;
  data: number[] | number[][] | number[][][];
  call: (x: TensorInput) => unknown;
  bad: (x: TensorInput) => unknown;
}

const counter = program({ beta: 4 })
  .input("x")
  .real("steps", 0)
  .output("x", "steps")
  .body(($) => [
    $.while($.lt("x", 5), [$.let("x", (s) => tf.add(s.x, 1)), $.let("steps", (s) => tf.add(s.steps, 1))]),
    $.for("i", 3, ($) => [$.let("steps", (s) => tf.add(s.steps, 0.5))]),
  ]);

const layer = { lo: [0, 2], hi: [1, 3] };
const row = [[3, 1, 4, 2]];
const grid = [
  [
    [1, 9, 9],
    [9, 1, 9],
    [9, 9, 1],
  ],
];
const symbols = [
  [
    [0.9, 0.1],
    [0.2, 0.8],
  ],
];

const cases: Case[] = [
  { name: "relaxedLess", data: [1, 2], call: (x) => relaxedLess(x, [2, 1]), bad: (x) => relaxedLess(x, [2, 1], { betta: 1 } as never) },
  { name: "relaxedGreater", data: [1, 2], call: (x) => relaxedGreater(x, 1.5), bad: (x) => relaxedGreater(x, 1, { beta: 0 }) },
  { name: "relaxedLessEqual", data: [1, 2], call: (x) => relaxedLessEqual(x, 1), bad: (x) => relaxedLessEqual(x, [1, 2, 3]) },
  { name: "relaxedGreaterEqual", data: [1, 2], call: (x) => relaxedGreaterEqual(x, 1), bad: (x) => relaxedGreaterEqual(x, [NaN]) },
  { name: "relaxedEqual", data: [1, 2], call: (x) => relaxedEqual(x, 1), bad: (x) => relaxedEqual(x, 1, null as never) },
  { name: "relaxedNotEqual", data: [1, 2], call: (x) => relaxedNotEqual(x, 1), bad: (x) => relaxedNotEqual(x, 1, { beta: -1 }) },
  { name: "catProbEq", data: [[0.3, 0.7]], call: (x) => catProbEq(x, [[0.5, 0.5]]), bad: (x) => catProbEq(x, [[0.5, 0.5]], { axis: 4 }) },
  {
    name: "cosineSimilarity",
    data: [[0.3, 0.7]],
    call: (x) => cosineSimilarity(x, [[0.5, 0.5]]),
    bad: (x) => cosineSimilarity(x, [[0.5, 0.5]], { esp: 1 } as never),
  },
  { name: "ifElse", data: [0.25], call: (p) => ifElse(p, [[4, 8]], [[0, 1]]), bad: (p) => ifElse(p, [[4, 8]], [[NaN, 1]]) },
  { name: "relaxedSwap", data: [3, 1], call: (x) => relaxedSwap(x, [1, 2]), bad: (x) => relaxedSwap(x, [1, 2], { steepnes: 1 } as never) },
  {
    name: "relaxedSwapLayer",
    data: row,
    call: (x) => relaxedSwapLayer(x as tf.Tensor2D, layer),
    bad: (x) => relaxedSwapLayer(x as tf.Tensor2D, { lo: [0], hi: [9] }),
  },
  {
    name: "swapLayerReference",
    data: row,
    call: (x) => swapLayerReference(x as tf.Tensor2D, layer),
    bad: (x) => swapLayerReference(x as tf.Tensor2D, layer, { steepness: 0 }),
  },
  { name: "softMin", data: row, call: (x) => softMin(x), bad: (x) => softMin(x, { axis: 3 }) },
  { name: "softMax", data: row, call: (x) => softMax(x, { beta: 2 }), bad: (x) => softMax(x, { betta: 2 } as never) },
  { name: "softArgMin", data: row, call: (x) => softArgMin(x), bad: (x) => softArgMin(x, { beta: Number.NaN }) },
  { name: "softArgMax", data: row, call: (x) => softArgMax(x), bad: (x) => softArgMax(x, 5 as never) },
  { name: "bubbleSort", data: row, call: (x) => bubbleSort(x, { beta: 5 }), bad: (x) => bubbleSort(x, { maxIter: 1e9 }) },
  { name: "argminSearch", data: row, call: (x) => argminSearch(x), bad: (x) => argminSearch(x, { betta: 1 } as never) },
  { name: "top1", data: row, call: (x) => top1(x), bad: (x) => top1(x, { beta: 0 }) },
  { name: "shortestPath", data: grid, call: (x) => shortestPath(x, { beta: 2 }), bad: (x) => shortestPath(x, { iterations: 1e9 }) },
  {
    name: "shortestPathReference",
    data: grid,
    call: (x) => shortestPathReference(x, { beta: 2 }),
    bad: (x) => shortestPathReference(x, { betta: 2 } as never),
  },
  {
    name: "editDistance",
    data: symbols,
    call: (a) => editDistance(a, [[[1, 0]]]),
    bad: (a) => editDistance(a, [[[1, 0, 0]]]),
  },
  { name: "program.run", data: [0, 2.5, 7], call: (x) => counter.run({ x }), bad: (x) => counter.run({ x, y: x } as never) },
  { name: "stopGradient", data: [1, 2], call: (x) => stopGradient(x as tf.Tensor), bad: () => stopGradient(null as never) },
];

describe("every public op leaves only what it returns (called bare, no tf.tidy)", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });
  afterAll(() => {
    tf.env().set("RELAX_FORCE_REFERENCE", false);
  });

  for (const reference of [false, true]) {
    for (const c of cases) {
      const path = reference ? "reference" : "fused";
      it(`${c.name} [${path}]: tensor, array, int32 and gradient inputs; error path`, () => {
        tf.env().set("RELAX_FORCE_REFERENCE", reference);
        const x = tf.tensor(c.data);
        const xi = tf.cast(x, "int32");
        try {
          expect(countLeakedTensors(() => c.call(x))).toBe(0);
          expect(countLeakedTensors(() => c.call(c.data))).toBe(0);
          expect(countLeakedTensors(() => c.call(xi))).toBe(0);
          if (c.name !== "stopGradient") {
            expect(countLeakedTensors(() => tf.grad((v: tf.Tensor) => total(c.call(v)))(x))).toBe(0);
          }
          for (const input of [x, c.data, xi]) {
            const { error, leaked } = countLeakedTensorsOnThrow(() => c.bad(input));
            expect(error).toBeInstanceOf(RelaxError);
            expect(leaked).toBe(0);
          }
        } finally {
          tf.dispose([x, xi]);
          tf.env().set("RELAX_FORCE_REFERENCE", false);
        }
      });
    }
  }

  it("a throwing lambda inside a program body leaves nothing behind", () => {
    const broken = program()
      .input("x")
      .real("y", 0)
      .output("y")
      .body(($) => [
        $.let("y", "x"),
        $.for("i", 3, ($) => [$.let("y", (s, ctx) => (s.i === 2 ? tf.zeros([7, 7]) : tf.add(s.y, ctx.batch)))]),
      ]);
    const x = tf.tensor1d([1, 2]);
    const { error, leaked } = countLeakedTensorsOnThrow(() => broken.run({ x }));
    expect(error).toBeInstanceOf(RelaxError);
    expect(leaked).toBe(0);
    x.dispose();
  });

  it("loops keep constant memory per iteration (while, for, shortestPath's reference)", () => {
    // the most tensors alive at once during a run must not grow with the iteration count
    const peak = (run: () => tf.Tensor[]): number => {
      const engine = tf.engine() as unknown as { trackTensor: (a: unknown, b: unknown) => void };
      const track = engine.trackTensor;
      const before = tf.memory().numTensors;
      let max = 0;
      engine.trackTensor = function (this: unknown, a: unknown, b: unknown) {
        track.call(this, a, b);
        max = Math.max(max, tf.memory().numTensors - before);
      };
      try {
        tf.dispose(run());
      } finally {
        engine.trackTensor = track;
      }
      return max;
    };
    const loop = (iters: number) =>
      program({ epsilon: 0, maxIter: iters })
        .input("x")
        .real("n", 0)
        .output("n")
        .body(($) => [
          $.while($.lt("x", 1e9), [$.let("x", (s) => tf.add(s.x, 1)), $.let("n", (s) => tf.add(s.n, 1))]),
          $.for("i", iters, ($) => [$.let("n", (s) => tf.add(s.n, 1))]),
        ]);
    const short = loop(20);
    const long = loop(200);
    expect(peak(() => Object.values(long.run({ x: [0] })))).toBe(peak(() => Object.values(short.run({ x: [0] }))));
    tf.env().set("RELAX_FORCE_REFERENCE", true);
    const g = tf.ones([1, 3, 3]);
    try {
      const run = (k: number) => () => [shortestPath(g, { iterations: k, traceSteps: k, tolerance: 0, epsilon: 0 })];
      expect(peak(run(200))).toBe(peak(run(20)));
    } finally {
      g.dispose();
      tf.env().set("RELAX_FORCE_REFERENCE", false);
    }
  });
});
