import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, countLeakedTensorsOnThrow } from "@relax/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConvLogicNet,
  GroupSum,
  LogicConvTree,
  LogicLayer,
  LogicNet,
  OrPool,
  compile,
  compileCircuit,
  exportC,
  exportVerilog,
  fusedAdam,
  gradFactorOp,
  orPool,
  relaxedGate,
  relaxedGatesTensor,
  thermometerEncoder,
  thresholdEncoder,
} from "../src/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Each op under test: forward on any input, and its valid input as a tensor. */
interface Case {
  name: string;
  fwd: (x: tf.Tensor | tf.TensorLike, options?: unknown) => tf.Tensor;
  x: () => tf.Tensor;
}

const net = new LogicNet([new LogicLayer(4, 8, { seed: 1 }), new LogicLayer(8, 6, { seed: 2 }), new GroupSum(2, 2)]);
const layer = new LogicLayer(4, 6, { seed: 3 });
const tree = new LogicConvTree(1, 2, { receptiveField: 2, depth: 2, seed: 4 });
const convNet = new ConvLogicNet(
  [4, 4, 1],
  [
    new LogicConvTree(1, 2, { receptiveField: 2, depth: 2, seed: 5 }),
    new OrPool({ size: 3, stride: 3 }),
    new LogicLayer(2, 4, { seed: 6 }),
    new GroupSum(2),
  ],
);
const img = (): tf.Tensor =>
  tf.tensor4d(
    Array.from({ length: 32 }, (_, i) => ((i * 7) % 10) / 10),
    [2, 4, 4, 1],
  );
const flat = (): tf.Tensor =>
  tf.tensor2d([
    [0, 1, 0.5, 1],
    [1, 0.25, 0, 0],
  ]);
const cases: Case[] = [
  { name: "LogicLayer.forward", fwd: (x, o) => layer.forward(x, o as never), x: flat },
  { name: "LogicNet.forward", fwd: (x, o) => net.forward(x, o as never), x: flat },
  { name: "LogicNet.forwardLayers (last)", fwd: (x, o) => tf.tidy(() => net.forwardLayers(x, o as never).pop() as tf.Tensor), x: flat },
  { name: "GroupSum.forward", fwd: (x) => new GroupSum(2).forward(x), x: flat },
  { name: "LogicConvTree.forward", fwd: (x, o) => tree.forward(x, o as never), x: img },
  { name: "ConvLogicNet.forward", fwd: (x, o) => convNet.forward(x, o as never), x: img },
  { name: "orPool", fwd: (x, o) => orPool(x, o as never), x: img },
  { name: "OrPool.forward", fwd: (x) => new OrPool({ method: "probabilistic" }).forward(x), x: img },
];

afterAll(() => {
  net.dispose();
  layer.dispose();
  tree.dispose();
  convNet.dispose();
});

describe("bare calls leave exactly the tensors they return", () => {
  for (const ref of [false, true]) {
    for (const c of cases) {
      it(`${c.name} (${ref ? "reference" : "fused"}): tensor, plain array, int32, gradient, error paths`, () => {
        const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
        tf.env().set("RELAX_FORCE_REFERENCE", ref);
        try {
          const x = c.x();
          const arr = x.arraySync() as tf.TensorLike;
          const xi = tf.cast(tf.greater(x, 0.4), "int32");
          const nan = tf.tidy(() => tf.where(tf.equal(tf.onesLike(x), 1), tf.fill(x.shape, Number.NaN), x));
          expect(countLeakedTensors(() => c.fwd(x))).toBe(0);
          expect(countLeakedTensors(() => c.fwd(arr))).toBe(0);
          expect(countLeakedTensors(() => c.fwd(xi))).toBe(0);
          expect(countLeakedTensors(() => tf.grad((v: tf.Tensor) => tf.sum(c.fwd(v)))(x))).toBe(0);
          for (const bad of [nan, "x", null, [[1, 2], [3]]]) {
            const { error, leaked } = countLeakedTensorsOnThrow(() => c.fwd(bad as tf.Tensor));
            expect(error).toBeInstanceOf(RelaxError);
            expect(leaked).toBe(0);
          }
          tf.dispose([x, xi, nan]);
        } finally {
          tf.env().set("RELAX_FORCE_REFERENCE", prev);
        }
      });
    }
  }

  it("the array path gives the same numbers and logit gradients as the tensor path (fused and reference)", () => {
    const x = flat();
    const arr = x.arraySync();
    for (const ref of [false, true]) {
      const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
      tf.env().set("RELAX_FORCE_REFERENCE", ref);
      const a = net.forward(x);
      const b = net.forward(arr);
      expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
      const ga = tf.variableGrads(() => tf.sum(net.forward(x)) as tf.Scalar, net.variables);
      const gb = tf.variableGrads(() => tf.sum(net.forward(arr)) as tf.Scalar, net.variables);
      for (const name of Object.keys(ga.grads))
        expect(Array.from(gb.grads[name]!.dataSync())).toEqual(Array.from(ga.grads[name]!.dataSync()));
      tf.dispose([a, b, ga.value, gb.value, ...Object.values(ga.grads), ...Object.values(gb.grads)]);
      tf.env().set("RELAX_FORCE_REFERENCE", prev);
    }
    x.dispose();
  });

  it("relaxedGatesTensor, gradFactorOp, InputEncoder.encode", () => {
    const a = tf.tensor1d([0.2, 0.9]);
    const b = tf.tensor1d([0.7, 0.1]);
    expect(countLeakedTensors(() => relaxedGatesTensor(a, b))).toBe(0);
    expect(countLeakedTensors(() => tf.grad((v: tf.Tensor) => tf.sum(gradFactorOp(v as tf.Tensor2D, 2)))(tf.reshape(a, [1, 2])))).toBe(1); // the reshape
    const enc = thresholdEncoder([0.25, 0.5]);
    expect(countLeakedTensors(() => enc.encode([[0.1, 0.6]]))).toBe(0);
    const i32 = tf.tensor2d([[0, 1]], [1, 2], "int32");
    expect(countLeakedTensors(() => enc.encode(i32))).toBe(0);
    const nan = tf.tensor1d([Number.NaN, 0]);
    expect(countLeakedTensorsOnThrow(() => relaxedGatesTensor(nan, b)).leaked).toBe(0);
    expect(countLeakedTensorsOnThrow(() => enc.encode([[Number.NaN, 1]])).leaked).toBe(0);
    tf.dispose([a, b, i32, nan]);
  });
});

describe("validation", () => {
  const didYouMean = (fn: () => unknown, near: string): void => {
    const { error, leaked } = countLeakedTensorsOnThrow(fn);
    expect(error).toBeInstanceOf(RelaxError);
    expect((error as Error).message).toContain(`did you mean "${near}"?`);
    expect(leaked).toBe(0);
  };
  it("misspelled option keys name the nearest valid key", () => {
    const x = flat();
    didYouMean(() => new LogicLayer(4, 4, { sed: 1 } as never), "seed");
    didYouMean(() => layer.forward(x, { mdoe: "eval" } as never), "mode");
    didYouMean(() => net.forward(x, { mdoe: "eval" } as never), "mode");
    didYouMean(() => net.forwardLayers(x, { Mode: "eval" } as never), "mode");
    didYouMean(() => LogicLayer.fromWeights({ a: [0], b: [1], logits: new Array(16).fill(0), gradFacter: 2 } as never), "gradFactor");
    didYouMean(() => new LogicConvTree(1, 1, { dpeth: 2 } as never), "depth");
    const z = tf.zeros([1, 2, 2, 1]);
    didYouMean(() => orPool(z, { sise: 2 } as never), "size");
    z.dispose();
    didYouMean(() => new OrPool({ strid: 2 } as never), "stride");
    didYouMean(() => fusedAdam(0.1, { beta: 0.9 } as never), "beta1");
    didYouMean(() => compile(net, { simplfy: false } as never), "simplify");
    didYouMean(() => compileCircuit(net, { simplfy: false } as never), "simplify");
    const circuit = compileCircuit(net);
    didYouMean(() => exportC(circuit, { wordbits: 32 } as never), "wordBits");
    didYouMean(() => exportVerilog(circuit, { modulName: "m" } as never), "moduleName");
    didYouMean(() => thermometerEncoder({ bins: 3, mx: 2 } as never), "max");
    x.dispose();
  });

  it("bad values are RelaxErrors, not TypeErrors or silent NaN", () => {
    const bad: [string, () => unknown][] = [
      ["GroupSum NaN input", () => new GroupSum(2).forward([[Number.NaN, 1, 0, 1]])],
      ["GroupSum Inf input", () => new GroupSum(2).forward([[Number.POSITIVE_INFINITY, 1, 0, 1]])],
      ["LogicNet Inf input", () => net.forward([[Number.NEGATIVE_INFINITY, 1, 0, 1]])],
      ["options null", () => net.forward([[0, 1, 0, 1]], null as never)],
      ["options number", () => new LogicLayer(4, 4, 3 as never)],
      ["outDim absurd", () => new LogicLayer(4, 1e12)],
      ["GroupSum k absurd", () => new GroupSum(1e12)],
      ["gradFactor negative", () => new LogicLayer(4, 4, { gradFactor: -1 })],
      ["trainable not boolean", () => new LogicLayer(4, 4, { trainable: "yes" as never })],
      ["conv depth", () => new LogicConvTree(1, 1, { depth: 20 })],
      ["relaxedGate id", () => relaxedGate(16, 0, 1)],
      ["relaxedGate NaN", () => relaxedGate(1, Number.NaN, 1)],
      ["exportC wordBits", () => exportC(compileCircuit(net), { wordBits: 7 as never })],
      ["exportC null circuit", () => exportC(null as never)],
      ["compiled counts NaN", () => compile(net).counts([[Number.NaN, 1, 0, 1]])],
    ];
    for (const [label, fn] of bad) {
      const { error, leaked } = countLeakedTensorsOnThrow(fn);
      expect(error, label).toBeInstanceOf(RelaxError);
      expect(leaked, label).toBe(0);
    }
  });

  it("fusedAdam never applies a NaN gradient: RelaxError, parameters unchanged", () => {
    const l = new LogicLayer(4, 4, { seed: 9 });
    const before = Array.from(l.logits.dataSync());
    const opt = fusedAdam(0.1);
    const g = tf.fill([4, 16], Number.NaN);
    expect(() => opt.applyGradients({ [l.logits.name]: g })).toThrow(RelaxError);
    expect(Array.from(l.logits.dataSync())).toEqual(before);
    tf.dispose(g);
    opt.dispose();
    l.dispose();
  });

  it("fusedAdam checks every gradient before the first update: one ±Inf in a later variable's last entry updates nothing", () => {
    // 5 × 3 = 15 entries: the bad one sits in the last group of four, beside the padding (the WASM check reads
    // groups of four); the first variable's staging must not touch its moments either
    const a = tf.variable(tf.tensor2d([[0.5, -1, 2]]), true, "adam-check-a");
    const b = tf.variable(tf.randomNormal([5, 3], 0, 1, "float32", 2), true, "adam-check-b");
    const snapshot = () => [Array.from(a.dataSync()), Array.from(b.dataSync())];
    const before = snapshot();
    const opt = fusedAdam(0.1);
    const ga = tf.tensor2d([[0.1, 0.2, -0.3]]);
    for (const bad of [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN]) {
      const v = new Float32Array(15).fill(0.25);
      v[14] = bad;
      const gb = tf.tensor2d(v, [5, 3]);
      expect(() => opt.applyGradients({ [a.name]: ga, [b.name]: gb })).toThrow(/gradient of adam-check-b.*at flat index 14/);
      expect(snapshot()).toEqual(before);
      gb.dispose();
    }
    // the next finite step is the first step of a fresh optimizer, bit for bit
    const gb = tf.fill([5, 3], 0.25);
    opt.applyGradients({ [a.name]: ga, [b.name]: gb });
    const after = snapshot();
    a.assign(tf.tensor2d([before[0] as number[]]));
    b.assign(tf.tensor2d(before[1] as number[], [5, 3]));
    const fresh = fusedAdam(0.1);
    fresh.applyGradients({ [a.name]: ga, [b.name]: gb });
    expect(snapshot()).toEqual(after);
    tf.dispose([a, b, ga, gb]);
    opt.dispose();
    fresh.dispose();
  });

  it("an empty batch is meaningful: empty output, no error", () => {
    const out = net.forward(tf.zeros([0, 4]));
    expect(out.shape).toEqual([0, 2]);
    out.dispose();
  });
});
