import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMlp } from "../src/models/mlp.js";
import { disposeModel, type Model } from "../src/models/model.js";
import { createRng } from "@relax/core";
import { trainWithAlgorithm, type Batch } from "../src/loop/train.js";
import { rankingSupervision, setScores } from "../src/losses/ranking.js";
import { rankingMetrics } from "../src/metrics/ranking.js";
import { newtonStrategy, injectFisherStrategy } from "../src/newton/newton_loss.js";

// A tiny ranking task: each item is 4 features, the hidden value is feature 0 (+ distractors); sets of n = 3.
const N_ITEMS = 3;
function makeData(seed: number, sets = 8): (step: number) => Batch {
  const rng = createRng(seed);
  return () => {
    const x = new Float32Array(sets * N_ITEMS * 4);
    const v = new Float32Array(sets * N_ITEMS);
    for (let i = 0; i < sets * N_ITEMS; i++) {
      for (let f = 0; f < 4; f++) x[i * 4 + f] = rng.normal();
      v[i] = (x[i * 4] as number) * 2 - (x[i * 4 + 1] as number) * 0.5;
    }
    return { x: tf.tensor2d(x, [sets * N_ITEMS, 4]), target: tf.tensor2d(v, [sets, N_ITEMS]) };
  };
}
const heldOut = (() => {
  const b = makeData(999, 200)(0);
  return b;
})();
const evaluate = (m: Model) => {
  const s = tf.tidy(() => tf.reshape(m.apply(heldOut.x), [200, N_ITEMS]));
  const r = rankingMetrics(s, heldOut.target);
  s.dispose();
  return { em: r.em, ew: r.ew };
};
const loss = rankingSupervision({ network: "odd_even", distribution: "cauchy", steepness: 10 });

describe("trainWithAlgorithm", () => {
  it("a tiny model learns a tiny ranking task from orders only", async () => {
    const model = createMlp({ inputSize: 4, hidden: [8], seed: 1 });
    const h = await trainWithAlgorithm({
      model,
      data: makeData(1),
      steps: 150,
      evalEvery: 50,
      evaluate,
      loss,
      forward: setScores(N_ITEMS),
      optimizer: tf.train.adam(0.02),
      progress: false,
      log: () => {},
    });
    expect(h.records.map((r) => r.step)).toEqual([0, 50, 100, 150]);
    expect(h.records[0]!.em).toBeLessThan(0.6);
    expect(h.records[h.records.length - 1]!.em).toBeGreaterThan(0.85);
    expect(h.stopReason).toBe("steps");
    disposeModel(model);
  });

  it("leak check over a 2000-step run: tensor count flat", async () => {
    // warm-up: first-use caches (e.g. constants of the sorting network) are allocated once, not per step
    const warm = createMlp({ inputSize: 4, hidden: [8], seed: 2 });
    const warmOpt = tf.train.adam(0.01);
    await trainWithAlgorithm({
      model: warm,
      data: makeData(2, 4),
      steps: 2,
      loss,
      forward: setScores(N_ITEMS),
      optimizer: warmOpt,
      progress: false,
      log: () => {},
    });
    warmOpt.dispose();
    disposeModel(warm);
    const before = tf.memory().numTensors;
    const model = createMlp({ inputSize: 4, hidden: [8], seed: 2 });
    const counts: number[] = [];
    const optimizer = tf.train.adam(0.01);
    await trainWithAlgorithm({
      model,
      data: makeData(2, 4),
      steps: 2000,
      evalEvery: 250,
      loss,
      forward: setScores(N_ITEMS),
      optimizer,
      evaluate: () => {
        counts.push(tf.memory().numTensors);
        return {};
      },
      progress: false,
      log: () => {},
    });
    // after step 250 the optimiser state exists; from then on the count must not move
    const steady = counts.slice(1);
    expect(new Set(steady).size).toBe(1);
    optimizer.dispose();
    disposeModel(model);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it("checkpoints save and resume (weights and step), history as JSON and CSV", async () => {
    const dir = mkdtempSync(join(tmpdir(), "relax-train-"));
    const path = join(dir, "ckpt.json");
    const a = createMlp({ inputSize: 4, hidden: [8], seed: 3 });
    const opt = tf.train.adam(0.01);
    await trainWithAlgorithm({
      model: a,
      data: makeData(3),
      steps: 20,
      loss,
      forward: setScores(N_ITEMS),
      optimizer: opt,
      evalEvery: 10,
      evaluate,
      checkpoint: { path },
      historyPaths: [join(dir, "h.json"), join(dir, "h.csv")],
      progress: false,
      log: () => {},
    });
    expect(existsSync(path)).toBe(true);
    const csv = readFileSync(join(dir, "h.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe("step,seconds,loss,em,ew");
    expect(csv).toHaveLength(4);
    expect(JSON.parse(readFileSync(join(dir, "h.json"), "utf8"))).toHaveLength(3);
    const b = createMlp({ inputSize: 4, hidden: [8], seed: 4 });
    const lines: string[] = [];
    const h = await trainWithAlgorithm({
      model: b,
      data: makeData(3),
      steps: 25,
      loss,
      forward: setScores(N_ITEMS),
      optimizer: tf.train.adam(0.01),
      checkpoint: { path, resume: true },
      progress: false,
      log: (l) => lines.push(l),
    });
    expect(lines[0]).toMatch(/resumed .* at step 20/);
    expect(h.steps).toBe(25);
    // b started from a's weights: after resuming, weights differ from b's seed init and are close to a's
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a.params[0]!, b.params[0]!))).dataSync()[0] as number);
    expect(diff).toBeLessThan(0.2);
    disposeModel(a);
    disposeModel(b);
  });

  it("early stopping after `patience` evaluations without improvement, restoring the best weights", async () => {
    const model = createMlp({ inputSize: 4, hidden: [4], seed: 5 });
    let k = 0;
    const scores = [0.1, 0.5, 0.4, 0.3, 0.2, 0.9];
    const h = await trainWithAlgorithm({
      model,
      data: makeData(5),
      steps: 100,
      evalEvery: 5,
      loss,
      forward: setScores(N_ITEMS),
      evaluate: () => ({ em: scores[k++] ?? 0 }),
      earlyStopping: { metric: "em", patience: 3, restoreBest: true },
      progress: false,
      log: () => {},
    });
    expect(h.stopReason).toBe("early-stopping");
    expect(h.bestStep).toBe(5);
    expect(h.steps).toBe(20);
    disposeModel(model);
  });

  it("stops on the time budget", async () => {
    const model = createMlp({ inputSize: 4, hidden: [4], seed: 6 });
    const h = await trainWithAlgorithm({
      model,
      data: makeData(6),
      steps: 1_000_000,
      maxSeconds: 0.3,
      loss,
      forward: setScores(N_ITEMS),
      progress: false,
      log: () => {},
    });
    expect(h.stopReason).toBe("time");
    expect(h.steps).toBeLessThan(1_000_000);
    disposeModel(model);
  });

  it("Newton strategies (Fisher, Hessian, injectFisher) train the ranking task too", async () => {
    for (const strategy of [
      newtonStrategy({ variant: "fisher", lambda: 0.1 }),
      newtonStrategy({ variant: "hessian", lambda: 1 }),
      injectFisherStrategy({ lambda: 0.1 }),
    ]) {
      const model = createMlp({ inputSize: 4, hidden: [8], seed: 7 });
      const h = await trainWithAlgorithm({
        model,
        data: makeData(7),
        steps: 60,
        evalEvery: 60,
        evaluate,
        loss,
        forward: setScores(N_ITEMS),
        strategy,
        optimizer: tf.train.adam(0.02),
        progress: false,
        log: () => {},
      });
      expect(h.records[h.records.length - 1]!.em).toBeGreaterThan(h.records[0]!.em);
      expect(Number.isFinite(h.records[h.records.length - 1]!.loss)).toBe(true);
      disposeModel(model);
    }
  }, 60_000);

  it("rejects bad options", async () => {
    const model = createMlp({ inputSize: 4, hidden: [4] });
    await expect(trainWithAlgorithm({ model, data: makeData(0), steps: -1, loss })).rejects.toThrow(/steps/);
    await expect(trainWithAlgorithm({ model, data: makeData(0), steps: 1, evalEvery: 0, loss })).rejects.toThrow(/evalEvery/);
    disposeModel(model);
  });
});
