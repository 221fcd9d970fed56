/**
 * WebAssembly SIMD128 versions of the feature-major logic layer kernels of logic_kernel.ts (four
 * f32 samples per instruction): forward `Y[j] = C0 + C1·A + (C2 + C3·A)·B` and backward (input
 * gradient scatter-add + the sufficient statistics `Σ g·[1, A, B, A·B]`). Float32 arithmetic; the
 * statistics come back as 4 partial sums per statistic and are added in float64 on the host.
 * Assembled byte by byte like wasm_simd.ts.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "@relax/core";
import { RELAX_LOGIC_WASM } from "./flags.js";
import { GATE_COEFF_MATRIX } from "./gates.js";
import {
  ADD,
  compileWasm,
  funcBody,
  FADD,
  FMUL,
  I32,
  i32load,
  iconst,
  LT_U,
  lget,
  lset,
  simd,
  uleb,
  V128,
  vload,
  vstore,
  wasmModule,
} from "./wasm_asm.js";

const f32splat = (off: number): number[] => [0x2a, 2, ...uleb(off), ...simd(0x13)];
const vstoreOff = (off: number): number[] => [...simd(0x0b), 4, ...uleb(off)];
const VZERO = [...simd(0x0c), ...new Array<number>(16).fill(0)];

function body(nI32: number, nV128: number, code: number[]): number[] {
  const locals = nI32 > 0 ? [2, ...uleb(nI32), I32, ...uleb(nV128), V128] : [1, ...uleb(nV128), V128];
  return funcBody(locals, code);
}

/** fwd(y, ab, c, abEnd, Bbytes): ab = absolute byte addresses (A row, B row) per neuron, c = 4 f32 per neuron. */
function fwdBody(): number[] {
  const Y = 0,
    AB = 1,
    C = 2,
    END = 3,
    BB = 4,
    XA = 5,
    XB = 6,
    R = 7,
    C0 = 8,
    C1 = 9,
    C2 = 10,
    C3 = 11,
    AV = 12;
  const code = [
    0x03,
    0x40,
    ...lget(AB),
    ...i32load(0),
    ...lset(XA),
    ...lget(AB),
    ...i32load(4),
    ...lset(XB),
    ...lget(C),
    ...f32splat(0),
    ...lset(C0),
    ...lget(C),
    ...f32splat(4),
    ...lset(C1),
    ...lget(C),
    ...f32splat(8),
    ...lset(C2),
    ...lget(C),
    ...f32splat(12),
    ...lset(C3),
    ...iconst(0),
    ...lset(R),
    0x03,
    0x40,
    ...lget(Y),
    ...lget(R),
    ...ADD,
    ...lget(XA),
    ...lget(R),
    ...ADD,
    ...vload,
    ...lset(AV),
    ...lget(C0),
    ...lget(C1),
    ...lget(AV),
    ...FMUL,
    ...FADD,
    ...lget(C2),
    ...lget(C3),
    ...lget(AV),
    ...FMUL,
    ...FADD,
    ...lget(XB),
    ...lget(R),
    ...ADD,
    ...vload,
    ...FMUL,
    ...FADD,
    ...vstore,
    ...lget(R),
    ...iconst(16),
    ...ADD,
    0x22,
    ...uleb(R),
    ...lget(BB),
    ...LT_U,
    0x0d,
    0,
    0x0b,
    ...lget(Y),
    ...lget(BB),
    ...ADD,
    ...lset(Y),
    ...lget(C),
    ...iconst(16),
    ...ADD,
    ...lset(C),
    ...lget(AB),
    ...iconst(8),
    ...ADD,
    0x22,
    ...uleb(AB),
    ...lget(END),
    ...LT_U,
    0x0d,
    0,
    0x0b,
    0x0b,
  ];
  return body(3, 5, code);
}

/**
 * bwd(dy, ab, cg, abEnd, Bbytes, delta, dz, p): dX rows live at `delta` bytes after the X rows; cg =
 * the gradFactor-scaled [C1, C2, C3, ·]; p = the 16 gate probabilities per neuron; dz receives the 16
 * logit gradients per neuron, computed from the statistics without leaving the kernel.
 */
function bwdBody(): number[] {
  const DY = 0,
    AB = 1,
    CG = 2,
    END = 3,
    BB = 4,
    DELTA = 5,
    S = 6,
    XA = 8,
    XB = 9,
    R = 10,
    DA = 11,
    DB = 12;
  const PP = 7,
    C1 = 13,
    C2 = 14,
    C3 = 15,
    G = 16,
    AV = 17,
    BV = 18,
    S0 = 19,
    S1 = 20,
    S2 = 21,
    S3 = 22,
    GA = 23,
    T0 = 24,
    DP0 = 25,
    P0 = 29;
  const code = [
    0x03,
    0x40,
    ...lget(AB),
    ...i32load(0),
    ...lset(XA),
    ...lget(AB),
    ...i32load(4),
    ...lset(XB),
    ...lget(XA),
    ...lget(DELTA),
    ...ADD,
    ...lset(DA),
    ...lget(XB),
    ...lget(DELTA),
    ...ADD,
    ...lset(DB),
    ...lget(CG),
    ...f32splat(0),
    ...lset(C1),
    ...lget(CG),
    ...f32splat(4),
    ...lset(C2),
    ...lget(CG),
    ...f32splat(8),
    ...lset(C3),
    ...VZERO,
    ...lset(S0),
    ...VZERO,
    ...lset(S1),
    ...VZERO,
    ...lset(S2),
    ...VZERO,
    ...lset(S3),
    ...iconst(0),
    ...lset(R),
    0x03,
    0x40,
    ...lget(DY),
    ...lget(R),
    ...ADD,
    ...vload,
    ...lset(G),
    ...lget(XA),
    ...lget(R),
    ...ADD,
    ...vload,
    ...lset(AV),
    ...lget(XB),
    ...lget(R),
    ...ADD,
    ...vload,
    ...lset(BV),
    // dX[a] += g·(C1 + C3·B)
    ...lget(DA),
    ...lget(R),
    ...ADD,
    ...lget(DA),
    ...lget(R),
    ...ADD,
    ...vload,
    ...lget(G),
    ...lget(C1),
    ...lget(C3),
    ...lget(BV),
    ...FMUL,
    ...FADD,
    ...FMUL,
    ...FADD,
    ...vstore,
    // dX[b] += g·(C2 + C3·A) (after the store above: a = b reads the updated row)
    ...lget(DB),
    ...lget(R),
    ...ADD,
    ...lget(DB),
    ...lget(R),
    ...ADD,
    ...vload,
    ...lget(G),
    ...lget(C2),
    ...lget(C3),
    ...lget(AV),
    ...FMUL,
    ...FADD,
    ...FMUL,
    ...FADD,
    ...vstore,
    ...lget(S0),
    ...lget(G),
    ...FADD,
    ...lset(S0),
    ...lget(G),
    ...lget(AV),
    ...FMUL,
    ...lset(GA),
    ...lget(S1),
    ...lget(GA),
    ...FADD,
    ...lset(S1),
    ...lget(S2),
    ...lget(G),
    ...lget(BV),
    ...FMUL,
    ...FADD,
    ...lset(S2),
    ...lget(S3),
    ...lget(GA),
    ...lget(BV),
    ...FMUL,
    ...FADD,
    ...lset(S3),
    ...lget(R),
    ...iconst(16),
    ...ADD,
    0x22,
    ...uleb(R),
    ...lget(BB),
    ...LT_U,
    0x0d,
    0,
    0x0b,
    // Fused logit gradient: S_col = Σ lanes, dp_k = Σ_col S_col·Mcol_k, dz_k = p_k ⊙ (dp_k − Σ p·dp).
    ...hsumBroadcast(S0, T0),
    ...lset(S0),
    ...hsumBroadcast(S1, T0),
    ...lset(S1),
    ...hsumBroadcast(S2, T0),
    ...lset(S2),
    ...hsumBroadcast(S3, T0),
    ...lset(S3),
    ...[0, 1, 2, 3].flatMap((k) => [
      ...lget(S0),
      ...fconst4(mcol(0, k)),
      ...FMUL,
      ...lget(S1),
      ...fconst4(mcol(1, k)),
      ...FMUL,
      ...FADD,
      ...lget(S2),
      ...fconst4(mcol(2, k)),
      ...FMUL,
      ...FADD,
      ...lget(S3),
      ...fconst4(mcol(3, k)),
      ...FMUL,
      ...FADD,
      ...lset(DP0 + k),
      ...lget(PP),
      ...vloadOff(16 * k),
      ...lset(P0 + k),
    ]),
    ...lget(P0),
    ...lget(DP0),
    ...FMUL,
    ...lget(P0 + 1),
    ...lget(DP0 + 1),
    ...FMUL,
    ...FADD,
    ...lget(P0 + 2),
    ...lget(DP0 + 2),
    ...FMUL,
    ...FADD,
    ...lget(P0 + 3),
    ...lget(DP0 + 3),
    ...FMUL,
    ...FADD,
    ...lset(GA),
    ...hsumBroadcast(GA, T0),
    ...lset(GA),
    ...[0, 1, 2, 3].flatMap((k) => [...lget(S), ...lget(P0 + k), ...lget(DP0 + k), ...lget(GA), ...FSUB, ...FMUL, ...vstoreOff(16 * k)]),
    ...lget(S),
    ...iconst(64),
    ...ADD,
    ...lset(S),
    ...lget(PP),
    ...iconst(64),
    ...ADD,
    ...lset(PP),
    ...lget(DY),
    ...lget(BB),
    ...ADD,
    ...lset(DY),
    ...lget(CG),
    ...iconst(16),
    ...ADD,
    ...lset(CG),
    ...lget(AB),
    ...iconst(8),
    ...ADD,
    0x22,
    ...uleb(AB),
    ...lget(END),
    ...LT_U,
    0x0d,
    0,
    0x0b,
    0x0b,
  ];
  return body(5, 20, code);
}

const FSUB = simd(0xe5),
  FDIV = simd(0xe7),
  FMAX = simd(0xe9),
  FNEAREST = simd(0x6a);
const I32X4_ADD = simd(0xae),
  I32X4_SHL = simd(0xab),
  TRUNC_SAT = simd(0xf8);
const vloadOff = (off: number): number[] => [...simd(0x00), 4, ...uleb(off)];
/** v128.const of four f32 lanes. */
function fconst4(v: readonly number[]): number[] {
  const b = new Uint8Array(new Float32Array(v).buffer);
  return [...simd(0x0c), ...b];
}
const fsplat = (x: number): number[] => fconst4([x, x, x, x]);
/** i8x16.shuffle of two v128 by f32 lane indices (0–3 first operand, 4–7 second). */
function shuffle32(lanes: readonly number[]): number[] {
  return [...simd(0x0d), ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3])];
}
/** Σ of the four lanes of local v, broadcast to all lanes (left on the stack; uses temp t). */
function hsumBroadcast(v: number, t: number): number[] {
  return [
    ...lget(v),
    ...lget(v),
    ...lget(v),
    ...shuffle32([2, 3, 0, 1]),
    ...FADD,
    ...lset(t),
    ...lget(t),
    ...lget(t),
    ...lget(t),
    ...shuffle32([1, 0, 3, 2]),
    ...FADD,
  ];
}
/** Column `col` of the gate coefficient matrix for gates 4k … 4k+3. */
const mcol = (col: number, k: number): number[] => [0, 1, 2, 3].map((l) => GATE_COEFF_MATRIX[(4 * k + l) * 4 + col] as number);

/**
 * Float32 e^x for x ≤ 0 on local x (clobbered), result on the stack: n = round(x·log₂e),
 * r = x − n·ln2 (two-part ln2), Cephes' degree-5 expf polynomial, times 2ⁿ built in the exponent bits.
 */
function expNeg(x: number, n: number, y: number): number[] {
  const P = [1.98756915e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
  const code = [
    ...lget(x),
    ...fsplat(-87),
    ...FMAX,
    ...lset(x),
    ...lget(x),
    ...fsplat(Math.LOG2E),
    ...FMUL,
    ...FNEAREST,
    ...lset(n),
    ...lget(x),
    ...lget(n),
    ...fsplat(-0.693359375),
    ...FMUL,
    ...FADD,
    ...lget(n),
    ...fsplat(2.1219444e-4),
    ...FMUL,
    ...FADD,
    ...lset(x),
    ...fsplat(P[0] as number),
  ];
  for (let i = 1; i < P.length; i++) code.push(...lget(x), ...FMUL, ...fsplat(P[i] as number), ...FADD);
  code.push(
    ...lget(x),
    ...FMUL,
    ...lget(x),
    ...FMUL,
    ...lget(x),
    ...FADD,
    ...fsplat(1),
    ...FADD,
    ...lset(y),
    ...lget(y),
    ...lget(n),
    ...TRUNC_SAT,
    ...iconst(127),
    ...simd(0x11),
    ...I32X4_ADD,
    ...iconst(23),
    ...I32X4_SHL,
    ...FMUL,
  );
  return code;
}

/**
 * prep(z, p, c, zEnd): per neuron (16 logits) p = softmax(z) and the four coefficients c = pᵀ·M
 * (NeurIPS 2022's gates in the form c0 + c1·a + c2·b + c3·a·b).
 */
function prepBody(): number[] {
  const Z = 0,
    PO = 1,
    CO = 2,
    END = 3,
    Z0 = 4,
    MX = 8,
    T = 9,
    X = 10,
    N = 11,
    Y = 12,
    ACC = 13;
  const code: number[] = [0x03, 0x40];
  for (let k = 0; k < 4; k++) code.push(...lget(Z), ...vloadOff(16 * k), ...lset(Z0 + k));
  code.push(
    ...lget(Z0),
    ...lget(Z0 + 1),
    ...FMAX,
    ...lget(Z0 + 2),
    ...lget(Z0 + 3),
    ...FMAX,
    ...FMAX,
    ...lset(MX),
    ...lget(MX),
    ...lget(MX),
    ...lget(MX),
    ...shuffle32([2, 3, 0, 1]),
    ...FMAX,
    ...lset(T),
    ...lget(T),
    ...lget(T),
    ...lget(T),
    ...shuffle32([1, 0, 3, 2]),
    ...FMAX,
    ...lset(MX),
  );
  for (let k = 0; k < 4; k++) code.push(...lget(Z0 + k), ...lget(MX), ...FSUB, ...lset(X), ...expNeg(X, N, Y), ...lset(Z0 + k));
  code.push(...lget(Z0), ...lget(Z0 + 1), ...FADD, ...lget(Z0 + 2), ...FADD, ...lget(Z0 + 3), ...FADD, ...lset(MX));
  code.push(...fsplat(1), ...hsumBroadcast(MX, T), ...FDIV, ...lset(MX));
  for (let k = 0; k < 4; k++) code.push(...lget(PO), ...lget(Z0 + k), ...lget(MX), ...FMUL, 0x22, ...uleb(Z0 + k), ...vstoreOff(16 * k));
  // acc_col = Σ_k p_k ⊙ Mcol_k, then C = [Σ acc_0, Σ acc_1, Σ acc_2, Σ acc_3] by two shuffle rounds.
  for (let col = 0; col < 4; col++) {
    code.push(...lget(Z0), ...fconst4(mcol(col, 0)), ...FMUL);
    for (let k = 1; k < 4; k++) code.push(...lget(Z0 + k), ...fconst4(mcol(col, k)), ...FMUL, ...FADD);
    code.push(...lset(ACC + col));
  }
  code.push(
    ...lget(ACC),
    ...lget(ACC + 1),
    ...shuffle32([0, 4, 1, 5]),
    ...lget(ACC),
    ...lget(ACC + 1),
    ...shuffle32([2, 6, 3, 7]),
    ...FADD,
    ...lset(T),
    ...lget(ACC + 2),
    ...lget(ACC + 3),
    ...shuffle32([0, 4, 1, 5]),
    ...lget(ACC + 2),
    ...lget(ACC + 3),
    ...shuffle32([2, 6, 3, 7]),
    ...FADD,
    ...lset(X),
    ...lget(CO),
    ...lget(T),
    ...lget(X),
    ...shuffle32([0, 1, 4, 5]),
    ...lget(T),
    ...lget(X),
    ...shuffle32([2, 3, 6, 7]),
    ...FADD,
    ...vstore,
    ...lget(PO),
    ...iconst(64),
    ...ADD,
    ...lset(PO),
    ...lget(CO),
    ...iconst(16),
    ...ADD,
    ...lset(CO),
    ...lget(Z),
    ...iconst(64),
    ...ADD,
    0x22,
    ...uleb(Z),
    ...lget(END),
    ...LT_U,
    0x0d,
    0,
    0x0b,
    0x0b,
  );
  return body(0, 13, code);
}

/** The layer kernel module's bytes. */
export function assembleLayerModule(): Uint8Array<ArrayBuffer> {
  return wasmModule(
    [
      [I32, I32, I32, I32, I32],
      [I32, I32, I32, I32, I32, I32, I32, I32],
      [I32, I32, I32, I32],
    ],
    [
      { name: "fwd", type: 0, body: fwdBody() },
      { name: "bwd", type: 1, body: bwdBody() },
      { name: "prep", type: 2, body: prepBody() },
    ],
  );
}

interface LayerWasm {
  mem: WebAssembly.Memory;
  fwd: (y: number, ab: number, c: number, abEnd: number, bBytes: number) => void;
  bwd: (dy: number, ab: number, cg: number, abEnd: number, bBytes: number, delta: number, dz: number, p: number) => void;
  prep: (z: number, p: number, c: number, zEnd: number) => void;
}
let inst: LayerWasm | null | undefined;

function getInstance(): LayerWasm | null {
  if (inst === undefined) {
    const module = compileWasm(assembleLayerModule);
    const ex = module ? (new WebAssembly.Instance(module, {}).exports as Record<string, unknown>) : null;
    inst = ex
      ? {
          mem: ex.mem as WebAssembly.Memory,
          fwd: ex.fwd as LayerWasm["fwd"],
          bwd: ex.bwd as LayerWasm["bwd"],
          prep: ex.prep as LayerWasm["prep"],
        }
      : null;
  }
  return inst;
}

/** The `RELAX_LOGIC_WASM` flag (read once per kernel call). */
const enabled = (): boolean => tf.env().getBool(RELAX_LOGIC_WASM);

/**
 * Whether the fused logic layer kernels run in WebAssembly SIMD (true where WASM SIMD exists, unless
 * the `RELAX_LOGIC_WASM` flag is off).
 *
 * @example
 * console.log(wasmLayerKernelsAvailable() ? "WASM SIMD training kernels" : "JS loops");
 */
export function wasmLayerKernelsAvailable(): boolean {
  return enabled() && getInstance() !== null;
}

/**
 * Turns the WASM SIMD training kernels (softmax + coefficients, layer forward, backward with the fused
 * logit gradient) on or off; off = the float64 JS loops. Returns the previous setting.
 *
 * @deprecated Use the flag: `tf.env().set("RELAX_LOGIC_WASM", on)`; this wrapper sets it and goes away in
 * the next minor release.
 * @example
 * tf.env().set("RELAX_LOGIC_WASM", false); // JS loops, e.g. to compare speed
 */
export function setWasmLayerKernels(on: boolean): boolean {
  if (typeof on !== "boolean") throw new RelaxError("setWasmLayerKernels", "on", "a boolean", describe(on));
  const prev = enabled();
  tf.env().set(RELAX_LOGIC_WASM, on);
  return prev;
}

function ensure(w: LayerWasm, bytes: number): Float32Array {
  const need = Math.ceil(bytes / 65536) - w.mem.buffer.byteLength / 65536;
  if (need > 0) w.mem.grow(need);
  return new Float32Array(w.mem.buffer);
}

/** Copies `[rows, B]` into WASM memory at float index `at` with row stride `Bp ≥ B` (padding zeroed). */
function putRows(f32: Float32Array, at: number, src: Float32Array, rows: number, B: number, Bp: number): void {
  if (B === Bp) {
    f32.set(src.subarray(0, rows * B), at);
    return;
  }
  for (let r = 0; r < rows; r++) {
    f32.set(src.subarray(r * B, (r + 1) * B), at + r * Bp);
    f32.fill(0, at + r * Bp + B, at + (r + 1) * Bp);
  }
}
function getRows(f32: Float32Array, at: number, rows: number, B: number, Bp: number): Float32Array {
  if (B === Bp) return f32.slice(at, at + rows * B);
  const out = new Float32Array(rows * B);
  for (let r = 0; r < rows; r++) out.set(f32.subarray(at + r * Bp, at + r * Bp + B), r * B);
  return out;
}

const align = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * Activation residency: the module's memory holds a scratch area (per-neuron tables) followed by
 * {@link N_SLOTS} slots for `[rows, Bp]` activations. Every array a kernel copies in or hands out is
 * remembered (array identity → slot + generation), so a layer's input (the previous layer's output,
 * or the same input again in backward) and an incoming gradient (the next layer's dX) are not copied
 * again while their slot has not been reused. tfjs never mutates tensor data in place.
 */
const N_SLOTS = 16;
const arena = { scratch: 0, slotBytes: 0, next: 0, gen: new Int32Array(N_SLOTS) };
const resident = new WeakMap<Float32Array, { slot: number; gen: number; rows: number; Bp: number }>();

/** Largest WASM memory the layer kernels use; bigger batches × widths fall back to the JS loops. */
const MAX_ARENA_BYTES = 1 << 30;

/**
 * Makes room for `scratchBytes` of tables and slots of `slotBytes` (resizing invalidates all slots).
 * False when that would exceed {@link MAX_ARENA_BYTES} or the memory cannot grow (callers fall back to JS).
 */
function ensureArena(w: LayerWasm, scratchBytes: number, slotBytes: number): boolean {
  if (scratchBytes > arena.scratch || slotBytes > arena.slotBytes) {
    const scratch = align(Math.max(scratchBytes, arena.scratch));
    const slot = align(Math.max(slotBytes, arena.slotBytes));
    if (scratch + N_SLOTS * slot > MAX_ARENA_BYTES) return false;
    try {
      ensure(w, scratch + N_SLOTS * slot);
    } catch {
      return false;
    }
    arena.scratch = scratch;
    arena.slotBytes = slot;
    for (let i = 0; i < N_SLOTS; i++) arena.gen[i] = (arena.gen[i] as number) + 1;
  }
  return true;
}
const slotOff = (slot: number): number => arena.scratch + slot * arena.slotBytes;

/** A fresh slot other than those in `busy` (its previous content is forgotten). */
function acquire(busy: number[]): number {
  let s = arena.next;
  while (busy.includes(s)) s = (s + 1) % N_SLOTS;
  arena.next = (s + 1) % N_SLOTS;
  arena.gen[s] = (arena.gen[s] as number) + 1;
  return s;
}

/** The slot holding `arr` as `[rows, Bp]`, copying it in when it is not resident. */
function place(f32: Float32Array, arr: Float32Array, rows: number, B: number, Bp: number, busy: number[]): number {
  const r = resident.get(arr);
  if (r && r.gen === arena.gen[r.slot] && r.rows === rows && r.Bp === Bp) return r.slot;
  const s = acquire(busy);
  putRows(f32, slotOff(s) / 4, arr, rows, B, Bp);
  resident.set(arr, { slot: s, gen: arena.gen[s] as number, rows, Bp });
  return s;
}

/** Copies slot `s` out as a `[rows, B]` array and remembers that the array is resident there. */
function takeOut(f32: Float32Array, s: number, rows: number, B: number, Bp: number): Float32Array {
  const out = getRows(f32, slotOff(s) / 4, rows, B, Bp);
  resident.set(out, { slot: s, gen: arena.gen[s] as number, rows, Bp });
  return out;
}

/** Per-neuron byte addresses of the A and B rows (cached per connection arrays and layout). */
const abCache = new WeakMap<Int32Array, { b: Int32Array; base: number; bBytes: number; table: Int32Array }>();
function abTable(a: Int32Array, b: Int32Array, base: number, bBytes: number): Int32Array {
  const hit = abCache.get(a);
  if (hit && hit.b === b && hit.base === base && hit.bBytes === bBytes) return hit.table;
  const table = new Int32Array(2 * a.length);
  for (let j = 0; j < a.length; j++) {
    table[2 * j] = base + (a[j] as number) * bBytes;
    table[2 * j + 1] = base + (b[j] as number) * bBytes;
  }
  abCache.set(a, { b, base, bBytes, table });
  return table;
}

/**
 * Train-mode gate probabilities `softmax(z)` (`[outDim, 16]`) and coefficients `pᵀ·M` (`[outDim, 4]`)
 * in float32 WASM SIMD; null when unavailable.
 */
export function probsAndCoefficientsWasm(logits: Float32Array, outDim: number): { p: Float32Array; c: Float32Array } | null {
  const w = enabled() ? getInstance() : null;
  if (!w || outDim === 0) return null;
  const zOff = 0,
    pOff = outDim * 64,
    cOff = 2 * outDim * 64;
  if (!ensureArena(w, cOff + outDim * 16, 0)) return null;
  const f32 = new Float32Array(w.mem.buffer);
  f32.set(logits.subarray(0, outDim * 16), zOff / 4);
  w.prep(zOff, pOff, cOff, zOff + outDim * 64);
  return { p: f32.slice(pOff / 4, pOff / 4 + outDim * 16), c: f32.slice(cOff / 4, cOff / 4 + outDim * 4) };
}

/** Feature-major forward (see logicForwardFM) in WASM SIMD; null when unavailable. */
export function logicForwardWasm(
  X: Float32Array,
  B: number,
  inDim: number,
  a: Int32Array,
  b: Int32Array,
  c: ArrayLike<number>,
): Float32Array | null {
  const w = enabled() ? getInstance() : null;
  if (!w || B === 0 || a.length === 0) return null;
  const outDim = a.length;
  const Bp = Math.ceil(B / 4) * 4,
    bBytes = Bp * 4;
  const abOff = 0,
    cOff = align(outDim * 8);
  if (!ensureArena(w, cOff + outDim * 16, Math.max(inDim, outDim) * bBytes)) return null;
  const f32 = new Float32Array(w.mem.buffer);
  const i32 = new Int32Array(w.mem.buffer);
  const xs = place(f32, X, inDim, B, Bp, []);
  const ys = acquire([xs]);
  i32.set(abTable(a, b, slotOff(xs), bBytes), abOff / 4);
  f32.set(c, cOff / 4);
  w.fwd(slotOff(ys), abOff, cOff, abOff + outDim * 8, bBytes);
  return takeOut(f32, ys, outDim, B, Bp);
}

/**
 * Feature-major backward (see logicBackwardFM) in WASM SIMD with the logit gradient
 * `p ⊙ (M·S − p·(M·S))` fused in (`p` = the train-mode probabilities, `[outDim, 16]`; pass null in
 * eval mode, where the logit gradient is 0); null when unavailable.
 */
export function logicBackwardWasm(
  X: Float32Array,
  dY: Float32Array,
  B: number,
  inDim: number,
  a: Int32Array,
  b: Int32Array,
  c: ArrayLike<number>,
  gradFactor: number,
  p: ArrayLike<number> | null,
): { dX: Float32Array; dlogits: Float32Array } | null {
  const w = enabled() ? getInstance() : null;
  if (!w || B === 0 || a.length === 0) return null;
  const outDim = a.length;
  const Bp = Math.ceil(B / 4) * 4,
    bBytes = Bp * 4;
  const abOff = 0,
    cgOff = align(outDim * 8),
    dzOff = cgOff + outDim * 16,
    pOff = dzOff + outDim * 64;
  if (!ensureArena(w, pOff + outDim * 64, Math.max(inDim, outDim) * bBytes)) return null;
  const f32 = new Float32Array(w.mem.buffer);
  const i32 = new Int32Array(w.mem.buffer);
  const xs = place(f32, X, inDim, B, Bp, []);
  const dys = place(f32, dY, outDim, B, Bp, [xs]);
  const dxs = acquire([xs, dys]);
  f32.fill(0, slotOff(dxs) / 4, slotOff(dxs) / 4 + inDim * Bp);
  if (p) f32.set(p, pOff / 4);
  else f32.fill(0, pOff / 4, pOff / 4 + outDim * 16);
  i32.set(abTable(a, b, slotOff(xs), bBytes), abOff / 4);
  const cg = cgOff / 4;
  for (let j = 0; j < outDim; j++) {
    f32[cg + 4 * j] = (c[4 * j + 1] as number) * gradFactor;
    f32[cg + 4 * j + 1] = (c[4 * j + 2] as number) * gradFactor;
    f32[cg + 4 * j + 2] = (c[4 * j + 3] as number) * gradFactor;
  }
  w.bwd(slotOff(dys), abOff, cgOff, abOff + outDim * 8, bBytes, slotOff(dxs) - slotOff(xs), dzOff, pOff);
  return { dX: takeOut(f32, dxs, inDim, B, Bp), dlogits: f32.slice(dzOff / 4, dzOff / 4 + outDim * 16) };
}

/** One layer of a whole-net call: connections, coefficients `[outDim, 4]`, train-mode probabilities (null in eval mode). */
export interface NetLayerArgs {
  a: Int32Array;
  b: Int32Array;
  gradFactor: number;
  c: ArrayLike<number>;
  p: ArrayLike<number> | null;
}

/** Activation slots of one whole-net forward (layer inputs, then the last layer's output). */
interface NetRecord {
  slots: number[];
  gens: number[];
  Bp: number;
}
const netRecords = new WeakMap<Float32Array, NetRecord>();

/** Whether a whole-net call with `numLayers` layers fits the slots (activations + 2 for backward). */
export function wasmNetSupported(numLayers: number): boolean {
  return enabled() && getInstance() !== null && numLayers >= 1 && numLayers + 3 <= N_SLOTS;
}

function netScratch(layers: readonly NetLayerArgs[]): number {
  let m = 0;
  for (const l of layers) m = Math.max(m, align(l.a.length * 8) + l.a.length * (16 + 64 + 64));
  return m;
}

/** Runs all layers with activations kept in slots; returns the slots (input first). */
function netForwardSlots(w: LayerWasm, xFM: Float32Array, B: number, inDim: number, layers: readonly NetLayerArgs[]): NetRecord | null {
  const Bp = Math.ceil(B / 4) * 4,
    bBytes = Bp * 4;
  let maxRows = inDim;
  for (const l of layers) maxRows = Math.max(maxRows, l.a.length);
  if (!ensureArena(w, netScratch(layers), maxRows * bBytes)) return null;
  const f32 = new Float32Array(w.mem.buffer);
  const i32 = new Int32Array(w.mem.buffer);
  const slots = [place(f32, xFM, inDim, B, Bp, [])];
  for (const l of layers) {
    const outDim = l.a.length;
    const prev = slots[slots.length - 1] as number;
    const ys = acquire(slots);
    const cOff = align(outDim * 8);
    i32.set(abTable(l.a, l.b, slotOff(prev), bBytes), 0);
    f32.set(l.c, cOff / 4);
    w.fwd(slotOff(ys), 0, cOff, outDim * 8, bBytes);
    slots.push(ys);
  }
  return { slots, gens: slots.map((s) => arena.gen[s] as number), Bp };
}

/**
 * Whole-net forward: feature-major input `[inDim, B]` through every layer (activations stay in WASM
 * memory) and GroupSum(k, τ) of the last layer → `[B, k]`. Null when unavailable.
 */
export function logicNetForwardWasm(
  xFM: Float32Array,
  B: number,
  inDim: number,
  layers: readonly NetLayerArgs[],
  k: number,
  tau: number,
): Float32Array | null {
  const w = enabled() ? getInstance() : null;
  if (!w || B === 0 || !wasmNetSupported(layers.length)) return null;
  const rec = netForwardSlots(w, xFM, B, inDim, layers);
  if (!rec) return null;
  const f32 = new Float32Array(w.mem.buffer);
  const n = (layers[layers.length - 1] as NetLayerArgs).a.length;
  const g = n / k;
  const out = new Float32Array(B * k);
  const acc = new Float64Array(B);
  const base = slotOff(rec.slots[rec.slots.length - 1] as number) / 4;
  for (let c = 0; c < k; c++) {
    acc.fill(0);
    for (let i = c * g; i < (c + 1) * g; i++) {
      const o = base + i * rec.Bp;
      for (let r = 0; r < B; r++) acc[r] += f32[o + r] as number;
    }
    for (let r = 0; r < B; r++) out[r * k + c] = (acc[r] as number) / tau;
  }
  netRecords.set(out, rec);
  return out;
}

/**
 * Whole-net backward from `dy = ∂L/∂out` (`[B, k]`): the input gradient (feature-major `[inDim, B]`)
 * and every layer's logit gradient. Reuses the activations of the forward that produced `out` when
 * they are still resident, else recomputes them. Null when unavailable.
 */
export function logicNetBackwardWasm(
  xFM: Float32Array,
  B: number,
  inDim: number,
  layers: readonly NetLayerArgs[],
  k: number,
  tau: number,
  out: Float32Array | null,
  dy: Float32Array,
): { dX: Float32Array; dlogits: Float32Array[] } | null {
  const w = enabled() ? getInstance() : null;
  if (!w || B === 0 || !wasmNetSupported(layers.length)) return null;
  let rec: NetRecord | null | undefined = out ? netRecords.get(out) : undefined;
  if (!rec || rec.slots.some((s, i) => arena.gen[s] !== rec!.gens[i]) || rec.Bp !== Math.ceil(B / 4) * 4)
    rec = netForwardSlots(w, xFM, B, inDim, layers);
  if (!rec) return null;
  const { slots, Bp } = rec;
  const bBytes = Bp * 4;
  const f32 = new Float32Array(w.mem.buffer);
  const i32 = new Int32Array(w.mem.buffer);
  // GroupSum gradient into a slot: row i of class c gets dy[:, c] / τ.
  const L = layers.length;
  const n = (layers[L - 1] as NetLayerArgs).a.length;
  const g = n / k;
  let dys = acquire(slots);
  {
    const base = slotOff(dys) / 4;
    const col = new Float32Array(Bp);
    for (let c = 0; c < k; c++) {
      for (let r = 0; r < B; r++) col[r] = (dy[r * k + c] as number) / tau;
      for (let i = c * g; i < (c + 1) * g; i++) f32.set(col, base + i * Bp);
    }
  }
  const dlogits: Float32Array[] = new Array<Float32Array>(L);
  for (let l = L - 1; l >= 0; l--) {
    const layer = layers[l] as NetLayerArgs;
    const outDim = layer.a.length;
    const rows = l === 0 ? inDim : (layers[l - 1] as NetLayerArgs).a.length;
    const xs = slots[l] as number;
    const dxs = acquire([...slots, dys]);
    f32.fill(0, slotOff(dxs) / 4, slotOff(dxs) / 4 + rows * Bp);
    const cgOff = align(outDim * 8),
      dzOff = cgOff + outDim * 16,
      pOff = dzOff + outDim * 64;
    i32.set(abTable(layer.a, layer.b, slotOff(xs), bBytes), 0);
    const cg = cgOff / 4,
      c = layer.c,
      gf = layer.gradFactor;
    for (let j = 0; j < outDim; j++) {
      f32[cg + 4 * j] = (c[4 * j + 1] as number) * gf;
      f32[cg + 4 * j + 1] = (c[4 * j + 2] as number) * gf;
      f32[cg + 4 * j + 2] = (c[4 * j + 3] as number) * gf;
    }
    if (layer.p) f32.set(layer.p, pOff / 4);
    else f32.fill(0, pOff / 4, pOff / 4 + outDim * 16);
    w.bwd(slotOff(dys), 0, cgOff, outDim * 8, bBytes, slotOff(dxs) - slotOff(xs), dzOff, pOff);
    dlogits[l] = f32.slice(dzOff / 4, dzOff / 4 + outDim * 16);
    dys = dxs;
  }
  return { dX: getRows(f32, slotOff(dys) / 4, inDim, B, Bp), dlogits };
}
