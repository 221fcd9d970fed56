import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "@relax/core";
import { createMlp } from "../src/models/mlp.js";
import { disposeModel, type Model } from "../src/models/model.js";
import { trainWithAlgorithm, type Batch } from "../src/loop/train.js";
import { plainStrategy, type Strategy } from "../src/loop/strategy.js";
import { rankingSupervision, setScores } from "../src/losses/ranking.js";
import { injectFisherStrategy, newtonStrategy } from "../src/newton/newton_loss.js";

const data = (s: number): Batch => ({
  x: tf.randomNormal([9, 4], 0, 1, "float32", 10 + s),
  target: tf.randomNormal([3, 3], 0, 1, "float32", 20 + s),
});
const ranking = rankingSupervision();
/** The ranking loss, NaN at step `bad` (a NaN that reaches the loss through the outputs, so gradients are NaN too). */
const poisoned = (bad: number) => (y: tf.Tensor2D, b: Batch) => {
  const l = ranking(y, b);
  return (b as Batch & { step: number }).step === bad ? (tf.mul(l, Number.NaN) as tf.Tensor1D) : l;
};
const stepData = (s: number) => Object.assign(data(s), { step: s });
const bits = (m: Model) => m.params.map((p) => [...new Uint32Array(new Float32Array(p.dataSync()).buffer)]);
const base = (model: Model, optimizer: tf.Optimizer) =>
  ({ model, optimizer, data: stepData, forward: setScores(3), progress: false, log: () => {} }) as const;

describe("a non-finite step is never applied", () => {
  const strategies: [string, () => Strategy][] = [
    ["plain", plainStrategy],
    ["newton-fisher", () => newtonStrategy({ variant: "fisher" })],
    ["newton-hessian", () => newtonStrategy({ variant: "hessian", hessian: "finite-diff" })],
    ["inject-fisher", () => injectFisherStrategy({ lambda: 1 })],
  ];
  for (const [name, strategy] of strategies) {
    it(`${name}: stops with a RelaxError, parameters exactly as before the bad step`, async () => {
      const ref = createMlp({ inputSize: 4, hidden: [5], seed: 1 });
      const oRef = tf.train.adam(0.01);
      await trainWithAlgorithm({ ...base(ref, oRef), steps: 3, loss: ranking, strategy: strategy() });
      const m = createMlp({ inputSize: 4, hidden: [5], seed: 1 });
      const o = tf.train.adam(0.01);
      const count = tf.memory().numTensors;
      const err = await trainWithAlgorithm({ ...base(m, o), steps: 6, loss: poisoned(3), strategy: strategy() }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RelaxError);
      expect((err as Error).message).toMatch(/at step 3/);
      expect(bits(m)).toEqual(bits(ref));
      // only the optimizer's slots were added (2 moments per variable), nothing else stayed behind
      expect(tf.memory().numTensors - count).toBe(2 * m.params.length);
      disposeModel(ref);
      disposeModel(m);
      oRef.dispose();
      o.dispose();
    });
  }

  it("a singular Newton system stops the loop with a RelaxError and leaves nothing behind", async () => {
    const m = createMlp({ inputSize: 4, hidden: [5], seed: 1 });
    const o = tf.train.sgd(0.1);
    const before = bits(m);
    const count = tf.memory().numTensors;
    const strategy = newtonStrategy({ variant: "hessian", hessian: () => tf.zeros([3, 3]) as tf.Tensor2D, lambda: 0 });
    await expect(trainWithAlgorithm({ ...base(m, o), steps: 2, loss: ranking, strategy })).rejects.toBeInstanceOf(RelaxError);
    expect(tf.memory().numTensors).toBe(count);
    expect(bits(m)).toEqual(before);
    disposeModel(m);
  });

  it("onNonFinite 'skip' drops the update, counts it, and goes on", async () => {
    const m = createMlp({ inputSize: 4, hidden: [5], seed: 1 });
    const o = tf.train.sgd(0.1);
    let snapshot: number[][] = [];
    const loss = (y: tf.Tensor2D, b: Batch) => {
      const step = (b as Batch & { step: number }).step;
      if (step === 2) snapshot = bits(m);
      return poisoned(2)(y, b);
    };
    const h = await trainWithAlgorithm({ ...base(m, o), steps: 3, loss, onNonFinite: "skip" });
    expect(h.skippedSteps).toBe(1);
    expect(h.steps).toBe(3);
    expect(h.records[h.records.length - 1]?.skipped).toBe(1);
    // step 2 was skipped: the parameters after the run are those before step 2
    expect(bits(m)).toEqual(snapshot);
    disposeModel(m);
  });

  it("rejects misspelled and invalid options before training", async () => {
    const m = createMlp({ inputSize: 4, hidden: [5], seed: 1 });
    const o = tf.train.sgd(0.1);
    await expect(trainWithAlgorithm({ ...base(m, o), steps: 1, loss: ranking, stpes: 1 } as never)).rejects.toThrow(/did you mean "steps"/);
    await expect(trainWithAlgorithm({ ...base(m, o), steps: 1, loss: ranking, onNonFinite: "ignore" } as never)).rejects.toBeInstanceOf(
      RelaxError,
    );
    await expect(
      trainWithAlgorithm({ ...base(m, o), steps: 1, loss: ranking, checkpoint: { path: "x.json", evry: 2 } } as never),
    ).rejects.toThrow(/did you mean "every"/);
    await expect(trainWithAlgorithm(null as never)).rejects.toBeInstanceOf(RelaxError);
    disposeModel(m);
  });
});

describe("leaks over a whole run", () => {
  it("a 1,000-step ranking-supervision run keeps numTensors flat", async () => {
    const m = createMlp({ inputSize: 4, hidden: [4], seed: 2 });
    const o = tf.train.adam(0.01);
    const small = (s: number): Batch => ({
      x: tf.randomNormal([6, 4], 0, 1, "float32", s),
      target: tf.randomNormal([2, 3], 0, 1, "float32", s + 7),
    });
    const counts: number[] = [];
    await trainWithAlgorithm({
      model: m,
      optimizer: o,
      data: (s) => {
        counts.push(tf.memory().numTensors);
        return small(s);
      },
      steps: 1000,
      loss: ranking,
      forward: setScores(3),
      progress: false,
      log: () => {},
    });
    // after step 0 the optimizer's slots exist; from then on the count never moves
    expect(new Set(counts.slice(1))).toEqual(new Set([counts[1]]));
    disposeModel(m);
    o.dispose();
  }, 300_000); // ~2.5 s alone; generous for a loaded 2-core CI machine

  it("the default optimizer is disposed with the run", async () => {
    const m = createMlp({ inputSize: 4, hidden: [4], seed: 2 });
    const before = tf.memory().numTensors;
    await trainWithAlgorithm({ model: m, data, steps: 3, loss: ranking, forward: setScores(3), progress: false, log: () => {} });
    expect(tf.memory().numTensors).toBe(before);
    disposeModel(m);
  });
});
