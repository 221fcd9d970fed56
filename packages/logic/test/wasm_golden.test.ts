/**
 * Bit-exact goldens of every WebAssembly kernel: FNV-1a hashes of the output bytes of fixed inputs,
 * recorded from the hand-assembled modules before they moved to wasm/*.wat. Any change of an
 * instruction's order or rounding changes a hash.
 */
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { SeededRandom, compile, packBits } from "../src/index.js";
import { gateProbabilities, neuronCoefficients } from "../src/kernels/logic_layer.js";
import { WasmAdamState } from "../src/wasm_adam.js";
import { packBytesWasm } from "../src/wasm_pack.js";
import { embeddedWasm } from "../src/wasm_asm.js";
import { EVAL_WASM_BASE64 } from "../src/wasm_bytes.js";
import {
  logicBackwardWasm,
  logicForwardWasm,
  logicNetBackwardWasm,
  logicNetForwardWasm,
  probsAndCoefficientsWasm,
} from "../src/wasm_layer.js";
import { randomBits, randomNet } from "./helpers.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** FNV-1a (32 bit) of the bytes of typed arrays, as 8 hex digits. */
function hash(...arrays: ArrayBufferView[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const u8 = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < u8.length; i++) h = Math.imul(h ^ (u8[i] as number), 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

function layer(seed: number, inDim: number, outDim: number) {
  const rng = new SeededRandom(seed);
  const a = Int32Array.from({ length: outDim }, () => rng.int(inDim));
  const b = Int32Array.from({ length: outDim }, (_, j) => (j % 5 === 0 ? (a[j] as number) : rng.int(inDim)));
  const logits = Float32Array.from({ length: outDim * 16 }, (_, i) => (i % 37 === 0 ? 40 : i % 41 === 0 ? -120 : 3 * rng.normal()));
  const p = gateProbabilities(logits, outDim, "train");
  return { rng, a, b, logits, p, c: neuronCoefficients(p, outDim) };
}

describe("WASM kernels: bit-exact goldens", () => {
  it("layer kernels: prep, forward, backward (train and eval)", () => {
    const got: string[] = [];
    for (const B of [1, 5, 64]) {
      const { rng, a, b, logits, p, c } = layer(B, 29, 47);
      const pc = probsAndCoefficientsWasm(logits, 47)!;
      const X = Float32Array.from({ length: 29 * B }, () => rng.next());
      const dY = Float32Array.from({ length: 47 * B }, () => rng.normal());
      const y = logicForwardWasm(X, B, 29, a, b, c)!;
      const train = logicBackwardWasm(X, dY, B, 29, a, b, c, 2, p)!;
      const evalMode = logicBackwardWasm(X, dY, B, 29, a, b, c, 1, null)!;
      got.push(hash(pc.p, pc.c), hash(y), hash(train.dX, train.dlogits), hash(evalMode.dX));
    }
    expect(got).toEqual(GOLDEN.layer);
  });

  it("whole-net forward and backward", () => {
    const B = 13,
      inDim = 11;
    const rng = new SeededRandom(5);
    const layers = [24, 24, 40].map((outDim, l) => {
      const { a, b, p, c } = layer(l + 7, l === 0 ? inDim : 24, outDim);
      return { a, b, gradFactor: l === 1 ? 3 : 1, c, p: l === 2 ? null : p };
    });
    const xFM = Float32Array.from({ length: inDim * B }, () => rng.next());
    const dy = Float32Array.from({ length: B * 4 }, () => rng.normal());
    const { out, record } = logicNetForwardWasm(xFM, B, inDim, layers, 4, 2)!;
    const r = logicNetBackwardWasm(() => xFM, B, inDim, layers, 4, 2, record, dy)!;
    expect([hash(out), hash(r.dX!, ...r.dlogits)]).toEqual(GOLDEN.net);
  });

  it("Adam", () => {
    const rng = new SeededRandom(9);
    const st = WasmAdamState.create()!;
    let theta: Float32Array = Float32Array.from({ length: 23 }, () => rng.normal());
    const got: string[] = [];
    for (let t = 1; t <= 4; t++) {
      const g = Float32Array.from({ length: 23 }, () => (t === 3 ? 1e-30 : rng.normal()));
      theta = st.step("w", theta, g, 0.9, 0.999, 0.01 / (1 - 0.9 ** t), Math.sqrt(1 - 0.999 ** t), 1e-8);
      got.push(hash(theta));
    }
    expect(got).toEqual(GOLDEN.adam);
  });

  it("bit packing", () => {
    const got: string[] = [];
    for (const [batch, nIn, bw] of [
      [1, 3, 4],
      [77, 33, 4],
      [300, 20, 8],
    ] as const) {
      const x = randomBits(batch * nIn, batch * nIn);
      got.push(hash(packBytesWasm(x, batch, nIn, bw)!.words));
    }
    expect(got).toEqual(GOLDEN.pack);
  });

  it("compiled-circuit evaluator: unrolled, generic and ripple-carry counters", () => {
    const got: string[] = [];
    for (const [k, width, blockWords] of [
      [2, 8, 4],
      [3, 60, 8],
      [1, 40, 68],
    ] as const) {
      const net = randomNet(k * width, [10, width, width], k);
      const c = compile(net, { backend: "wasm" });
      const bits = randomBits(width, 300 * 10);
      got.push(hash(c.countsPacked(packBits(bits, 300, 10, blockWords))));
      net.dispose();
    }
    // `count` (ripple carry, counters wider than 16 planes): two entries over 2 vectors, 3 planes.
    const mem = new WebAssembly.Memory({ initial: 1 });
    const ex = new WebAssembly.Instance(new WebAssembly.Module(embeddedWasm(EVAL_WASM_BASE64)), { env: { mem } }).exports;
    const i32 = new Int32Array(mem.buffer);
    const rng = new SeededRandom(4);
    for (let i = 64; i < 64 + 16; i++) i32[i] = rng.int(1 << 30) * 4 + rng.int(4);
    i32.set([256, 0, 256 + 32, -1], 0);
    (ex.count as (p: number, e: number, planes: number, vb: number) => void)(0, 16, 512, 32);
    got.push(hash(i32.subarray(128, 128 + 24)));
    expect(got).toEqual(GOLDEN.eval);
  });
});

const GOLDEN = {
  layer: [
    "61cc8ce1",
    "a6b3426b",
    "89e62a04",
    "009d846a",
    "c045ee6b",
    "dc438975",
    "899e315a",
    "023e665e",
    "d886d1fc",
    "8cf8e419",
    "9060ad1b",
    "aa8606c3",
  ],
  net: ["e2eea20c", "4b1ab810"],
  adam: ["6ec1f23c", "f8ccdf89", "56a675c2", "ba657b60"],
  pack: ["b6356d45", "cbe95244", "762040ee"],
  eval: ["10ef1376", "9bcc8d8c", "67a4f94c", "fa0f2bc9"],
};
