import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import fc from "fast-check";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  type Choice,
  ConvLogicNet,
  GroupSum,
  LogicConvTree,
  LogicLayer,
  LogicNet,
  OrPool,
  type Parametrization,
  compile,
  fusedAdam,
} from "../src/index.js";
import { topCandidates } from "../src/candidates.js";
import { learnedLayer, learnedNet, randomBits, randomTensor, takeValues } from "./helpers.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

afterEach(() => {
  tf.env().set("RELAX_FORCE_REFERENCE", false);
});

const K = 6;

const batch = 8;
const bits = randomBits(7, batch * 12);
const soft = Float32Array.from({ length: batch * 12 }, (_, i) => ((i * 7919) % 101) / 100);

describe("topCandidates (the selection rule)", () => {
  it("keeps the largest logits in their original order, ties to the lower index, and says where each came from", () => {
    // one gate: side A logits [1, 3, 3, 0], side B [2, 2, 2, 2]
    const r = topCandidates(Int32Array.from([10, 11, 12, 13]), Int32Array.from([20, 21, 22, 23]), [1, 3, 3, 0, 2, 2, 2, 2], 4, 2);
    expect(Array.from(r.candA)).toEqual([11, 12]);
    expect(Array.from(r.candB)).toEqual([20, 21]);
    expect(Array.from(r.wiring)).toEqual([3, 3, 2, 2]);
    expect(Array.from(r.kept)).toEqual([1, 2, 4, 5]);
  });

  it("keeps the argmax (first maximum) candidate of every gate input, for any logits", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 3 * 2 * 9, maxLength: 3 * 2 * 9 }),
        (k, keepRaw, raw) => {
          const keep = Math.min(keepRaw, k);
          const outDim = 3;
          const u = raw.slice(0, outDim * 2 * k);
          const candA = Int32Array.from({ length: outDim * k }, (_, i) => i);
          const candB = Int32Array.from({ length: outDim * k }, (_, i) => 100 + i);
          const r = topCandidates(candA, candB, u, k, keep);
          const argmax = (v: ArrayLike<number>, at: number, n: number) => {
            let best = 0;
            for (let i = 1; i < n; i++) if ((v[at + i] as number) > (v[at + best] as number)) best = i;
            return best;
          };
          for (let i = 0; i < 2 * outDim; i++) {
            const cand = i & 1 ? candB : candA;
            const out = i & 1 ? r.candB : r.candA;
            const j = i >> 1;
            expect(out[j * keep + argmax(r.wiring, i * keep, keep)]).toBe(cand[j * k + argmax(u, i * k, k)]);
            // every kept logit is at least every dropped one
            const keptSet = new Set(Array.from(r.kept.slice(i * keep, (i + 1) * keep)));
            const minKept = Math.min(...Array.from(r.wiring.slice(i * keep, (i + 1) * keep)));
            for (let q = 0; q < k; q++) if (!keptSet.has(i * k + q)) expect(u[i * k + q] as number).toBeLessThanOrEqual(minKept);
          }
        },
      ),
    );
  });
});

describe("pruneCandidates (top-K pruning of learned connections)", () => {
  const cases: [Parametrization, Choice, boolean][] = [
    ["softmax16", "soft", false],
    ["softmax16", "hard-st", false],
    ["bilinear4", "gumbel-st", false],
    ["softmax16", "soft", true],
    ["bilinear4", "hard-st", true],
  ];

  it.each(cases)(
    "%s gates, %s choice, reference path %s: the eval forward, the wires and the circuit stay; the saved net loads",
    (param, choice, reference) => {
      tf.env().set("RELAX_FORCE_REFERENCE", reference);
      const n = learnedNet(param, choice, K);
      const xBits = tf.tensor2d(Float32Array.from(bits), [batch, 12]);
      const xSoft = tf.tensor2d(soft, [batch, 12]);
      const before = {
        bits: takeValues(n.forward(xBits, { mode: "eval" })),
        soft: takeValues(n.forward(xSoft, { mode: "eval" })),
        counts: Array.from(compile(n).counts(bits, batch)),
        wires: n.layers.map((l) => [Array.from(l.a), Array.from(l.b)]),
        logits: n.layers.map((l) => l.logits),
        tensors: tf.memory().numTensors,
      };
      expect(n.pruneCandidates(3)).toBe(2);
      // the wiring variables replaced, not added; nothing else left behind
      expect(tf.memory().numTensors).toBe(before.tensors);
      expect(n.layers.map((l) => l.candidates)).toEqual([3, 1, 3]);
      expect(n.layers.map((l) => l.wiring?.shape ?? null)).toEqual([[10, 2, 3], null, [6, 2, 3]]);
      n.layers.forEach((l, i) => expect(l.logits).toBe(before.logits[i]));
      expect(n.layers.map((l) => [Array.from(l.a), Array.from(l.b)])).toEqual(before.wires);
      expect(takeValues(n.forward(xBits, { mode: "eval" }))).toEqual(before.bits);
      takeValues(n.forward(xSoft, { mode: "eval" })).forEach((v, i) => expect(v).toBeCloseTo(before.soft[i] as number, 6));
      expect(Array.from(compile(n).counts(bits, batch))).toEqual(before.counts);
      const loaded = LogicNet.fromJSON(JSON.stringify(n.toJSON()));
      expect(loaded.layers.map((l) => l.candidates)).toEqual([3, 1, 3]);
      expect(takeValues(loaded.forward(xBits, { mode: "eval" }))).toEqual(before.bits);
      if (choice === "soft") {
        const train = takeValues(n.forward(xSoft));
        takeValues(loaded.forward(xSoft)).forEach((v, i) => expect(v).toBeCloseTo(train[i] as number, 6));
      }
      loaded.dispose();
      n.dispose();
      tf.dispose([xBits, xSoft]);
    },
  );

  it.each([false, true])(
    "reference path %s: train forward and gradients are the unpruned layer's with the dropped candidates' weight 0",
    (reference) => {
      tf.env().set("RELAX_FORCE_REFERENCE", reference);
      const make = () => learnedLayer(12, 10, "softmax16", "soft", 21, K);
      const pruned = make();
      const masked = make();
      const kept = pruned.pruneCandidates(2);
      // the unpruned layer with every dropped wiring logit far below: its softmax weight underflows to 0
      const u = Float32Array.from((masked.wiring as tf.Variable).dataSync(), () => -200);
      const uOld = (masked.wiring as tf.Variable).dataSync();
      for (const e of kept) u[e] = uOld[e] as number;
      tf.tidy(() => (masked.wiring as tf.Variable).assign(tf.tensor3d(u, [10, 2, K])));
      const x = tf.tensor2d(soft, [batch, 12]);
      const w = tf.linspace(-1, 1, 10);
      const run = (l: LogicLayer) => {
        const f = (xi: tf.Tensor) => tf.sum(tf.mul(l.forward(xi), w));
        const y = takeValues(l.forward(x));
        const { value, grads } = tf.variableGrads(() => f(x) as tf.Scalar, l.variables);
        const dx = tf.grad((xi: tf.Tensor) => f(xi))(x);
        const out = {
          y,
          dz: takeValues(grads[l.logits.name] as tf.Tensor),
          du: takeValues(grads[(l.wiring as tf.Variable).name] as tf.Tensor),
          dx: takeValues(dx),
        };
        value.dispose();
        return out;
      };
      const a = run(pruned);
      const b = run(masked);
      a.y.forEach((v, i) => expect(v).toBeCloseTo(b.y[i] as number, 5));
      a.dz.forEach((v, i) => expect(v).toBeCloseTo(b.dz[i] as number, 5));
      a.dx.forEach((v, i) => expect(v).toBeCloseTo(b.dx[i] as number, 5));
      a.du.forEach((v, i) => expect(v).toBeCloseTo(b.du[kept[i] as number] as number, 5));
      expect(a.du.some((v) => Math.abs(v) > 1e-3)).toBe(true);
      tf.dispose([x, w]);
      pruned.dispose();
      masked.dispose();
    },
  );

  it("carries fusedAdam's moments of the kept logits and its step count over; training goes on", async () => {
    const n = learnedNet("softmax16", "soft", K);
    const opt = fusedAdam(0.05);
    const x = tf.tensor2d(Float32Array.from(bits), [batch, 12]);
    const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1, 1, 0, 0, 1], "int32"), 2);
    const step = () =>
      tf.tidy(() => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, n.forward(x)) as tf.Scalar, true, n.variables)?.dataSync()[0]);
    for (let i = 0; i < 3; i++) step();
    const moments = async () => {
      const ws = await opt.getWeights();
      const out = new Map(ws.map((w) => [w.name, Array.from(w.tensor.dataSync())]));
      tf.dispose(ws.map((w) => w.tensor));
      return out;
    };
    const layer = n.layers[0] as LogicLayer;
    const oldName = (layer.wiring as tf.Variable).name;
    const before = await moments();
    const kept = layer.pruneCandidates(2, { optimizer: opt });
    const newName = (layer.wiring as tf.Variable).name;
    const after = await moments();
    expect(after.has(`${oldName}/m`)).toBe(false);
    for (const part of ["m", "v"]) {
      const old = before.get(`${oldName}/${part}`) as number[];
      expect(after.get(`${newName}/${part}`)).toEqual(Array.from(kept, (e) => old[e] as number));
      expect(old.some((v) => v !== 0)).toBe(true);
    }
    // the other layers' moments untouched
    expect(after.get(`${layer.logits.name}/m`)).toEqual(before.get(`${layer.logits.name}/m`));
    const last = step();
    expect(Number.isFinite(last)).toBe(true);
    // freezing through pruneCandidates(1) drops the moments of the gone variable
    (n.layers[2] as LogicLayer).pruneCandidates(1, { optimizer: opt });
    const names = [...(await moments()).keys()];
    expect(names.filter((s) => s.startsWith("logic_wiring_"))).toEqual([`${newName}/m`, `${newName}/v`]);
    step();
    opt.dispose();
    n.dispose();
    tf.dispose([x, y]);
  });

  it("keep 1 is freezeWiring, keep K changes nothing, and a bare call leaks no tensor", () => {
    const a = learnedLayer(12, 10, "softmax16", "hard-st", 31, K);
    const b = learnedLayer(12, 10, "softmax16", "hard-st", 31, K);
    const wiring = a.wiring;
    const tensors = tf.memory().numTensors;
    expect(Array.from(a.pruneCandidates(K))).toEqual(Array.from({ length: 10 * 2 * K }, (_, i) => i));
    expect(a.wiring).toBe(wiring);
    expect(tf.memory().numTensors).toBe(tensors);
    a.pruneCandidates(1);
    b.freezeWiring();
    expect(tf.memory().numTensors).toBe(tensors - 2);
    expect([a.candidates, a.wiring, Array.from(a.candA), Array.from(a.candB)]).toEqual([1, null, Array.from(b.candA), Array.from(b.candB)]);
    a.dispose();
    b.dispose();
  });

  it("bad calls are RelaxErrors naming the argument", () => {
    const l = learnedLayer(12, 10, "softmax16", "soft", 41, K);
    const fixed = new LogicLayer(12, 10, { seed: 1 });
    const opt = fusedAdam(0.1);
    expect(() => l.pruneCandidates(0)).toThrow(/keep/);
    expect(() => l.pruneCandidates(K + 1)).toThrow(/keep/);
    expect(() => l.pruneCandidates(1.5)).toThrow(RelaxError);
    expect(() => l.pruneCandidates(2, { optimiser: opt } as never)).toThrow(/optimiser/);
    expect(() => l.pruneCandidates(2, { optimizer: tf.train.adam(0.1) } as never)).toThrow(/optimizer.*FusedAdamOptimizer/);
    expect(() => fixed.pruneCandidates(1)).toThrow(/learned connections/);
    expect(l.candidates).toBe(K);
    const n = new LogicNet([l, new GroupSum(2, 1)]);
    expect(() => n.pruneCandidates(2, { keep: 3 } as never)).toThrow(/keep/);
    expect(() => n.pruneCandidates(-1)).toThrow(RelaxError);
    // a net prunes only layers with more than `keep` candidates
    expect(n.pruneCandidates(K + 4)).toBe(0);
    expect(() => opt.carryMoments("x", l.wiring, [0])).toThrow(/indices/);
    n.dispose();
    fixed.dispose();
    opt.dispose();
  });

  /** Conv net: learned leaves in two stages (M = 6, 9), a learned dense layer (K = 4); seeded wiring logits. */
  function convNet(wiringChoice: Choice): ConvLogicNet {
    const tree = (inC: number, outC: number, options: ConstructorParameters<typeof LogicConvTree>[2]) => {
      const t = new LogicConvTree(inC, outC, { connections: "learned", wiringChoice, ...options });
      tf.tidy(() => t.wiring?.assign(randomTensor(77, t.wiring.shape, -2, 2)));
      return t;
    };
    return new ConvLogicNet(
      [9, 9, 2],
      [
        tree(2, 4, { receptiveField: 3, depth: 2, stride: 2, candidates: 6, seed: 1 }),
        tree(4, 6, { receptiveField: 3, depth: 1, padding: "same", candidates: 9, seed: 2 }),
        new OrPool({ size: 2 }),
        learnedLayer(2 * 2 * 6, 40, "softmax16", wiringChoice, 3, 4),
        new GroupSum(4, 1),
      ],
    );
  }

  it.each([
    ["soft", false],
    ["hard-st", false],
    ["soft", true],
    ["hard-st", true],
  ] as const)(
    "ConvLogicNet (%s leaves, reference path %s): eval forward, circuit and saved net stay; train mode is the masked net's",
    (wiringChoice, reference) => {
      tf.env().set("RELAX_FORCE_REFERENCE", reference);
      const net = convNet(wiringChoice);
      const masked = convNet(wiringChoice);
      const x = tf.tidy(() => tf.cast(tf.greater(randomTensor(8, [30, 9, 9, 2]), 0.5), "float32")) as tf.Tensor4D;
      const xSoft = randomTensor(9, [30, 9, 9, 2]) as tf.Tensor4D;
      const trees = (n: ConvLogicNet) => n.convs.filter((m): m is LogicConvTree => m instanceof LogicConvTree);
      const before = {
        eval: takeValues(net.forward(x, { mode: "eval" })),
        counts: Array.from(compile(net).counts(x.dataSync() as Float32Array, 30)),
        leaves: trees(net).map((t) => t.discreteLeaves()),
        tensors: tf.memory().numTensors,
      };
      const opt = fusedAdam(0.1);
      expect(net.pruneCandidates(3, { optimizer: opt })).toBe(3);
      expect(tf.memory().numTensors).toBe(before.tensors);
      trees(net).forEach((t, i) => {
        expect(t.candidates).toBe(3);
        expect(t.wiring?.shape).toEqual([t.outChannels, 1 << t.depth, 3]);
        expect(t.discreteLeaves()).toEqual(before.leaves[i]);
      });
      // the unpruned twin with every dropped leaf and wire logit far below (weight 0), matched by position and input
      trees(masked).forEach((t, i) => {
        const p = trees(net)[i] as LogicConvTree;
        const M = t.candidates;
        const u = (t.wiring as tf.Variable).dataSync();
        const m = Float32Array.from(u, () => -200);
        const n = u.length / M;
        for (let s = 0; s < n; s++)
          for (let k = 0; k < M; k++)
            for (let r = 0; r < 3; r++)
              if (
                t.leafY[s * M + k] === p.leafY[s * 3 + r] &&
                t.leafX[s * M + k] === p.leafX[s * 3 + r] &&
                t.leafC[s * M + k] === p.leafC[s * 3 + r]
              )
                m[s * M + k] = u[s * M + k] as number;
        tf.tidy(() => (t.wiring as tf.Variable).assign(tf.tensor(m, t.wiring?.shape)));
      });
      const dense = masked.dense?.layers[0] as LogicLayer;
      const prunedDense = net.dense?.layers[0] as LogicLayer;
      tf.tidy(() => {
        const u = (dense.wiring as tf.Variable).dataSync();
        const m = Float32Array.from(u, () => -200);
        for (let j = 0; j < dense.outDim; j++)
          for (let k = 0; k < 4; k++)
            for (let side = 0; side < 2; side++) {
              const cand = side ? dense.candB : dense.candA;
              const pr = side ? prunedDense.candB : prunedDense.candA;
              for (let r = 0; r < 3; r++)
                if (cand[j * 4 + k] === pr[j * 3 + r]) m[(2 * j + side) * 4 + k] = u[(2 * j + side) * 4 + k] as number;
            }
        (dense.wiring as tf.Variable).assign(tf.tensor(m, dense.wiring?.shape));
      });
      const train = takeValues(net.forward(xSoft, { mode: "train" }));
      takeValues(masked.forward(xSoft, { mode: "train" })).forEach((v, i) => expect(train[i] as number).toBeCloseTo(v, 5));
      expect(takeValues(net.forward(x, { mode: "eval" }))).toEqual(before.eval);
      expect(Array.from(compile(net).counts(x.dataSync() as Float32Array, 30))).toEqual(before.counts);
      const loaded = ConvLogicNet.fromJSON(JSON.stringify(net.toJSON()));
      expect(takeValues(loaded.forward(x, { mode: "eval" }))).toEqual(before.eval);
      expect(net.pruneCandidates(1, { optimizer: opt })).toBe(3);
      expect(trees(net).map((t) => [t.candidates, t.wiring])).toEqual([
        [1, null],
        [1, null],
      ]);
      expect(takeValues(net.forward(x, { mode: "eval" }))).toEqual(before.eval);
      expect(() => trees(net)[0]?.pruneCandidates(1)).toThrow(/LogicConvTree.pruneCandidates.*learned leaves/);
      expect(() => net.pruneCandidates(2, { optimiser: opt } as never)).toThrow(/optimiser/);
      opt.dispose();
      loaded.dispose();
      masked.dispose();
      net.dispose();
      tf.dispose([x, xSoft]);
    },
  );
});
