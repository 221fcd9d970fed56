/**
 * Bit-packed circuit evaluation in WebAssembly SIMD128 (128 samples per v128 instruction). The only
 * module generated at run time, because its code depends on the circuit and the block width: 16 gate
 * functions `g0 … g15`, each looping over a run of `(dst, a, b)` byte-offset triples (the `vectors` v128
 * of a slot unrolled at constant offsets where `vectors ≤ 16`), and `countHS`, which adds a class's
 * outputs into bit-sliced counters of the circuit's `planes` bit planes held in v128 locals (a
 * Harley–Seal carry-save adder tree) and unpacks the counts to bytes in SIMD. Counters wider than 16
 * planes use `count` of wasm/eval.wat (ripple carry into memory); both modules share one memory.
 */
import type { ExecPlan, PackedBits } from "./bit_eval.js";
import {
  ADD,
  BLOCK,
  br,
  brIf,
  compileWasm,
  embeddedWasm,
  END,
  funcBody,
  GE_U,
  GT_U,
  I32,
  i32load,
  iconst,
  LOOP,
  LT_U,
  lget,
  lset,
  ltee,
  MUL,
  simd,
  uleb,
  V128,
  vconst,
  vload,
  vstore,
  wasmModule,
} from "./wasm_asm.js";
import type { WasmFunction } from "./wasm_asm.js";
import { EVAL_WASM_BASE64 } from "./wasm_bytes.js";

const AND = simd(0x4e),
  ANDNOT = simd(0x4f),
  OR = simd(0x50),
  XOR = simd(0x51),
  NOT = simd(0x4d),
  SPLAT_I32 = simd(0x11),
  SHL8 = simd(0x6b),
  SHR8U = simd(0x6d);

/** Gate `op` (the 16 two-input gates, ids as gates.ts) on the v128 operands that `a`, `b` push. */
function gateExpr(op: number, a: number[], b: number[]): number[] {
  const table: number[][] = [
    vconst(0),
    [...a, ...b, ...AND],
    [...a, ...b, ...ANDNOT],
    a,
    [...b, ...a, ...ANDNOT],
    b,
    [...a, ...b, ...XOR],
    [...a, ...b, ...OR],
    [...a, ...b, ...OR, ...NOT],
    [...a, ...b, ...XOR, ...NOT],
    [...b, ...NOT],
    [...a, ...b, ...NOT, ...OR],
    [...a, ...NOT],
    [...b, ...a, ...NOT, ...OR],
    [...a, ...b, ...AND, ...NOT],
    vconst(0xff),
  ];
  return table[op] as number[];
}

/**
 * `g<op>(ptr, end, vbytes)`: for each triple (d, a, b) in [ptr, end), slot d ← gate(slot a, slot b), over
 * the `vectors` v128 of a slot unrolled at constant offsets, or (vectors = 0) a loop over `vbytes`.
 * Locals: 0 ptr, 1 end, 2 vbytes, 3 d, 4 a, 5 b, 6 j.
 */
function gateBody(op: number, vectors: number): number[] {
  const at = (base: number, k: number): number[] =>
    vectors ? [...lget(base), ...vload(16 * k)] : [...lget(base), ...lget(6), ...ADD, ...vload()];
  const one = (k: number): number[] => [
    ...(vectors ? lget(3) : [...lget(3), ...lget(6), ...ADD]),
    ...gateExpr(op, at(4, k), at(5, k)),
    ...vstore(vectors ? 16 * k : 0),
  ];
  const slot = vectors
    ? Array.from({ length: vectors }, (_, k) => one(k)).flat()
    : [
        ...iconst(0),
        ...lset(6),
        ...LOOP,
        ...one(0),
        ...lget(6),
        ...iconst(16),
        ...ADD,
        ...ltee(6),
        ...lget(2),
        ...LT_U,
        ...brIf(0),
        ...END,
      ];
  const triple = [...lget(0), ...i32load(0), ...lset(3), ...lget(0), ...i32load(4), ...lset(4), ...lget(0), ...i32load(8), ...lset(5)];
  const code = [...BLOCK, ...LOOP, ...lget(0), ...lget(1), ...GE_U, ...brIf(1), ...triple, ...slot];
  code.push(...lget(0), ...iconst(12), ...ADD, ...lset(0), ...br(0), ...END, ...END, ...END);
  return funcBody([1, ...uleb(4), I32], code);
}

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
    Q = 6;
  const pl = (q: number): number => 7 + q;
  const [A, B, U, C2A, C2B, C4A, C4B, CR] = Array.from({ length: 8 }, (_, i) => pl(P) + i) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const input = (off: number): number[] => [
    ...lget(Q),
    ...i32load(off),
    ...lget(J),
    ...ADD,
    ...vload(),
    ...lget(Q),
    ...i32load(off + 4),
    ...SPLAT_I32,
    ...XOR,
  ];
  // h, carry ← h + a + b (carry-save): u = h ^ a; carry = (h & a) | (u & b); h = u ^ b.
  const csa = (h: number, a: number[], b: number[], carry: number): number[] => [
    ...[...a, ...lset(A), ...b, ...lset(B)],
    ...[...lget(h), ...lget(A), ...XOR, ...lset(U)],
    ...[...lget(h), ...lget(A), ...AND, ...lget(U), ...lget(B), ...AND, ...OR, ...lset(carry)],
    ...[...lget(U), ...lget(B), ...XOR, ...lset(h)],
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
  const hs =
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
    for (let t = 0; t < 8 && hi > lo; t++) {
      unpack.push(...lget(BASE));
      for (let q = lo; q < hi; q++) {
        const bit = q - lo;
        unpack.push(...lget(pl(q)));
        if (bit > t) unpack.push(...iconst(bit - t), ...SHL8);
        else if (bit < t) unpack.push(...iconst(t - bit), ...SHR8U);
        unpack.push(...vconst(1 << bit), ...AND);
        if (q > lo) unpack.push(...OR);
      }
      unpack.push(...vstore(at + 16 * t));
    }
  }
  const step = (n: number): number[] => [...lget(Q), ...iconst(n), ...ADD, ...lset(Q)];
  const eights = hs.length
    ? [...BLOCK, ...LOOP, ...lget(Q), ...iconst(64), ...ADD, ...lget(1), ...GT_U, ...brIf(1), ...hs, ...step(64), ...br(0), ...END, ...END]
    : [];
  const ones = [
    ...BLOCK,
    ...LOOP,
    ...lget(Q),
    ...lget(1),
    ...GE_U,
    ...brIf(1),
    ...input(0),
    ...lset(CR),
    ...ripple(0),
    ...step(8),
    ...br(0),
    ...END,
    ...END,
  ];
  const code = [...iconst(0), ...lset(J), ...LOOP, ...zero, ...lget(0), ...lset(Q), ...eights, ...ones];
  // base = dst + 16·j (= 256 bytes per vector), unpack, next vector.
  code.push(...lget(3), ...lget(J), ...iconst(16), ...MUL, ...ADD, ...lset(BASE), ...unpack);
  code.push(...lget(J), ...iconst(16), ...ADD, ...ltee(J), ...lget(2), ...LT_U, ...brIf(0), ...END, ...END);
  return funcBody([2, ...uleb(3), I32, ...uleb(P + 8), V128], code);
}

/**
 * The generated module's bytes (gate loops unrolled for `vectors` v128 per slot when given, else a
 * generic loop; with `planes` in 1…16 also the Harley–Seal counter `countHS` for that many counter bit
 * planes). It imports its memory as `env.mem`.
 */
export function assembleModule(vectors?: number, planes?: number): Uint8Array<ArrayBuffer> {
  const funcs: WasmFunction[] = Array.from({ length: 16 }, (_, i) => ({ name: `g${i}`, type: 0, body: gateBody(i, vectors ?? 0) }));
  if (planes !== undefined && planes >= 1 && planes <= MAX_HS_PLANES) funcs.push({ name: "countHS", type: 1, body: countHSBody(planes) });
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
let countModule: WebAssembly.Module | null | undefined;

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

/** The ripple-carry counter of wasm/eval.wat (compiled at build time); null without WASM SIMD. */
function getCountModule(): WebAssembly.Module | null {
  if (countModule === undefined) countModule = compileWasm(() => embeddedWasm(EVAL_WASM_BASE64));
  return countModule;
}

/** Whether this runtime supports WebAssembly SIMD128 (the modules validate and compile). */
export function wasmSimdSupported(): boolean {
  return getCountModule() !== null && getModule() !== null;
}

/** A WASM evaluator bound to one plan. */
export interface WasmRunner {
  run(packed: PackedBits, counts: Int32Array): void;
}

/** Instantiates the module for a plan (memory grows as needed). */
export function createWasmRunner(plan: ExecPlan): WasmRunner {
  const countMod = getCountModule();
  if (!countMod || !getModule()) throw new Error("WebAssembly SIMD is not available");
  const mem = new WebAssembly.Memory({ initial: 1 });
  const count = new WebAssembly.Instance(countMod, { env: { mem } }).exports.count as (
    p: number,
    e: number,
    planes: number,
    vb: number,
  ) => void;
  let instV = -1;
  let gates: ((p: number, e: number, vb: number) => void)[] = [];
  let countHS: ((p: number, e: number, vb: number, dst: number) => void) | null = null;
  const hsPlanes = plan.planes <= MAX_HS_PLANES ? plan.planes : 0;
  const instantiate = (V: number): void => {
    if (V === instV) return;
    const mod = (getModule(V <= 16 ? V : 0, hsPlanes) ?? getModule(V <= 16 ? V : 0)) as WebAssembly.Module;
    const ex = new WebAssembly.Instance(mod, { env: { mem } }).exports as Record<string, unknown>;
    gates = Array.from({ length: 16 }, (_, i) => ex[`g${i}`] as (p: number, e: number, vb: number) => void);
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
