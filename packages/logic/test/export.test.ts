import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { compile, compileCircuit, exportC, exportJS, exportVerilog, type LogicCircuit } from "../src/index.js";
import { evalCounts, hasGcc, randomBits, randomNet, runExportedC } from "./helpers.js";

const dir = mkdtempSync(join(tmpdir(), "relax-logic-export-"));

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function cases(): { name: string; widths: number[]; k: number; batch: number }[] {
  return [
    { name: "single layer (the reference's C export fails here)", widths: [10, 20], k: 4, batch: 37 },
    { name: "three layers, batch not a multiple of the word", widths: [16, 48, 48, 40], k: 5, batch: 201 },
  ];
}

describe.skipIf(!hasGcc)("exportC (gcc -std=c99 -pedantic -Wall -Werror)", () => {
  for (const tc of cases()) {
    for (const wordBits of [8, 64] as const) {
      it(`${tc.name}, ${wordBits}-bit words`, () => {
        const net = randomNet(tc.widths.length * 31 + wordBits, tc.widths, tc.k);
        const bits = randomBits(tc.batch, tc.batch * tc.widths[0]!);
        const expected = evalCounts(net, bits, tc.batch);
        const src = exportC(compile(net).circuit, { wordBits });
        const out = runExportedC(dir, `${tc.widths.length}_${wordBits}`, src, bits, tc.batch, tc.k);
        expect(out).toEqual(expected);
        net.dispose();
      });
    }
  }
});

/** Evaluates the subset of Verilog that exportVerilog emits, for one input vector. */
function simulateVerilog(src: string, x: number[], k: number, cw: number): number[] {
  const wires = new Map<string, number>();
  const y: number[] = [];
  const val = (t: string): number => {
    t = t.trim();
    if (t === "1'b0") return 0;
    if (t === "1'b1") return 1;
    let m = /^x\[(\d+)\]$/.exec(t);
    if (m) return x[Number(m[1])]!;
    m = /^y\[(\d+)\]$/.exec(t);
    if (m) return y[Number(m[1])]!;
    const v = wires.get(t);
    if (v === undefined) throw new Error(`unknown ${t}`);
    return v;
  };
  const expr = (e: string): number => {
    // Only the forms exportVerilog writes: [~](A op B), ~A op B, A op ~B, ~A, A.
    const neg = /^~\((.*)\)$/.exec(e);
    if (neg) return 1 - expr(neg[1]!);
    const m = /^(~?)(\S+) ([&|^]) (~?)(\S+)$/.exec(e);
    if (m) {
      const a = m[1] ? 1 - val(m[2]!) : val(m[2]!);
      const b = m[4] ? 1 - val(m[5]!) : val(m[5]!);
      return m[3] === "&" ? a & b : m[3] === "|" ? a | b : a ^ b;
    }
    if (e.startsWith("~")) return 1 - val(e.slice(1));
    return val(e);
  };
  const counts = new Array<number>(k).fill(0);
  for (const line of src.split("\n")) {
    let m = /^ {2}wire (g\d+) = (.*);$/.exec(line);
    if (m) {
      wires.set(m[1]!, expr(m[2]!));
      continue;
    }
    m = /^ {2}assign y\[(\d+)\] = (.*);$/.exec(line);
    if (m) {
      y[Number(m[1])] = expr(m[2]!);
      continue;
    }
    m = /^ {2}assign counts\[(\d+) \+: (\d+)\] = (.*);$/.exec(line);
    if (m) {
      expect(Number(m[2])).toBe(cw);
      const idx = [...m[3]!.matchAll(/y\[(\d+)\]/g)].map((t) => Number(t[1]));
      counts[Number(m[1]) / cw] = idx.reduce((s, i) => s + y[i]!, 0) % (1 << cw);
    }
  }
  return counts;
}

describe("exportVerilog", () => {
  for (const tc of cases()) {
    it(`${tc.name}: module structure and bit-exact gate semantics`, () => {
      const net = randomNet(tc.widths.length * 17, tc.widths, tc.k);
      const batch = 40;
      const bits = randomBits(3, batch * tc.widths[0]!);
      const expected = evalCounts(net, bits, batch);
      const circuit: LogicCircuit = compile(net).circuit;
      const src = exportVerilog(circuit);
      expect(src).toMatch(/^module relax_logic_net \(/m);
      expect(src).toMatch(/endmodule/);
      const groupSize = circuit.outputs.length / circuit.k;
      const cw = Math.ceil(Math.log2(groupSize + 1));
      for (let s = 0; s < batch; s++) {
        const x = Array.from(bits.subarray(s * tc.widths[0]!, (s + 1) * tc.widths[0]!));
        expect(simulateVerilog(src, x, tc.k, cw)).toEqual(expected.slice(s * tc.k, (s + 1) * tc.k));
      }
      // the unsimplified circuit uses all 16 gate forms
      const raw = compileCircuit(net, { simplify: false });
      const srcRaw = exportVerilog(raw);
      for (let s = 0; s < 5; s++) {
        const x = Array.from(bits.subarray(s * tc.widths[0]!, (s + 1) * tc.widths[0]!));
        expect(simulateVerilog(srcRaw, x, tc.k, cw)).toEqual(expected.slice(s * tc.k, (s + 1) * tc.k));
      }
      net.dispose();
    });
  }
});

describe("exportJS (standalone ES module)", () => {
  for (const tc of cases()) {
    it(`${tc.name}`, async () => {
      const net = randomNet(tc.widths.length * 5, tc.widths, tc.k);
      const bits = randomBits(9, tc.batch * tc.widths[0]!);
      const expected = evalCounts(net, bits, tc.batch);
      for (const simplify of [true, false]) {
        const file = join(dir, `net_${tc.widths.length}_${simplify}.mjs`);
        writeFileSync(file, exportJS(compileCircuit(net, { simplify })));
        const mod = (await import(pathToFileURL(file).href)) as {
          counts: (x: ArrayLike<number>, b?: number) => Int32Array;
          predict: (x: ArrayLike<number>) => Int32Array;
          numClasses: number;
        };
        expect(Array.from(mod.counts(bits, tc.batch))).toEqual(expected);
        expect(Array.from(mod.counts(Float32Array.from(bits)))).toEqual(expected);
        expect(mod.predict(bits).length).toBe(tc.batch);
        expect(mod.numClasses).toBe(tc.k);
      }
      net.dispose();
    });
  }
});
