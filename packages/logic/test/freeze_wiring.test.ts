import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Choice,
  ConvLogicNet,
  GroupSum,
  LogicConvTree,
  LogicLayer,
  LogicNet,
  OrPool,
  type Parametrization,
  compile,
  fusedAdam,
} from "../src/index.js";
import { learnedLayer, learnedNet, randomBits, randomTensor, takeValues } from "./helpers.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

afterEach(() => {
  tf.env().set("RELAX_FORCE_REFERENCE", false);
});

const batch = 8;
const bits = randomBits(7, batch * 12);
const soft = Float32Array.from({ length: batch * 12 }, (_, i) => ((i * 7919) % 101) / 100);

describe("freezeWiring (learned connections fixed at their chosen wires)", () => {
  const cases: [Parametrization, Choice, boolean][] = [
    ["softmax16", "soft", false],
    ["softmax16", "hard-st", false],
    ["bilinear4", "soft", false],
    ["bilinear4", "gumbel-st", false],
    ["softmax16", "soft", true],
    ["bilinear4", "hard-st", true],
  ];

  it.each(cases)(
    "%s gates, %s choice, reference path %s: the eval-mode forward, the wires and the circuit stay; the wiring logits go",
    (param, choice, reference) => {
      tf.env().set("RELAX_FORCE_REFERENCE", reference);
      const n = learnedNet(param, choice, 4);
      const xBits = tf.tensor2d(Float32Array.from(bits), [batch, 12]);
      const xSoft = tf.tensor2d(soft, [batch, 12]);
      const before = {
        bits: takeValues(n.forward(xBits, { mode: "eval" })),
        soft: takeValues(n.forward(xSoft, { mode: "eval" })),
        counts: Array.from(compile(n).counts(bits, batch)),
        wires: n.layers.map((l) => [Array.from(l.a), Array.from(l.b)]),
        logits: n.layers.map((l) => l.logits),
        tensors: tf.memory().numTensors,
      };
      expect(n.variables).toHaveLength(5);
      expect(n.freezeWiring()).toBe(2);
      // the two wiring variables disposed; the index tensors replaced, not added
      expect(tf.memory().numTensors).toBe(before.tensors - 2);
      expect(n.layers.map((l) => l.candidates)).toEqual([1, 1, 1]);
      expect(n.layers.map((l) => l.wiring)).toEqual([null, null, null]);
      expect(n.variables).toHaveLength(3);
      // the same gate-logit variables (an optimizer keeps their moments)
      n.layers.forEach((l, i) => expect(l.logits).toBe(before.logits[i]));
      expect(n.layers.map((l) => [Array.from(l.a), Array.from(l.b)])).toEqual(before.wires);
      expect(n.layers.map((l) => [Array.from(l.candA), Array.from(l.candB)])).toEqual(before.wires);
      expect(takeValues(n.forward(xBits, { mode: "eval" }))).toEqual(before.bits);
      const afterSoft = takeValues(n.forward(xSoft, { mode: "eval" }));
      afterSoft.forEach((v, i) => expect(v).toBeCloseTo(before.soft[i] as number, 6));
      expect(Array.from(compile(n).counts(bits, batch))).toEqual(before.counts);
      // a saved frozen net loads as fixed wiring with the same forward
      const loaded = LogicNet.fromJSON(JSON.stringify(n.toJSON()));
      expect(loaded.layers.map((l) => l.candidates)).toEqual([1, 1, 1]);
      expect(takeValues(loaded.forward(xBits, { mode: "eval" }))).toEqual(before.bits);
      loaded.dispose();
      n.dispose();
      tf.dispose([xBits, xSoft]);
    },
  );

  it("with hard-st choices the train-mode forward and every gradient are those of the unfrozen layer", () => {
    const l = learnedLayer(12, 10, "softmax16", "hard-st", 11, 4);
    l.setChoice({ wiringChoice: "hard-st" });
    const x = tf.tensor2d(soft, [batch, 12]);
    const w = tf.linspace(-1, 1, 10);
    const run = () => {
      const f = (xi: tf.Tensor) => tf.sum(tf.mul(l.forward(xi, { mode: "train" }), w));
      const y = takeValues(l.forward(x, { mode: "train" }));
      const { value, grads } = tf.variableGrads(() => f(x) as tf.Scalar, [l.logits]);
      const dx = tf.grad((xi: tf.Tensor) => f(xi))(x);
      const out = { y, dz: takeValues(grads[l.logits.name] as tf.Tensor), dx: takeValues(dx) };
      value.dispose();
      return out;
    };
    const before = run();
    l.freezeWiring();
    expect(l.variables).toEqual([l.logits]);
    const after = run();
    expect(after.y).toEqual(before.y);
    after.dz.forEach((v, i) => expect(v).toBeCloseTo(before.dz[i] as number, 5));
    after.dx.forEach((v, i) => expect(v).toBeCloseTo(before.dx[i] as number, 5));
    expect(before.dz.some((v) => v !== 0) && before.dx.some((v) => v !== 0)).toBe(true);
    l.dispose();
    tf.dispose([x, w]);
  });

  it("a frozen difflogic-type layer trains on the fixed-wiring kernels, and fusedAdam goes on with its variables", () => {
    const n = learnedNet("softmax16", "soft", 4);
    const opt = fusedAdam(0.05);
    const x = tf.tensor2d(Float32Array.from(bits), [batch, 12]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1], "int32"), 2);
    const step = () => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, n.forward(x)) as tf.Scalar, true, n.variables)?.dataSync()[0];
    tf.tidy(step);
    n.freezeWiring();
    expect(n.layers.map((l) => l.isDifflogic)).toEqual([true, true, true]);
    const z0 = Array.from(n.layers[0]?.logits.dataSync() ?? []);
    const loss = tf.tidy(step);
    expect(Number.isFinite(loss)).toBe(true);
    expect(Array.from(n.layers[0]?.logits.dataSync() ?? [])).not.toEqual(z0);
    opt.dispose();
    n.dispose();
    tf.dispose([x, y]);
  });

  it("a layer with fixed wiring, or frozen already, is a RelaxError; a net without learned layers freezes none", () => {
    const fixed = new LogicLayer(6, 4, { seed: 1 });
    expect(() => fixed.freezeWiring()).toThrow(RelaxError);
    expect(() => fixed.freezeWiring()).toThrow(/freezeWiring.*learned connections/);
    const l = learnedLayer(6, 4, "softmax16", "soft", 2, 4);
    l.freezeWiring();
    expect(() => l.freezeWiring()).toThrow(/learned connections/);
    const plain = new LogicNet([fixed, new LogicLayer(4, 4, { seed: 2 }), new GroupSum(2, 1)]);
    expect(plain.freezeWiring()).toBe(0);
    plain.dispose();
    l.dispose();
  });

  it.each([
    ["soft", false],
    ["hard-st", false],
    ["soft", true],
    ["hard-st", true],
  ] as const)(
    "ConvLogicNet (learned leaves in two stages, learned dense layer; %s leaves, reference path %s): the eval forward, the circuit and the saved net stay",
    (wiringChoice, reference) => {
      tf.env().set("RELAX_FORCE_REFERENCE", reference);
      const tree = (inC: number, outC: number, options: ConstructorParameters<typeof LogicConvTree>[2]) => {
        const t = new LogicConvTree(inC, outC, { connections: "learned", gateChoice: "hard-st", wiringChoice, ...options });
        tf.tidy(() => t.wiring?.assign(randomTensor(77, t.wiring.shape, -2, 2)));
        return t;
      };
      const net = new ConvLogicNet(
        [9, 9, 2],
        [
          tree(2, 4, { receptiveField: 3, depth: 2, stride: 2, candidates: 6, seed: 1 }),
          tree(4, 6, { receptiveField: 3, depth: 1, padding: "same", candidates: 9, seed: 2 }),
          new OrPool({ size: 2 }),
          learnedLayer(2 * 2 * 6, 40, "softmax16", "hard-st", 3, 4),
          new GroupSum(4, 1),
        ],
      );
      const x = tf.tidy(() => tf.cast(tf.greater(randomTensor(8, [30, 9, 9, 2]), 0.5), "float32")) as tf.Tensor4D;
      const xSoft = randomTensor(9, [30, 9, 9, 2]) as tf.Tensor4D;
      const before = {
        eval: takeValues(net.forward(x, { mode: "eval" })),
        // with hard-st leaves (hard-st gates everywhere) the train-mode forward is the discrete net's, before and after
        train: takeValues(net.forward(xSoft, { mode: "train" })),
        counts: Array.from(compile(net).counts(x.dataSync() as Float32Array, 30)),
        leaves: net.convs.map((m) => (m instanceof LogicConvTree ? m.discreteLeaves() : null)),
      };
      expect(net.variables).toHaveLength(6);
      expect(net.freezeWiring()).toBe(3);
      expect(net.variables).toHaveLength(3);
      net.convs.forEach((m, i) => {
        if (!(m instanceof LogicConvTree)) return;
        expect([m.candidates, m.wiring]).toEqual([1, null]);
        expect(m.discreteLeaves()).toEqual(before.leaves[i]);
      });
      expect(takeValues(net.forward(x, { mode: "eval" }))).toEqual(before.eval);
      const train = takeValues(net.forward(xSoft, { mode: "train" }));
      if (wiringChoice === "hard-st") train.forEach((v, i) => expect(v).toBeCloseTo(before.train[i] as number, 5));
      else expect(train).not.toEqual(before.train); // soft leaves mixed their candidates before the freeze
      expect(Array.from(compile(net).counts(x.dataSync() as Float32Array, 30))).toEqual(before.counts);
      const loaded = ConvLogicNet.fromJSON(JSON.stringify(net.toJSON()));
      expect(takeValues(loaded.forward(x, { mode: "eval" }))).toEqual(before.eval);
      expect(() => (net.convs[0] as LogicConvTree).freezeWiring()).toThrow(/LogicConvTree.freezeWiring.*learned leaves/);
      expect(net.freezeWiring()).toBe(0);
      loaded.dispose();
      net.dispose();
      tf.dispose([x, xSoft]);
      tf.env().set("RELAX_FORCE_REFERENCE", false);
    },
  );
});
