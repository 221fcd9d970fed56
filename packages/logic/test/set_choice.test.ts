import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { RelaxError } from "@relax/core";
import { LogicConvTree, LogicLayer } from "../src/index.js";
import { randomBits } from "./helpers.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** A learned layer whose gate and wiring logits are random, so that soft and discrete forwards differ. */
function layer(): LogicLayer {
  const l = new LogicLayer(12, 9, { connections: "learned", candidates: 3, seed: 5 });
  l.logits.assign(tf.randomNormal([9, 16], 0, 2, "float32", 1));
  l.wiring!.assign(tf.randomNormal([9, 2, 3], 0, 2, "float32", 2));
  return l;
}

describe("LogicLayer.setChoice (switch the train-mode choice between steps)", () => {
  const x = tf.tensor2d(Float32Array.from(randomBits(3, 8 * 12)), [8, 12]);

  it("soft → hard-st: the train-mode forward becomes the eval-mode (discrete) forward, gradients still flow", () => {
    const l = layer();
    const evalOut = l.forward(x, { mode: "eval" });
    const softOut = l.forward(x, { mode: "train" });
    expect(tf.max(tf.abs(tf.sub(softOut, evalOut))).dataSync()[0]).toBeGreaterThan(0.05);
    l.setChoice({ gateChoice: "hard-st", wiringChoice: "hard-st" });
    expect([l.gateChoice, l.wiringChoice, l.temperature]).toEqual(["hard-st", "hard-st", 1]);
    const hardOut = l.forward(x, { mode: "train" });
    expect(Array.from(hardOut.dataSync())).toEqual(Array.from(evalOut.dataSync()));
    const grads = tf.variableGrads(() => tf.sum(tf.mul(l.forward(x, { mode: "train" }), tf.linspace(-1, 1, 9))) as tf.Scalar, l.variables);
    for (const g of Object.values(grads.grads)) expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    // and back: the soft forward returns unchanged
    l.setChoice({ gateChoice: "soft", wiringChoice: "soft" });
    expect(Array.from(l.forward(x, { mode: "train" }).dataSync())).toEqual(Array.from(softOut.dataSync()));
    l.dispose();
  });

  it("keeps the keys not given", () => {
    const l = layer();
    l.setChoice({ wiringChoice: "gumbel-st", temperature: 0.5 });
    expect([l.gateChoice, l.wiringChoice, l.temperature]).toEqual(["soft", "gumbel-st", 0.5]);
    l.dispose();
  });

  it("rejects an unknown key, an unknown choice and a bad temperature, changing nothing", () => {
    const l = layer();
    expect(() => l.setChoice({ gateChoise: "hard-st" } as never)).toThrow(/gateChoise/);
    expect(() => l.setChoice({ gateChoice: "hard" as never })).toThrow(RelaxError);
    expect(() => l.setChoice({ gateChoice: "hard" as never })).toThrow(/gateChoice/);
    expect(() => l.setChoice({ temperature: 0 })).toThrow(/temperature/);
    expect(() => l.setChoice({ temperature: Number.NaN })).toThrow(/temperature/);
    expect([l.gateChoice, l.wiringChoice, l.temperature]).toEqual(["soft", "soft", 1]);
    l.dispose();
  });
});

describe("LogicConvTree.setChoice", () => {
  it("soft → hard-st: the train-mode forward becomes the eval-mode forward; bad keys and values change nothing", () => {
    const tree = new LogicConvTree(2, 3, { receptiveField: 3, depth: 2, seed: 5 });
    tree.logits.assign(tf.randomNormal(tree.logits.shape, 0, 2, "float32", 3));
    const x = tf.tensor4d(Float32Array.from(randomBits(4, 2 * 6 * 6 * 2)), [2, 6, 6, 2]);
    const evalOut = Array.from(tree.forward(x, { mode: "eval" }).dataSync());
    const softOut = Array.from(tree.forward(x, { mode: "train" }).dataSync());
    expect(softOut).not.toEqual(evalOut);
    expect(() => tree.setChoice({ wiringChoice: "hard-st" } as never)).toThrow(/wiringChoice/);
    expect(() => tree.setChoice({ gateChoice: "hard" as never })).toThrow(/gateChoice/);
    expect(() => tree.setChoice({ temperature: -1 })).toThrow(/temperature/);
    expect([tree.gateChoice, tree.temperature]).toEqual(["soft", 1]);
    tree.setChoice({ gateChoice: "hard-st" });
    expect(Array.from(tree.forward(x, { mode: "train" }).dataSync())).toEqual(evalOut);
    const g = tf.grad((z: tf.Tensor) => tf.sum(tree.forward(z as tf.Tensor4D, { mode: "train" })))(x);
    expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tree.dispose();
  });
});
