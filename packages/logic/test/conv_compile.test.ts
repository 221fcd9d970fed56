import { countLeakedTensorsOnThrow } from "@relax/core/testing";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import { countLeakedTensors } from "@relax/core/testing";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import {
  CompiledLogicNet,
  ConvLogicNet,
  GroupSum,
  LogicConvTree,
  LogicLayer,
  OrPool,
  circuitFromJSON,
  circuitToJSON,
  compile,
  compileCircuit,
  compileConvCircuit,
  exportC,
  exportJS,
  wasmSimdSupported,
  type ConvLogicModule,
  type ConvLogicNetJSON,
  type LogicConvTreeJSON,
} from "../src/index.js";
import { hasGcc, randomNet, runExportedC } from "./helpers.js";
import { logicRng } from "../src/rng.js";
import type { Rng } from "@relax/core";

const dir = mkdtempSync(join(tmpdir(), "relax-logic-conv-"));
const backends = wasmSimdSupported() ? (["js", "wasm"] as const) : (["js"] as const);

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Random logits, some neurons sharpened to one gate, so that every gate id (constants, pass-throughs, …) occurs. */
function sharpLogits(rng: Rng, neurons: number): Float32Array {
  const z = new Float32Array(neurons * 16);
  for (let j = 0; j < z.length; j++) z[j] = rng.normal();
  for (let j = 0; j < neurons; j++) z[j * 16 + rng.int(16)]! += 3;
  return z;
}

interface Case {
  name: string;
  shape: [number, number, number];
  modules: (seed: number) => ConvLogicModule[];
  /** Keep the modules' own logits (e.g. residual init) instead of random sharpened ones. */
  keepLogits?: boolean;
  /** Density of ones in the random images (default 0.4). */
  density?: number;
}

const CASES: Case[] = [
  {
    name: "1 channel, valid 3×3 depth 2, max pool 2/2, one layer, GroupSum(4, 3)",
    shape: [7, 6, 1],
    modules: (s) => [
      new LogicConvTree(1, 4, { receptiveField: 3, depth: 2, seed: s }),
      new OrPool({ size: 2, stride: 2 }),
      new LogicLayer(2 * 2 * 4, 40, { seed: s + 1 }),
      new GroupSum(4, 3),
    ],
  },
  {
    name: "2 channels, same 3×3 depth 3, probabilistic pool 3/2, second tree (same 2×2 depth 1), two layers",
    shape: [6, 6, 2],
    modules: (s) => [
      new LogicConvTree(2, 3, { receptiveField: 3, depth: 3, padding: "same", seed: s }),
      new OrPool({ size: 3, stride: 2, method: "probabilistic" }),
      new LogicConvTree(3, 5, { receptiveField: 2, depth: 1, padding: "same", seed: s + 1 }),
      new LogicLayer(2 * 2 * 5, 30, { seed: s + 2 }),
      new LogicLayer(30, 24, { seed: s + 3 }),
      new GroupSum(3, 2),
    ],
  },
  {
    name: "3 channels, same 4×4 (asymmetric padding) depth 2, probabilistic pool 2/2, GroupSum(2, 4)",
    shape: [5, 4, 3],
    modules: (s) => [
      new LogicConvTree(3, 3, { receptiveField: 4, depth: 2, padding: "same", channelsPerTree: 3, seed: s }),
      new OrPool({ size: 2, stride: 2, method: "probabilistic" }),
      new LogicLayer(2 * 2 * 3, 20, { seed: s + 1 }),
      new GroupSum(2, 4),
    ],
  },
  {
    name: "no dense tail: the flattened feature map (same 3×3, max pool 2 stride 1)",
    shape: [5, 5, 3],
    modules: (s) => [
      new LogicConvTree(3, 2, { receptiveField: 3, depth: 2, padding: "same", channelsPerTree: 3, seed: s }),
      new OrPool({ size: 2, stride: 1 }),
    ],
  },
  {
    name: "strided trees: valid 3×3 stride 2 (9×8 → 4×3), then same 2×2 stride 3 (→ 2×1), dense tail",
    shape: [9, 8, 2],
    modules: (s) => [
      new LogicConvTree(2, 4, { receptiveField: 3, depth: 2, stride: 2, seed: s }),
      new LogicConvTree(4, 3, { receptiveField: 2, depth: 2, stride: 3, padding: "same", parametrization: "bilinear4", seed: s + 1 }),
      new LogicLayer(2 * 1 * 3, 24, { seed: s + 2 }),
      new GroupSum(3, 2),
    ],
  },
  {
    name: "dense tail without head; valid 2×2 depth 4 (leaves repeat), no pool",
    shape: [6, 5, 1],
    modules: (s) => [new LogicConvTree(1, 2, { receptiveField: 2, depth: 4, seed: s }), new LogicLayer(5 * 4 * 2, 20, { seed: s + 1 })],
  },
  {
    name: "pass-through trees (residual init) on sparse images: strided 3×3 pools, two stages, strided 3×3 and 2×2 pools, two stages",
    shape: [9, 8, 2],
    keepLogits: true,
    density: 0.08,
    modules: (s) => [
      new LogicConvTree(2, 3, { receptiveField: 3, depth: 2, padding: "same", init: "residual", seed: s }),
      new OrPool({ size: 3, stride: 2, method: "probabilistic" }),
      new LogicConvTree(3, 2, { receptiveField: 2, depth: 1, padding: "same", init: "residual", seed: s + 1 }),
      new OrPool({ size: 2, stride: 1 }),
    ],
  },
  {
    name: "tree options: bilinear4 gumbel-st nodes (same 3×3 depth 3), softmax16 hard-st nodes (valid 2×2 depth 2), dense tail",
    shape: [7, 7, 2],
    modules: (s) => [
      new LogicConvTree(2, 3, {
        receptiveField: 3,
        depth: 3,
        padding: "same",
        parametrization: "bilinear4",
        gateChoice: "gumbel-st",
        seed: s,
      }),
      new OrPool({ size: 2, stride: 2 }),
      new LogicConvTree(3, 4, { receptiveField: 2, depth: 2, gateChoice: "hard-st", temperature: 0.5, seed: s + 1 }),
      new LogicLayer(2 * 2 * 4, 30, { seed: s + 2 }),
      new GroupSum(3, 2),
    ],
  },
  {
    name: "tree options: bilinear4 soft and hard-st nodes, softmax16 gumbel-st nodes, no dense tail",
    shape: [6, 6, 1],
    modules: (s) => [
      new LogicConvTree(1, 3, { receptiveField: 3, depth: 2, padding: "same", parametrization: "bilinear4", seed: s }),
      new LogicConvTree(3, 3, {
        receptiveField: 2,
        depth: 2,
        padding: "same",
        parametrization: "bilinear4",
        gateChoice: "hard-st",
        seed: s + 1,
      }),
      new OrPool({ size: 2, stride: 2, method: "probabilistic" }),
      new LogicConvTree(3, 2, { receptiveField: 2, depth: 1, gateChoice: "gumbel-st", temperature: 2, seed: s + 2 }),
    ],
  },
];

/** A ConvLogicNet of `tc` with random sharpened logits in every tree and layer. */
function randomConvNet(tc: Case, seed: number): ConvLogicNet {
  const net = new ConvLogicNet(tc.shape, tc.modules(seed));
  if (tc.keepLogits) return net;
  const rng = logicRng(seed * 13 + 1);
  for (const v of net.variables) {
    // bilinear4 parameters (last axis 4): N(0, 1) truth-table logits, every sign pattern (gate) occurs
    if (v.shape[v.shape.length - 1] === 4)
      v.assign(
        tf.tensor(
          Float32Array.from({ length: v.size }, () => rng.normal()),
          v.shape,
        ),
      );
    else v.assign(tf.tensor(sharpLogits(rng, v.size / 16), v.shape));
  }
  return net;
}

function randomImages(seed: number, batch: number, shape: [number, number, number], p = 0.4): Uint8Array {
  const rng = logicRng(seed);
  return Uint8Array.from({ length: batch * shape[0] * shape[1] * shape[2] }, () => (rng.next() < p ? 1 : 0));
}

/** Eval-mode tfjs forward · τ (rounded): the ground truth of every compiled path. */
function evalCounts(net: ConvLogicNet, bits: Uint8Array, batch: number): number[] {
  const tau = net.dense?.head?.tau ?? 1;
  return tf.tidy(() => {
    const out = net.forward(tf.tensor4d(Float32Array.from(bits), [batch, ...net.inputShape]), { mode: "eval" });
    return Array.from(tf.round(tf.mul(out, tau)).dataSync());
  });
}

describe("compile(ConvLogicNet): circuit counts = eval-mode forward · τ", () => {
  CASES.forEach((tc, ci) => {
    it(tc.name, () => {
      const net = randomConvNet(tc, 10 + ci);
      const batch = 70; // not a multiple of the 32-sample word
      const bits = randomImages(100 + ci, batch, tc.shape, tc.density);
      const expected = evalCounts(net, bits, batch);
      // the forward output is exactly integral (0/1 values summed), so rounding hides nothing
      const raw = tf.tidy(() =>
        Array.from(
          tf
            .mul(net.forward(tf.tensor4d(Float32Array.from(bits), [batch, ...tc.shape]), { mode: "eval" }), net.dense?.head?.tau ?? 1)
            .dataSync(),
        ),
      );
      raw.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-4));
      const unsimplified = compileCircuit(net, { simplify: false });
      expect(unsimplified.ops.length).toBe(unsimplified.sourceGates);
      expect(unsimplified.inputShape).toEqual(tc.shape);
      for (const backend of backends) {
        for (const simplify of [true, false]) {
          const c = compile(net, { backend, simplify });
          expect(c.circuit.numInputs).toBe(tc.shape[0] * tc.shape[1] * tc.shape[2]);
          expect(Array.from(c.counts(bits, batch)), `${backend} simplify=${simplify}`).toEqual(expected);
          if (simplify) expect(c.numGates).toBeLessThan(unsimplified.sourceGates);
        }
      }
      // other input forms: Float32 flat, the [batch, H, W, C] tensor, the [batch, n] tensor
      const c = compile(net);
      expect(Array.from(c.counts(Float32Array.from(bits), batch))).toEqual(expected);
      const x4 = tf.tensor4d(Float32Array.from(bits), [batch, ...tc.shape]);
      const x2 = tf.reshape(x4, [batch, -1]);
      expect(Array.from(c.counts(x4))).toEqual(expected);
      expect(Array.from(c.counts(x2))).toEqual(expected);
      // the conv part alone (same modules, no dense tail): every feature bit, not only the class counts
      const features = new ConvLogicNet(tc.shape, net.convs);
      const fx = evalCounts(features, bits, batch);
      for (const simplify of [true, false]) expect(Array.from(compile(features, { simplify }).counts(bits, batch))).toEqual(fx);
      const pred = c.predict(x4);
      const k = c.k;
      const want = Array.from({ length: batch }, (_, s) => {
        const row = expected.slice(s * k, (s + 1) * k);
        return row.indexOf(Math.max(...row));
      });
      expect(Array.from(pred)).toEqual(want);
      tf.dispose([x4, x2]);
      net.dispose();
    });
  });

  it("input layout: input (r·W + c)·C + ch is pixel (r, c, ch) — a pass-through tree reads one channel", () => {
    // rf 1, depth 1, leaves (0,0,ch 1) and (0,0,ch 0), root gate A (id 3): output = x[r, c, 1]
    const json: LogicConvTreeJSON = {
      type: "logicConvTree",
      inChannels: 3,
      outChannels: 1,
      receptiveField: 1,
      depth: 1,
      padding: "valid",
      leafY: [0, 0],
      leafX: [0, 0],
      leafC: [1, 0],
      logits: Array.from({ length: 16 }, (_, i) => (i === 3 ? 2 : 0)),
    };
    const net = new ConvLogicNet([3, 4, 3], [LogicConvTree.fromJSON(json)]);
    const bits = randomImages(5, 6, [3, 4, 3], 0.5);
    const counts = compile(net).counts(bits, 6);
    const want: number[] = [];
    for (let s = 0; s < 6; s++) for (let r = 0; r < 3; r++) for (let c = 0; c < 4; c++) want.push(bits[((s * 3 + r) * 4 + c) * 3 + 1]!);
    expect(Array.from(counts)).toEqual(want);
    expect(compileConvCircuit(net).ops.length).toBe(0); // a pass-through simplifies to a wire
    net.dispose();
  });

  it("same padding: out-of-bounds leaves read constant false (an OR/NOR tree at the border)", () => {
    // rf 3 'same', depth 1: leaves (dy 0, dx 0) and (dy 2, dx 2) → at (r, c) reads x[r−1, c−1] and x[r+1, c+1]; root NOR (id 8)
    const json: LogicConvTreeJSON = {
      type: "logicConvTree",
      inChannels: 1,
      outChannels: 1,
      receptiveField: 3,
      depth: 1,
      padding: "same",
      leafY: [0, 2],
      leafX: [0, 2],
      leafC: [0, 0],
      logits: Array.from({ length: 16 }, (_, i) => (i === 8 ? 2 : 0)),
    };
    const net = new ConvLogicNet([4, 4, 1], [LogicConvTree.fromJSON(json)]);
    const img = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    const px = (r: number, c: number): number => (r >= 0 && r < 4 && c >= 0 && c < 4 ? 1 : 0);
    const want: number[] = [];
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) want.push(1 - (px(r - 1, c - 1) | px(r + 1, c + 1)));
    expect(want.filter((v) => v === 1)).toHaveLength(2); // (0, 3) and (3, 0): both leaves outside
    expect(evalCounts(net, img, 1)).toEqual(want);
    for (const simplify of [true, false]) expect(Array.from(compile(net, { simplify, backend: "js" }).counts(img, 1))).toEqual(want);
    net.dispose();
  });

  it("compiling creates no tensors; the circuit JSON keeps inputShape", () => {
    const net = randomConvNet(CASES[1]!, 3);
    const leaked = countLeakedTensors(() => {
      compile(net);
    });
    expect(leaked).toBe(0);
    const circuit = compileConvCircuit(net);
    const back = circuitFromJSON(JSON.stringify(circuitToJSON(circuit)));
    expect(back.inputShape).toEqual([6, 6, 2]);
    const bits = randomImages(8, 40, [6, 6, 2]);
    expect(Array.from(new CompiledLogicNet(back).counts(bits, 40))).toEqual(evalCounts(net, bits, 40));
    expect(() => circuitFromJSON({ ...circuitToJSON(circuit), inputShape: [6, 6, 3] })).toThrow(RelaxError);
    net.dispose();
  });
});

describe("ConvLogicNet toJSON / fromJSON", () => {
  it("round trip is exact (logits bit for bit, train- and eval-mode outputs identical)", () => {
    const net = randomConvNet(CASES[1]!, 21);
    const back = ConvLogicNet.fromJSON(JSON.stringify(net.toJSON()));
    expect(back.inputShape).toEqual(net.inputShape);
    expect(back.convs.map((m) => m.constructor.name)).toEqual(net.convs.map((m) => m.constructor.name));
    net.variables.forEach((v, i) => expect(Array.from(back.variables[i]!.dataSync())).toEqual(Array.from(v.dataSync())));
    const pool = back.convs[1] as OrPool;
    expect([pool.size, pool.stride, pool.method]).toEqual([3, 2, "probabilistic"]);
    const rng = logicRng(4);
    const x = tf.tensor4d(
      Float32Array.from({ length: 3 * 72 }, () => rng.next()),
      [3, 6, 6, 2],
    );
    for (const mode of ["train", "eval"] as const)
      expect(Array.from(back.forward(x, { mode }).dataSync())).toEqual(Array.from(net.forward(x, { mode }).dataSync()));
    expect(circuitToJSON(compileConvCircuit(back))).toEqual(circuitToJSON(compileConvCircuit(net)));
    // no dense tail
    const bare = randomConvNet(CASES[3]!, 2);
    const bareBack = ConvLogicNet.fromJSON(bare.toJSON());
    expect(bareBack.dense).toBeNull();
    const x5 = tf.tensor4d(
      Float32Array.from({ length: 3 * 75 }, () => rng.next()),
      [3, 5, 5, 3],
    );
    expect(Array.from(bareBack.forward(x5).dataSync())).toEqual(Array.from(bare.forward(x5).dataSync()));
    tf.dispose([x, x5]);
    for (const n of [net, back, bare, bareBack]) n.dispose();
  });

  it("bad JSON → RelaxError naming the field", () => {
    const net = randomConvNet(CASES[0]!, 5);
    // Field validation on a version 1 file (no checksum); an edited version 2 file fails its checksum first.
    const good = { ...net.toJSON(), version: 1 as const, checksum: undefined };
    const bad = (j: unknown): void => {
      expect(() => ConvLogicNet.fromJSON(j as ConvLogicNetJSON)).toThrow(RelaxError);
    };
    bad("{not json");
    bad({ ...good, format: "relax-logic-net" });
    bad({ ...good, version: 3 });
    bad({ ...net.toJSON(), inputShape: [8, 8, 1] });
    bad({ ...good, convs: "x" });
    bad({ ...good, convs: [{ type: "maxPool" }] });
    bad({ ...good, convs: [{ ...(good.convs[0] as LogicConvTreeJSON), leafC: [7] }, good.convs[1]] });
    bad({ ...good, convs: [good.convs[0], { type: "orPool", size: 0, stride: 1, method: "max" }] });
    bad({ ...good, dense: { ...good.dense!, layers: [] } });
    bad({ ...good, inputShape: [8, 6, 1] }); // the LogicLayer no longer fits
    const { error } = countLeakedTensorsOnThrow(() =>
      ConvLogicNet.fromJSON({ ...good, convs: [{ ...(good.convs[0] as LogicConvTreeJSON), leafC: [7] }, good.convs[1]!] }),
    );
    expect((error as RelaxError).op).toBe("ConvLogicNet.fromJSON");
    expect((error as RelaxError).argument).toBe("json.convs[0].leafC");
    net.dispose();
  });
});

describe("compile(ConvLogicNet): bad input → RelaxError", () => {
  it("rejects non-nets, bad options and wrongly shaped inputs", () => {
    const dense = randomNet(3, [12, 8], 2);
    expect(() => compileConvCircuit(dense as unknown as ConvLogicNet)).toThrow(RelaxError);
    expect(() => compileCircuit({} as unknown as ConvLogicNet)).toThrow(RelaxError);
    expect(() => compile(null as unknown as ConvLogicNet)).toThrow(RelaxError);
    const net = randomConvNet(CASES[0]!, 6);
    expect(() => compileConvCircuit(net, { simplify: "yes" as unknown as boolean })).toThrow(RelaxError);
    const c = compile(net);
    expect(() => c.counts(tf.zeros([2, 7, 6, 2]))).toThrow(RelaxError); // wrong channels
    expect(() => c.counts(tf.zeros([2, 6, 7, 1]))).toThrow(RelaxError); // transposed image
    expect(() => c.counts(new Uint8Array(41), 1)).toThrow(RelaxError);
    expect(() => compile(dense).counts(tf.zeros([2, 3, 4, 1]))).toThrow(RelaxError); // dense circuits take [batch, n] only
    dense.dispose();
    net.dispose();
  });
});

describe("export of conv circuits", () => {
  it("standalone JS module gives the same counts", async () => {
    const net = randomConvNet(CASES[2]!, 31);
    const batch = 45;
    const bits = randomImages(32, batch, CASES[2]!.shape);
    const expected = evalCounts(net, bits, batch);
    const file = join(dir, "conv.mjs");
    writeFileSync(file, exportJS(compileConvCircuit(net)));
    const mod = (await import(pathToFileURL(file).href)) as { counts: (x: ArrayLike<number>, b?: number) => Int32Array };
    expect(Array.from(mod.counts(bits, batch))).toEqual(expected);
    net.dispose();
  });

  it.skipIf(!hasGcc)("C99 (gcc -std=c99 -pedantic -Wall -Wextra -Werror) gives the same counts, simplified and not", () => {
    CASES.slice(0, 3).forEach((tc, ci) => {
      const net = randomConvNet(tc, 40 + ci);
      const batch = 77;
      const bits = randomImages(50 + ci, batch, tc.shape);
      const expected = evalCounts(net, bits, batch);
      const k = compile(net).k;
      for (const simplify of [true, false]) {
        const circuit = compileConvCircuit(net, { simplify });
        const src = exportC(circuit, { wordBits: ci === 1 ? 8 : 64 });
        expect(src).toContain(`Input layout: [${tc.shape.join(", ")}] images`);
        const out = runExportedC(dir, `conv_${ci}_${simplify}`, src, bits, batch, k, "-O0");
        expect(out, `${tc.name}, simplify=${simplify}`).toEqual(expected);
      }
      net.dispose();
    });
  });
});
