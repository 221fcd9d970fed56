/**
 * WebAssembly SIMD128 kernels of soft learned wiring (wasm/mix.wat), one call per layer and pass: the forward
 * mixes each gate's K candidate rows (`A_j = Σ_k q_k·X[cand_k]`, likewise B) and applies the gate in the same
 * loop; the backward takes the mixed rows (kept by the whole-net forward, else mixed again), the gate statistics,
 * and scatters the rows' gradient to the candidates (`dX[cand_k] += gf·q_k·dA_j`) with the wiring statistics
 * `dq_k = Σ dA_j·X[cand_k]`; two
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
  fwd: (
    y: number,
    tab: number,
    w: number,
    c: number,
    K: number,
    count: number,
    bb: number,
    tmp: number,
    keepA: number,
    keepB: number,
  ) => void;
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
    keepA: number,
    keepB: number,
    kscat: number,
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
 * Byte offsets, from `at`, of a learned-wiring layer's tables: candidate row addresses, wiring weights and their
 * statistics, the candidate indices, relaxed wiring weights and their gradient (each `[outDim, 2, K]`), the
 * coefficients and gate statistics (`[outDim, 4]`), gate probabilities and their logit gradient (`[outDim, 16]`),
 * and four scratch rows of `bb` bytes. Shared by the per-layer calls here and the whole-net kernel.
 */
export function wiringTablesLayout(at: number, outDim: number, K: number, bb: number) {
  const nK = Math.ceil((2 * outDim * K * 4) / 16) * 16;
  const tab = at,
    w = tab + nK,
    dq = w + nK,
    cand = dq + nK,
    qs = cand + nK,
    du = qs + nK,
    c = du + nK,
    S = c + outDim * 16,
    p = S + outDim * 16,
    dz = p + outDim * 64,
    tmp = dz + outDim * 64;
  return { tab, w, dq, cand, qs, du, c, S, p, dz, tmp, end: tmp + 4 * bb };
}
export type WiringTables = ReturnType<typeof wiringTablesLayout>;

/** Memory layout of one per-layer call (byte offsets): X, dX, Y or dY rows, then the layer's tables. */
function layout(inDim: number, outDim: number, K: number, B: number) {
  const Bp = Math.ceil(B / 4) * 4;
  const bb = Bp * 4;
  const x = 0;
  const dx = x + inDim * bb;
  const y = dx + inDim * bb;
  return { Bp, bb, x, dx, y, ...wiringTablesLayout(y + outDim * bb, outDim, K, bb) };
}

/** A learned-wiring layer as its kernels take it: candidates `[outDim, K]` of A and B, weights q, coefficients. */
export interface WiredLayer {
  candA: Int32Array;
  candB: Int32Array;
  K: number;
  /** Wiring weights `[outDim, 2, K]`. */
  q: Float32Array;
  /** Coefficients `[outDim, 4]`. */
  c: ArrayLike<number>;
  /** The chosen candidate of each gate input where q is one-hot, else null. */
  pick: Int32Array | null;
}

/**
 * Candidate row addresses (`[outDim, 2, K]`, A then B per gate, rows of `bb` bytes from byte `x`; computed in WASM
 * from the candidate indices), the wiring weights `q` and the coefficients `[outDim, 4]`. With `pick` (the chosen
 * candidate of each gate input, for a one-hot choice) the chosen candidate swaps places with candidate 0, so that
 * the kernels can mix and scatter slot 0 only.
 */
export function fillTables(w: MixWasm, f32: Float32Array, i32: Int32Array, T: WiringTables, x: number, bb: number, l: WiredLayer): void {
  const outDim = l.candA.length / l.K;
  i32.set(l.candA, T.cand / 4);
  i32.set(l.candB, T.cand / 4 + l.candA.length);
  w.tabs(T.tab, T.cand, T.cand + l.candA.length * 4, outDim, l.K, x, bb);
  f32.set(l.q, T.w / 4);
  if (l.pick) {
    swapChosenFirst(i32, T.tab / 4, l.pick, l.K);
    swapChosenFirst(f32, T.w / 4, l.pick, l.K);
  }
  f32.set(l.c, T.c / 4);
}

/**
 * The backward of a learned-wiring layer on rows already in `w`'s memory (X from byte `x`, dY from `dy`, dX from
 * `dx`, zeroed by the caller; rows of `bb` bytes): input gradients scattered to the candidates (`Σ gf·q_k·dA`), the
 * wiring statistics `dq` (`Σ_r dA·X[cand_k]`, unscaled by gf, in candidate order) and the gate statistics S
 * `[outDim, 4]`; with `gates` also the softmax16 logit gradient `dz = scale·p ⊙ (M·S − p·(M·S))`, with `wiring` the
 * wiring-logit gradient `du = scale·qs ⊙ (dq − qs·dq)` (as {@link wiringGradFromStats}, bit for bit). With
 * `opts.kept` (the byte offsets of the mixed rows A and B the forward kept, `[outDim, Bp]` each) it reads them
 * instead of mixing again: the same numbers. With `opts.inputGrad` false it leaves dX alone.
 */
export function mixedBackward(
  w: MixWasm,
  f32: Float32Array,
  i32: Int32Array,
  T: WiringTables,
  rows: { x: number; dy: number; dx: number; bb: number },
  l: WiredLayer,
  gradFactor: number,
  gates: { p: Float32Array; scale: number } | null,
  wiring: { qs: Float32Array; scale: number } | null,
  opts: { kept?: { a: number; b: number } | null; inputGrad?: boolean } = {},
): { dq: Float32Array; S: Float32Array; dz: Float32Array | null; du: Float32Array | null } {
  const outDim = l.candA.length / l.K;
  const nK = l.q.length;
  fillTables(w, f32, i32, T, rows.x, rows.bb, l);
  const kmix = l.pick ? 1 : l.K;
  const { kept, inputGrad = true } = opts;
  w.bwd(
    rows.dy,
    T.tab,
    T.w,
    gradFactor,
    T.c,
    T.dq,
    T.S,
    l.K,
    kmix,
    outDim,
    rows.bb,
    rows.dx - rows.x,
    T.tmp,
    kept?.a ?? 0,
    kept?.b ?? 0,
    inputGrad ? kmix : 0,
  );
  if (l.pick) swapChosenFirst(f32, T.dq / 4, l.pick, l.K); // back to candidate order
  let du: Float32Array | null = null;
  if (wiring) {
    f32.set(wiring.qs.subarray(0, nK), T.qs / 4);
    w.wgrad(T.dq, T.qs, T.du, 2 * outDim, l.K, wiring.scale);
    du = f32.slice(T.du / 4, T.du / 4 + nK);
  }
  let dz: Float32Array | null = null;
  if (gates) {
    f32.set(gates.p.subarray(0, outDim * 16), T.p / 4);
    w.lgrad(T.S, T.p, T.dz, outDim, gates.scale);
    dz = f32.slice(T.dz / 4, T.dz / 4 + outDim * 16);
  }
  return { dq: f32.slice(T.dq / 4, T.dq / 4 + nK), S: f32.slice(T.S / 4, T.S / 4 + outDim * 4), dz, du };
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
  fillTables(w, f32, new Int32Array(w.mem.buffer), L, L.x, L.bb, { candA, candB, K, q, c, pick: null });
  w.fwd(L.y, L.tab, L.w, L.c, K, outDim, L.bb, L.tmp, 0, 0);
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
  const rows = { x: L.x, dy: L.y, dx: L.dx, bb: L.bb };
  const r = mixedBackward(w, f32, new Int32Array(w.mem.buffer), L, rows, { candA, candB, K, q, c, pick }, gradFactor, gates, wiring);
  return { dX: getRows(f32, L.dx / 4, inDim, B, L.Bp), ...r };
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
