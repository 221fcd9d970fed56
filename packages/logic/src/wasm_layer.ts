/**
 * WebAssembly SIMD128 versions of the feature-major logic layer kernels of kernels/logic_layer.ts (four
 * f32 samples per instruction, wasm/layer.wat): forward `Y[j] = C0 + C1·A + (C2 + C3·A)·B`, backward
 * (input gradient scatter-add + the statistics `Σ g·[1, A, B, A·B]` and from them the fused logit
 * gradient), the train-mode softmax + coefficients and the straight-through pick, GroupSum's sums; and the
 * whole-net kernels, which keep every activation in this module's memory (learned-wiring layers run the mixing
 * kernels of wasm/mix.wat on the same memory). Float32 arithmetic (GroupSum's sums in float64).
 */
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "@relax/core";
import { RELAX_LOGIC_WASM } from "./flags.js";
import { compileWasm, embeddedWasm } from "./wasm_asm.js";
import { LAYER_WASM_BASE64 } from "./wasm_bytes.js";
import { getRows, growTo, putRows } from "./wasm_rows.js";
import { fillTables, mixKernelsOn, mixedBackward, wiringTablesLayout, type WiredLayer } from "./kernels/wasm_mix.js";

/** The layer kernel module's bytes (compiled from wasm/layer.wat at build time). */
export function assembleLayerModule(): Uint8Array<ArrayBuffer> {
  return embeddedWasm(LAYER_WASM_BASE64);
}

interface LayerWasm {
  mem: WebAssembly.Memory;
  fwd: (y: number, ab: number, c: number, abEnd: number, bBytes: number) => void;
  bwd: (dy: number, ab: number, cg: number, abEnd: number, bBytes: number, delta: number, dz: number, p: number) => void;
  prep: (z: number, p: number, c: number, zEnd: number) => void;
  pick: (z: number, g: number, s: number, best: number, zEnd: number, inv: number, gStep: number) => void;
  gsum: (x: number, acc: number, xEnd: number, bBytes: number) => void;
  bcast: (dst: number, col: number, dstEnd: number, bBytes: number) => void;
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
          pick: ex.pick as LayerWasm["pick"],
          gsum: ex.gsum as LayerWasm["gsum"],
          bcast: ex.bcast as LayerWasm["bcast"],
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

const align = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * The module's memory holds a scratch area (per-neuron tables) followed by {@link N_SLOTS} slots for
 * `[rows, Bp]` activations. A layer kernel copies its inputs into fresh slots and its outputs out; the
 * whole-net kernel keeps every activation in its slots (and, in spare slots, the mixed rows of soft learned
 * wiring) and hands the gradient a record of them (a saved output, see {@link encodeNetRecord}), each slot's
 * generation telling whether it was reused since.
 */
const N_SLOTS = 16;
const arena = { scratch: 0, slotBytes: 0, next: 0, gen: new Int32Array(N_SLOTS) };

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
      growTo(w.mem, scratch + N_SLOTS * slot);
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

/** A fresh slot (other than those in `busy`) holding `arr` as `[rows, Bp]`. */
function place(f32: Float32Array, arr: Float32Array, rows: number, B: number, Bp: number, busy: number[]): number {
  const s = acquire(busy);
  putRows(f32, slotOff(s) / 4, arr, rows, B, Bp);
  return s;
}

/** Copies slot `s` out as a `[rows, B]` array. */
function takeOut(f32: Float32Array, s: number, rows: number, B: number, Bp: number): Float32Array {
  return getRows(f32, slotOff(s) / 4, rows, B, Bp);
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

/**
 * Straight-through choice of softmax16 gates in WASM: per neuron the argmax `best` `[outDim]` of `z + g` (f64,
 * first maximum; `noise` g `[outDim, 16]`, or null for none) and the relaxed `p = softmax((z + g)·inv)`
 * `[outDim, 16]` (float32, as {@link probsAndCoefficientsWasm}); null when unavailable.
 */
export function straightThroughProbsWasm(
  logits: Float32Array,
  noise: Float32Array | null,
  outDim: number,
  inv: number,
): { p: Float32Array; best: Int32Array } | null {
  const w = enabled() ? getInstance() : null;
  if (!w || outDim === 0) return null;
  const zOff = 0,
    gOff = outDim * 64,
    sOff = 2 * outDim * 64,
    pOff = 3 * outDim * 64,
    cOff = 4 * outDim * 64,
    bestOff = cOff + outDim * 16;
  if (!ensureArena(w, bestOff + outDim * 4, 0)) return null;
  const f32 = new Float32Array(w.mem.buffer);
  f32.set(logits.subarray(0, outDim * 16), zOff / 4);
  // no noise: every neuron reads the same 16 zeros
  if (noise) f32.set(noise.subarray(0, outDim * 16), gOff / 4);
  else f32.fill(0, gOff / 4, gOff / 4 + 16);
  w.pick(zOff, gOff, sOff, bestOff, zOff + outDim * 64, inv, noise ? 64 : 0);
  const best = new Int32Array(w.mem.buffer).slice(bestOff / 4, bestOff / 4 + outDim);
  // a NaN logit matches no maximum (best 32): the JS choice decides those as it always has
  for (let j = 0; j < outDim; j++) if ((best[j] as number) > 15) return null;
  w.prep(sOff, pOff, cOff, sOff + outDim * 64);
  return { p: f32.slice(pOff / 4, pOff / 4 + outDim * 16), best };
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
  /** Learned wiring (K candidates per gate input); `a`, `b` are then the chosen wires where the choice is one-hot. */
  wiring?: NetWiring;
}

/**
 * A learned-wiring layer of a whole-net call, as the per-layer kernel takes it: the candidates `[outDim, K]` of
 * the A and B inputs, the forward's weights q `[outDim, 2, K]` and the picks of a one-hot q (else null: the forward
 * mixes the K candidate rows). `train`: the backward through the candidates (relaxed weights qs and their scale,
 * and for softmax16 gates the relaxed gate distribution and its scale, whose logit gradient it then takes).
 */
export interface NetWiring extends Omit<WiredLayer, "c"> {
  train: { qs: Float32Array; scale: number; gates: { p: Float32Array; scale: number } | null } | null;
}

/** What the whole-net backward gives a learned-wiring layer in train mode: gate statistics, logit and wiring gradients. */
export interface NetWiringGrads {
  /** `Σ g·[1, A, B, A·B]` `[outDim, 4]`. */
  S: Float32Array;
  /** The softmax16 gate-logit gradient (when `train.gates` was given), else null. */
  dz: Float32Array | null;
  /** The wiring-logit gradient `[outDim, 2, K]`. */
  du: Float32Array;
}

/**
 * Activation slots of one whole-net forward (layer inputs, then the last layer's output) and, per layer, the two
 * slots where a soft learned-wiring layer kept its mixed rows A and B for the backward (-1, -1: none kept).
 */
interface NetRecord {
  slots: number[];
  kept: number[];
  /** The generations of `slots`, then of `kept` (0 for -1). */
  gens: number[];
  Bp: number;
}

/**
 * A forward's record as the numbers of a small kernel output (`[Bp, slot, gen, …]`: the activation slots, then the
 * kept slots), saved for the gradient: the backward reuses those slots while their generations still match (no
 * other forward overwrote them), else recomputes the activations. Empty when the forward ran the JS path.
 */
function encodeNetRecord(rec: NetRecord | null): Int32Array {
  if (rec === null) return new Int32Array(0);
  const all = [...rec.slots, ...rec.kept];
  const out = new Int32Array(1 + 2 * all.length);
  out[0] = rec.Bp;
  all.forEach((s, i) => {
    out[1 + 2 * i] = s;
    out[2 + 2 * i] = rec.gens[i] as number;
  });
  return out;
}

/** The record of a forward through `numLayers` layers, or null when `values` is not one. */
function decodeNetRecord(values: ArrayLike<number>, numLayers: number): NetRecord | null {
  if (values.length !== 1 + 2 * (3 * numLayers + 1)) return null;
  const all: number[] = [];
  const gens: number[] = [];
  for (let i = 1; i < values.length; i += 2) {
    all.push(values[i] as number);
    gens.push(values[i + 1] as number);
  }
  return { Bp: values[0] as number, slots: all.slice(0, numLayers + 1), kept: all.slice(numLayers + 1), gens };
}

/** Whether the slots of a record still hold what its forward wrote there. */
function recordCurrent(rec: NetRecord): boolean {
  return [...rec.slots, ...rec.kept].every((s, i) => s < 0 || arena.gen[s] === rec.gens[i]);
}

/** Whether a whole-net call with `numLayers` layers fits the slots (activations + 2 for backward). */
export function wasmNetSupported(numLayers: number): boolean {
  return enabled() && getInstance() !== null && numLayers >= 1 && numLayers + 3 <= N_SLOTS;
}

/**
 * Whether a whole-net call fits the WASM memory cap: input width `inDim`, layer widths with their candidate counts
 * (K = 1 for fixed wiring), batch B. The whole-net kernel has no JS fallback for learned wiring, so LogicNet asks
 * first.
 */
export function wasmNetFits(inDim: number, layers: readonly { outDim: number; K: number }[], B: number): boolean {
  const Bp = Math.ceil(B / 4) * 4,
    bBytes = Bp * 4;
  const scratch = netScratch(layers, Bp);
  let rows = inDim;
  for (const { outDim } of layers) rows = Math.max(rows, outDim);
  const total = align(Math.max(scratch, arena.scratch)) + N_SLOTS * align(Math.max(rows * bBytes, arena.slotBytes));
  return total <= MAX_ARENA_BYTES;
}

/** Scratch bytes of a whole-net call: the largest layer's tables, and GroupSum's f64 sums and f32 column of Bp floats. */
function netScratch(layers: readonly { outDim: number; K: number }[], Bp: number): number {
  let m = Bp * 12;
  for (const { outDim, K } of layers) {
    m = Math.max(m, align(outDim * 8) + outDim * (16 + 64 + 64));
    if (K > 1) m = Math.max(m, wiringTablesLayout(0, outDim, K, Bp * 4).end);
  }
  return m;
}

/** Runs all layers with activations kept in slots; returns the slots (input first). */
function netForwardSlots(w: LayerWasm, xFM: Float32Array, B: number, inDim: number, layers: readonly NetLayerArgs[]): NetRecord | null {
  const Bp = Math.ceil(B / 4) * 4,
    bBytes = Bp * 4;
  let maxRows = inDim;
  for (const l of layers) maxRows = Math.max(maxRows, l.a.length);
  const sizes = layers.map((l) => ({ outDim: l.a.length, K: l.wiring?.K ?? 1 }));
  if (!ensureArena(w, netScratch(sizes, Bp), maxRows * bBytes)) return null;
  const f32 = new Float32Array(w.mem.buffer);
  const i32 = new Int32Array(w.mem.buffer);
  const slots = [place(f32, xFM, inDim, B, Bp, [])];
  const kept: number[] = [];
  // slots left for kept rows: every layer's output, and the backward's two slots
  let spare = N_SLOTS - (layers.length + 1) - 2;
  for (const l of layers) {
    const outDim = l.a.length;
    const prev = slots[slots.length - 1] as number;
    const ys = acquire([...slots, ...kept]);
    if (l.wiring && !l.wiring.pick) {
      // soft learned wiring: mix each gate input's K candidate rows and apply the gate in one pass, keeping the
      // mixed rows for the backward (train mode, while slots are spare)
      const mix = mixKernelsOn(w.mem);
      if (!mix) return null;
      const T = wiringTablesLayout(0, outDim, l.wiring.K, bBytes);
      fillTables(mix, f32, i32, T, slotOff(prev), bBytes, { ...l.wiring, c: l.c });
      const keep = l.wiring.train !== null && spare >= 2;
      const ka = keep ? acquire([...slots, ys, ...kept]) : -1;
      const kb = keep ? acquire([...slots, ys, ...kept, ka]) : -1;
      if (keep) spare -= 2;
      mix.fwd(slotOff(ys), T.tab, T.w, T.c, l.wiring.K, outDim, bBytes, T.tmp, keep ? slotOff(ka) : 0, keep ? slotOff(kb) : 0);
      slots.push(ys);
      kept.push(ka, kb);
      continue;
    }
    kept.push(-1, -1);
    const cOff = align(outDim * 8);
    i32.set(abTable(l.a, l.b, slotOff(prev), bBytes), 0);
    f32.set(l.c, cOff / 4);
    w.fwd(slotOff(ys), 0, cOff, outDim * 8, bBytes);
    slots.push(ys);
  }
  return { slots, kept, gens: [...slots, ...kept].map((s) => (s < 0 ? 0 : (arena.gen[s] as number))), Bp };
}

/** GroupSum's class scores `[B, k]` (sums over τ) of the feature-major rows at byte `base` (`n` rows of Bp floats), f64 sums. */
function groupSumOfSlot(w: LayerWasm, base: number, n: number, B: number, Bp: number, k: number, tau: number): Float32Array {
  const g = n / k;
  const bBytes = Bp * 4;
  const out = new Float32Array(B * k);
  // per class, its rows' sums in f64 (scratch offset 0: no layer tables are in use)
  const acc = new Float64Array(w.mem.buffer, 0, B);
  for (let c = 0; c < k; c++) {
    w.gsum(base + c * g * bBytes, 0, base + (c + 1) * g * bBytes, bBytes);
    for (let r = 0; r < B; r++) out[r * k + c] = (acc[r] as number) / tau;
  }
  return out;
}

/**
 * GroupSum(k, τ) of feature-major `X: [n, B]` in WASM SIMD (the class sums in f64, row by row in order, as the JS
 * kernel): `[B, k]`; null when unavailable.
 */
export function groupSumWasm(X: Float32Array, n: number, B: number, k: number, tau: number): Float32Array | null {
  const w = enabled() ? getInstance() : null;
  if (!w || B === 0 || n === 0 || n % k !== 0) return null;
  const Bp = Math.ceil(B / 4) * 4;
  if (!ensureArena(w, Bp * 8, n * Bp * 4)) return null;
  const s = place(new Float32Array(w.mem.buffer), X, n, B, Bp, []);
  return groupSumOfSlot(w, slotOff(s), n, B, Bp, k, tau);
}

/**
 * Whole-net forward: feature-major input `[inDim, B]` through every layer (activations stay in WASM
 * memory) and GroupSum(k, τ) of the last layer → `out: [B, k]`, with the `record` of where the activations
 * are (see {@link encodeNetRecord}). Null when unavailable.
 */
export function logicNetForwardWasm(
  xFM: Float32Array,
  B: number,
  inDim: number,
  layers: readonly NetLayerArgs[],
  k: number,
  tau: number,
): { out: Float32Array; record: Int32Array } | null {
  const w = enabled() ? getInstance() : null;
  if (!w || B === 0 || !wasmNetSupported(layers.length)) return null;
  const rec = netForwardSlots(w, xFM, B, inDim, layers);
  if (!rec) return null;
  const n = (layers[layers.length - 1] as NetLayerArgs).a.length;
  const out = groupSumOfSlot(w, slotOff(rec.slots[rec.slots.length - 1] as number), n, B, rec.Bp, k, tau);
  return { out, record: encodeNetRecord(rec) };
}

/**
 * Whole-net backward from `dy = ∂L/∂out` (`[B, k]`): the input gradient (feature-major `[inDim, B]`; null with
 * `wantDx` false, which also spares a learned-wiring first layer its scatter to the candidates) and every layer's
 * logit gradient. Reuses the activations of the forward whose `record` it is given
 * while they are still resident, else recomputes them from the input `xFM()` (feature-major, asked for only
 * then). Null when unavailable.
 */
export function logicNetBackwardWasm(
  xFM: () => Float32Array,
  B: number,
  inDim: number,
  layers: readonly NetLayerArgs[],
  k: number,
  tau: number,
  record: ArrayLike<number> | null,
  dy: Float32Array,
  wantDx = true,
): { dX: Float32Array | null; dlogits: Float32Array[]; wiring: (NetWiringGrads | null)[] } | null {
  const w = enabled() ? getInstance() : null;
  if (!w || B === 0 || !wasmNetSupported(layers.length)) return null;
  let rec = record ? decodeNetRecord(record, layers.length) : null;
  if (!rec || !recordCurrent(rec) || rec.Bp !== Math.ceil(B / 4) * 4) rec = netForwardSlots(w, xFM(), B, inDim, layers);
  if (!rec) return null;
  const { slots, Bp } = rec;
  const busy = [...slots, ...rec.kept.filter((s) => s >= 0)];
  const bBytes = Bp * 4;
  const f32 = new Float32Array(w.mem.buffer);
  const i32 = new Int32Array(w.mem.buffer);
  // GroupSum gradient into a slot: row i of class c gets dy[:, c] / τ.
  const L = layers.length;
  const n = (layers[L - 1] as NetLayerArgs).a.length;
  const g = n / k;
  let dys = acquire(busy);
  {
    const base = slotOff(dys);
    // the column dy[:, c]/τ at scratch offset 0, its padding zero
    f32.fill(0, 0, Bp);
    for (let c = 0; c < k; c++) {
      for (let r = 0; r < B; r++) f32[r] = (dy[r * k + c] as number) / tau;
      w.bcast(base + c * g * bBytes, 0, base + (c + 1) * g * bBytes, bBytes);
    }
  }
  const dlogits: Float32Array[] = new Array<Float32Array>(L);
  const wiring: (NetWiringGrads | null)[] = new Array<NetWiringGrads | null>(L).fill(null);
  for (let l = L - 1; l >= 0; l--) {
    const layer = layers[l] as NetLayerArgs;
    const outDim = layer.a.length;
    const rows = l === 0 ? inDim : (layers[l - 1] as NetLayerArgs).a.length;
    const xs = slots[l] as number;
    const dxs = acquire([...busy, dys]);
    const wr = layer.wiring;
    // the first layer's dX only where wanted (a fixed-wiring layer scatters anyway: into zeros, then dropped)
    if (l > 0 || wantDx || !wr?.train) f32.fill(0, slotOff(dxs) / 4, slotOff(dxs) / 4 + rows * Bp);
    if (wr?.train) {
      // learned wiring in train mode: the backward through the K candidates, as the per-layer kernel
      const mix = mixKernelsOn(w.mem);
      if (!mix) return null;
      const T = wiringTablesLayout(0, outDim, wr.K, bBytes);
      const rows = { x: slotOff(xs), dy: slotOff(dys), dx: slotOff(dxs), bb: bBytes };
      const [ka, kb] = [rec.kept[2 * l] as number, rec.kept[2 * l + 1] as number];
      const kept = ka >= 0 ? { a: slotOff(ka), b: slotOff(kb) } : null;
      const inputGrad = l > 0 || wantDx;
      const { S, dz, du } = mixedBackward(mix, f32, i32, T, rows, { ...wr, c: layer.c }, layer.gradFactor, wr.train.gates, wr.train, {
        kept,
        inputGrad,
      });
      wiring[l] = { S, dz, du: du! };
      dlogits[l] = dz ?? new Float32Array(0);
      dys = dxs;
      continue;
    }
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
  return { dX: wantDx ? getRows(f32, slotOff(dys) / 4, inDim, B, Bp) : null, dlogits, wiring };
}
