import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { GroupSum, LogicLayer, LogicNet, compile, fusedAdam } from "../src/index.js";
import { resampleCandidates } from "../src/candidates.js";
import { randomBits } from "./helpers.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function softmaxMin(u: ArrayLike<number>, o: number, K: number): { min: number; weight: number; argmax: number } {
  let max = -Infinity;
  let argmax = 0;
  let min = 0;
  for (let k = 0; k < K; k++) {
    if ((u[o + k] as number) > max) {
      max = u[o + k] as number;
      argmax = k;
    }
    if ((u[o + k] as number) < (u[o + min] as number)) min = k;
  }
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp((u[o + k] as number) - max);
  return { min, weight: Math.exp((u[o + min] as number) - max) / sum, argmax };
}

describe("resampleCandidates (prune the weakest candidate wire, regrow at random)", () => {
  it("replaces exactly the weak gate inputs' weakest candidate, by an input not among its candidates", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 0, max: 1e6 }),
        fc.double({ min: 0.001, max: 0.5, noNaN: true }),
        (outDim, K, seed, below) => {
          const inDim = K + 3 + (seed % 20);
          let state = seed + 1;
          const next = () => (state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32;
          const rng = { int: (n: number) => Math.floor(next() * n) };
          const draw = () => {
            const c = new Int32Array(outDim * K);
            for (let j = 0; j < outDim; j++) {
              const taken = new Set<number>();
              for (let k = 0; k < K; k++) {
                let v = rng.int(inDim);
                while (taken.has(v)) v = rng.int(inDim);
                taken.add(v);
                c[j * K + k] = v;
              }
            }
            return c;
          };
          const candA = draw();
          const candB = draw();
          const u = Float32Array.from({ length: outDim * 2 * K }, () => (next() - 0.5) * 12);
          const beforeA = candA.slice();
          const beforeB = candB.slice();
          const replaced = new Set(resampleCandidates(candA, candB, u, K, inDim, below, rng));
          for (let j = 0; j < outDim; j++)
            for (let side = 0; side < 2; side++) {
              const cand = side === 0 ? candA : candB;
              const before = side === 0 ? beforeA : beforeB;
              const o = (2 * j + side) * K;
              const { min, weight, argmax } = softmaxMin(u, o, K);
              const weak = weight < below && min !== argmax;
              for (let k = 0; k < K; k++) {
                const changed = cand[j * K + k] !== before[j * K + k];
                expect(changed).toBe(weak && k === min);
                expect(replaced.has(o + k)).toBe(weak && k === min);
              }
              // still K distinct inputs in range
              const row = Array.from(cand.subarray(j * K, (j + 1) * K));
              expect(new Set(row).size).toBe(K);
              for (const v of row) expect(v >= 0 && v < inDim).toBe(true);
            }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("leaves equal logits (initialisation) and K = inDim alone", () => {
    const candA = Int32Array.from([0, 1, 2, 3]);
    const candB = Int32Array.from([3, 2, 1, 0]);
    const rng = { int: (n: number) => n - 1 };
    expect(resampleCandidates(candA, candB, new Float32Array(8), 4, 10, 0.5, rng).length).toBe(0);
    const u = Float32Array.from([9, 0, 0, 0, 9, 0, 0, 0]);
    expect(resampleCandidates(candA, candB, u, 4, 4, 0.5, rng).length).toBe(0);
    expect(Array.from(candA)).toEqual([0, 1, 2, 3]);
  });
});

describe("LogicLayer.resampleCandidates + fusedAdam.resetMomentum", () => {
  it("changes candidates but not the chosen wires, the eval-mode output or the compiled circuit", () => {
    const layer = new LogicLayer(64, 40, { connections: "learned", candidates: 6, seed: 3 });
    const net = new LogicNet([layer, new GroupSum(4, 2)]);
    // a trained-looking wiring: one strong candidate per gate input, the rest spread below
    const u = Float32Array.from({ length: 40 * 2 * 6 }, (_, i) => (i % 6 === (i >> 3) % 6 ? 6 : -((i * 7) % 5)));
    layer.wiring!.assign(tf.tensor3d(u, [40, 2, 6]));
    const a0 = layer.a.slice();
    const b0 = layer.b.slice();
    const cand0 = layer.candA.slice();
    const x = tf.tensor2d(Float32Array.from(randomBits(5, 32 * 64)), [32, 64]);
    const before = net.forward(x, { mode: "eval" });
    const replaced = layer.resampleCandidates({ below: 0.05 });
    expect(replaced.length).toBeGreaterThan(20);
    expect(Array.from(layer.candA).some((v, i) => v !== cand0[i])).toBe(true);
    expect(Array.from(layer.a)).toEqual(Array.from(a0));
    expect(Array.from(layer.b)).toEqual(Array.from(b0));
    const after = net.forward(x, { mode: "eval" });
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    const compiled = compile(net, { backend: "js" });
    const bits = Float32Array.from(randomBits(5, 32 * 64));
    const counts = compiled.counts(bits, 32);
    const ref = net.forward(tf.tensor2d(bits, [32, 64]), { mode: "eval" }).dataSync();
    // GroupSum(4, τ = 2): eval output = counts / τ
    expect(Array.from(counts).map((c) => c / 2)).toEqual(Array.from(ref));
    // a second call draws other inputs (seeded by the call count)
    const again = layer.candA.slice();
    layer.resampleCandidates({ below: 0.05 });
    expect(Array.from(layer.candA).some((v, i) => v !== again[i])).toBe(true);
    // JSON round trip keeps the new candidates
    const copy = LogicNet.fromJSON(net.toJSON());
    expect(Array.from((copy.layers[0] as LogicLayer).candA)).toEqual(Array.from(layer.candA));
    for (const t of [x, before, after]) t.dispose();
    net.dispose();
    copy.dispose();
  });

  it("training with resampling keeps working (loss falls) and leaks no tensors", () => {
    const layer = new LogicLayer(48, 64, { connections: "learned", candidates: 4, seed: 9 });
    const net = new LogicNet([layer, new LogicLayer(64, 32, { seed: 10 }), new GroupSum(2, 4)]);
    const bits = Float32Array.from(randomBits(11, 64 * 48));
    const x = tf.tensor2d(bits, [64, 48]);
    // label: XOR of two fixed input bits that are unlikely to be candidates of the same gate
    const labels = Array.from({ length: 64 }, (_, r) => (bits[r * 48 + 5]! ^ bits[r * 48 + 40]!) as number);
    const y = tf.oneHot(tf.tensor1d(labels, "int32"), 2);
    const opt = fusedAdam(0.1);
    const lossAt = () => tf.tidy(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)).dataSync()[0]!);
    const first = lossAt();
    const start = tf.memory().numTensors;
    let swapped = 0;
    for (let step = 1; step <= 120; step++) {
      tf.tidy(() => {
        opt.minimize(() => tf.losses.softmaxCrossEntropy(y, net.forward(x)) as tf.Scalar, false, net.variables);
      });
      if (step % 20 === 0) {
        const idx = layer.resampleCandidates();
        opt.resetMomentum(layer.wiring!, idx);
        swapped += idx.length;
      }
    }
    expect(tf.memory().numTensors).toBe(start);
    expect(swapped).toBeGreaterThan(0);
    expect(lossAt()).toBeLessThan(first * 0.8);
    for (const t of [x, y]) t.dispose();
    opt.dispose();
    net.dispose();
  });

  it("resetMomentum zeroes m at the given entries only, keeps v; bad indices and fixed wiring are RelaxErrors", () => {
    const theta = tf.variable(tf.tensor1d([1, -2, 3, 0.5]));
    const opt = fusedAdam(0.1);
    opt.resetMomentum(theta, [0]); // before the first step: nothing to reset
    const loss = () => tf.sum(tf.square(theta)) as tf.Scalar;
    opt.minimize(loss, false, [theta]);
    const snapshot = async () => {
      const w = await opt.getWeights();
      const m = Array.from(w.find((t) => t.name.endsWith("/m"))!.tensor.dataSync());
      const v = Array.from(w.find((t) => t.name.endsWith("/v"))!.tensor.dataSync());
      return { m, v };
    };
    return snapshot().then(async (s0) => {
      opt.resetMomentum(theta, [1, 3]);
      const s1 = await snapshot();
      expect(s1.m).toEqual([s0.m[0], 0, s0.m[2], 0]);
      expect(s1.v).toEqual(s0.v);
      expect(() => opt.resetMomentum(theta, [4])).toThrow(RelaxError);
      expect(() => opt.resetMomentum(theta, [1.5])).toThrow(/indices\[0\]/);
      const fixed = new LogicLayer(8, 4, { seed: 1 });
      expect(() => fixed.resampleCandidates()).toThrow(RelaxError);
      const learned = new LogicLayer(8, 4, { connections: "learned", candidates: 2, seed: 1 });
      expect(() => learned.resampleCandidates({ below: 0 })).toThrow(/below/);
      expect(() => learned.resampleCandidates({ bellow: 0.1 } as never)).toThrow(/bellow/);
      theta.dispose();
      opt.dispose();
      fixed.dispose();
      learned.dispose();
    });
  });
});
