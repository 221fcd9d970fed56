import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import { countLeakedTensors, gradCheck } from "@relax/core/testing";
import { beforeAll, describe, expect, it } from "vitest";
import {
  ConvLogicNet,
  GroupSum,
  LogicConvTree,
  LogicLayer,
  OrPool,
  compile,
  orPool,
  relaxedGate,
  wasmSimdSupported,
  type LogicConvTreeJSON,
} from "../src/index.js";
import { logicRng } from "../src/rng.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function randomImages(seed: number, shape: [number, number, number, number], binary: boolean): tf.Tensor4D {
  const rng = logicRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, () => (binary ? (rng.next() < 0.5 ? 1 : 0) : rng.next()));
  return tf.tensor4d(v, shape);
}

function oneHotLogits(ids: number[]): number[] {
  return ids.flatMap((id) => Array.from({ length: 16 }, (_, i) => (i === id ? 3 : i === (id + 5) % 16 ? 1 : -0.5 + 0.1 * i)));
}

/** A 1-channel tree over a 2 × 2 window: leaves (0,0) (0,1) (1,0) (1,1); node0 = AND, node1 = OR, root = XOR. */
function tinyTree(padding: "valid" | "same" = "valid"): LogicConvTree {
  const json: LogicConvTreeJSON = {
    type: "logicConvTree",
    inChannels: 1,
    outChannels: 1,
    receptiveField: 2,
    depth: 2,
    padding,
    leafY: [0, 0, 1, 1],
    leafX: [0, 1, 0, 1],
    leafC: [0, 0, 0, 0],
    logits: oneHotLogits([1, 7, 6]),
  };
  return LogicConvTree.fromJSON(json);
}

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe("LogicConvTree", () => {
  it("output shapes for valid and same padding, several depths and channels", () => {
    const x = randomImages(1, [2, 7, 6, 3], false);
    for (const depth of [1, 2, 3]) {
      const valid = new LogicConvTree(3, 5, { receptiveField: 3, depth, seed: depth });
      const same = new LogicConvTree(3, 4, { receptiveField: 3, depth, padding: "same", seed: depth });
      const yv = valid.forward(x);
      const ys = same.forward(x, { mode: "eval" });
      expect(yv.shape).toEqual([2, 5, 4, 5]);
      expect(ys.shape).toEqual([2, 7, 6, 4]);
      expect(valid.logits.shape).toEqual([5, (1 << depth) - 1, 16]);
      tf.dispose([yv, ys]);
      valid.dispose();
      same.dispose();
    }
    x.dispose();
  });

  it("leaves stay inside the window and use at most channelsPerTree channels; seeded", () => {
    const a = new LogicConvTree(6, 10, { receptiveField: 3, depth: 3, seed: 7 });
    const b = new LogicConvTree(6, 10, { receptiveField: 3, depth: 3, seed: 7 });
    expect(Array.from(a.leafC)).toEqual(Array.from(b.leafC));
    expect(Array.from(a.leafY)).toEqual(Array.from(b.leafY));
    for (let k = 0; k < 10; k++) {
      const chans = new Set(Array.from(a.leafC.subarray(k * 8, k * 8 + 8)));
      expect(chans.size).toBeLessThanOrEqual(2);
      const pos = new Set(Array.from({ length: 8 }, (_, l) => `${a.leafY[k * 8 + l]},${a.leafX[k * 8 + l]},${a.leafC[k * 8 + l]}`));
      expect(pos.size).toBe(8); // 18 candidate positions ≥ 8 leaves → distinct
    }
    expect(Math.max(...a.leafY, ...a.leafX)).toBeLessThan(3);
    a.dispose();
    b.dispose();
  });

  it("eval mode is exactly binary on binary input and equals the hand-computed tree", () => {
    const tree = tinyTree();
    const img = [
      [1, 0, 1],
      [1, 1, 0],
      [0, 1, 1],
    ];
    const x = tf.tensor4d(img.flat(), [1, 3, 3, 1]);
    const y = tree.forward(x, { mode: "eval" });
    expect(y.shape).toEqual([1, 2, 2, 1]);
    const expected: number[] = [];
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        const [p, q, r, s] = [img[i]![j]!, img[i]![j + 1]!, img[i + 1]![j]!, img[i + 1]![j + 1]!];
        expected.push((p & q) ^ (r | s));
      }
    }
    expect(Array.from(y.dataSync())).toEqual(expected);
    expect(Array.from(tree.gateIds())).toEqual([1, 7, 6]);
    // random binary input through a random tree: exactly 0/1
    const big = new LogicConvTree(2, 8, { receptiveField: 3, depth: 3, padding: "same", seed: 3 });
    const xb = randomImages(4, [3, 6, 5, 2], true);
    const yb = big.forward(xb, { mode: "eval" }).dataSync();
    expect(Array.from(yb).every((v) => v === 0 || v === 1)).toBe(true);
    tf.dispose([x, y, xb]);
    tree.dispose();
    big.dispose();
  });

  it("train mode equals the softmax mixture of relaxed gates computed by hand (same padding)", () => {
    const tree = tinyTree("same");
    const rng = logicRng(11);
    const img = Array.from({ length: 3 }, () => Array.from({ length: 3 }, () => rng.next()));
    const x = tf.tensor4d(img.flat(), [1, 3, 3, 1]);
    const y = tree.forward(x, { mode: "train" }).dataSync();
    const z = oneHotLogits([1, 7, 6]);
    const probs = [0, 1, 2].map((n) => softmax(z.slice(n * 16, n * 16 + 16)));
    const mix = (n: number, a: number, b: number): number => probs[n]!.reduce((s, p, id) => s + p * relaxedGate(id, a, b), 0);
    const px = (i: number, j: number): number => (i < 3 && j < 3 ? img[i]![j]! : 0); // 'same' with rf 2 pads bottom/right
    let o = 0;
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const want = mix(2, mix(0, px(i, j), px(i, j + 1)), mix(1, px(i + 1, j), px(i + 1, j + 1)));
        expect(y[o++]).toBeCloseTo(want, 5);
      }
    }
    x.dispose();
    tree.dispose();
  });

  it("matches a naive JS tree (depth 3, 2 channels, same padding, train and eval)", () => {
    const tree = new LogicConvTree(3, 5, { receptiveField: 3, depth: 3, padding: "same", seed: 21 });
    const j = tree.toJSON();
    const [B, H, W, Cin] = [2, 4, 5, 3];
    const x = randomImages(22, [B, H, W, Cin], false);
    const xv = x.dataSync();
    for (const mode of ["train", "eval"] as const) {
      const y = tree.forward(x, { mode }).dataSync();
      const ids = tree.gateIds();
      const mix = (node: number, a: number, b: number): number => {
        const z = j.logits.slice(node * 16, node * 16 + 16);
        const p = mode === "train" ? softmax(z) : z.map((_, i) => (i === ids[node] ? 1 : 0));
        return p.reduce((s, q, id) => s + q * relaxedGate(id, a, b), 0);
      };
      let maxErr = 0;
      for (let b = 0; b < B; b++)
        for (let i = 0; i < H; i++)
          for (let jj = 0; jj < W; jj++)
            for (let k = 0; k < 5; k++) {
              let level = Array.from({ length: 8 }, (_, l) => {
                const q = k * 8 + l;
                const r = i + j.leafY[q]! - 1;
                const c = jj + j.leafX[q]! - 1;
                return r >= 0 && r < H && c >= 0 && c < W ? xv[((b * H + r) * W + c) * Cin + j.leafC[q]!]! : 0;
              });
              let node = k * 7;
              while (level.length > 1) {
                const next: number[] = [];
                for (let m = 0; m < level.length / 2; m++) next.push(mix(node++, level[2 * m]!, level[2 * m + 1]!));
                level = next;
              }
              maxErr = Math.max(maxErr, Math.abs(level[0]! - y[((b * H + i) * W + jj) * 5 + k]!));
            }
      expect(maxErr).toBeLessThan(1e-5);
    }
    x.dispose();
    tree.dispose();
  });

  it("gradients: input grads match finite differences; logit grads finite, non-zero, match FD", () => {
    const tree = new LogicConvTree(2, 3, { receptiveField: 2, depth: 2, seed: 5 });
    const x = randomImages(6, [2, 3, 3, 2], false);
    const W = randomImages(8, [2, 2, 2, 3], false);
    const loss = (xi: tf.Tensor): tf.Scalar => tf.sum(tf.mul(tree.forward(xi as tf.Tensor4D), W));
    const r = gradCheck(loss, [x]);
    expect(r.ok, JSON.stringify(r.worst)).toBe(true);
    const { grads, value } = tf.variableGrads(() => loss(x), [tree.logits]);
    const g = grads[tree.logits.name]!.dataSync();
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
    expect(Math.max(...Array.from(g, Math.abs))).toBeGreaterThan(1e-4);
    const z0 = tree.logits.dataSync().slice();
    for (const i of [0, 17, 40, 100, 143]) {
      const h = 1e-2;
      const at = (d: number): number => {
        const z = z0.slice();
        z[i] = (z[i] as number) + d;
        tree.logits.assign(tf.tensor3d(z, [3, 3, 16]));
        return tf.tidy(() => loss(x).dataSync()[0] as number);
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(fd - (g[i] as number))).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
    }
    tf.dispose([x, W, value, ...Object.values(grads)]);
    tree.dispose();
  });

  it("does not leak tensors (forward both modes, gradients, orPool)", () => {
    const tree = new LogicConvTree(1, 4, { receptiveField: 3, seed: 2, padding: "same" });
    const x = randomImages(3, [2, 6, 6, 1], false);
    tree.forward(x).dispose(); // warm the index cache
    const leaked = countLeakedTensors(() => {
      tf.tidy(() => {
        tree.forward(x, { mode: "eval" });
        orPool(tree.forward(x), { method: "probabilistic" });
        tf.variableGrads(() => tf.sum(orPool(tree.forward(x))), [tree.logits]);
      });
    });
    expect(leaked).toBe(0);
    x.dispose();
    tree.dispose();
  });

  it("bad inputs → RelaxError", () => {
    const tree = new LogicConvTree(2, 3, { receptiveField: 3, seed: 1 });
    expect(() => tree.forward(tf.zeros([2, 5, 5]))).toThrow(RelaxError); // wrong rank
    expect(() => tree.forward(tf.zeros([2, 5, 5, 3]))).toThrow(RelaxError); // wrong channels
    expect(() => tree.forward(tf.zeros([1, 2, 5, 2]))).toThrow(RelaxError); // field larger than input
    expect(() => tree.forward(tf.fill([1, 4, 4, 2], NaN))).toThrow(RelaxError);
    expect(() => tree.forward(tf.zeros([1, 4, 4, 2]), { mode: "fast" as "eval" })).toThrow(RelaxError);
    expect(() => new LogicConvTree(0, 3)).toThrow(RelaxError);
    expect(() => new LogicConvTree(2, 3, { depth: 0 })).toThrow(RelaxError);
    expect(() => new LogicConvTree(2, 3, { receptiveField: 1.5 })).toThrow(RelaxError);
    expect(() => new LogicConvTree(2, 3, { padding: "full" as "same" })).toThrow(RelaxError);
    expect(() => new LogicConvTree(2, 3, { init: "xavier" as "gaussian" })).toThrow(RelaxError);
    expect(() => new LogicConvTree(2, 3, { channelsPerTree: 3 })).toThrow(RelaxError);
    expect(() => LogicConvTree.fromJSON({ ...tree.toJSON(), leafC: [9] })).toThrow(RelaxError);
    expect(() => orPool(tf.zeros([1, 4, 4]))).toThrow(RelaxError);
    expect(() => orPool(tf.zeros([1, 1, 4, 1]), { size: 2 })).toThrow(RelaxError);
    expect(() => orPool(tf.zeros([1, 4, 4, 1]), { method: "sum" as "max" })).toThrow(RelaxError);
    tree.dispose();
  });

  it("residual init passes leaf 0 through every level (eval mode)", () => {
    const tree = new LogicConvTree(2, 3, { receptiveField: 3, depth: 3, init: "residual", seed: 4 });
    expect(Array.from(tree.gateIds()).every((id) => id === 3)).toBe(true);
    const x = randomImages(9, [1, 4, 4, 2], true);
    const xv = x.dataSync();
    const y = tree.forward(x, { mode: "eval" }).dataSync();
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 2; j++)
        for (let k = 0; k < 3; k++) {
          const q = k * 8;
          const leaf = xv[((i + tree.leafY[q]!) * 4 + j + tree.leafX[q]!) * 2 + tree.leafC[q]!];
          expect(y[(i * 2 + j) * 3 + k]).toBe(leaf);
        }
    x.dispose();
    tree.dispose();
  });

  it("toJSON / fromJSON round trip is exact", () => {
    const a = new LogicConvTree(3, 4, { receptiveField: 3, depth: 3, padding: "same", seed: 9 });
    const b = LogicConvTree.fromJSON(JSON.parse(JSON.stringify(a.toJSON())) as LogicConvTreeJSON);
    const x = randomImages(2, [1, 5, 5, 3], false);
    expect(Array.from(b.forward(x).dataSync())).toEqual(Array.from(a.forward(x).dataSync()));
    a.dispose();
    b.dispose();
  });
});

describe("orPool", () => {
  it("max and probabilistic OR; exact Boolean OR on 0/1", () => {
    const v = [0.1, 0.5, 0.2, 0.0, 0.3, 0.4, 0.9, 0.0, 0.0, 0.0, 0.2, 0.6, 0.0, 0.0, 0.1, 0.3];
    const x = tf.tensor4d(v, [1, 4, 4, 1]);
    expect(Array.from(orPool(x).dataSync())).toEqual([0.5, 0.9, 0, 0.6].map(Math.fround));
    const p = orPool(x, { method: "probabilistic" }).dataSync();
    const win = (i: number, j: number) => [v[i * 4 + j]!, v[i * 4 + j + 1]!, v[(i + 1) * 4 + j]!, v[(i + 1) * 4 + j + 1]!];
    const want = [win(0, 0), win(0, 2), win(2, 0), win(2, 2)].map((w) => 1 - w.reduce((s, a) => s * (1 - a), 1));
    want.forEach((w, i) => expect(p[i]).toBeCloseTo(w, 6));
    const xb = randomImages(3, [2, 6, 5, 3], true);
    const m = orPool(xb, { size: 3, stride: 2 }).dataSync();
    const q = orPool(xb, { size: 3, stride: 2, method: "probabilistic" }).dataSync();
    expect(orPool(xb, { size: 3, stride: 2 }).shape).toEqual([2, 2, 2, 3]);
    expect(Array.from(q)).toEqual(Array.from(m));
    const r = gradCheck(
      (t) => tf.sum(tf.mul(orPool(t, { method: "probabilistic", size: 2, stride: 1 }), 1.3)),
      [randomImages(5, [1, 3, 3, 2], false)],
    );
    expect(r.ok).toBe(true);
  });
});

describe("ConvLogicNet", () => {
  it("checks shapes and exposes all variables", () => {
    const conv = new LogicConvTree(1, 4, { receptiveField: 3, seed: 1 });
    const layer = new LogicLayer(3 * 3 * 4, 20, { seed: 2 });
    const net = new ConvLogicNet([8, 8, 1], [conv, new OrPool(), layer, new GroupSum(2, 1)]);
    expect(net.featureDim).toBe(36);
    expect(net.variables).toHaveLength(2);
    const out = net.forward(randomImages(1, [3, 8, 8, 1], true), { mode: "eval" });
    expect(out.shape).toEqual([3, 2]);
    expect(() => new ConvLogicNet([8, 8, 1], [conv, new LogicLayer(40, 20, { seed: 1 })])).toThrow(RelaxError);
    expect(() => new ConvLogicNet([8, 8, 2], [conv])).toThrow(RelaxError);
    expect(() => new ConvLogicNet([2, 2, 1], [conv])).toThrow(RelaxError);
    expect(() => net.forward(tf.zeros([1, 8, 7, 1]))).toThrow(RelaxError);
    net.dispose();
  });

  it("learns vertical vs horizontal bars on 8×8 images to > 90 % (eval mode, discrete)", () => {
    const rng = logicRng(123);
    const makeData = (n: number): { x: tf.Tensor4D; y: tf.Tensor2D; labels: number[] } => {
      const v = new Float32Array(n * 64);
      const labels: number[] = [];
      for (let s = 0; s < n; s++) {
        const vertical = rng.next() < 0.5;
        labels.push(vertical ? 1 : 0);
        const line = rng.int(8);
        const len = 4 + rng.int(5);
        const start = rng.int(8 - len + 1);
        for (let t = start; t < start + len; t++) {
          const [i, j] = vertical ? [t, line] : [line, t];
          v[s * 64 + i * 8 + j] = 1;
        }
        for (let p = 0; p < 64; p++) if (rng.next() < 0.03) v[s * 64 + p] = 1; // salt noise
      }
      return { x: tf.tensor4d(v, [n, 8, 8, 1]), y: tf.oneHot(tf.tensor1d(labels, "int32"), 2) as tf.Tensor2D, labels };
    };
    const train = makeData(512);
    const test = makeData(300);
    const net = new ConvLogicNet(
      [8, 8, 1],
      [
        new LogicConvTree(1, 8, { receptiveField: 3, depth: 2, seed: 1 }),
        new OrPool({ size: 2, stride: 2 }),
        new LogicLayer(3 * 3 * 8, 200, { seed: 2 }),
        new GroupSum(2, 5),
      ],
    );
    const opt = tf.train.adam(0.05);
    const t0 = performance.now();
    const batch = 32;
    for (let step = 0; step < 200; step++) {
      const off = (step * batch) % 512;
      tf.tidy(() => {
        const xb = tf.slice(train.x, [off, 0, 0, 0], [batch, 8, 8, 1]);
        const yb = tf.slice(train.y, [off, 0], [batch, 2]);
        opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, net.forward(xb, { mode: "train" })) as tf.Scalar, false, net.variables);
      });
    }
    const seconds = (performance.now() - t0) / 1000;
    const pred = tf.tidy(() => tf.argMax(net.forward(test.x, { mode: "eval" }), 1).dataSync());
    const acc = test.labels.filter((l, i) => pred[i] === l).length / test.labels.length;
    console.log(`conv logic bars: eval accuracy ${(acc * 100).toFixed(1)} % after 200 steps in ${seconds.toFixed(1)} s`);
    expect(acc).toBeGreaterThan(0.9);
    // The trained net compiles to a circuit that keeps its accuracy: identical counts on every test image
    // (JS and WASM bit backends), and so does the net reloaded from JSON.
    const counts = tf.tidy(() => Array.from(tf.round(tf.mul(net.forward(test.x, { mode: "eval" }), 5)).dataSync()));
    const bytes = Uint8Array.from(test.x.dataSync());
    const reloaded = ConvLogicNet.fromJSON(JSON.stringify(net.toJSON()));
    for (const backend of wasmSimdSupported() ? (["js", "wasm"] as const) : (["js"] as const)) {
      const compiled = compile(net, { backend });
      expect(Array.from(compiled.counts(bytes, 300))).toEqual(counts);
      const labels = compiled.predict(test.x);
      expect(test.labels.filter((l, i) => labels[i] === l).length / test.labels.length).toBe(acc);
      expect(Array.from(compile(reloaded, { backend }).counts(bytes, 300))).toEqual(counts);
    }
    const compiled = compile(net);
    console.log(`conv logic bars: compiled circuit ${compiled.numGates} gates (${compiled.circuit.sourceGates} before simplification)`);
    reloaded.dispose();
    tf.dispose([train.x, train.y, test.x, test.y]);
    opt.dispose();
    net.dispose();
  });
});
