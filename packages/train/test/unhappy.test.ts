import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, countLeakedTensorsOnThrow } from "@relax/core/testing";
import * as T from "../src/index.js";

// Inputs are built outside the measured closures and disposed at the end.
const y = tf.tensor2d([
  [0.3, 0.1, 0.2],
  [1, 3, 2],
]);
const yArr = y.arraySync() as number[][];
const target = tf.tensor2d([
  [3, 1, 2],
  [1, 2, 3],
]);
const batch = { x: tf.zeros([6, 4]), target };
const costs = tf.ones([1, 3, 3]);
const costsArr = costs.arraySync() as number[][][];
const path = tf.tensor3d([
  [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ],
]);
const pathArr = path.arraySync() as number[][][];
const ea = tf.softmax(tf.randomNormal([2, 3, 4], 0, 1, "float32", 1));
const eb = tf.softmax(tf.randomNormal([2, 3, 4], 0, 1, "float32", 2));
const eaArr = ea.arraySync() as number[][][];
const nanY = tf.tensor2d([
  [Number.NaN, 1, 2],
  [0, 1, 2],
]);
const mlp = T.createMlp({ inputSize: 3, hidden: [4], seed: 0 });
const x13 = tf.ones([2, 3]);
const x13int = tf.ones([2, 3], "int32");
const img = tf.ones([1, 4, 4, 1]);
const kern = tf.ones([3, 3, 1, 2]);
const sd = T.smoothedDijkstra({ height: 3, width: 3, samples: 4 });
const sm = T.smooth((v) => [(v[0] as number) + (v[1] as number)], { n: 2, m: 1, samples: 8 });
const x33 = tf.ones([3, 3]);
const x12 = tf.tensor2d([[1, 2]]);
const k22Arr = tf.tidy(() => tf.ones([2, 2, 1, 1]).arraySync());
const rl = (v: tf.Tensor2D) => T.rankingSupervision()(v, batch);

const ok: [string, () => unknown][] = [
  ["rankingSupervision", () => T.rankingSupervision()(y, batch)],
  ["rankingSupervision grad", () => tf.grad((v) => tf.sum(T.rankingSupervision()(v as tf.Tensor2D, batch)))(y)],
  ["setScores", () => T.setScores(3)(mlp, { x: x33, target })],
  ["topKLoss tensor", () => T.topKLoss(y, [0, 1], { pK: [0.5, 0.5] })],
  ["topKLoss array", () => T.topKLoss(yArr, [0, 1], { pK: [0.5, 0.5] })],
  ["topKLoss grad", () => tf.grad((v) => tf.sum(T.topKLoss(v, [0, 1], { pK: [0.5, 0.5] })))(y)],
  ["shortestPathLoss tensor", () => T.shortestPathLoss(costs, path)],
  ["shortestPathLoss array", () => T.shortestPathLoss(costsArr, pathArr)],
  ["shortestPathLoss grad", () => tf.grad((v) => tf.sum(T.shortestPathLoss(v, path)))(costs)],
  ["editDistanceLoss tensor", () => T.editDistanceLoss(ea, eb, [1, 2])],
  ["editDistanceLoss array", () => T.editDistanceLoss(eaArr, eb, [1, 2])],
  ["editDistanceLoss grad", () => tf.grad((v) => tf.sum(T.editDistanceLoss(v, eb, 1)))(ea)],
  ["smoothedDijkstra tensor", () => sd(costs as tf.Tensor3D)],
  ["smoothedDijkstra array", () => sd(costsArr as unknown as tf.Tensor3D)],
  ["smoothedDijkstra grad", () => tf.grad((v) => tf.sum(sd(v as tf.Tensor3D)))(costs)],
  ["smoothedDijkstraLoss array", () => T.smoothedDijkstraLoss(costsArr, pathArr, { samples: 4 })],
  ["smooth tensor", () => sm(x12)],
  ["smooth array", () => sm([[1, 2]])],
  ["smooth grad", () => tf.grad((v) => tf.sum(sm(v as tf.Tensor2D)))(x12)],
  ["newtonTargets", () => T.newtonTargets(y, rl)],
  ["newtonTargets hessian auto (autodiff fails, finite differences)", () => T.newtonTargets(y, rl, { variant: "hessian" })],
  ["newtonLoss grad", () => tf.grad((v) => T.newtonLoss(v as tf.Tensor2D, rl))(y)],
  ["injectFisher grad", () => tf.grad((v) => tf.sum(T.injectFisher(v as tf.Tensor2D, 1)))(y)],
  ["mlp.apply tensor", () => mlp.apply(x13)],
  ["mlp.apply int32", () => mlp.apply(x13int)],
  ["mlp.apply array", () => mlp.apply([[1, 2, 3]] as unknown as tf.Tensor)],
  ["conv2dSame array", () => T.conv2dSame(img.arraySync() as unknown as tf.Tensor4D, kern as tf.Tensor4D)],
  [
    "conv2dSame forward-grads grad",
    () => tf.grad((w) => tf.sum(T.conv2dSame(img as tf.Tensor4D, w as tf.Tensor4D, { method: "forward-grads" })))(kern),
  ],
  ["maxPool2 array", () => T.maxPool2(img.arraySync() as unknown as tf.Tensor4D)],
  ["maxPool2 grad", () => tf.grad((v) => tf.sum(T.maxPool2(v as tf.Tensor4D)))(img)],
];

const bad: [string, () => unknown][] = [
  ["rankingSupervision misspelled", () => T.rankingSupervision({ steepnes: 1 } as never)],
  ["topKLoss NaN logits", () => T.topKLoss(nanY, [0, 1], { pK: [0.5, 0.5] })],
  ["topKLoss NaN logits array", () => T.topKLoss([[Number.NaN, 1, 2]], [0], { pK: [0.5, 0.5] })],
  ["topKLoss misspelled", () => T.topKLoss(y, [0, 1], { pK: [0.5, 0.5], steepnes: 2 } as never)],
  ["shortestPathLoss misspelled", () => T.shortestPathLoss(costs, path, { bta: 3 } as never)],
  ["shortestPathLoss array rank", () => T.shortestPathLoss([[1, 1]], pathArr)],
  ["editDistanceLoss array bad b", () => T.editDistanceLoss(eaArr, [[1, 2]], [1, 2])],
  ["editDistanceLoss misspelled", () => T.editDistanceLoss(ea, eb, [1, 2], { bta: 2 } as never)],
  [
    "smoothedDijkstra NaN array",
    () =>
      sd([
        [
          [Number.NaN, 1, 1],
          [1, 1, 1],
          [1, 1, 1],
        ],
      ] as unknown as tf.Tensor3D),
  ],
  ["smooth flat array", () => T.smooth((v) => [v[0] as number], { n: 8, m: 1 })([1, 2] as never)],
  ["smooth NaN", () => sm([[Number.NaN, 2]])],
  ["smooth misspelled", () => T.smooth((v) => [v[0] as number], { n: 1, m: 1, sampels: 3 } as never)],
  [
    "newtonTargets singular",
    () => T.newtonTargets(y, rl, { variant: "hessian", hessian: () => tf.zeros([3, 3]) as tf.Tensor2D, lambda: 0 }),
  ],
  ["newtonTargets misspelled", () => T.newtonTargets(y, rl, { lamda: 1 } as never)],
  ["newtonTargets NaN", () => T.newtonTargets(nanY, rl)],
  ["injectFisher NaN", () => T.injectFisher(nanY, 1)],
  ["mlp.apply NaN array", () => mlp.apply([[Number.NaN, 1, 2]] as unknown as tf.Tensor)],
  ["mlp.apply wrong", () => mlp.apply(img)],
  ["conv2dSame even kernel array", () => T.conv2dSame(img.arraySync() as unknown as tf.Tensor4D, k22Arr as never)],
  ["maxPool2 rank array", () => T.maxPool2([[1, 2]] as never)],
  ["createMlp misspelled", () => T.createMlp({ inputSize: 2, hiden: [3] } as never)],
  ["rankingMetrics NaN", () => T.rankingMetrics(nanY, target)],
];

describe("leaks (bare calls: exactly the returned tensors remain)", () => {
  for (const [name, fn] of ok) it(name, () => expect(countLeakedTensors(fn)).toBe(0));
  for (const [name, fn] of bad) {
    it(`${name} → RelaxError, nothing left behind`, () => {
      const { error, leaked } = countLeakedTensorsOnThrow(fn);
      expect(error, String(error)).toBeInstanceOf(RelaxError);
      expect(leaked).toBe(0);
    });
  }
});

describe("tape left by a throwing loss", () => {
  it("newtonTargets with a loss that throws inside tf.grad leaves nothing behind", () => {
    const throwing = (v: tf.Tensor2D) => {
      rl(v);
      throw new Error("boom");
    };
    const { error, leaked } = countLeakedTensorsOnThrow(() => T.newtonTargets(y, throwing));
    expect(String(error)).toMatch(/boom/);
    expect(leaked).toBe(0);
  });
});

describe("validation messages", () => {
  const cases: [() => unknown, RegExp][] = [
    [() => T.rankingSupervision({ steepnes: 1 } as never), /did you mean "steepness"/],
    [() => T.shortestPathLoss(costs, path, { bta: 3 } as never), /did you mean "beta"/],
    [() => T.smoothedDijkstra({ height: 3, width: 3, sampels: 4 } as never), /did you mean "samples"/],
    [() => T.newtonStrategy({ varient: "fisher" } as never), /did you mean "variant"/],
    [() => T.createCnn({ heigth: 8 } as never), /did you mean "height"/],
    [() => T.generateTerrainMaps(1, { widht: 3 } as never), /did you mean "width"/],
    [() => T.plotSvg([{ step: 0, seconds: 0, loss: 1 }], { titel: "x" } as never), /did you mean "title"/],
    [() => T.rankingMetrics(y, target, { kk: 2 } as never), /options\.kk/],
    [() => T.smooth((v) => [v[0] as number], { n: 8, m: 1 })([1, 2] as never), /smooth: x must be \[batch, 8\]/],
    [() => T.createRng(Number.NaN), /createRng: seed must be an integer/],
    [() => T.luSolve([1, 0, 0, Number.NaN], [1, 1], 2, 1), /luSolve: A must be finite/],
    [() => T.noise("toString" as never), /noise: name must be one of/],
  ];
  cases.forEach(([fn, re], i) =>
    it(`case ${i}: ${re.source}`, () => {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RelaxError);
      expect((err as Error).message).toMatch(re);
    }),
  );
});
