import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { RelaxError } from "@relax/core";
import { countLeakedTensorsOnThrow } from "@relax/core/testing";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ConvLogicNet,
  GroupSum,
  LogicConvTree,
  LogicLayer,
  LogicNet,
  OrPool,
  circuitFromJSON,
  circuitToJSON,
  compileCircuit,
  type LogicNetJSON,
} from "../src/index.js";
import { loadNet, saveNet } from "../src/node.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const dir = mkdtempSync(join(tmpdir(), "relax-logic-persist-"));
const net = new LogicNet([new LogicLayer(4, 6, { seed: 1 }), new LogicLayer(6, 4, { seed: 2, gradFactor: 2 }), new GroupSum(2, 3)]);
const x = tf.tensor2d([
  [0, 1, 0.5, 1],
  [1, 0.25, 0, 0],
  [0.3, 0.3, 0.9, 0.1],
]);
const outputs = (n: LogicNet): number[] =>
  tf.tidy(() => [...Array.from(n.forward(x).dataSync()), ...Array.from(n.forward(x, { mode: "eval" }).dataSync())]);
const params = (n: LogicNet): number[][] =>
  n.layers.map((l) => [...Array.from(l.logits.dataSync()), ...Array.from(l.a), ...Array.from(l.b), l.gradFactor]);
const bits = (v: number[]): string => Buffer.from(Float32Array.from(v).buffer).toString("hex");

afterAll(() => {
  net.dispose();
  x.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("saved nets: version 2 with checksum", () => {
  it("round trip is bit-exact (outputs and parameters), through text and through a file", () => {
    const text = JSON.stringify(net.toJSON());
    expect(JSON.parse(text).version).toBe(2);
    expect(JSON.parse(text).checksum).toMatch(/^[0-9a-f]{8}$/);
    saveNet(join(dir, "a.json"), net);
    for (const back of [LogicNet.fromJSON(text), loadNet(join(dir, "a.json")) as LogicNet]) {
      expect(back).toBeInstanceOf(LogicNet);
      expect(bits(outputs(back))).toBe(bits(outputs(net)));
      expect(params(back)).toEqual(params(net));
      expect(back.head!.tau).toBe(3);
      back.dispose();
    }
  });

  it("version 1 files (no checksum) still load, bit-exact", () => {
    const { checksum: _c, ...rest } = net.toJSON();
    const v1 = JSON.stringify({ ...rest, version: 1 });
    const back = LogicNet.fromJSON(v1);
    expect(bits(outputs(back))).toBe(bits(outputs(net)));
    back.dispose();
    // A v1 file that carries a checksum has it verified: "version": 2 → 1 is damage, not a downgrade.
    expect(() => LogicNet.fromJSON({ ...net.toJSON(), version: 1 })).toThrow(/checksum/);
  });

  it("every single-character change of a saved net is a RelaxError or loads a bit-identical net", () => {
    const text = JSON.stringify(net.toJSON());
    const ref = bits(outputs(net));
    const refParams = JSON.stringify(params(net));
    const alphabet = '0123456789aAzZ+/=,:{}[]"-.e ';
    let errors = 0;
    let identical = 0;
    const n0 = tf.memory().numTensors;
    for (let i = 0; i < text.length; i++) {
      // Two replacements per position, chosen from the alphabet so that every kind of character is tried.
      for (const k of [i % alphabet.length, (i * 7 + 3) % alphabet.length]) {
        let c = alphabet[k] as string;
        if (c === text[i]) c = alphabet[(k + 1) % alphabet.length] as string;
        const damaged = text.slice(0, i) + c + text.slice(i + 1);
        let back: LogicNet | null = null;
        try {
          back = LogicNet.fromJSON(damaged);
        } catch (e) {
          expect(e, `position ${i} → ${c}`).toBeInstanceOf(RelaxError);
          expect((e as RelaxError).op).toBe("LogicNet.fromJSON");
          errors++;
          continue;
        }
        expect(bits(outputs(back)), `position ${i} → ${c} loaded silently`).toBe(ref);
        expect(JSON.stringify(params(back))).toBe(refParams);
        back.dispose();
        identical++;
      }
    }
    expect(tf.memory().numTensors).toBe(n0); // failed loads dispose what they built
    console.log(
      `single-character corruptions of a ${text.length}-character net: ${errors} RelaxError, ${identical} bit-identical loads, 0 silent changes`,
    );
    expect(errors).toBeGreaterThan(2 * text.length * 0.95);
  });

  it("every truncation is a RelaxError naming the op", () => {
    const text = JSON.stringify(net.toJSON());
    for (let len = 0; len < text.length; len += 7) {
      const { error, leaked } = countLeakedTensorsOnThrow(() => LogicNet.fromJSON(text.slice(0, len)));
      expect(error).toBeInstanceOf(RelaxError);
      expect(leaked).toBe(0);
    }
  });

  it("fields of a version 1 file are validated: types, lengths, wiring in range, finite numbers", () => {
    const { checksum: _c, ...rest } = net.toJSON();
    const v1 = { ...rest, version: 1 } as LogicNetJSON;
    const l0 = v1.layers[0]!;
    const cases: [unknown, RegExp][] = [
      [{ ...v1, layers: [{ ...l0, gradFactor: "2" }, v1.layers[1]] }, /layers\[0\]\.gradFactor/],
      [{ ...v1, layers: [{ ...l0, gradFactor: null }, v1.layers[1]] }, /layers\[0\]\.gradFactor/],
      [{ ...v1, layers: [{ ...l0, extra: 1 }, v1.layers[1]] }, /layers\[0\]\.extra/],
      [{ ...v1, layers: [{ ...l0, outDim: 1.5 }, v1.layers[1]] }, /layers\[0\]\.outDim/],
      [{ ...v1, layers: [{ ...l0, a: `${l0.a.slice(0, -2)}A=` }, v1.layers[1]] }, /layers\[0\]\.a/],
      [
        { ...v1, layers: [{ ...l0, logits: Buffer.from(new Float32Array(96).fill(Number.NaN).buffer).toString("base64") }, v1.layers[1]] },
        /logits/,
      ],
      [{ ...v1, layers: [{ ...l0, a: Buffer.from(new Int32Array(6).fill(9).buffer).toString("base64") }, v1.layers[1]] }, /layers\[0\]\.a/],
      [{ ...v1, head: { type: "groupSum", k: 2, tau: null } }, /head\.tau/],
      [{ ...v1, head: { type: "groupSum", k: 2, tau: 1, t: 0 } }, /head\.t/],
      [{ ...v1, layers: [l0, { ...v1.layers[1]!, inDim: 7 }] }, /inDim/],
      [{ ...v1, head: undefined }, /json\.head/],
    ];
    for (const [json, re] of cases) {
      const { error, leaked } = countLeakedTensorsOnThrow(() => LogicNet.fromJSON(json as LogicNetJSON));
      expect(error).toBeInstanceOf(RelaxError);
      expect((error as Error).message).toMatch(re);
      expect(leaked).toBe(0);
    }
  });

  it("conv nets and circuits carry version 2 and a checksum too", () => {
    const conv = new ConvLogicNet(
      [4, 4, 1],
      [
        new LogicConvTree(1, 2, { receptiveField: 2, depth: 2, seed: 5 }),
        new OrPool({ size: 3, stride: 3 }),
        new LogicLayer(2, 4, { seed: 6 }),
        new GroupSum(2),
      ],
    );
    const text = JSON.stringify(conv.toJSON());
    expect(JSON.parse(text).version).toBe(2);
    saveNet(join(dir, "conv.json"), conv);
    const back = loadNet(join(dir, "conv.json"));
    expect(back).toBeInstanceOf(ConvLogicNet);
    const img = tf.tensor4d(
      Array.from({ length: 16 }, (_, i) => (i % 3) / 2),
      [1, 4, 4, 1],
    );
    const a = conv.forward(img);
    const b = (back as ConvLogicNet).forward(img);
    expect(bits(Array.from(b.dataSync()))).toBe(bits(Array.from(a.dataSync())));
    const i = text.indexOf("logits") + 12;
    const damaged = text.slice(0, i) + (text[i] === "1" ? "2" : "1") + text.slice(i + 1);
    expect(() => ConvLogicNet.fromJSON(damaged)).toThrow(RelaxError);
    const cj = JSON.stringify(circuitToJSON(compileCircuit(net)));
    expect(JSON.parse(cj).version).toBe(2);
    const g = cj.indexOf('"gates":[[') + 10;
    expect(() => circuitFromJSON(cj.slice(0, g) + (cj[g] === "1" ? "2" : "1") + cj.slice(g + 1))).toThrow(RelaxError);
    tf.dispose([img, a, b]);
    back.dispose();
    conv.dispose();
  });
});

describe("@relax/logic/node: saveNet / loadNet", () => {
  it("load errors name the file: missing, truncated, damaged", () => {
    const missing = join(dir, "missing.json");
    expect(() => loadNet(missing)).toThrow(
      new RegExp(`loadNet: file "${missing.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}" must be an existing, readable file, got ENOENT`),
    );
    const path = join(dir, "damaged.json");
    saveNet(path, net);
    const text = readFileSync(path, "utf8");
    writeFileSync(path, text.slice(0, text.length / 2));
    expect(() => loadNet(path)).toThrow(/loadNet: file ".*damaged\.json" json must be valid JSON text/);
    writeFileSync(path, text.replace('"tau":3', '"tau":4'));
    expect(() => loadNet(path)).toThrow(/loadNet: file ".*damaged\.json" json must be content matching its checksum/);
    expect(() => saveNet(path, {} as never)).toThrow(RelaxError);
    expect(() => saveNet("", net)).toThrow(RelaxError);
  });

  it("a crash mid-save (the saving process is killed) leaves the previous file intact", async () => {
    const { spawn } = await import("node:child_process");
    const { createRequire } = await import("node:module");
    const { pathToFileURL } = await import("node:url");
    const filesUrl = pathToFileURL(createRequire(import.meta.url).resolve("@relax/core/files")).href;
    const path = join(dir, "crash.json");
    saveNet(path, net);
    const good = JSON.stringify(net.toJSON());
    // The child rewrites the file with writeFileAtomic in a loop (the same net, padded to ~16 MB so that a write
    // takes a while) and is killed with SIGKILL at a random moment; every kill must leave a loadable file.
    const script = `import { writeFileAtomic } from ${JSON.stringify(filesUrl)};
      const text = ${JSON.stringify(good)} + " ".repeat(16 << 20);
      process.stdout.write("ready");
      for (;;) writeFileAtomic(${JSON.stringify(path)}, text);`;
    const strays = new Set<string>();
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
      await new Promise<void>((resolve, reject) => {
        child.stdout!.once("data", () => resolve());
        child.once("exit", (code) => reject(new Error(`the saving child exited early (${code})`)));
      });
      await new Promise((resolve) => setTimeout(resolve, 20 + ((round * 37) % 60)));
      child.kill("SIGKILL");
      await new Promise((resolve) => child.once("exit", resolve));
      const back = loadNet(path) as LogicNet;
      expect(bits(outputs(back))).toBe(bits(outputs(net)));
      back.dispose();
      for (const f of readdirSync(dir)) if (f.startsWith(".crash.json.")) strays.add(f);
    }
    console.log(`killed 4 saving processes: the file always loaded; ${strays.size} stray temporary file(s) left (kills mid-write)`);
  }, 30_000);
});
