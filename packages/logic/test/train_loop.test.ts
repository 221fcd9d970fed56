import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { GroupSum, LogicLayer, LogicNet, fusedAdam } from "../src/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** A tiny task: class = x0 XOR x1 on 6 random bits. */
function data(): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 16; i++) {
    const r = Array.from({ length: 6 }, (_, j) => ((i * 37 + j * 11) >> j) & 1);
    rows.push(r);
    labels.push((r[0]! ^ r[1]!) as number);
  }
  return { x: tf.tensor2d(rows), y: tf.oneHot(tf.tensor1d(labels, "int32"), 2) as tf.Tensor2D };
}

describe("a logic training loop keeps numTensors flat", () => {
  // 1,000 steps on the fused path (the one users train with); 200 on the slow reference composition.
  for (const [label, ref, steps, makeOpt] of [
    ["1,000 steps, fused kernels + fusedAdam", false, 1000, () => fusedAdam(0.05)],
    ["200 steps, reference ops + tf.train.adam", true, 200, () => tf.train.adam(0.05)],
  ] as const) {
    it(label, () => {
      const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
      tf.env().set("RELAX_FORCE_REFERENCE", ref);
      const net = new LogicNet([new LogicLayer(6, 16, { seed: 1 }), new LogicLayer(16, 8, { seed: 2 }), new GroupSum(2, 1)]);
      const { x, y } = data();
      const opt = makeOpt();
      const step = (): number => {
        const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, true, net.variables)!;
        const v = loss.dataSync()[0] as number;
        loss.dispose();
        return v;
      };
      const first = step(); // the optimizer creates its state (tf.train.adam: moment variables) on the first step
      const before = tf.memory().numTensors;
      let last = first;
      const counts: number[] = [];
      for (let i = 1; i < steps; i++) {
        last = step();
        if (i % 50 === 0) counts.push(tf.memory().numTensors - before);
      }
      expect(counts).toEqual(new Array(counts.length).fill(0));
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(last)).toBe(true);
      expect(last).toBeLessThan(first); // it trained: the loop is a real one
      opt.dispose();
      tf.dispose([x, y]);
      net.dispose();
      tf.env().set("RELAX_FORCE_REFERENCE", prev);
    }, 300_000); // a few seconds alone; generous for a loaded 2-core CI machine
  }
});
