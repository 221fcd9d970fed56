/**
 * Bit-packed circuit evaluation in WebAssembly SIMD128 (128 samples per v128 instruction). The
 * module is assembled here byte by byte (no toolchain, no binary blob): 16 gate functions `g0 … g15`
 * each loop over a run of `(dst, a, b)` byte-offset triples, and `count` adds outputs into bit-sliced
 * class counters (ripple carry with an early exit when no lane carries).
 */
import type { ExecPlan, PackedBits } from "./bit_eval.js";

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}
function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}
const simd = (op: number): number[] => [0xfd, ...uleb(op)];
const get = (i: number): number[] => [0x20, i];
const set = (i: number): number[] => [0x21, i];
const i32load = (offset: number): number[] => [0x28, 2, ...uleb(offset)];
const v128load = [...simd(0x00), 4, 0];
const v128store = [...simd(0x0b), 4, 0];
const AND = simd(0x4e), ANDNOT = simd(0x4f), OR = simd(0x50), XOR = simd(0x51), NOT = simd(0x4d);
const ANY_TRUE = simd(0x53), SPLAT_I32 = simd(0x11);
const ADD = [0x6a], GE_U = [0x4f], LT_U = [0x49], EQZ = [0x45];
const iconst = (v: number): number[] => [0x41, ...sleb(v)];
const vconst = (fill: number): number[] => [...simd(0x0c), ...new Array<number>(16).fill(fill)];

// Gate function locals: 0 ptr, 1 end, 2 vbytes, 3 d, 4 a, 5 b, 6 j.
const loadA = [...get(4), ...get(6), ...ADD, ...v128load];
const loadB = [...get(5), ...get(6), ...ADD, ...v128load];
const GATE_EXPR: number[][] = [
  vconst(0),
  [...loadA, ...loadB, ...AND],
  [...loadA, ...loadB, ...ANDNOT],
  loadA,
  [...loadB, ...loadA, ...ANDNOT],
  loadB,
  [...loadA, ...loadB, ...XOR],
  [...loadA, ...loadB, ...OR],
  [...loadA, ...loadB, ...OR, ...NOT],
  [...loadA, ...loadB, ...XOR, ...NOT],
  [...loadB, ...NOT],
  [...loadA, ...loadB, ...NOT, ...OR],
  [...loadA, ...NOT],
  [...loadB, ...loadA, ...NOT, ...OR],
  [...loadA, ...loadB, ...AND, ...NOT],
  vconst(0xff),
];

const v128loadOff = (off: number): number[] => [...simd(0x00), 4, ...uleb(off)];
const v128storeOff = (off: number): number[] => [...simd(0x0b), 4, ...uleb(off)];

/** Gate expression for vector k with constant memory offsets (operands in locals 4 = a, 5 = b). */
function gateExprAt(op: number, off: number): number[] {
  const A = [...get(4), ...v128loadOff(off)];
  const B = [...get(5), ...v128loadOff(off)];
  const table: number[][] = [
    vconst(0),
    [...A, ...B, ...AND],
    [...A, ...B, ...ANDNOT],
    A,
    [...B, ...A, ...ANDNOT],
    B,
    [...A, ...B, ...XOR],
    [...A, ...B, ...OR],
    [...A, ...B, ...OR, ...NOT],
    [...A, ...B, ...XOR, ...NOT],
    [...B, ...NOT],
    [...A, ...B, ...NOT, ...OR],
    [...A, ...NOT],
    [...B, ...A, ...NOT, ...OR],
    [...A, ...B, ...AND, ...NOT],
    vconst(0xff),
  ];
  return table[op] as number[];
}

/** Gate loop with the `vectors` v128 of a slot fully unrolled (constant offsets, no inner loop). */
function gateBodyUnrolled(op: number, vectors: number): number[] {
  const inner: number[] = [];
  for (let k = 0; k < vectors; k++) inner.push(...get(3), ...gateExprAt(op, 16 * k), ...v128storeOff(16 * k));
  const code = [
    0x02, 0x40, 0x03, 0x40,
    ...get(0), ...get(1), ...GE_U, 0x0d, 1,
    ...get(0), ...i32load(0), ...set(3),
    ...get(0), ...i32load(4), ...set(4),
    ...get(0), ...i32load(8), ...set(5),
    ...inner,
    ...get(0), ...iconst(12), ...ADD, ...set(0),
    0x0c, 0,
    0x0b, 0x0b,
    0x0b,
  ];
  const locals = [1, ...uleb(4), I32];
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

function gateBody(op: number): number[] {
  const code = [
    0x02, 0x40, 0x03, 0x40,
    ...get(0), ...get(1), ...GE_U, 0x0d, 1,
    ...get(0), ...i32load(0), ...set(3),
    ...get(0), ...i32load(4), ...set(4),
    ...get(0), ...i32load(8), ...set(5),
    ...iconst(0), ...set(6),
    0x03, 0x40,
    ...get(3), ...get(6), ...ADD,
    ...(GATE_EXPR[op] as number[]),
    ...v128store,
    ...get(6), ...iconst(16), ...ADD, 0x22, 6,
    ...get(2), ...LT_U, 0x0d, 0,
    0x0b,
    ...get(0), ...iconst(12), ...ADD, ...set(0),
    0x0c, 0,
    0x0b, 0x0b,
    0x0b,
  ];
  const locals = [1, ...uleb(4), I32];
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

// count(ptr, end, planes, vbytes); locals 4 slot, 5 neg, 6 j, 7 q (i32); 8 carry, 9 t (v128).
function countBody(): number[] {
  const code = [
    0x02, 0x40, 0x03, 0x40,
    ...get(0), ...get(1), ...GE_U, 0x0d, 1,
    ...get(0), ...i32load(0), ...set(4),
    ...get(0), ...i32load(4), ...set(5),
    ...iconst(0), ...set(6),
    0x03, 0x40,
    ...get(4), ...get(6), ...ADD, ...v128load, ...get(5), ...SPLAT_I32, ...XOR, ...set(8),
    ...get(2), ...get(6), ...ADD, ...set(7),
    0x02, 0x40, 0x03, 0x40,
    ...get(8), ...ANY_TRUE, ...EQZ, 0x0d, 1,
    ...get(7), ...v128load, ...get(8), ...AND, ...set(9),
    ...get(7), ...get(7), ...v128load, ...get(8), ...XOR, ...v128store,
    ...get(9), ...set(8),
    ...get(7), ...get(3), ...ADD, ...set(7),
    0x0c, 0,
    0x0b, 0x0b,
    ...get(6), ...iconst(16), ...ADD, 0x22, 6,
    ...get(3), ...LT_U, 0x0d, 0,
    0x0b,
    ...get(0), ...iconst(8), ...ADD, ...set(0),
    0x0c, 0,
    0x0b, 0x0b,
    0x0b,
  ];
  const locals = [2, ...uleb(4), I32, ...uleb(2), V128];
  return [...uleb(locals.length + code.length), ...locals, ...code];
}

function section(id: number, payload: number[]): number[] {
  return [id, ...uleb(payload.length), ...payload];
}
function str(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
}

/** The module's bytes (gate loops unrolled for `vectors` v128 per slot when given, else a generic loop). */
export function assembleModule(vectors?: number): Uint8Array<ArrayBuffer> {
  const types = [2, 0x60, 3, I32, I32, I32, 0, 0x60, 4, I32, I32, I32, I32, 0];
  const funcs = [17, ...new Array<number>(16).fill(0), 1];
  const memory = [1, 0, 1];
  const exports: number[] = [18];
  for (let i = 0; i < 16; i++) exports.push(...str(`g${i}`), 0, i);
  exports.push(...str("count"), 0, 16);
  exports.push(...str("mem"), 2, 0);
  const bodies: number[] = [17];
  for (let i = 0; i < 16; i++) bodies.push(...(vectors ? gateBodyUnrolled(i, vectors) : gateBody(i)));
  bodies.push(...countBody());
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, types),
    ...section(3, funcs),
    ...section(5, memory),
    ...section(7, exports),
    ...section(10, bodies),
  ]);
}

const moduleCache = new Map<number, WebAssembly.Module | null>();

/** The compiled module for `vectors` v128 per slot (0 = generic inner loop); null without WASM SIMD. */
function getModule(vectors = 0): WebAssembly.Module | null {
  let m = moduleCache.get(vectors);
  if (m === undefined) {
    try {
      const bytes = assembleModule(vectors || undefined);
      m = typeof WebAssembly !== "undefined" && WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      m = null;
    }
    moduleCache.set(vectors, m);
  }
  return m;
}

/** Whether this runtime supports WebAssembly SIMD128 (the module validates and compiles). */
export function wasmSimdSupported(): boolean {
  return getModule() !== null;
}

/** A WASM evaluator bound to one plan. */
export interface WasmRunner {
  run(packed: PackedBits, counts: Int32Array): void;
}

/** Instantiates the module for a plan (memory grows as needed). */
export function createWasmRunner(plan: ExecPlan): WasmRunner {
  if (!getModule()) throw new Error("WebAssembly SIMD is not available");
  let instV = -1;
  let mem = null as unknown as WebAssembly.Memory;
  let gates: ((p: number, e: number, vb: number) => void)[] = [];
  let count = null as unknown as (p: number, e: number, planes: number, vb: number) => void;
  const instantiate = (V: number): void => {
    if (V === instV) return;
    const mod = getModule(V <= 16 ? V : 0) as WebAssembly.Module;
    const ex = new WebAssembly.Instance(mod, {}).exports as Record<string, unknown>;
    mem = ex.mem as WebAssembly.Memory;
    gates = Array.from({ length: 16 }, (_, i) => ex[`g${i}`] as (p: number, e: number, vb: number) => void);
    count = ex.count as (p: number, e: number, planes: number, vb: number) => void;
    instV = V;
    layoutV = -1;
  };
  const g = plan.dst.length;
  const nOut = plan.outSlot.length;
  let layoutV = -1;
  let progOff = 0, outOff = 0, planesOff = 0, slotsOff = 0;
  const layout = (V: number): void => {
    if (V === layoutV) return;
    const vbytes = V * 16;
    progOff = 0;
    outOff = progOff + g * 12;
    planesOff = Math.ceil((outOff + nOut * 8) / 16) * 16;
    slotsOff = planesOff + plan.planes * vbytes;
    const total = slotsOff + plan.numSlots * vbytes;
    const need = Math.ceil(total / 65536) - mem.buffer.byteLength / 65536;
    if (need > 0) mem.grow(need);
    const i32 = new Int32Array(mem.buffer);
    for (let x = 0; x < g; x++) {
      i32[x * 3] = slotsOff + (plan.dst[x] as number) * vbytes;
      i32[x * 3 + 1] = slotsOff + (plan.srcA[x] as number) * vbytes;
      i32[x * 3 + 2] = slotsOff + (plan.srcB[x] as number) * vbytes;
    }
    for (let o = 0; o < nOut; o++) {
      i32[outOff / 4 + o * 2] = slotsOff + (plan.outSlot[o] as number) * vbytes;
      i32[outOff / 4 + o * 2 + 1] = plan.outNeg[o] ? -1 : 0;
    }
    i32.fill(0, slotsOff / 4, slotsOff / 4 + vbytes / 4); // slot 0: constant false
    layoutV = V;
  };
  return {
    run(packed, counts) {
      const W = packed.blockWords;
      if (W % 4 !== 0) throw new RangeError("WASM evaluation needs blockWords to be a multiple of 4");
      const V = W / 4;
      instantiate(V);
      layout(V);
      const vbytes = V * 16;
      const i32 = new Int32Array(mem.buffer);
      const { k, groupSize, planes, segOp, segStart, numInputs } = plan;
      const words = packed.words;
      const block = numInputs * W;
      const inputsAt = (slotsOff >> 2) + W; // slot 1
      const pl = planesOff >> 2;
      for (let blk = 0; blk < packed.numBlocks; blk++) {
        i32.set(words.subarray(blk * block, (blk + 1) * block), inputsAt);
        for (let s = 0; s < segOp.length; s++) {
          (gates[segOp[s] as number] as (p: number, e: number, vb: number) => void)(progOff + (segStart[s] as number) * 12, progOff + (segStart[s + 1] as number) * 12, vbytes);
        }
        const s0 = blk * W * 32;
        const nSamples = Math.min(W * 32, packed.batch - s0);
        for (let c = 0; c < k; c++) {
          i32.fill(0, pl, pl + planes * W);
          count(outOff + c * groupSize * 8, outOff + (c + 1) * groupSize * 8, planesOff, vbytes);
          for (let j = 0; j < nSamples; j++) {
            const w = j >> 5, bit = j & 31;
            let v = 0;
            for (let q = 0; q < planes; q++) v += (((i32[pl + q * W + w] as number) >>> bit) & 1) << q;
            counts[(s0 + j) * k + c] = v;
          }
        }
      }
    },
  };
}
