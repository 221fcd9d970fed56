/**
 * `LogicNet.forward(x, { inputGradient: false })`: x is data. The variables' gradients are the same numbers on every
 * path (whole-net kernel, per-layer kernels, reference composition); x's gradient, asked for all the same, too (the
 * whole-net kernel takes a second pass for it); no leaked tensors.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { withFlags } from "@relax/core";
import { beforeAll, describe, expect, it } from "vitest";
import { GroupSum, LogicLayer, LogicNet, type LogicLayerOptions } from "../src/index.js";
import { randomTensor } from "./helpers.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const NETS: [string, LogicLayerOptions][] = [
  ["difflogic (fixed wiring)", {}],
  ["learned wiring, soft", { connections: "learned", candidates: 3, wiringChoice: "soft" }],
  ["learned wiring, hard-st, bilinear4", { connections: "learned", candidates: 3, wiringChoice: "hard-st", parametrization: "bilinear4" }],
];

function makeNet(o: LogicLayerOptions): LogicNet {
  const widths = [12, 24, 24, 30];
  const layers = widths.slice(1).map((w, i) => new LogicLayer(widths[i]!, w, { seed: 7 + i, ...o }));
  return new LogicNet([...layers, new GroupSum(3, 2)]);
}

const target = (batch: number) =>
  tf.tidy(() =>
    tf.oneHot(
      tf.tensor1d(
        Array.from({ length: batch }, (_, i) => i % 3),
        "int32",
      ),
      3,
    ),
  );

function variableGrads(net: LogicNet, x: tf.Tensor2D, inputGradient: boolean): number[][] {
  const t = target(x.shape[0]);
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(t, net.forward(x, { inputGradient })) as tf.Scalar,
    net.variables,
  );
  const out = net.variables.map((v) => Array.from(grads[v.name]!.dataSync()));
  tf.dispose([value, t, ...Object.values(grads)]);
  return out;
}

const PATHS: [string, Record<string, boolean>][] = [
  ["whole-net kernel", {}],
  ["per-layer kernels (WASM off)", { RELAX_LOGIC_WASM: false }],
  ["reference composition", { RELAX_FORCE_REFERENCE: true }],
];

describe("LogicNet.forward inputGradient: false", () => {
  for (const [name, o] of NETS) {
    it(`${name}: the variables' gradients are the same numbers, on every path`, () => {
      const net = makeNet(o);
      const x = randomTensor(3, [9, 12]) as tf.Tensor2D;
      for (const [, flags] of PATHS) {
        withFlags(flags, () => expect(variableGrads(net, x, false)).toEqual(variableGrads(net, x, true)));
      }
      x.dispose();
      net.dispose();
    });

    it(`${name}: x's gradient asked for all the same is the same numbers (a second pass), on every path`, () => {
      const net = makeNet(o);
      const x = randomTensor(4, [5, 12]) as tf.Tensor2D;
      for (const [path, flags] of PATHS) {
        withFlags(flags, () => {
          const before = tf.memory().numTensors;
          const dx = (inputGradient: boolean) => {
            const g = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(net.forward(xi, { inputGradient }), tf.range(1, 4))))(x);
            const v = Array.from(g.dataSync());
            g.dispose();
            return v;
          };
          const want = dx(true);
          expect(
            want.some((v) => v !== 0),
            path,
          ).toBe(true);
          expect(dx(false), path).toEqual(want);
          expect(tf.memory().numTensors, path).toBe(before);
        });
      }
      x.dispose();
      net.dispose();
    });
  }

  it("a bare forward and gradient with inputGradient: false leave no tensors behind", () => {
    for (const [name, o] of NETS) {
      const net = makeNet(o);
      const x = randomTensor(5, [6, 12]) as tf.Tensor2D;
      variableGrads(net, x, false); // warm-up: any lazily made constants
      const before = tf.memory().numTensors;
      const y = net.forward(x, { inputGradient: false });
      y.dispose();
      expect(tf.memory().numTensors, name).toBe(before);
      variableGrads(net, x, false);
      expect(tf.memory().numTensors, name).toBe(before);
      x.dispose();
      net.dispose();
    }
  });

  it("rejects a value that is not a boolean", () => {
    const net = makeNet({});
    const x = randomTensor(6, [2, 12]) as tf.Tensor2D;
    expect(() => net.forward(x, { inputGradient: "no" as unknown as boolean })).toThrow(
      /options\.inputGradient must be a boolean, got "no"/,
    );
    x.dispose();
    net.dispose();
  });
});
