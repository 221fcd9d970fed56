import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { RelaxError } from "@relax/core";
import { bareImports, countLeakedTensors } from "@relax/core/testing";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  countParams,
  editDistanceSupervision,
  loadCheckpoint,
  newtonStrategy,
  pathSupervision,
  rankingSupervision,
  saveCheckpoint,
  setScores,
  topKSupervision,
  trainWithAlgorithm,
} from "../src/index.js";
import {
  editDistanceLossFn,
  editDistanceTargets,
  newtonLossFn,
  rankingLossFn,
  shortestPathLossFn,
  topKLossFn,
} from "../src/layers/index.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = mkdtempSync(join(tmpdir(), "relax-layers-"));

const same = (a: tf.Tensor, b: tf.Tensor): void => expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));

/** Sets of n items with d features; the target order is that of a fixed linear score. */
function rankingData(sets: number, n: number, d: number, seed: number): { x: tf.Tensor3D; y: tf.Tensor2D } {
  return tf.tidy(() => {
    const x = tf.randomNormal([sets, n, d], 0, 1, "float32", seed) as tf.Tensor3D;
    const w = tf.linspace(-1, 1, d);
    return { x, y: tf.sum(tf.mul(x, w), 2) as tf.Tensor2D };
  });
}

function scorer(n: number, d: number, seed: number, batchNorm = false): tfl.Sequential {
  const init = tfl.initializers.glorotNormal({ seed });
  const layers: tfl.layers.Layer[] = [tfl.layers.inputLayer({ inputShape: [n, d] })];
  if (batchNorm) layers.push(tfl.layers.batchNormalization({}));
  layers.push(
    tfl.layers.dense({ units: 8, activation: "tanh", kernelInitializer: init }),
    tfl.layers.dense({ units: 1, kernelInitializer: init }),
  );
  layers.push(tfl.layers.reshape({ targetShape: [n] }));
  return tfl.sequential({ layers });
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("@relax/train/layers", () => {
  it("the main entry never loads tfjs-layers", () => {
    const main = join(root, "dist/index.js");
    expect(existsSync(main), "build the package first (pnpm --filter @relax/train build)").toBe(true);
    const imports = bareImports(main);
    expect(imports.has("@relax/sort")).toBe(true);
    expect([...imports].filter((s) => s.includes("tfjs-layers") || s === "@tensorflow/tfjs")).toEqual([]);
    expect([...bareImports(join(root, "dist/layers/index.js"))].filter((s) => s.includes("tfjs-layers"))).toEqual([]);
  });

  it("the Keras losses equal the trainWithAlgorithm supervisions", () => {
    const r = rankingData(4, 5, 3, 1);
    const opts = { steepness: 7, distribution: "logistic" as const };
    same(rankingLossFn(opts)(r.y, tf.sum(r.x, 2)), rankingSupervision(opts)(tf.sum(r.x, 2) as tf.Tensor2D, { x: r.x, target: r.y }));
    same(
      rankingLossFn(opts)(tf.expandDims(r.y, 2), tf.expandDims(tf.sum(r.x, 2), 2)),
      rankingSupervision(opts)(tf.sum(r.x, 2) as tf.Tensor2D, { x: r.x, target: r.y }),
    );
    const logits = tf.randomNormal([6, 5], 0, 1, "float32", 2) as tf.Tensor2D;
    const labels = tf.tensor1d([0, 4, 2, 1, 3, 0], "int32");
    const topk = { pK: [0.5, 0, 0.5], steepness: 5 };
    const want = topKSupervision(topk)(logits, { x: logits, target: labels });
    same(topKLossFn(topk)(tf.oneHot(labels, 5), logits), want);
    same(topKLossFn(topk)(labels, logits), want);
    const costs = tf.softplus(tf.randomNormal([2, 16], 0, 1, "float32", 3)) as tf.Tensor2D;
    const path = tf.tensor3d(
      Array.from({ length: 32 }, (_, i) => ((i % 16) % 5 === 0 ? 1 : 0)),
      [2, 4, 4],
    );
    same(shortestPathLossFn({ steepness: 10 })(path, costs), pathSupervision({ steepness: 10 })(costs, { x: costs, target: path }));
    same(
      shortestPathLossFn({ steepness: 10 })(tf.reshape(path, [2, 16]), tf.reshape(costs, [2, 4, 4])),
      pathSupervision({ steepness: 10 })(costs, { x: costs, target: path }),
    );
    const z = tf.randomNormal([3, 2 * 3 * 4], 0, 1, "float32", 4) as tf.Tensor2D;
    const d = tf.tensor1d([1, 0, 2]);
    const ed = { length: 3, alphabet: 4, steepness: 8 };
    same(editDistanceLossFn(ed)(editDistanceTargets(d, 24), z), editDistanceSupervision(ed)(z, { x: z, target: d }));
    same(editDistanceLossFn(ed)(d, z), editDistanceSupervision(ed)(z, { x: z, target: d }));
    // called bare (outside tf.tidy), each loss leaves exactly its result, also under tf.grad
    const scores = tf.sum(r.x, 2);
    const oneHot = tf.oneHot(labels, 5);
    expect(countLeakedTensors(() => rankingLossFn(opts)(r.y, scores))).toBe(0);
    expect(countLeakedTensors(() => topKLossFn(topk)(oneHot, logits))).toBe(0);
    expect(countLeakedTensors(() => shortestPathLossFn()(path, costs))).toBe(0);
    expect(countLeakedTensors(() => editDistanceLossFn(ed)(d, z))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((y: tf.Tensor) => tf.mean(newtonLossFn(topKLossFn(topk))(labels, y)))(logits))).toBe(0);
  });

  it("model.compile({ loss: rankingLossFn }) + model.fit decreases the loss; so does a Newton loss and an optimizer.minimize loop", async () => {
    const { x, y } = rankingData(64, 5, 4, 5);
    const ranking = rankingLossFn({ steepness: 10 });
    for (const loss of [ranking, newtonLossFn(ranking, { variant: "fisher", lambda: 0.1 })]) {
      const model = scorer(5, 4, 6);
      model.compile({ optimizer: tf.train.adam(0.03), loss });
      const rankingLoss = () => tf.tidy(() => tf.mean(ranking(y, model.predict(x) as tf.Tensor)).dataSync()[0] as number);
      const before = rankingLoss();
      const h = await model.fit(x, y, { batchSize: 16, epochs: 8, verbose: 0 });
      expect((h.history.loss as number[]).length).toBe(8);
      expect(rankingLoss()).toBeLessThan(before * 0.9);
      model.dispose();
    }
    const model = scorer(5, 4, 7);
    const opt = tf.train.adam(0.03);
    const lossFn = rankingLossFn({ steepness: 10 });
    const step = () => {
      const v = opt.minimize(() => tf.mean(lossFn(y, model.apply(x, { training: true }) as tf.Tensor)) as tf.Scalar, true)!;
      const out = v.dataSync()[0] as number;
      v.dispose();
      return out;
    };
    const first = step();
    let last = first;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) last = step();
    expect(tf.memory().numTensors).toBe(before);
    expect(last).toBeLessThan(first * 0.9);
    tf.dispose([x, y]);
    model.dispose();
    opt.dispose();
  });

  it("trainWithAlgorithm takes a tf.LayersModel directly (plain and Newton strategies), countParams too", async () => {
    const { x, y } = rankingData(32, 5, 4, 8);
    const flat = tf.reshape(x, [-1, 4]);
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 1, inputShape: [4], kernelInitializer: tfl.initializers.glorotNormal({ seed: 1 }) })],
    });
    expect(countParams(model)).toBe(5);
    for (const strategy of [undefined, newtonStrategy({ variant: "hessian", lambda: 1 })]) {
      const h = await trainWithAlgorithm({
        model,
        data: () => ({ x: tf.clone(flat), target: tf.clone(y) }),
        steps: 30,
        evalEvery: 10,
        loss: rankingSupervision({ steepness: 10 }),
        forward: setScores(5),
        optimizer: tf.train.adam(0.05),
        progress: false,
        log: () => {},
        ...(strategy ? { strategy } : {}),
      });
      expect((h.records.at(-1)?.loss as number) < (h.records[1]?.loss as number)).toBe(true);
    }
    tf.dispose([x, y, flat]);
    model.dispose();
  });

  it("a checkpoint of a layers model (batch-norm state and Adam's moments included) resumes bit-identically", async () => {
    const { x, y } = rankingData(16, 5, 4, 9);
    const data = (s: number) => ({ x: tf.mul(x, 1 + s / 10), target: tf.clone(y) });
    const run = async (model: tfl.Sequential, steps: number, path?: string) =>
      trainWithAlgorithm({
        model,
        data,
        steps,
        loss: rankingSupervision({ steepness: 10 }),
        optimizer: tf.train.adam(0.05),
        progress: false,
        log: () => {},
        ...(path ? { checkpoint: { path, resume: true } } : {}),
      });
    const straight = scorer(5, 4, 3, true);
    await run(straight, 6);
    const path = join(dir, "layers.json");
    const first = scorer(5, 4, 3, true);
    await run(first, 3, path);
    const resumed = scorer(5, 4, 99, true); // other initial weights: the checkpoint overwrites them
    await run(resumed, 6, path);
    const want = straight.getWeights();
    expect(want.length).toBe(8); // batch norm: gamma, beta, moving mean and variance (non-trainable); 2 kernels, 2 biases
    resumed.getWeights().forEach((w, i) => same(w, want[i] as tf.Tensor));
    const file = JSON.parse(readFileSync(path, "utf8"));
    expect(file.state.length).toBe(2); // batch-norm moving mean and variance
    // a checkpoint of another architecture is refused before anything changes
    const other = tfl.sequential({ layers: [tfl.layers.dense({ units: 1, inputShape: [5, 4] })] });
    await expect(loadCheckpoint(path, other, null)).rejects.toThrow(RelaxError);
    await saveCheckpoint(join(dir, "other.json"), other, null, 0);
    await expect(loadCheckpoint(join(dir, "other.json"), first, null)).rejects.toThrow(/variables/);
    tf.dispose([x, y]);
    for (const m of [straight, first, resumed, other]) m.dispose();
  });

  it("bad input is a RelaxError naming the argument", () => {
    expect(() => rankingLossFn()(null as never, tf.zeros([2, 3]))).toThrow(/yTrue/);
    expect(() => editDistanceTargets([1], 0)).toThrow(/width/);
    expect(() => newtonLossFn(3 as never)).toThrow(/loss/);
  });
});
