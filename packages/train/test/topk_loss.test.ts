import { describe, expect, it } from "vitest";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, gradCheck } from "@relax/core/testing";
import { topKCrossEntropy } from "@relax/sort";
import { topKLoss, topKSupervision } from "../src/losses/topk.js";
import { createMlp } from "../src/models/mlp.js";
import { disposeModel } from "../src/models/model.js";
import { trainWithAlgorithm } from "../src/loop/train.js";
import { createRng } from "@relax/core";

const logits = tf.tensor2d([
  [2.0, 0.5, -1, 0.3, 1.2, 0],
  [0.1, 0.2, 0.3, -0.4, 0.9, -2],
  [1, 1, 1, 1, 1, 1],
]);
const labels = tf.tensor1d([4, 0, 2], "int32");

describe("topKLoss (differentiable top-k cross-entropy, ICML 2022)", () => {
  it("is the per-sample form of @relax/sort's topKCrossEntropy", () => {
    for (const options of [
      { pK: [0.5, 0, 0.5] },
      { pK: [0.2, 0.2, 0.2, 0.2, 0.2], method: "odd_even" as const, steepness: 5 },
      { pK: [0.5, 0.5], m: 4, mode: "smce" as const },
      { pK: [0.25, 0.75], method: "softsort" as const },
    ]) {
      const per = topKLoss(logits, labels, options);
      expect(per.shape).toEqual([3]);
      const mean = topKCrossEntropy(logits, labels, options);
      expect(tf.mean(per).dataSync()[0]!).toBeCloseTo(mean.dataSync()[0]!, 5);
      tf.dispose([per, mean]);
    }
  });

  it("gradient flows (finite, non-zero) and matches finite differences; leak-free", () => {
    const g = tf.grad((z: tf.Tensor) => tf.sum(topKLoss(z, labels, { pK: [0.5, 0, 0.5], steepness: 2 })))(logits);
    const v = Array.from(g.dataSync());
    expect(v.every(Number.isFinite)).toBe(true);
    expect(Math.max(...v.map(Math.abs))).toBeGreaterThan(1e-4);
    const r = gradCheck((z) => tf.sum(topKLoss(z, labels, { pK: [0.5, 0, 0.5], steepness: 2 })), [logits], {
      eps: 1e-2,
      rtol: 5e-2,
      atol: 3e-3,
    });
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    expect(countLeakedTensors(() => tf.grad((z: tf.Tensor) => tf.sum(topKLoss(z, labels, { pK: [0.5, 0.5] })))(logits))).toBe(0);
    g.dispose();
  });

  it("topKSupervision trains a linear head on a tiny Gaussian-mixture task", async () => {
    const C = 5;
    const rng = createRng(4);
    const centres = Array.from({ length: C * 4 }, () => 2 * rng.normal());
    const sample = (n: number) => {
      const x = new Float32Array(n * 4);
      const y = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        y[i] = rng.int(C);
        for (let f = 0; f < 4; f++) x[i * 4 + f] = (centres[(y[i] as number) * 4 + f] as number) + 0.5 * rng.normal();
      }
      return { x: tf.tensor2d(x, [n, 4]), target: tf.tensor1d(y, "int32") };
    };
    const test = sample(200);
    const acc = (m: ReturnType<typeof createMlp>) =>
      tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(m.apply(test.x), 1), test.target), "float32")).dataSync()[0]!);
    const model = createMlp({ inputSize: 4, hidden: [], outputs: C, seed: 1 });
    const h = await trainWithAlgorithm({
      model,
      steps: 60,
      data: () => sample(32),
      loss: topKSupervision({ pK: [0.5, 0.5], steepness: 5 }),
      optimizer: tf.train.adam(0.05),
      evaluate: (m) => ({ acc: acc(m) }),
      progress: false,
      log: () => {},
    });
    expect(h.records[h.records.length - 1]!.acc).toBeGreaterThan(0.8);
    disposeModel(model);
    tf.dispose([test.x, test.target]);
  });

  it("bad inputs → RelaxError", () => {
    expect(() => topKLoss(logits, labels, undefined as never)).toThrow(RelaxError);
    expect(() => topKLoss(logits, labels, { pK: [0.5, 0.6] })).toThrow(/pK/);
    expect(() => topKLoss(logits, [0, 9, 1], { pK: [1] })).toThrow(/labels/);
    expect(() => topKLoss(tf.ones([3]), [0], { pK: [1] })).toThrow(/logits/);
    expect(() => topKLoss(logits, labels, { pK: [1], steepness: 0 })).toThrow(/steepness/);
    expect(() => topKSupervision(null as never)).toThrow(RelaxError);
  });
});

describe("topKLoss with masked classes", () => {
  it("accepts −∞ as a masked class: finite loss, zero gradient at the masked class", () => {
    const masked = tf.tensor2d([
      [0.3, -Infinity, 1.2, -0.5],
      [1.1, -Infinity, 0.2, 0.4],
    ]);
    const a = topKLoss(masked, [0, 2], { pK: [0.5, 0.5], steepness: 2 }).arraySync();
    expect(a.every(Number.isFinite)).toBe(true);
    // the masked class can never be in the top 2: its probability, hence the loss at it, is extreme
    const atMasked = topKLoss(masked, [1, 1], { pK: [0.5, 0.5], steepness: 2 }).arraySync();
    atMasked.forEach((v, i) => expect(v).toBeGreaterThan((a[i] as number) + 5));
    const g = tf
      .grad((z: tf.Tensor) => tf.sum(topKLoss(z, [0, 2], { pK: [0.5, 0.5], steepness: 2 })))(masked)
      .arraySync() as number[][];
    expect(g[0]?.[1]).toBe(0);
    expect(g[1]?.[1]).toBe(0);
    expect(g.flat().every(Number.isFinite)).toBe(true);
  });
});
