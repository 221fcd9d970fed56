import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxLogicLeafTree, runFusedKernel, type RelaxLogicLeafTreeAttrs } from "@relax/core";
import { gradCheck } from "@relax/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import { LogicConvTree } from "../src/index.js";
import { randomTensor } from "./helpers.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** The kernels one training step of a tree runs (forward and every gradient). */
async function stepKernels(tree: LogicConvTree, x: tf.Tensor4D): Promise<string[]> {
  const xv = tf.variable(x);
  const info = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => tf.sum(tree.forward(xv, { mode: "train" })), [xv, ...tree.variables]);
    tf.dispose([value, ...Object.values(grads)]);
  });
  xv.dispose();
  return info.kernelNames;
}

describe("RelaxLogicLeafTree: a depth-1 learned-leaf tree in one kernel", () => {
  it("runs for depth-1 learned trees (no leaf map, no separate tree kernel) and not for depth 2 or fixed leaves", async () => {
    const x = randomTensor(1, [2, 6, 6, 2]) as tf.Tensor4D;
    const one = new LogicConvTree(2, 3, { receptiveField: 3, depth: 1, connections: "learned", candidates: 4, seed: 1 });
    const k1 = await stepKernels(one, x);
    expect(k1).toContain("RelaxLogicLeafTree");
    expect(k1).toContain("RelaxLogicLeafTreeGrad");
    expect(k1).not.toContain("RelaxLogicLeafGather");
    expect(k1).not.toContain("RelaxLogicConvTree");
    const two = new LogicConvTree(2, 3, { receptiveField: 3, depth: 2, connections: "learned", candidates: 4, seed: 1 });
    const k2 = await stepKernels(two, x);
    expect(k2).toContain("RelaxLogicLeafGather");
    expect(k2).not.toContain("RelaxLogicLeafTree");
    const fixed = new LogicConvTree(2, 3, { receptiveField: 3, depth: 1, seed: 1 });
    expect(await stepKernels(fixed, x)).not.toContain("RelaxLogicLeafTree");
    tf.dispose(x);
    for (const t of [one, two, fixed]) t.dispose();
  });

  for (const [parametrization, stride, padding] of [
    ["softmax16", 1, "valid"],
    ["bilinear4", 2, "same"],
  ] as const)
    it(`finite differences of the kernel: ∂x, ∂logits, ∂wiring (${parametrization} soft nodes and leaves, ${padding}, stride ${stride})`, () => {
      const tree = new LogicConvTree(2, 2, {
        receptiveField: 3,
        depth: 1,
        padding,
        stride,
        connections: "learned",
        candidates: 4,
        seed: 8,
      });
      const attrs: RelaxLogicLeafTreeAttrs = {
        candY: tree.leafY,
        candX: tree.leafX,
        candC: tree.leafC,
        receptiveField: 3,
        padding,
        stride,
        mode: "train",
        wiringChoice: "soft",
        temperature: 1,
        noiseSeed: 0,
        parametrization,
        gateChoice: "soft",
        gateNoiseSeed: 0,
      };
      const x = randomTensor(3, [2, 5, 5, 2], 0.1, 0.9);
      const z = randomTensor(4, [2, 1, parametrization === "bilinear4" ? 4 : 16], -1.5, 1.5);
      const u = randomTensor(5, [2, 2, 4], -1.5, 1.5);
      const W = randomTensor(6, [2, ...tree.outputSize(5, 5), 2], -1, 1);
      const f = (xi: tf.Tensor, zi: tf.Tensor, ui: tf.Tensor): tf.Tensor =>
        tf.mul(runFusedKernel<tf.Tensor>(RelaxLogicLeafTree, { x: xi, logits: zi, wiring: ui }, attrs), W);
      const r = gradCheck(f, [x, z, u]);
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
      tf.dispose([x, z, u, W]);
      tree.dispose();
    });
});
