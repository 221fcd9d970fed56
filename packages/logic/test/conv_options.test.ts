import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError, RelaxLogicConvTree, runFusedKernel, type RelaxLogicConvTreeAttrs } from "@relax/core";
import { countLeakedTensors, gradCheck } from "@relax/core/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ConvLogicNet, GroupSum, LogicConvTree, LogicLayer, OrPool, type LogicConvTreeOptions } from "../src/index.js";
import { logicRng } from "../src/rng.js";
import { randomTensor } from "./helpers.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

afterEach(() => {
  tf.env().set("RELAX_FORCE_REFERENCE", false);
});

type Combo = Required<Pick<LogicConvTreeOptions, "parametrization" | "gateChoice">> & { temperature: number };
const COMBOS: Combo[] = (["softmax16", "bilinear4"] as const).flatMap((parametrization) =>
  (["soft", "gumbel-st", "hard-st"] as const).map((gateChoice) => ({
    parametrization,
    gateChoice,
    temperature: gateChoice === "soft" ? 1 : 0.7,
  })),
);
const label = (c: Combo): string => `${c.parametrization} ${c.gateChoice}`;

/** Output, ∂x and ∂params of `Σ y ⊙ W` (fused kernel or reference), with the noise of call `step`. */
function run(tree: LogicConvTree, x: tf.Tensor4D, W: tf.Tensor, mode: "train" | "eval", reference: boolean, step = 3) {
  tf.env().set("RELAX_FORCE_REFERENCE", reference);
  try {
    tree.noiseStep = step;
    const y = tf.tidy(() => tree.forward(x, { mode }).dataSync() as Float32Array);
    const xv = tf.variable(x, true);
    tree.noiseStep = step;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(tree.forward(xv, { mode }), W)), [xv, tree.logits]);
    const dx = grads[xv.name]!.dataSync() as Float32Array;
    const dz = grads[tree.logits.name]!.dataSync() as Float32Array;
    tf.dispose([value, xv, ...Object.values(grads)]);
    return { y, dx, dz };
  } finally {
    tf.env().set("RELAX_FORCE_REFERENCE", false);
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** The fused kernel's output and gradients, checked against the reference's. */
function fusedMatchesReference(tree: LogicConvTree, x: tf.Tensor4D, W: tf.Tensor, mode: "train" | "eval") {
  const f = run(tree, x, W, mode, false);
  const r = run(tree, x, W, mode, true);
  expect(maxAbsDiff(f.y, r.y), `${mode} y`).toBeLessThan(1e-5);
  expect(maxAbsDiff(f.dx, r.dx), `${mode} dx`).toBeLessThan(1e-4);
  expect(maxAbsDiff(f.dz, r.dz), `${mode} dz`).toBeLessThan(1e-4);
  return f;
}

describe("LogicConvTree options: fused kernel = tfjs reference", () => {
  for (const c of COMBOS) {
    for (const padding of ["valid", "same"] as const) {
      it(`${label(c)}, ${padding}`, () => {
        const tree = new LogicConvTree(2, 3, { receptiveField: 3, depth: 2, padding, seed: 5, ...c });
        expect(tree.logits.shape).toEqual([3, 3, c.parametrization === "bilinear4" ? 4 : 16]);
        const x = randomTensor(6, [2, 5, 6, 2]) as tf.Tensor4D;
        const W = tf.randomNormal([2, ...tree.outputSize(5, 6), 3], 0, 1, "float32", 9);
        for (const mode of ["train", "eval"] as const) {
          const f = fusedMatchesReference(tree, x, W, mode);
          if (mode === "train") expect(f.dz.some((v) => v !== 0)).toBe(true);
          else expect(f.dz.every((v) => v === 0)).toBe(true);
        }
        // straight-through: the forward is the discrete circuit (eval mode) unless the noise moves the choice
        if (c.gateChoice === "hard-st") expect(maxAbsDiff(run(tree, x, W, "train", false).y, run(tree, x, W, "eval", false).y)).toBe(0);
        tf.dispose([x, W]);
        tree.dispose();
      });
    }
  }

  it("gumbel-st: each train-mode call draws new noise (seeded: same tree seed, same draws); eval has none", () => {
    const make = () => new LogicConvTree(1, 6, { receptiveField: 3, depth: 3, seed: 3, gateChoice: "gumbel-st" });
    const [a, b] = [make(), make()];
    const x = randomTensor(1, [2, 6, 6, 1]) as tf.Tensor4D;
    const ys = (t: LogicConvTree, mode: "train" | "eval") => tf.tidy(() => t.forward(x, { mode }).dataSync() as Float32Array);
    const a1 = ys(a, "train");
    const a2 = ys(a, "train");
    expect(maxAbsDiff(a1, ys(b, "train"))).toBe(0);
    expect(maxAbsDiff(a1, a2)).toBeGreaterThan(0);
    expect(a.noiseStep).toBe(2);
    ys(a, "eval");
    expect(a.noiseStep).toBe(2);
    tf.dispose(x);
    a.dispose();
    b.dispose();
  });
});

describe("LogicConvTree options: finite-difference gradients of the fused kernel", () => {
  // every combination at stride 1, the soft ones at stride 2 too (3 × 3 → 2 × 2 positions)
  for (const [c, stride] of COMBOS.flatMap((c) => (c.gateChoice === "soft" ? [[c, 1] as const, [c, 2] as const] : [[c, 1] as const]))) {
    it(`${label(c)}${stride > 1 ? `, stride ${stride}` : ""}`, () => {
      const tree = new LogicConvTree(2, 2, { receptiveField: 2, depth: 2, padding: "same", stride, seed: 8, ...c });
      const attrs: RelaxLogicConvTreeAttrs = {
        leafY: tree.leafY,
        leafX: tree.leafX,
        leafC: tree.leafC,
        receptiveField: 2,
        depth: 2,
        padding: "same",
        stride,
        mode: "train",
        parametrization: c.parametrization,
        gateChoice: c.gateChoice,
        temperature: c.temperature,
        noiseSeed: 12345,
      };
      const x = randomTensor(3, [2, 3, 3, 2], 0.1, 0.9);
      const z = randomTensor(4, tree.logits.shape, -1.5, 1.5);
      const W = randomTensor(5, [2, ...tree.outputSize(3, 3), 2], -1, 1);
      const f = (xi: tf.Tensor, zi: tf.Tensor): tf.Tensor =>
        tf.mul(runFusedKernel<tf.Tensor>(RelaxLogicConvTree, { x: xi, logits: zi }, attrs), W);
      // ∂x is exact for every choice (the forward is bilinear in the inputs for fixed gates); ∂params for the
      // relaxed choice (straight-through parameter gradients are the relaxation's: checked against the reference)
      const r = c.gateChoice === "soft" ? gradCheck(f, [x, z]) : gradCheck((xi: tf.Tensor) => f(xi, z), [x]);
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
      tf.dispose([x, z, W]);
      tree.dispose();
    });
  }
});

describe("LogicConvTree stride", () => {
  const strided = (c: Combo, stride: number, padding: "valid" | "same", seed = 5) =>
    new LogicConvTree(2, 3, { receptiveField: 3, depth: 2, padding, stride, seed, ...c });

  for (const c of [COMBOS[0]!, COMBOS[4]!, COMBOS[5]!]) {
    for (const [stride, padding] of [
      [2, "valid"],
      [3, "same"],
      [2, "same"],
    ] as const) {
      it(`${label(c)}, stride ${stride}, ${padding}: rows and columns 0, s, 2s, … of the stride-1 output; fused = reference`, () => {
        const tree = strided(c, stride, padding);
        const one = strided(c, 1, padding);
        const x = randomTensor(6, [2, 8, 7, 2]) as tf.Tensor4D;
        const [h1, w1] = one.outputSize(8, 7);
        const [ho, wo] = tree.outputSize(8, 7);
        expect([ho, wo]).toEqual([Math.ceil(h1 / stride), Math.ceil(w1 / stride)]);
        const W = tf.randomNormal([2, ho, wo, 3], 0, 1, "float32", 9);
        for (const mode of ["train", "eval"] as const) {
          const f = fusedMatchesReference(tree, x, W, mode);
          // the same leaves and logits at stride 1, subsampled (the noise of the same call for gumbel-st)
          one.noiseStep = 3;
          const sub = tf.tidy(
            () =>
              tf.stridedSlice(one.forward(x, { mode }), [0, 0, 0, 0], [2, h1, w1, 3], [1, stride, stride, 1]).dataSync() as Float32Array,
          );
          expect(maxAbsDiff(f.y, sub), `${mode} subsampled`).toBeLessThan(1e-6);
        }
        // no input is read outside the strided windows: ∂x vanishes on the rows no window covers
        const f = run(tree, x, W, "train", false);
        if (padding === "valid" && stride === 2) for (let j = 0; j < 7 * 2; j++) expect(f.dx[7 * 7 * 2 + j]).toBe(0); // row 7 of image 0
        tf.dispose([x, W]);
        tree.dispose();
        one.dispose();
      });
    }
  }

  it("JSON keeps the stride (absent at stride 1: today's files), a bare call leaks nothing, bad strides are a RelaxError", () => {
    const tree = strided(COMBOS[0]!, 2, "valid", 11);
    const json = JSON.parse(JSON.stringify(tree.toJSON()));
    expect(json.stride).toBe(2);
    expect(Object.keys(strided(COMBOS[0]!, 1, "valid").toJSON())).not.toContain("stride");
    const back = LogicConvTree.fromJSON(json);
    expect(back.stride).toBe(2);
    const x = randomTensor(2, [1, 7, 7, 2]) as tf.Tensor4D;
    const y = tree.forward(x, { mode: "eval" });
    expect(y.shape).toEqual([1, 3, 3, 3]);
    expect(
      maxAbsDiff(
        y.dataSync() as Float32Array,
        tf.tidy(() => back.forward(x, { mode: "eval" }).dataSync() as Float32Array),
      ),
    ).toBe(0);
    y.dispose();
    expect(countLeakedTensors(() => tree.forward(x, { mode: "train" }))).toBe(0);
    expect(() => new LogicConvTree(1, 2, { stride: 0 })).toThrow(/stride/);
    expect(() => new LogicConvTree(1, 2, { stride: 1.5 })).toThrow(/stride/);
    expect(() => new LogicConvTree(1, 2, { stride: "2" as never })).toThrow(RelaxError);
    expect(() => LogicConvTree.fromJSON({ ...json, stride: -2 })).toThrow(/json.stride/);
    tf.dispose(x);
    tree.dispose();
    back.dispose();
  });
});

describe("LogicConvTree options: training, JSON, errors", () => {
  for (const c of COMBOS) {
    it(`${label(c)}: Adam lowers the loss of a small conv net (fused), no leaks`, () => {
      const net = new ConvLogicNet(
        [6, 6, 1],
        [
          new LogicConvTree(1, 4, { receptiveField: 3, depth: 2, seed: 2, ...c }),
          new OrPool({ size: 2 }),
          new LogicLayer(2 * 2 * 4, 20, { seed: 3 }),
          new GroupSum(2, 2),
        ],
      );
      // two classes: a bright top half or a bright bottom half
      const rng = logicRng(9);
      const n = 32;
      const xs = new Float32Array(n * 36);
      const labels = new Int32Array(n);
      for (let s = 0; s < n; s++) {
        labels[s] = s % 2;
        for (let p = 0; p < 36; p++) xs[s * 36 + p] = p < 18 === (s % 2 === 0) ? (rng.next() < 0.8 ? 1 : 0) : rng.next() < 0.1 ? 1 : 0;
      }
      const x = tf.tensor4d(xs, [n, 6, 6, 1]);
      const y = tf.oneHot(tf.tensor1d(labels, "int32"), 2);
      const opt = tf.train.adam(0.05);
      const loss = () => tf.losses.softmaxCrossEntropy(y, net.forward(x, { mode: "train" })) as tf.Scalar;
      const evalLoss = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(y, net.forward(x, { mode: "eval" })).dataSync()[0]!);
      const before = evalLoss();
      const leaked = countLeakedTensors(() => {
        for (let i = 0; i < 80; i++)
          tf.tidy(() => {
            opt.minimize(loss, false, net.variables);
          });
      });
      // Adam's moments are the only new tensors (2 per variable, plus its step counter)
      expect(leaked).toBeLessThanOrEqual(2 * net.variables.length + 2);
      // measured: 0.86–0.88 → 0.02–0.45 (the noisy gumbel-st the slowest)
      expect(evalLoss()).toBeLessThan(0.6 * before);
      opt.dispose();
      tf.dispose([x, y]);
      net.dispose();
    });
  }

  for (const c of COMBOS) {
    it(`${label(c)}: toJSON/fromJSON round trip (same parameters, options, eval and train-mode outputs)`, () => {
      const tree = new LogicConvTree(2, 3, { receptiveField: 3, depth: 2, seed: 11, ...c });
      const json = JSON.parse(JSON.stringify(tree.toJSON()));
      if (c.parametrization === "softmax16" && c.gateChoice === "soft") expect(Object.keys(json)).not.toContain("parametrization");
      const back = LogicConvTree.fromJSON(json);
      expect([back.parametrization, back.gateChoice, back.temperature]).toEqual([tree.parametrization, tree.gateChoice, tree.temperature]);
      // the noise seed is saved where a choice draws noise (difflogic trees keep today's JSON)
      if (!tree.isDifflogic) expect(back.noiseSeed).toBe(tree.noiseSeed);
      expect(Array.from(back.logits.dataSync())).toEqual(Array.from(tree.logits.dataSync()));
      const x = randomTensor(2, [1, 5, 5, 2]) as tf.Tensor4D;
      for (const mode of ["eval", "train"] as const) {
        tree.noiseStep = 0;
        back.noiseStep = 0;
        const a = tf.tidy(() => tree.forward(x, { mode }).dataSync() as Float32Array);
        const b = tf.tidy(() => back.forward(x, { mode }).dataSync() as Float32Array);
        expect(maxAbsDiff(a, b)).toBe(0);
      }
      const net = new ConvLogicNet([5, 5, 2], [back, new OrPool({ size: 3, stride: 1 })]);
      const net2 = ConvLogicNet.fromJSON(JSON.stringify(net.toJSON()));
      expect((net2.convs[0] as LogicConvTree).toJSON()).toEqual(back.toJSON());
      tf.dispose(x);
      tree.dispose();
      net.dispose();
      net2.dispose();
    });
  }

  it("rejects bad options and bad JSON fields with a RelaxError", () => {
    expect(() => new LogicConvTree(1, 2, { parametrization: "walsh" as never })).toThrow(RelaxError);
    expect(() => new LogicConvTree(1, 2, { gateChoice: "gumbel" as never })).toThrow(/gateChoice/);
    expect(() => new LogicConvTree(1, 2, { temperature: 0 })).toThrow(/temperature/);
    const tree = new LogicConvTree(1, 2, { seed: 1, parametrization: "bilinear4", gateChoice: "gumbel-st" });
    const json = tree.toJSON();
    expect(() => LogicConvTree.fromJSON({ ...json, noiseSeed: -1 })).toThrow(/noiseSeed/);
    expect(() => LogicConvTree.fromJSON({ ...json, temperature: Number.NaN })).toThrow(/json.temperature/);
    // bilinear4 logits with the 16-logit count
    expect(() => LogicConvTree.fromJSON({ ...json, parametrization: "softmax16" })).toThrow(/json.logits/);
    tree.dispose();
  });
});
