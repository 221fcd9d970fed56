import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { loadGolden } from "@relax/core/testing";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { evalCounts, randomBits, randomNet } from "./helpers.js";
import { packBitsJS } from "../src/bit_eval.js";
import {
  CompiledLogicNet,
  GroupSum,
  LogicLayer,
  LogicNet,
  circuitFromJSON,
  circuitToJSON,
  compile,
  compileCircuit,
  packBits,
  wasmSimdSupported,
} from "../src/index.js";
import { logicRng } from "../src/rng.js";

interface NetGolden {
  spec: { k: number; tau: number; layers: { in_dim: number; a: number[]; b: number[]; logits: number[][] }[] };
  x_binary: number[][];
  eval_on_binary_input: { group_counts: number[][] };
  compiled_c: { group_counts: number[][] };
}
const golden = loadGolden<NetGolden>("logic/net_small.json");

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function goldenNet(): LogicNet {
  return new LogicNet([
    ...golden.spec.layers.map((l) => LogicLayer.fromWeights({ a: l.a, b: l.b, logits: l.logits, inDim: l.in_dim })),
    new GroupSum(golden.spec.k, golden.spec.tau),
  ]);
}

const backends = wasmSimdSupported() ? (["js", "wasm"] as const) : (["js"] as const);

describe("compile: golden compiled_c counts", () => {
  for (const backend of backends) {
    for (const simplify of [true, false]) {
      it(`${backend}, simplify=${simplify}`, () => {
        const net = goldenNet();
        const c = compile(net, { backend, simplify });
        const counts = c.counts(golden.x_binary);
        expect(Array.from(counts)).toEqual(golden.compiled_c.group_counts.flat());
        expect(Array.from(counts)).toEqual(golden.eval_on_binary_input.group_counts.flat());
        net.dispose();
      });
    }
  }
});

describe("compile: bit-exact vs eval mode on random nets and batches", () => {
  it("wasm SIMD is available in this Node", () => {
    expect(wasmSimdSupported()).toBe(true);
  });
  it("property: any net, any batch size (incl. not a multiple of 32/128)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 700 }),
        fc.integer({ min: 1, max: 3 }),
        (seed, batch, depth) => {
          const widths = [12, ...new Array<number>(depth).fill(24)];
          const net = randomNet(seed, widths, 4);
          const bits = randomBits(seed + 1, batch * 12);
          const expected = evalCounts(net, bits, batch);
          for (const backend of backends) {
            for (const simplify of [true, false]) {
              expect(Array.from(compile(net, { backend, simplify }).counts(bits, batch))).toEqual(expected);
            }
          }
          net.dispose();
        },
      ),
      { numRuns: 25 },
    );
  });
  it("large groups (Harley–Seal counter, 5 and 9 planes, remainder inputs) are bit-exact", () => {
    for (const [widths, k, batch] of [
      [[20, 63], 3, 700],
      [[16, 604], 2, 389],
      [[10, 40, 1030], 2, 130],
    ] as [number[], number, number][]) {
      const net = randomNet(widths[1] as number, widths, k);
      const bits = randomBits(7, batch * (widths[0] as number));
      const expected = evalCounts(net, bits, batch);
      for (const backend of backends) {
        for (const simplify of [true, false]) expect(Array.from(compile(net, { backend, simplify }).counts(bits, batch))).toEqual(expected);
      }
      net.dispose();
    }
  });
  it("simplification removes gates and keeps the function", () => {
    const net = randomNet(3, [40, 200, 200, 100], 10);
    const raw = compileCircuit(net, { simplify: false });
    const simple = compileCircuit(net);
    expect(raw.ops.length).toBe(500);
    expect(simple.ops.length).toBeLessThan(raw.ops.length);
    expect(new Set(simple.ops)).toSatisfy((s: Set<number>) => [...s].every((op) => [1, 2, 6, 7].includes(op)));
    net.dispose();
  });
  it("predict = argmax of counts; packBits layout (sample j → bit j)", () => {
    const p = packBits(Uint8Array.from([1, 0, 0, 1, 1, 1]), 3, 2);
    expect(p.numBlocks).toBe(1);
    expect(p.words[0]).toBe(0b101);
    expect(p.words[p.blockWords]).toBe(0b110);
    // byte fast path (4-byte groups + 32×32 transposes) = float path, for any shape and non-0/1 bytes
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 75 }), fc.integer({ min: 1, max: 5 }), (batch, n, bw) => {
        const rng = logicRng(batch * 100 + n);
        const bytes = Uint8Array.from({ length: batch * n }, () => (rng.next() < 0.5 ? 0 : 1 + rng.int(255)));
        const a = packBits(bytes, batch, n, bw); // WASM SIMD packer where available
        const b = packBits(
          Array.from(bytes, (v) => (v ? 1 : 0)),
          batch,
          n,
          bw,
        );
        expect(Array.from(a.words)).toEqual(Array.from(b.words));
        expect(a.numBlocks).toBe(b.numBlocks);
        expect(Array.from(packBitsJS(bytes, batch, n, bw).words)).toEqual(Array.from(b.words));
      }),
      { numRuns: 80 },
    );
    const net = goldenNet();
    const c = compile(net);
    const pred = c.predict(golden.x_binary);
    golden.compiled_c.group_counts.forEach((row, s) => expect(pred[s]).toBe(row.indexOf(Math.max(...row))));
    net.dispose();
  });
});

describe("circuit JSON gate list", () => {
  it("round trip is bit-exact", () => {
    const net = randomNet(11, [16, 64, 32], 4);
    const c = compile(net);
    const back = compile(net);
    const json = JSON.parse(JSON.stringify(circuitToJSON(c.circuit)));
    const loaded = circuitFromJSON(json);
    const bits = randomBits(5, 300 * 16);
    expect(Array.from(new CompiledLogicNet(loaded).counts(bits, 300))).toEqual(evalCounts(net, bits, 300));
    expect(back.numGates).toBe(c.numGates);
    expect(() => circuitFromJSON({ ...json, version: 1, checksum: undefined, gates: [[3, 99999, 0]] })).toThrow(/gates\[0\]/);
    expect(() => circuitFromJSON({ ...json, gates: [[3, 1, 0], ...json.gates.slice(1)] })).toThrow(/checksum/);
    expect(() => circuitFromJSON("{oops")).toThrow(/valid JSON/);
    net.dispose();
  });
});
