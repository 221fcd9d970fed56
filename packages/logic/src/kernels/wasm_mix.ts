/**
 * WebAssembly SIMD128 kernels of soft learned wiring (wasm/mix.wat), one call per layer and pass: the forward
 * mixes each gate's K candidate rows (`A_j = Σ_k q_k·X[cand_k]`, likewise B) and applies the gate in the same
 * loop; the backward recomputes the mixed rows, takes the gate statistics, and scatters the rows' gradient to
 * the candidates (`dX[cand_k] += gf·q_k·dA_j`) with the wiring statistics `dq_k = Σ dA_j·X[cand_k]`; two
 * small passes take the per-call bookkeeping off the JS side (the wiring softmax over K of every gate input, and
 * the softmax16 gate-logit gradient from the gate statistics). Feature-major, float32; null (the caller's JS
 * loops run) where WASM SIMD is missing or the `RELAX_LOGIC_WASM` flag is off. The module imports its memory: the
 * per-layer calls here use one of their own, the whole-net kernel an instance on the layer module's memory
 * ({@link mixKernelsOn}).
 */
import * as tf from "@tensorflow/tfjs-core";
import { RELAX_LOGIC_WASM } from "../flags.js";
import { compileWasm, embeddedWasm } from "../wasm_asm.js";
import { MIX_WASM_BASE64 } from "../wasm_bytes.js";
import { getRows, growTo, putRows } from "../wasm_rows.js";

/** The kernels of wasm/mix.wat and the memory they work on. */
export interface MixWasm {
  mem: WebAssembly.Memory;
  fwd: (y: number, tab: number, w: number, c: number, K: number, count: number, bb: number, tmp: number) => void;
  bwd: (
    dy: number,
    tab: number,
    w: number,
    gf: number,
    c: number,
    dq: number,
    S: number,
    K: number,
    kmix: number,
    count: number,
    bb: number,
    delta: number,
    tmp: number,
  ) => void;
  softk: (q: number, pick: number, K: number, n: number, inv: number) => void;
  mixn: (y: number, tab: number, w: number, K: number, kmix: number, count: number, bb: number) => void;
  unmixn: (dy: number, tab: number, w: number, dq: number, K: number, kmix: number, count: number, bb: number, delta: number) => void;
  lgrad: (S: number, p: number, dz: number, count: number, scale: number) => void;
  tabs: (tab: number, candA: number, candB: number, count: number, K: number, x: number, bb: number) => void;
  wgrad: (dq: number, qs: number, du: number, n: number, K: number, scale: number) => void;
}
let mixModule: WebAssembly.Module | null | undefined;
let inst: MixWasm | null | undefined;
const onMemory = new WeakMap<WebAssembly.Memory, MixWasm>();

/** The module's kernels on `mem` (its only import); null without WASM SIMD. */
function instantiate(mem: WebAssembly.Memory): MixWasm | null {
  if (mixModule === undefined) mixModule = compileWasm(() => embeddedWasm(MIX_WASM_BASE64));
  if (!mixModule) return null;
  // the module's exports are exactly MixWasm's members but mem (fwd, bwd, softk, lgrad, mixn, unmixn, tabs, wgrad)
  const ex = new WebAssembly.Instance(mixModule, { env: { mem } }).exports;
  return { ...(ex as unknown as Omit<MixWasm, "mem">), mem };
}

function instance(): MixWasm | null {
  if (!tf.env().getBool(RELAX_LOGIC_WASM)) return null;
  if (inst === undefined) inst = instantiate(new WebAssembly.Memory({ initial: 1 }));
  return inst;
}

/**
 * The mixing kernels working on another module's memory (the whole-net kernel's, where the activations stay),
 * one instance per memory; null without WASM SIMD.
 */
export function mixKernelsOn(mem: WebAssembly.Memory): MixWasm | null {
  let m = onMemory.get(mem);
  if (!m) {
    const made = instantiate(mem);
    if (!made) return null;
    onMemory.set(mem, (m = made));
  }
  return m;
}

/** Whether the WASM SIMD kernels run here (SIMD present and the `RELAX_LOGIC_WASM` flag on). */
export function wasmMixAvailable(): boolean {
  return instance() !== null;
}

/**
 * Memory layout of one call (byte offsets): X, dX, Y or dY rows, four scratch rows, then per-gate tables
 * (candidate addresses, wiring weights and statistics, coefficients, gate statistics, gate probabilities and
 * their logit gradient).
 */
function layout(inDim: number, outDim: number, K: number, B: number) {
  const Bp = Math.ceil(B / 4) * 4;
  const bb = Bp * 4;
  const n = 2 * outDim;
  const x = 0;
  const dx = x + inDim * bb;
  const y = dx + inDim * bb;
  const tmp = y + outDim * bb;
  const tab = tmp + 4 * bb;
  const w = tab + n * K * 4;
  const dq = w + n * K * 4;
  const c = dq + n * K * 4;
  const S = c + outDim * 16;
  const p = S + outDim * 16;
  const dz = p + outDim * 64;
  // the candidate indices (for the address tables), then the relaxed wiring weights and their gradient
  const cand = dz + outDim * 64;
  const qs = cand + n * K * 4;
  const du = qs + n * K * 4;
  return { Bp, bb, x, dx, y, tmp, tab, w, dq, c, S, p, dz, cand, qs, du, end: du + n * K * 4 };
}

/**
 * Candidate row addresses (`[outDim, 2, K]`, A then B per gate; computed in WASM from the candidate indices), the
 * wiring weights `q` and the coefficients `[outDim, 4]`. With `pick` (the chosen candidate of each gate input, for
 * a one-hot choice) the chosen candidate swaps places with candidate 0, so that the kernels can mix and scatter
 * slot 0 only.
 */
function fillTables(
  w: MixWasm,
  f32: Float32Array,
  i32: Int32Array,
  L: ReturnType<typeof layout>,
  candA: Int32Array,
  candB: Int32Array,
  K: number,
  q: Float32Array,
  c: ArrayLike<number>,
  pick: Int32Array | null,
): void {
  const outDim = candA.length / K;
  const tab = L.tab / 4;
  i32.set(candA, L.cand / 4);
  i32.set(candB, L.cand / 4 + candA.length);
  w.tabs(L.tab, L.cand, L.cand + candA.length * 4, outDim, K, L.x, L.bb);
  f32.set(q, L.w / 4);
  if (pick) {
    swapChosenFirst(i32, tab, pick, K);
    swapChosenFirst(f32, L.w / 4, pick, K);
  }
  f32.set(c, L.c / 4);
}

/** Swaps entry 0 and entry `pick[i]` of every gate input's K entries (`a[at + i·K …]`); its own inverse. */
export function swapChosenFirst(a: Int32Array | Float32Array, at: number, pick: Int32Array, K: number): void {
  for (let i = 0; i < pick.length; i++) {
    const o = at + i * K;
    const p = o + (pick[i] as number);
    const t = a[o] as number;
    a[o] = a[p] as number;
    a[p] = t;
  }
}

/**
 * Forward of soft learned wiring: `Y: [outDim, B]` from feature-major `X: [inDim, B]`, wiring weights `q`
 * `[outDim, 2, K]` and gate coefficients `c` `[outDim, 4]`; null where unavailable.
 */
export function learnedForwardWasm(
  X: Float32Array,
  B: number,
  inDim: number,
  candA: Int32Array,
  candB: Int32Array,
  K: number,
  q: Float32Array,
  c: Float32Array,
): Float32Array | null {
  const w = instance();
  const outDim = candA.length / K;
  if (!w || B === 0 || outDim === 0) return null;
  const L = layout(inDim, outDim, K, B);
  const f32 = growTo(w.mem, L.end);
  putRows(f32, L.x / 4, X, inDim, B, L.Bp);
  fillTables(w, f32, new Int32Array(w.mem.buffer), L, candA, candB, K, q, c, null);
  w.fwd(L.y, L.tab, L.w, L.c, K, outDim, L.bb, L.tmp);
  return getRows(f32, L.y / 4, outDim, B, L.Bp);
}

/**
 * Backward of {@link learnedForwardWasm} from `dY: [outDim, B]`: `dX: [inDim, B]` (`Σ gf·q_k·dA`), the wiring
 * statistics `dq` `[outDim, 2, K]` (`Σ_r dA·X[cand_k]`, unscaled by gf) and the gate statistics
 * `S = Σ_r g·[1, A, B, A·B]` `[outDim, 4]`; null where unavailable. With `pick` (`[outDim, 2]`, for one-hot
 * weights q: straight-through wiring, eval mode) each input reads and scatters to its chosen row only and
 * takes the dot products of the other K − 1. With `gates` (relaxed softmax16 probabilities `p` `[outDim, 16]`
 * and the choice's scale) also the gate-logit gradient `dz = scale·p ⊙ (M·S − p·(M·S))` `[outDim, 16]`; with
 * `wiring` (the relaxed wiring weights qs `[outDim, 2, K]` and the choice's scale) also the wiring-logit gradient
 * `du = scale·qs ⊙ (dq − qs·dq)` (as {@link wiringGradFromStats}, bit for bit).
 */
export function learnedBackwardWasm(
  X: Float32Array,
  dY: Float32Array,
  B: number,
  inDim: number,
  candA: Int32Array,
  candB: Int32Array,
  K: number,
  q: Float32Array,
  c: Float32Array,
  gradFactor: number,
  pick: Int32Array | null = null,
  gates: { p: Float32Array; scale: number } | null = null,
  wiring: { qs: Float32Array; scale: number } | null = null,
): { dX: Float32Array; dq: Float32Array; S: Float32Array; dz: Float32Array | null; du: Float32Array | null } | null {
  const w = instance();
  const outDim = candA.length / K;
  if (!w || B === 0 || outDim === 0) return null;
  const L = layout(inDim, outDim, K, B);
  const f32 = growTo(w.mem, L.end);
  putRows(f32, L.x / 4, X, inDim, B, L.Bp);
  f32.fill(0, L.dx / 4, L.dx / 4 + inDim * L.Bp);
  putRows(f32, L.y / 4, dY, outDim, B, L.Bp);
  fillTables(w, f32, new Int32Array(w.mem.buffer), L, candA, candB, K, q, c, pick);
  w.bwd(L.y, L.tab, L.w, gradFactor, L.c, L.dq, L.S, K, pick ? 1 : K, outDim, L.bb, L.dx - L.x, L.tmp);
  if (pick) swapChosenFirst(f32, L.dq / 4, pick, K); // back to candidate order
  const dq = f32.slice(L.dq / 4, L.dq / 4 + q.length);
  let du: Float32Array | null = null;
  if (wiring) {
    f32.set(wiring.qs.subarray(0, q.length), L.qs / 4);
    w.wgrad(L.dq, L.qs, L.du, 2 * outDim, K, wiring.scale);
    du = f32.slice(L.du / 4, L.du / 4 + q.length);
  }
  let dz: Float32Array | null = null;
  if (gates) {
    f32.set(gates.p.subarray(0, outDim * 16), L.p / 4);
    w.lgrad(L.S, L.p, L.dz, outDim, gates.scale);
    dz = f32.slice(L.dz / 4, L.dz / 4 + outDim * 16);
  }
  return { dX: getRows(f32, L.dx / 4, inDim, B, L.Bp), dq, S: f32.slice(L.S / 4, L.S / 4 + outDim * 4), dz, du };
}

/**
 * Train-mode wiring weights without noise (soft and hard-st wiring) in float32 WASM SIMD: the relaxed weights
 * `qs = softmax(u/τ)` per gate input (τ = 1 for soft wiring) and the argmax `pick` (first maximum on ties),
 * for `u` `[n, K]`; null where unavailable.
 */
export function wiringSoftmaxWasm(
  u: Float32Array,
  n: number,
  K: number,
  temperature: number,
): { qs: Float32Array; pick: Int32Array } | null {
  const w = instance();
  if (!w || n === 0) return null;
  const len = n * K;
  const pickAt = Math.ceil(len / 4) * 16; // bytes: the exp pass may write up to 12 bytes past n·K floats
  const f32 = growTo(w.mem, pickAt + n * 4);
  f32.set(u.subarray(0, len), 0);
  w.softk(0, pickAt, K, n, 1 / temperature);
  return { qs: f32.slice(0, len), pick: new Int32Array(w.mem.buffer, pickAt, n).slice() };
}

/**
 * Rows mixed without a gate, as the learned leaves of conv trees use them: `n` output rows, row r the sum
 * `Σ_k q[r·K + k] · X[rows[r·K + k]]` of its K candidate rows of the feature-major `X: [inDim, B]`. With `pick`
 * (one-hot weights: straight-through or eval) only the chosen row of each output row is read.
 */
export interface MixedRows {
  /** Candidate row indices into X, `[n, K]`. */
  rows: Int32Array;
  /** Weights `[n, K]`. */
  q: Float32Array;
  /** The chosen candidate of each output row (one-hot weights), or null. */
  pick: Int32Array | null;
  K: number;
}

function mixLayout(inDim: number, n: number, K: number, B: number) {
  const Bp = Math.ceil(B / 4) * 4;
  const bb = Bp * 4;
  const x = 0;
  const dx = x + inDim * bb;
  const y = dx + inDim * bb;
  const tab = y + n * bb;
  const w = tab + n * K * 4;
  const dq = w + n * K * 4;
  return { Bp, bb, x, dx, y, tab, w, dq, end: dq + n * K * 4 };
}

/** Candidate row addresses and weights of {@link MixedRows}, the chosen candidate first where `pick` is given. */
function fillMixTables(f32: Float32Array, i32: Int32Array, L: ReturnType<typeof mixLayout>, m: MixedRows): void {
  const tab = L.tab / 4;
  for (let i = 0; i < m.rows.length; i++) i32[tab + i] = L.x + (m.rows[i] as number) * L.bb;
  f32.set(m.q, L.w / 4);
  if (m.pick) {
    swapChosenFirst(i32, tab, m.pick, m.K);
    swapChosenFirst(f32, L.w / 4, m.pick, m.K);
  }
}

/** Forward of {@link MixedRows}: `Y: [n, B]` from `X: [inDim, B]`; null where WASM SIMD is unavailable. */
export function mixRowsWasm(X: Float32Array, B: number, inDim: number, m: MixedRows): Float32Array | null {
  const w = instance();
  const n = m.rows.length / m.K;
  if (!w || B === 0 || n === 0) return null;
  const L = mixLayout(inDim, n, m.K, B);
  const f32 = growTo(w.mem, L.end);
  putRows(f32, L.x / 4, X, inDim, B, L.Bp);
  fillMixTables(f32, new Int32Array(w.mem.buffer), L, m);
  w.mixn(L.y, L.tab, L.w, m.K, m.pick ? 1 : m.K, n, L.bb);
  return getRows(f32, L.y / 4, n, B, L.Bp);
}

/**
 * Backward of {@link mixRowsWasm} from `dY: [n, B]`: `dX: [inDim, B]` (`Σ q_k·dY`, only where `wantDx`, else null)
 * and the statistics `dq` `[n, K]` (`Σ_b dY·X[row_k]`, in candidate order); null where unavailable.
 */
export function unmixRowsWasm(
  X: Float32Array,
  dY: Float32Array,
  B: number,
  inDim: number,
  m: MixedRows,
  wantDx: boolean,
): { dX: Float32Array | null; dq: Float32Array } | null {
  const w = instance();
  const n = m.rows.length / m.K;
  if (!w || B === 0 || n === 0) return null;
  const L = mixLayout(inDim, n, m.K, B);
  const f32 = growTo(w.mem, L.end);
  putRows(f32, L.x / 4, X, inDim, B, L.Bp);
  if (wantDx) f32.fill(0, L.dx / 4, L.dx / 4 + inDim * L.Bp);
  putRows(f32, L.y / 4, dY, n, B, L.Bp);
  fillMixTables(f32, new Int32Array(w.mem.buffer), L, m);
  const kmix = wantDx ? (m.pick ? 1 : m.K) : 0;
  w.unmixn(L.y, L.tab, L.w, L.dq, m.K, kmix, n, L.bb, L.dx - L.x);
  const dq = f32.slice(L.dq / 4, L.dq / 4 + n * m.K);
  if (m.pick) swapChosenFirst(dq, 0, m.pick, m.K); // back to candidate order
  return { dX: wantDx ? getRows(f32, L.dx / 4, inDim, B, L.Bp) : null, dq };
}
