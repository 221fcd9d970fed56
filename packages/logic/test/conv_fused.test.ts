import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError, RelaxLogicConvTree, RelaxOrPoolMax, hasFusedKernel, runFusedKernel, type RelaxLogicConvTreeAttrs } from "@relax/core";
import { countLeakedTensors, gradCheck } from "@relax/core/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConvLogicNet, GroupSum, LogicConvTree, LogicLayer, OrPool, orPool, type ConvPadding } from "../src/index.js";
import { logicRng } from "../src/rng.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

afterEach(() => {
  tf.env().set("RELAX_FORCE_REFERENCE", false);
});

function randomTensor(seed: number, shape: number[], binary = false): tf.Tensor {
  const rng = logicRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => (binary ? (rng.next() < 0.5 ? 1 : 0) : rng.next())),
    shape,
  );
}

/** Output, ∂x and ∂logits of `Σ y ⊙ W` through the fused kernel or the reference composition. */
function run(
  tree: LogicConvTree,
  x: tf.Tensor4D,
  W: tf.Tensor,
  mode: "train" | "eval",
  reference: boolean,
): { y: Float32Array; dx: Float32Array; dz: Float32Array } {
  const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
  tf.env().set("RELAX_FORCE_REFERENCE", reference);
  try {
    const y = tf.tidy(() => tree.forward(x, { mode }).dataSync() as Float32Array);
    const xv = tf.variable(x, true);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(tree.forward(xv, { mode }), W)), [xv, tree.logits]);
    const dx = grads[xv.name]!.dataSync() as Float32Array;
    const dz = grads[tree.logits.name]!.dataSync() as Float32Array;
    tf.dispose([value, xv, ...Object.values(grads)]);
    return { y, dx, dz };
  } finally {
    tf.env().set("RELAX_FORCE_REFERENCE", prev);
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe("LogicConvTree fused kernel", () => {
  it("is registered for the cpu backend and dispatched by forward", async () => {
    expect(hasFusedKernel(RelaxLogicConvTree, "cpu")).toBe(true);
    const tree = new LogicConvTree(2, 3, { receptiveField: 3, depth: 2, seed: 1 });
    const x = randomTensor(2, [1, 5, 5, 2]) as tf.Tensor4D;
    const fused = await tf.profile(() => tree.forward(x));
    expect(fused.kernelNames).toContain(RelaxLogicConvTree);
    tf.env().set("RELAX_FORCE_REFERENCE", true);
    const ref = await tf.profile(() => tree.forward(x));
    expect(ref.kernelNames).not.toContain(RelaxLogicConvTree);
    tf.dispose(x);
    tree.dispose();
  });

  const cases: [number, number, number, number, ConvPadding, number, number, number][] = [
    // [inChannels, K, rf, depth, padding, batch, H, W]
    [1, 4, 1, 1, "valid", 1, 4, 5],
    [1, 3, 2, 2, "same", 2, 5, 4],
    [3, 5, 3, 3, "valid", 2, 6, 7],
    [3, 4, 3, 3, "same", 3, 5, 6],
    [2, 2, 4, 4, "same", 2, 6, 5],
    [4, 3, 4, 2, "valid", 1, 7, 6],
    [2, 6, 2, 4, "valid", 2, 4, 4],
  ];
  for (const [cin, K, rf, depth, padding, batch, H, Wd] of cases)
    for (const mode of ["train", "eval"] as const) {
      it(`matches the reference: C=${cin} K=${K} rf=${rf} depth=${depth} ${padding} batch=${batch} ${mode}`, () => {
        const tree = new LogicConvTree(cin, K, { receptiveField: rf, depth, padding, seed: 31 * rf + depth });
        const x = randomTensor(rf * 7 + depth, [batch, H, Wd, cin]) as tf.Tensor4D;
        const [ho, wo] = tree.outputSize(H, Wd);
        const W = tf.sub(randomTensor(depth + 100, [batch, ho, wo, K]), 0.5);
        const f = run(tree, x, W, mode, false);
        const r = run(tree, x, W, mode, true);
        expect(maxAbsDiff(f.y, r.y)).toBeLessThan(1e-5);
        expect(maxAbsDiff(f.dx, r.dx)).toBeLessThan(1e-5);
        expect(maxAbsDiff(f.dz, r.dz)).toBeLessThan(1e-5 * Math.max(1, batch * ho * wo));
        if (mode === "eval") expect(Array.from(f.dz).every((v) => v === 0)).toBe(true);
        else expect(Math.max(...Array.from(f.dz, Math.abs))).toBeGreaterThan(1e-4);
        tf.dispose([x, W]);
        tree.dispose();
      });
    }

  it("eval mode: tied logits pick the first maximum, as the reference and gateIds", () => {
    const tree = new LogicConvTree(1, 2, { receptiveField: 2, depth: 2, seed: 3 });
    tree.logits.assign(tf.zeros(tree.logits.shape)); // all 16 gates tied → gate 0 (FALSE) everywhere
    const x = randomTensor(4, [2, 4, 4, 1], true) as tf.Tensor4D;
    const W = randomTensor(5, [2, 3, 3, 2]);
    const f = run(tree, x, W, "eval", false);
    const r = run(tree, x, W, "eval", true);
    expect(Array.from(f.y)).toEqual(Array.from(r.y));
    expect(Array.from(f.y).every((v) => v === 0)).toBe(true);
    tf.dispose([x, W]);
    tree.dispose();
  });

  it("gradients of the kernel match finite differences (x and logits)", () => {
    const tree = new LogicConvTree(2, 2, { receptiveField: 2, depth: 2, padding: "same", seed: 8 });
    const attrs: RelaxLogicConvTreeAttrs = {
      leafY: tree.leafY,
      leafX: tree.leafX,
      leafC: tree.leafC,
      receptiveField: 2,
      depth: 2,
      padding: "same",
      mode: "train",
    };
    const x = randomTensor(9, [2, 3, 3, 2]);
    const z = tf.mul(randomTensor(10, [2, 3, 16]), 2);
    const W = randomTensor(11, [2, 3, 3, 2]);
    const f = (xi: tf.Tensor, zi: tf.Tensor): tf.Tensor =>
      tf.mul(runFusedKernel<tf.Tensor>(RelaxLogicConvTree, { x: xi, logits: zi }, attrs), W);
    const r = gradCheck(f, [x, z]);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    tf.dispose([x, z, W]);
    tree.dispose();
  });

  it("a ConvLogicNet (two conv layers, max and probabilistic pools, dense tail) has the reference's gradients", () => {
    const make = (): ConvLogicNet =>
      new ConvLogicNet(
        [8, 8, 1],
        [
          new LogicConvTree(1, 4, { receptiveField: 3, depth: 2, padding: "same", seed: 1 }),
          new OrPool({ size: 2 }),
          new LogicConvTree(4, 6, { receptiveField: 2, depth: 3, seed: 2 }),
          new OrPool({ size: 2, stride: 1, method: "probabilistic" }),
          new LogicLayer(2 * 2 * 6, 20, { seed: 3 }),
          new GroupSum(2, 2),
        ],
      );
    const net = make();
    const x = randomTensor(12, [3, 8, 8, 1]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 1], "int32"), 2);
    const grads = (reference: boolean): Float32Array[] => {
      const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
      tf.env().set("RELAX_FORCE_REFERENCE", reference);
      const { value, grads: g } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, net.variables);
      const out = net.variables.map((v) => g[v.name]!.dataSync() as Float32Array);
      tf.dispose([value, ...Object.values(g)]);
      tf.env().set("RELAX_FORCE_REFERENCE", prev);
      return out;
    };
    const f = grads(false);
    const r = grads(true);
    f.forEach((g, i) => expect(maxAbsDiff(g, r[i]!)).toBeLessThan(1e-5));
    expect(Math.max(...Array.from(f[0]!, Math.abs))).toBeGreaterThan(1e-6); // gradient reaches the first conv layer
    tf.dispose([x, y]);
    net.dispose();
  });

  it("does not leak tensors (both modes, gradients w.r.t. x and logits)", () => {
    const tree = new LogicConvTree(2, 3, { receptiveField: 3, depth: 3, padding: "same", seed: 4 });
    const x = randomTensor(13, [2, 5, 5, 2]) as tf.Tensor4D;
    // The closure returns every tensor it creates (the bare checker disposes them); anything else is a leak.
    const leaked = countLeakedTensors(() => [
      tree.forward(x, { mode: "eval" }),
      tf.variableGrads(() => tf.sum(tree.forward(x)), [tree.logits]),
      tf.grad((xi: tf.Tensor) => tf.sum(tree.forward(xi as tf.Tensor4D)))(x),
      tf.grad((xi: tf.Tensor) => tf.sum(tree.forward(xi as tf.Tensor4D, { mode: "eval" })))(x),
    ]);
    expect(leaked).toBe(0);
    x.dispose();
    tree.dispose();
  });

  it("bad input → RelaxError with the fused kernel active", () => {
    const tree = new LogicConvTree(2, 3, { receptiveField: 3, seed: 1 });
    const check = (fn: () => unknown, argument: string): void => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(RelaxError);
        expect((e as RelaxError).op).toBe("LogicConvTree.forward");
        expect((e as RelaxError).argument).toBe(argument);
        return;
      }
      throw new Error("expected a RelaxError");
    };
    check(() => tree.forward(tf.zeros([2, 5, 5])), "x");
    check(() => tree.forward(tf.zeros([2, 5, 5, 3])), "x");
    check(() => tree.forward(tf.zeros([1, 2, 5, 2])), "x");
    check(() => tree.forward(tf.fill([1, 4, 4, 2], Number.NaN)), "x");
    check(() => tree.forward(tf.zeros([1, 4, 4, 2]), { mode: "fast" as "eval" }), "mode");
    tree.dispose();
  });
});

describe("orPool 'max' fused kernel", () => {
  const poolRun = (x: tf.Tensor, size: number, stride: number, W: tf.Tensor, reference: boolean): { y: Float32Array; dx: Float32Array } => {
    const prev = tf.env().getBool("RELAX_FORCE_REFERENCE");
    tf.env().set("RELAX_FORCE_REFERENCE", reference);
    try {
      const y = tf.tidy(() => orPool(x, { size, stride }).dataSync() as Float32Array);
      const dx = tf.tidy(
        () =>
          tf
            .grad((xi: tf.Tensor) => tf.sum(tf.mul(orPool(xi, { size, stride }), W)))(x)
            .dataSync() as Float32Array,
      );
      return { y, dx };
    } finally {
      tf.env().set("RELAX_FORCE_REFERENCE", prev);
    }
  };

  it("is dispatched and matches tf.maxPool forward and gradient (ties on binary input, overlapping windows)", async () => {
    const x0 = randomTensor(20, [1, 4, 4, 2]);
    expect((await tf.profile(() => orPool(x0))).kernelNames).toContain(RelaxOrPoolMax);
    for (const [size, stride, binary] of [
      [2, 2, false],
      [2, 2, true],
      [3, 1, true],
      [3, 2, false],
      [2, 3, true],
    ] as const) {
      const x = randomTensor(21 + size * 3 + stride, [2, 7, 6, 3], binary);
      const [ho, wo] = [Math.floor((7 - size) / stride) + 1, Math.floor((6 - size) / stride) + 1];
      const W = randomTensor(40 + size, [2, ho, wo, 3]);
      const f = poolRun(x, size, stride, W, false);
      const r = poolRun(x, size, stride, W, true);
      expect(Array.from(f.y)).toEqual(Array.from(r.y));
      expect(maxAbsDiff(f.dx, r.dx)).toBeLessThan(1e-6);
      tf.dispose([x, W]);
    }
    x0.dispose();
  });

  it("does not leak tensors and keeps RelaxError on bad input", () => {
    const x = randomTensor(30, [2, 4, 4, 2]);
    expect(countLeakedTensors(() => tf.grad((xi: tf.Tensor) => tf.sum(orPool(xi)))(x))).toBe(0);
    expect(() => orPool(tf.zeros([1, 1, 4, 1]), { size: 2 })).toThrow(RelaxError);
    expect(() => orPool(tf.zeros([4, 4, 1]))).toThrow(RelaxError);
    x.dispose();
  });
});
