/**
 * The whole-net kernel (`RelaxLogicNet`) with layers that are not difflogic's (bilinear4, straight-through choice,
 * learned wiring): the same numbers as the per-layer learned kernels chained feature-major, step after
 * step (the same noise draws), in train and eval mode; no leaked tensors. (Without WASM SIMD the net runs the
 * per-layer kernels, whose JS loops the learned-layer tests hold to the reference.)
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { GroupSum, LogicLayer, LogicNet, type Choice, type Parametrization } from "../src/index.js";
import { randomTensor } from "./helpers.js";
import { wasmNetFits } from "../src/wasm_layer.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const WIDTHS = [20, 24, 30];
const K = 3;

/** Learned wiring of the test nets: K candidates, the wiring choice, and which layers (all, or the first only). */
interface Wiring {
  K: number;
  wiringChoice: Choice;
  firstOnly?: boolean;
}

function makeNet(parametrization: Parametrization, gateChoice: Choice, layersOut: LogicLayer[] = [], wiring?: Wiring): LogicNet {
  const layers = WIDTHS.slice(1).map((w, i) => {
    const learned = wiring && (!wiring.firstOnly || i === 0);
    const wires = learned ? { connections: "learned" as const, candidates: wiring.K, wiringChoice: wiring.wiringChoice } : {};
    return new LogicLayer(WIDTHS[i]!, w, { seed: 40 + i, parametrization, gateChoice, temperature: 0.7, init: "gaussian", ...wires });
  });
  layersOut.push(...layers);
  return new LogicNet([...layers, new GroupSum(K, 2)]);
}

/** The per-layer path: each layer's learned kernel chained feature-major, then GroupSum. */
function perLayerForward(layers: LogicLayer[], head: GroupSum, x: tf.Tensor2D, mode: "train" | "eval"): tf.Tensor2D {
  return tf.tidy(() => {
    let h = x;
    layers.forEach((l, i) => {
      h = l.apply(h, mode, { featureMajorIn: i > 0, featureMajorOut: true });
    });
    return head.applyFeatureMajor(h);
  });
}

const target = (batch: number) =>
  tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % K),
      "int32",
    ),
    K,
  );

/** Output and gradients of every variable of one call. */
function stepOf(f: () => tf.Tensor2D, vars: tf.Variable[], batch: number): { y: number[]; grads: number[][] } {
  let y: number[] = [];
  const t = target(batch);
  const { value, grads } = tf.variableGrads(() => {
    const out = f();
    y = Array.from(out.dataSync());
    return tf.losses.softmaxCrossEntropy(t, out) as tf.Scalar;
  }, vars);
  const g = vars.map((v) => Array.from(grads[v.name]!.dataSync()));
  tf.dispose([value, t, ...Object.values(grads)]);
  return { y, grads: g };
}

const COMBOS: [Parametrization, Choice][] = [
  ["softmax16", "gumbel-st"],
  ["softmax16", "hard-st"],
  ["bilinear4", "soft"],
  ["bilinear4", "gumbel-st"],
  ["bilinear4", "hard-st"],
];

/**
 * Two identical nets, one through LogicNet.forward (the whole-net kernel), one through the per-layer kernels:
 * the same outputs and gradients, bit for bit, over three steps (the same noise draws), and the same eval output.
 */
function expectPerLayerNumbers(parametrization: Parametrization, gateChoice: Choice, wiring?: Wiring): void {
  const layersA: LogicLayer[] = [];
  const layersB: LogicLayer[] = [];
  const netA = makeNet(parametrization, gateChoice, layersA, wiring);
  const netB = makeNet(parametrization, gateChoice, layersB, wiring);
  const batch = 7;
  for (let step = 0; step < 3; step++) {
    const x = randomTensor(step + 1, [batch, WIDTHS[0]!]) as tf.Tensor2D;
    const a = stepOf(() => netA.forward(x), netA.variables, batch);
    const b = stepOf(() => perLayerForward(layersB, netB.head as GroupSum, x, "train"), netB.variables, batch);
    expect(a.y).toEqual(b.y);
    a.grads.forEach((g, i) => expect(g, `gradient ${i}`).toEqual(b.grads[i]));
    // the gradient is not zero (the straight-through backward reaches every layer)
    for (const g of a.grads) expect(g.some((v) => v !== 0)).toBe(true);
    const ea = netA.forward(x, { mode: "eval" });
    const eb = perLayerForward(layersB, netB.head as GroupSum, x, "eval");
    expect(Array.from(ea.dataSync())).toEqual(Array.from(eb.dataSync()));
    tf.dispose([x, ea, eb]);
  }
  netA.dispose();
  netB.dispose();
}

describe("whole-net kernel with learned gates and learned wiring", () => {
  for (const [parametrization, gateChoice] of COMBOS)
    it(`${parametrization} · ${gateChoice}, fixed wiring: the per-layer kernels' numbers over 3 steps`, () =>
      expectPerLayerNumbers(parametrization, gateChoice));

  const WIRED: [Parametrization, Choice, Wiring][] = [
    ["softmax16", "soft", { K: 4, wiringChoice: "soft" }],
    ["softmax16", "soft", { K: 3, wiringChoice: "hard-st" }],
    ["softmax16", "gumbel-st", { K: 5, wiringChoice: "gumbel-st" }],
    ["softmax16", "hard-st", { K: 8, wiringChoice: "hard-st", firstOnly: true }],
    ["bilinear4", "soft", { K: 4, wiringChoice: "soft" }],
    ["bilinear4", "hard-st", { K: 6, wiringChoice: "hard-st" }],
    ["bilinear4", "gumbel-st", { K: 2, wiringChoice: "soft", firstOnly: true }],
  ];
  for (const [parametrization, gateChoice, wiring] of WIRED) {
    const what = `learned wiring K = ${wiring.K} ${wiring.wiringChoice}${wiring.firstOnly ? " (first layer)" : ""}, ${parametrization} · ${gateChoice}`;
    it(`${what}: the per-layer kernels' numbers over 3 steps`, () => expectPerLayerNumbers(parametrization, gateChoice, wiring));
  }

  it("matches the reference composition (tfjs ops) within float32 rounding", () => {
    for (const [parametrization, gateChoice] of COMBOS) {
      const netA = makeNet(parametrization, gateChoice);
      const netB = makeNet(parametrization, gateChoice);
      const x = randomTensor(9, [5, WIDTHS[0]!]) as tf.Tensor2D;
      const a = stepOf(() => netA.forward(x), netA.variables, 5);
      tf.env().set("RELAX_FORCE_REFERENCE", true);
      let b: ReturnType<typeof stepOf>;
      try {
        b = stepOf(() => netB.forward(x), netB.variables, 5);
      } finally {
        tf.env().set("RELAX_FORCE_REFERENCE", false);
      }
      a.y.forEach((v, i) => expect(v).toBeCloseTo(b.y[i]!, 4));
      a.grads.forEach((g, i) => g.forEach((v, j) => expect(v).toBeCloseTo(b.grads[i]![j]!, 4)));
      tf.dispose(x);
      netA.dispose();
      netB.dispose();
    }
  });

  it("wasmNetFits: a net whose activations would pass the 1 GiB cap does not fit (LogicNet then runs it per layer)", () => {
    expect(wasmNetFits(784, [{ outDim: 4000, K: 8 }], 100)).toBe(true);
    expect(wasmNetFits(784, [{ outDim: 400_000, K: 8 }], 1000)).toBe(false);
  });

  for (const wiring of [undefined, { K: 4, wiringChoice: "soft" as const }])
    it(`a bare forward and gradient leave no tensors behind (${wiring ? "learned" : "fixed"} wiring)`, () => {
      const net = makeNet("bilinear4", "gumbel-st", [], wiring);
      const x = randomTensor(3, [6, WIDTHS[0]!]) as tf.Tensor2D;
      const t = target(6);
      const warm = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(t, net.forward(x)) as tf.Scalar, net.variables);
      tf.dispose([warm.value, ...Object.values(warm.grads)]);
      const before = tf.memory().numTensors;
      const y = net.forward(x);
      y.dispose();
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(t, net.forward(x)) as tf.Scalar, net.variables);
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, t]);
      net.dispose();
    });
});
