import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError, RelaxLogicLeafGather, runFusedKernel, type RelaxLogicLeafGatherAttrs } from "@relax/core";
import { countLeakedTensors, gradCheck } from "@relax/core/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CompiledLogicNet,
  ConvLogicNet,
  GroupSum,
  LogicConvTree,
  LogicLayer,
  OrPool,
  compileConvCircuit,
  type LogicConvTreeOptions,
} from "../src/index.js";
import { logicRng } from "../src/rng.js";
import { randomTensor } from "./helpers.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

afterEach(() => {
  tf.env().set("RELAX_FORCE_REFERENCE", false);
});

type Choices = Required<Pick<LogicConvTreeOptions, "parametrization" | "gateChoice" | "wiringChoice">>;
const COMBOS: Choices[] = [
  { parametrization: "softmax16", gateChoice: "soft", wiringChoice: "soft" },
  { parametrization: "softmax16", gateChoice: "soft", wiringChoice: "hard-st" },
  { parametrization: "bilinear4", gateChoice: "gumbel-st", wiringChoice: "gumbel-st" },
  { parametrization: "bilinear4", gateChoice: "hard-st", wiringChoice: "hard-st" },
  { parametrization: "softmax16", gateChoice: "hard-st", wiringChoice: "soft" },
];
const label = (c: Choices): string => `${c.parametrization} ${c.gateChoice} gates, ${c.wiringChoice} leaves`;

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** A learned-leaf tree with random wiring logits (so that the argmax is not candidate 0 everywhere). */
function learnedTree(inChannels: number, outChannels: number, options: LogicConvTreeOptions): LogicConvTree {
  const tree = new LogicConvTree(inChannels, outChannels, { connections: "learned", ...options });
  const wiring = tree.wiring as tf.Variable;
  tf.tidy(() => wiring.assign(randomTensor(77, wiring.shape, -2, 2)));
  return tree;
}

/** Output and the gradients of `Σ y ⊙ W` to x, the gate logits and the wiring logits, with the noise of call `step`. */
function run(tree: LogicConvTree, x: tf.Tensor4D, W: tf.Tensor, mode: "train" | "eval", reference: boolean, step = 3) {
  tf.env().set("RELAX_FORCE_REFERENCE", reference);
  try {
    tree.noiseStep = step;
    const y = tf.tidy(() => tree.forward(x, { mode }).dataSync() as Float32Array);
    const xv = tf.variable(x, true);
    tree.noiseStep = step;
    const wiring = tree.wiring as tf.Variable;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(tree.forward(xv, { mode }), W)), [xv, tree.logits, wiring]);
    const out = {
      y,
      dx: grads[xv.name]!.dataSync() as Float32Array,
      dz: grads[tree.logits.name]!.dataSync() as Float32Array,
      du: grads[wiring.name]!.dataSync() as Float32Array,
    };
    tf.dispose([value, xv, ...Object.values(grads)]);
    return out;
  } finally {
    tf.env().set("RELAX_FORCE_REFERENCE", false);
  }
}

describe("LogicConvTree learned leaves: fused kernels = tfjs reference", () => {
  // depth 2: the leaf gather, then the tree kernel; depth 1: the fused leaf-tree kernel (RelaxLogicLeafTree), whose
  // path without WASM SIMD is the two kernels
  for (const depth of [2, 1])
    for (const c of COMBOS)
      for (const [padding, stride] of [
        ["valid", 1],
        ["same", 2],
      ] as const)
        it(`depth ${depth}, ${label(c)}, ${padding}, stride ${stride}`, () => {
          const tree = learnedTree(2, 3, { receptiveField: 3, depth, padding, stride, candidates: 5, seed: 5, ...c });
          expect(tree.wiring?.shape).toEqual([3, 1 << depth, 5]);
          expect(tree.leafY.length).toBe(3 * (1 << depth) * 5);
          const x = randomTensor(6, [2, 5, 6, 2]) as tf.Tensor4D;
          const W = tf.randomNormal([2, ...tree.outputSize(5, 6), 3], 0, 1, "float32", 9);
          for (const mode of ["train", "eval"] as const) {
            const f = run(tree, x, W, mode, false);
            const r = run(tree, x, W, mode, true);
            expect(maxAbsDiff(f.y, r.y), `${mode} y`).toBeLessThan(1e-5);
            expect(maxAbsDiff(f.dx, r.dx), `${mode} dx`).toBeLessThan(1e-4);
            expect(maxAbsDiff(f.dz, r.dz), `${mode} dz`).toBeLessThan(1e-4);
            expect(maxAbsDiff(f.du, r.du), `${mode} du`).toBeLessThan(1e-4);
            if (mode === "train") expect(f.du.some((v) => v !== 0)).toBe(true);
            else expect(f.du.every((v) => v === 0)).toBe(true);
          }
          // the leaf gather's JS loops (no WASM SIMD) give the WASM kernels' numbers
          const wasmOn = tf.env().getBool("RELAX_LOGIC_WASM");
          try {
            for (const mode of ["train", "eval"] as const) {
              tf.env().set("RELAX_LOGIC_WASM", false);
              const js = run(tree, x, W, mode, false);
              tf.env().set("RELAX_LOGIC_WASM", wasmOn);
              const wasm = run(tree, x, W, mode, false);
              for (const k of ["y", "dx", "dz", "du"] as const)
                expect(maxAbsDiff(js[k], wasm[k]), `${mode} ${k} (js vs wasm)`).toBeLessThan(1e-5);
            }
          } finally {
            tf.env().set("RELAX_LOGIC_WASM", wasmOn);
          }
          // hard-st gates and leaves: the train-mode forward is the discrete tree
          if (c.gateChoice === "hard-st" && c.wiringChoice === "hard-st")
            expect(maxAbsDiff(run(tree, x, W, "train", false).y, run(tree, x, W, "eval", false).y)).toBe(0);
          tf.dispose([x, W]);
          tree.dispose();
        });
});

describe("LogicConvTree learned leaves: the discrete tree", () => {
  it("eval mode equals a fixed-leaf tree reading the argmax candidates (discreteLeaves), exactly", () => {
    const tree = learnedTree(2, 4, { receptiveField: 3, depth: 3, padding: "same", candidates: 9, seed: 3 });
    const leaves = tree.discreteLeaves();
    expect(leaves.leafY.length).toBe(4 * 8);
    const u = (tree.wiring as tf.Variable).arraySync() as number[][][];
    // each discrete leaf is its argmax candidate, and not candidate 0 everywhere
    let moved = 0;
    u.forEach((tr, k) =>
      tr.forEach((row, l) => {
        const best = row.indexOf(Math.max(...row));
        const q = (k * 8 + l) * 9 + best;
        expect([leaves.leafY[k * 8 + l], leaves.leafX[k * 8 + l], leaves.leafC[k * 8 + l]]).toEqual([
          tree.leafY[q],
          tree.leafX[q],
          tree.leafC[q],
        ]);
        if (best !== 0) moved++;
      }),
    );
    expect(moved).toBeGreaterThan(0);
    const { candidates, wiring, wiringChoice, ...fixedJson } = tree.toJSON();
    expect([candidates, wiring?.length, wiringChoice]).toEqual([9, 4 * 8 * 9, "soft"]);
    const fixed = LogicConvTree.fromJSON({
      ...fixedJson,
      leafY: Array.from(leaves.leafY),
      leafX: Array.from(leaves.leafX),
      leafC: Array.from(leaves.leafC),
    });
    const x = tf.tidy(() => tf.cast(tf.greater(randomTensor(4, [3, 7, 7, 2]), 0.5), "float32")) as tf.Tensor4D;
    for (const reference of [false, true]) {
      tf.env().set("RELAX_FORCE_REFERENCE", reference);
      const a = tf.tidy(() => tree.forward(x, { mode: "eval" }).dataSync() as Float32Array);
      const b = tf.tidy(() => fixed.forward(x, { mode: "eval" }).dataSync() as Float32Array);
      expect(maxAbsDiff(a, b)).toBe(0);
    }
    tf.dispose(x);
    tree.dispose();
    fixed.dispose();
  });

  it("compiles: the circuit's class counts equal the eval forward (learned leaves in two stages, stride, same padding)", () => {
    const net = new ConvLogicNet(
      [9, 9, 2],
      [
        learnedTree(2, 4, { receptiveField: 3, depth: 2, stride: 2, candidates: 6, seed: 1 }),
        learnedTree(4, 6, { receptiveField: 3, depth: 1, padding: "same", candidates: 9, seed: 2 }),
        new OrPool({ size: 2 }),
        new LogicLayer(2 * 2 * 6, 40, { seed: 3 }),
        new GroupSum(4, 1),
      ],
    );
    const x = tf.tidy(() => tf.cast(tf.greater(randomTensor(8, [50, 9, 9, 2]), 0.5), "float32")) as tf.Tensor4D;
    const expected = tf.tidy(() => tf.round(net.forward(x, { mode: "eval" })).dataSync() as Float32Array);
    const circuit = compileConvCircuit(net);
    const counts = new CompiledLogicNet(circuit).counts(x.dataSync() as Float32Array, 50);
    expect(Array.from(counts)).toEqual(Array.from(expected));
    // the stage-1 tree costs (2^2 − 1) gates at each of its 4 × 4 positions, whatever its candidates
    expect(circuit.sourceGates).toBe(4 * 3 * 16 + 6 * 1 * 16 + 6 * 4 * 3 + 40);
    tf.dispose(x);
    net.dispose();
  });

  it("learns the leaves a task needs: y = x[2, 2] AND x[0, 0] with one depth-1 tree that starts elsewhere", () => {
    // one 3 × 3 window, one tree (1 gate); candidate 0 of each leaf (the 'random' leaf) is seeded, the task reads two
    // fixed corners: a fixed-leaf tree reaching those corners by chance is ruled out below
    const make = (connections: "random" | "learned") =>
      new LogicConvTree(1, 1, {
        receptiveField: 3,
        depth: 1,
        seed: 4,
        connections,
        ...(connections === "learned" ? { candidates: 9 } : {}),
      });
    const fixedLeaves = make("random");
    const corners = new Set(["2,2", "0,0"]);
    const start = [0, 1].map((l) => `${fixedLeaves.leafY[l]},${fixedLeaves.leafX[l]}`);
    expect(start.every((p) => corners.has(p))).toBe(false);
    fixedLeaves.dispose();
    const tree = make("learned");
    const rng = logicRng(10);
    const n = 256;
    const xs = Float32Array.from({ length: n * 9 }, () => (rng.next() < 0.5 ? 1 : 0));
    const ys = Float32Array.from({ length: n }, (_, s) => (xs[s * 9 + 8] as number) * (xs[s * 9] as number));
    const x = tf.tensor4d(xs, [n, 3, 3, 1]);
    const y = tf.tensor4d(ys, [n, 1, 1, 1]);
    const opt = tf.train.adam(0.1);
    for (let i = 0; i < 300; i++)
      tf.tidy(() => {
        opt.minimize(() => tf.losses.meanSquaredError(y, tree.forward(x, { mode: "train" })) as tf.Scalar, false, tree.variables);
      });
    const leaves = tree.discreteLeaves();
    expect(new Set([0, 1].map((l) => `${leaves.leafY[l]},${leaves.leafX[l]}`))).toEqual(corners);
    const yEval = tf.tidy(() => tree.forward(x, { mode: "eval" }).dataSync() as Float32Array);
    expect(maxAbsDiff(yEval, ys)).toBe(0);
    opt.dispose();
    tf.dispose([x, y]);
    tree.dispose();
  });
});

describe("LogicConvTree learned leaves: gradients, leaks, JSON, errors", () => {
  for (const [wiringChoice, stride] of [
    ["soft", 1],
    ["soft", 2],
    ["gumbel-st", 1],
  ] as const)
    it(`finite differences of the leaf gather kernel (${wiringChoice}, stride ${stride})`, () => {
      const tree = learnedTree(2, 2, { receptiveField: 3, depth: 1, padding: "same", stride, candidates: 4, seed: 8 });
      const attrs: RelaxLogicLeafGatherAttrs = {
        candY: tree.leafY,
        candX: tree.leafX,
        candC: tree.leafC,
        receptiveField: 3,
        padding: "same",
        stride,
        mode: "train",
        wiringChoice,
        temperature: 0.7,
        noiseSeed: 4321,
      };
      const x = randomTensor(3, [2, 4, 4, 2], 0.1, 0.9);
      const u = randomTensor(4, [2, 2, 4], -1.5, 1.5);
      const W = randomTensor(5, [2, ...tree.outputSize(4, 4), 4], -1, 1);
      const f = (xi: tf.Tensor, ui: tf.Tensor): tf.Tensor =>
        tf.mul(runFusedKernel<tf.Tensor>(RelaxLogicLeafGather, { x: xi, wiring: ui }, attrs), W);
      // soft: both gradients exact; straight-through: ∂x exact (the forward is linear in x for a fixed choice)
      const r = wiringChoice === "soft" ? gradCheck(f, [x, u]) : gradCheck((xi: tf.Tensor) => f(xi, u), [x]);
      expect(r.ok, JSON.stringify(r.worst)).toBe(true);
      tf.dispose([x, u, W]);
      tree.dispose();
    });

  it.each([2, 1])("a bare forward and a bare gradient leak no tensor (fused and reference; depth %i)", (depth) => {
    const tree = learnedTree(1, 3, { receptiveField: 3, depth, candidates: 4, seed: 2 });
    const x = randomTensor(1, [2, 5, 5, 1]) as tf.Tensor4D;
    for (const reference of [false, true]) {
      tf.env().set("RELAX_FORCE_REFERENCE", reference);
      const y = tree.forward(x, { mode: "train" }); // warm the index caches
      y.dispose();
      expect(
        countLeakedTensors(() => {
          tree.forward(x, { mode: "train" }).dispose();
          tree.forward(x, { mode: "eval" }).dispose();
          const { value, grads } = tf.variableGrads(() => tf.sum(tree.forward(x, { mode: "train" })), tree.variables);
          tf.dispose([value, ...Object.values(grads)]);
        }),
      ).toBe(0);
    }
    tf.dispose(x);
    tree.dispose();
  });

  it("the backward of a first layer's leaves computes ∂wiring only (the data's gradient is not taken)", async () => {
    const tree = learnedTree(1, 2, { receptiveField: 3, depth: 2, candidates: 4, seed: 2 });
    const x = randomTensor(1, [2, 5, 5, 1]) as tf.Tensor4D;
    const kernels = async (input: tf.Tensor4D, take: tf.Variable[]) =>
      (
        await tf.profile(() => {
          const { value, grads } = tf.variableGrads(() => tf.sum(tree.forward(input, { mode: "train" })), take);
          tf.dispose([value, ...Object.values(grads)]);
        })
      ).kernelNames;
    const first = await kernels(x, tree.variables);
    expect(first).toContain("RelaxLogicLeafGatherGradWiring");
    expect(first).not.toContain("RelaxLogicLeafGatherGradX");
    // a layer whose input needs a gradient runs both
    const xv = tf.variable(x);
    const both = await kernels(xv as tf.Tensor as tf.Tensor4D, [xv, ...tree.variables]);
    expect(both).toContain("RelaxLogicLeafGatherGradX");
    expect(both).toContain("RelaxLogicLeafGatherGradWiring");
    tf.dispose([x, xv]);
    tree.dispose();
  });

  it("toJSON/fromJSON round trip, also inside a ConvLogicNet (candidates, wiring, wiringChoice; same outputs)", () => {
    const tree = learnedTree(2, 3, { receptiveField: 3, depth: 2, candidates: 7, wiringChoice: "gumbel-st", seed: 11 });
    const json = JSON.parse(JSON.stringify(tree.toJSON()));
    const back = LogicConvTree.fromJSON(json);
    expect([back.connections, back.candidates, back.wiringChoice]).toEqual(["learned", 7, "gumbel-st"]);
    expect(Array.from(back.wiring!.dataSync())).toEqual(Array.from(tree.wiring!.dataSync()));
    const x = randomTensor(2, [1, 5, 5, 2]) as tf.Tensor4D;
    for (const mode of ["eval", "train"] as const) {
      tree.noiseStep = 0;
      back.noiseStep = 0;
      const a = tf.tidy(() => tree.forward(x, { mode }).dataSync() as Float32Array);
      const b = tf.tidy(() => back.forward(x, { mode }).dataSync() as Float32Array);
      expect(maxAbsDiff(a, b)).toBe(0);
    }
    const net = new ConvLogicNet([5, 5, 2], [back, new OrPool({ size: 3, stride: 1 })]);
    expect(net.variables).toContain(back.wiring);
    const text = JSON.stringify(net.toJSON());
    const net2 = ConvLogicNet.fromJSON(text);
    expect((net2.convs[0] as LogicConvTree).toJSON()).toEqual(back.toJSON());
    // a damaged wiring value (not a float32 as written) is refused, also in a version-1 file (no checksum)
    const damaged = JSON.parse(text);
    damaged.convs[0].wiring[0] = 0.1;
    damaged.version = 1;
    delete damaged.checksum;
    expect(() => ConvLogicNet.fromJSON(damaged)).toThrow(/convs\[0\]\.wiring/);
    tf.dispose(x);
    tree.dispose();
    net.dispose();
    net2.dispose();
  });

  it("rejects bad options, bad JSON fields and a wiring choice for fixed leaves with a RelaxError naming them", () => {
    expect(() => new LogicConvTree(1, 2, { connections: "unique" as never })).toThrow(/connections/);
    expect(() => new LogicConvTree(1, 2, { candidates: 4 })).toThrow(/candidates/);
    expect(() => new LogicConvTree(1, 2, { wiringChoice: "soft" })).toThrow(/wiringChoice/);
    // rf 3, one channel per tree: 9 window positions
    expect(() => new LogicConvTree(1, 2, { connections: "learned", candidates: 10 })).toThrow(/candidates/);
    expect(() => new LogicConvTree(1, 2, { connections: "learned", candidates: 1 })).toThrow(/candidates/);
    expect(() => new LogicConvTree(1, 2, { connections: "learned", receptiveField: 1 })).toThrow(/connections/);
    expect(() => new LogicConvTree(1, 2, { connections: "learned", wiringChoice: "gumbel" as never })).toThrow(/wiringChoice/);
    const fixed = new LogicConvTree(1, 2, { seed: 1 });
    expect(() => fixed.setChoice({ wiringChoice: "hard-st" })).toThrow(RelaxError);
    fixed.dispose();
    const tree = new LogicConvTree(1, 2, { connections: "learned", seed: 1 });
    expect(tree.candidates).toBe(8);
    tree.setChoice({ wiringChoice: "hard-st" });
    expect(tree.wiringChoice).toBe("hard-st");
    const json = tree.toJSON();
    expect(() => LogicConvTree.fromJSON({ ...json, wiring: json.wiring!.slice(1) })).toThrow(/json\.wiring/);
    expect(() => LogicConvTree.fromJSON({ ...json, wiring: [Number.NaN, ...json.wiring!.slice(1)] })).toThrow(/json\.wiring/);
    expect(() => LogicConvTree.fromJSON({ ...json, candidates: 3 })).toThrow(/json\.leafY/);
    expect(() => LogicConvTree.fromJSON({ ...json, candidates: 2.5 })).toThrow(/json\.candidates/);
    tree.dispose();
    const fixedTree = new LogicConvTree(1, 2, { seed: 1 });
    expect(() => LogicConvTree.fromJSON({ ...fixedTree.toJSON(), wiring: [0] })).toThrow(/json\.wiring/);
    fixedTree.dispose();
  });
});
