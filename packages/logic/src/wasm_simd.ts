/**
 * Bit-packed circuit evaluation in WebAssembly SIMD128 (128 samples per v128 instruction). The
 * module is assembled here byte by byte (no toolchain, no binary blob): 16 gate functions `g0 … g15`
 * each loop over a run of `(dst, a, b)` byte-offset triples; `countHS` (per counter width) adds a
 * class's outputs into bit-sliced counters held in v128 locals with a Harley–Seal carry-save adder
 * tree and unpacks the counts to bytes in SIMD; `count` (ripple carry into memory, early exit when no
 * lane carries) remains for counters wider than 16 planes.
 */
import type { ExecPlan, PackedBits } from "./bit_eval.js";

import {
  ADD,
  compileWasm,
  funcBody,
  I32,
  i32load,
  iconst,
  LT_U,
  lget,
  lset,
  simd,
  uleb,
  V128,
  vload as v128load,
  vstore as v128store,
  wasmModule,
} from "./wasm_asm.js";
import type { WasmFunction } from "./wasm_asm.js";

const get = lget;
const set = lset;
const AND = simd(0x4e),
  ANDNOT = simd(0x4f),
  OR = simd(0x50),
  XOR = simd(0x51),
  NOT = simd(0x4d);
const ANY_TRUE = simd(0x53),
  SPLAT_I32 = simd(0x11);
const GE_U = [0x4f],
  EQZ = [0x45];
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
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(0),
    ...get(1),
    ...GE_U,
    0x0d,
    1,
    ...get(0),
    ...i32load(0),
    ...set(3),
    ...get(0),
    ...i32load(4),
    ...set(4),
    ...get(0),
    ...i32load(8),
    ...set(5),
    ...inner,
    ...get(0),
    ...iconst(12),
    ...ADD,
    ...set(0),
    0x0c,
    0,
    0x0b,
    0x0b,
    0x0b,
  ];
  const locals = [1, ...uleb(4), I32];
  return funcBody(locals, code);
}

function gateBody(op: number): number[] {
  const code = [
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(0),
    ...get(1),
    ...GE_U,
    0x0d,
    1,
    ...get(0),
    ...i32load(0),
    ...set(3),
    ...get(0),
    ...i32load(4),
    ...set(4),
    ...get(0),
    ...i32load(8),
    ...set(5),
    ...iconst(0),
    ...set(6),
    0x03,
    0x40,
    ...get(3),
    ...get(6),
    ...ADD,
    ...(GATE_EXPR[op] as number[]),
    ...v128store,
    ...get(6),
    ...iconst(16),
    ...ADD,
    0x22,
    6,
    ...get(2),
    ...LT_U,
    0x0d,
    0,
    0x0b,
    ...get(0),
    ...iconst(12),
    ...ADD,
    ...set(0),
    0x0c,
    0,
    0x0b,
    0x0b,
    0x0b,
  ];
  const locals = [1, ...uleb(4), I32];
  return funcBody(locals, code);
}

// count(ptr, end, planes, vbytes); locals 4 slot, 5 neg, 6 j, 7 q (i32); 8 carry, 9 t (v128).
function countBody(): number[] {
  const code = [
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(0),
    ...get(1),
    ...GE_U,
    0x0d,
    1,
    ...get(0),
    ...i32load(0),
    ...set(4),
    ...get(0),
    ...i32load(4),
    ...set(5),
    ...iconst(0),
    ...set(6),
    0x03,
    0x40,
    ...get(4),
    ...get(6),
    ...ADD,
    ...v128load,
    ...get(5),
    ...SPLAT_I32,
    ...XOR,
    ...set(8),
    ...get(2),
    ...get(6),
    ...ADD,
    ...set(7),
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(8),
    ...ANY_TRUE,
    ...EQZ,
    0x0d,
    1,
    ...get(7),
    ...v128load,
    ...get(8),
    ...AND,
    ...set(9),
    ...get(7),
    ...get(7),
    ...v128load,
    ...get(8),
    ...XOR,
    ...v128store,
    ...get(9),
    ...set(8),
    ...get(7),
    ...get(3),
    ...ADD,
    ...set(7),
    0x0c,
    0,
    0x0b,
    0x0b,
    ...get(6),
    ...iconst(16),
    ...ADD,
    0x22,
    6,
    ...get(3),
    ...LT_U,
    0x0d,
    0,
    0x0b,
    ...get(0),
    ...iconst(8),
    ...ADD,
    ...set(0),
    0x0c,
    0,
    0x0b,
    0x0b,
    0x0b,
  ];
  const locals = [2, ...uleb(4), I32, ...uleb(2), V128];
  return funcBody(locals, code);
}

const GT_U = [0x4b];
const SHL8 = simd(0x6b),
  SHR8U = simd(0x6d);

/**
 * `countHS(ptr, end, vbytes, dst)`: per-class GroupSum of the output entries `(slotAddr, negMask)` in
 * [ptr, end) with the counter's `P` bit planes held in v128 locals. Inputs are added 8 at a time by a
 * Harley–Seal carry-save adder tree (7 CSAs: planes 0–2 are the ones/twos/fours accumulators, the
 * eights carry ripples into planes 3…P−1), the remainder one at a time by ripple carry. For every
 * 128-sample vector j the bit-sliced counts are unpacked in SIMD to bytes: sample `128j + 8B + t` gets
 * its low byte at `dst + 256j + 16t + B` and its high byte at `dst + 256j + 128 + 16t + B`.
 * Locals: 0 ptr, 1 end, 2 vbytes, 3 dst, 4 j, 5 base, 6 q (i32); 7 … 7+P−1 planes, then A, B, U,
 * C2a, C2b, C4a, C4b, CR (v128).
 */
function countHSBody(P: number): number[] {
  const J = 4,
    BASE = 5,
    Q = 6,
    PB = 7;
  const A = PB + P,
    B = A + 1,
    U = A + 2,
    C2A = A + 3,
    C2B = A + 4,
    C4A = A + 5,
    C4B = A + 6,
    CR = A + 7;
  const pl = (q: number): number => PB + q;
  const input = (off: number): number[] => [
    ...lget(Q),
    ...i32load(off),
    ...lget(J),
    ...ADD,
    ...v128load,
    ...lget(Q),
    ...i32load(off + 4),
    ...SPLAT_I32,
    ...XOR,
  ];
  // h, carry ← h + a + b (carry-save): u = h ^ a; carry = (h & a) | (u & b); h = u ^ b.
  const csa = (h: number, a: number[], b: number[], carry: number): number[] => [
    ...a,
    ...lset(A),
    ...b,
    ...lset(B),
    ...lget(h),
    ...lget(A),
    ...XOR,
    ...lset(U),
    ...lget(h),
    ...lget(A),
    ...AND,
    ...lget(U),
    ...lget(B),
    ...AND,
    ...OR,
    ...lset(carry),
    ...lget(U),
    ...lget(B),
    ...XOR,
    ...lset(h),
  ];
  const ripple = (from: number): number[] => {
    const out: number[] = [];
    for (let q = from; q < P; q++) {
      if (q < P - 1) out.push(...lget(pl(q)), ...lget(CR), ...AND, ...lset(U));
      out.push(...lget(pl(q)), ...lget(CR), ...XOR, ...lset(pl(q)));
      if (q < P - 1) out.push(...lget(U), ...lset(CR));
    }
    return out;
  };
  const hs: number[] =
    P >= 4
      ? [
          ...csa(pl(0), input(0), input(8), C2A),
          ...csa(pl(0), input(16), input(24), C2B),
          ...csa(pl(1), lget(C2A), lget(C2B), C4A),
          ...csa(pl(0), input(32), input(40), C2A),
          ...csa(pl(0), input(48), input(56), C2B),
          ...csa(pl(1), lget(C2A), lget(C2B), C4B),
          ...csa(pl(2), lget(C4A), lget(C4B), CR),
          ...ripple(3),
        ]
      : [];
  const zero: number[] = [];
  for (let q = 0; q < P; q++) zero.push(...vconst(0), ...lset(pl(q)));
  // Unpack: byte B of plane q, bit t → bit q (low byte) or q−8 (high byte) of sample 8B + t's count.
  const unpack: number[] = [];
  for (const [lo, hi, at] of [
    [0, Math.min(P, 8), 0],
    [8, P, 128],
  ] as const) {
    if (hi <= lo) continue;
    for (let t = 0; t < 8; t++) {
      unpack.push(...lget(BASE));
      for (let q = lo; q < hi; q++) {
        const bit = q - lo;
        unpack.push(...lget(pl(q)));
        if (bit > t) unpack.push(...iconst(bit - t), ...SHL8);
        else if (bit < t) unpack.push(...iconst(t - bit), ...SHR8U);
        unpack.push(...vconst(1 << bit), ...AND);
        if (q > lo) unpack.push(...OR);
      }
      unpack.push(...v128storeOff(at + 16 * t));
    }
  }
  const code = [
    ...iconst(0),
    ...lset(J),
    0x03,
    0x40, // loop over vectors j
    ...zero,
    ...lget(0),
    ...lset(Q),
    ...(hs.length
      ? [
          0x02,
          0x40,
          0x03,
          0x40,
          ...lget(Q),
          ...iconst(64),
          ...ADD,
          ...lget(1),
          ...GT_U,
          0x0d,
          1,
          ...hs,
          ...lget(Q),
          ...iconst(64),
          ...ADD,
          ...lset(Q),
          0x0c,
          0,
          0x0b,
          0x0b,
        ]
      : []),
    0x02,
    0x40,
    0x03,
    0x40,
    ...lget(Q),
    ...lget(1),
    ...GE_U,
    0x0d,
    1,
    ...input(0),
    ...lset(CR),
    ...ripple(0),
    ...lget(Q),
    ...iconst(8),
    ...ADD,
    ...lset(Q),
    0x0c,
    0,
    0x0b,
    0x0b,
    ...lget(3),
    ...lget(J),
    ...iconst(16),
    ...[0x6c],
    ...ADD,
    ...lset(BASE), // base = dst + 16·j (= 256 per vector)
    ...unpack,
    ...lget(J),
    ...iconst(16),
    ...ADD,
    0x22,
    ...uleb(J),
    ...lget(2),
    ...LT_U,
    0x0d,
    0,
    0x0b,
    0x0b,
  ];
  const locals = [2, ...uleb(3), I32, ...uleb(P + 8), V128];
  return funcBody(locals, code);
}

/**
 * The module's bytes (gate loops unrolled for `vectors` v128 per slot when given, else a generic loop;
 * with `planes` in 1…16 also the Harley–Seal counter `countHS` for that many counter bit planes).
 */
export function assembleModule(vectors?: number, planes?: number): Uint8Array<ArrayBuffer> {
  const hs = planes !== undefined && planes >= 1 && planes <= MAX_HS_PLANES;
  const funcs: WasmFunction[] = Array.from({ length: 16 }, (_, i) => ({
    name: `g${i}`,
    type: 0,
    body: vectors ? gateBodyUnrolled(i, vectors) : gateBody(i),
  }));
  funcs.push({ name: "count", type: 1, body: countBody() });
  if (hs) funcs.push({ name: "countHS", type: 1, body: countHSBody(planes as number) });
  return wasmModule(
    [
      [I32, I32, I32],
      [I32, I32, I32, I32],
    ],
    funcs,
  );
}

/** Most counter bit planes the Harley–Seal counter handles (group sizes up to 65 535). */
export const MAX_HS_PLANES = 16;

const moduleCache = new Map<number, WebAssembly.Module | null>();

/**
 * The compiled module for `vectors` v128 per slot (0 = generic inner loop) and `planes` counter
 * planes (0 = no Harley–Seal counter); null without WASM SIMD.
 */
function getModule(vectors = 0, planes = 0): WebAssembly.Module | null {
  const key = vectors * 64 + planes;
  let m = moduleCache.get(key);
  if (m === undefined) {
    m = compileWasm(() => assembleModule(vectors || undefined, planes || undefined));
    moduleCache.set(key, m);
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
  let countHS: ((p: number, e: number, vb: number, dst: number) => void) | null = null;
  const hsPlanes = plan.planes <= MAX_HS_PLANES ? plan.planes : 0;
  const instantiate = (V: number): void => {
    if (V === instV) return;
    const mod = (getModule(V <= 16 ? V : 0, hsPlanes) ?? getModule(V <= 16 ? V : 0)) as WebAssembly.Module;
    const ex = new WebAssembly.Instance(mod, {}).exports as Record<string, unknown>;
    mem = ex.mem as WebAssembly.Memory;
    gates = Array.from({ length: 16 }, (_, i) => ex[`g${i}`] as (p: number, e: number, vb: number) => void);
    count = ex.count as (p: number, e: number, planes: number, vb: number) => void;
    countHS = (ex.countHS as ((p: number, e: number, vb: number, dst: number) => void) | undefined) ?? null;
    instV = V;
    layoutV = -1;
  };
  const g = plan.dst.length;
  const nOut = plan.outSlot.length;
  let layoutV = -1;
  let progOff = 0,
    outOff = 0,
    planesOff = 0,
    slotsOff = 0,
    cntOff = 0;
  const layout = (V: number): void => {
    if (V === layoutV) return;
    const vbytes = V * 16;
    progOff = 0;
    outOff = progOff + g * 12;
    planesOff = Math.ceil((outOff + nOut * 8) / 16) * 16;
    cntOff = planesOff + plan.planes * vbytes;
    slotsOff = cntOff + V * 256;
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
    i32.fill(0, cntOff / 4, slotsOff / 4); // byte counts (the high bytes stay 0 for ≤ 8 planes)
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
          (gates[segOp[s] as number] as (p: number, e: number, vb: number) => void)(
            progOff + (segStart[s] as number) * 12,
            progOff + (segStart[s + 1] as number) * 12,
            vbytes,
          );
        }
        const s0 = blk * W * 32;
        const nSamples = Math.min(W * 32, packed.batch - s0);
        if (countHS) {
          const u8 = new Uint8Array(mem.buffer, cntOff, V * 256);
          for (let c = 0; c < k; c++) {
            countHS(outOff + c * groupSize * 8, outOff + (c + 1) * groupSize * 8, vbytes, cntOff);
            // Sample 128v + 8B + t: low byte at 256v + 16t + B, high byte 128 further.
            for (let v = 0; v < V; v++) {
              const sv = 128 * v;
              if (sv >= nSamples) break;
              for (let t = 0; t < 8; t++) {
                const src = 256 * v + 16 * t;
                let o = (s0 + sv + t) * k + c;
                const bEnd = Math.min(16, (nSamples - sv - t + 7) >> 3);
                for (let b = 0; b < bEnd; b++, o += 8 * k) counts[o] = (u8[src + b] as number) | ((u8[src + 128 + b] as number) << 8);
              }
            }
          }
          continue;
        }
        for (let c = 0; c < k; c++) {
          i32.fill(0, pl, pl + planes * W);
          count(outOff + c * groupSize * 8, outOff + (c + 1) * groupSize * 8, planesOff, vbytes);
          for (let j = 0; j < nSamples; j++) {
            const w = j >> 5,
              bit = j & 31;
            let v = 0;
            for (let q = 0; q < planes; q++) v += (((i32[pl + q * W + w] as number) >>> bit) & 1) << q;
            counts[(s0 + j) * k + c] = v;
          }
        }
      }
    },
  };
}
