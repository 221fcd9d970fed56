/**
 * Row helpers shared by the NeuralSort (`neural_sort.ts`) and SoftSort (`soft_sort.ts`) host kernels over
 * typed arrays, float64 inside: the stable argsort of `argsortRow`, writing soft or one-hot rows to the outputs,
 * and the pieces of the softmax backward both use. Entries below e^−650 are 0 (float32 holds nothing that small)
 * and re-enter through a direct exp.
 *
 * With WebAssembly SIMD (baselines_wasm.ts) the O(n²) part of each batch row runs in f64x2 lanes on the same
 * formulas, float64 as here; the O(n) parts (argsort, tie groups, prefix sums) stay in TypeScript.
 */
import { argsortRow } from "./engine.js";
import type { BaselineArena } from "./baselines_wasm.js";

/** Natural log of the smallest entry kept: below e^−650 an entry is 0 (float32 holds nothing that small). */
export const LOG_TINY = -650;
/** `exp(LOG_TINY)`. */
export const TINY = Math.exp(LOG_TINY);
const KEY_SHIFT = 1048576; // 2^20: index bits of a packed argsort key

/** Outputs of a baseline forward kernel. */
export interface BaselineForward {
  sorted: Float32Array;
  permutation: Float32Array;
  /** The soft matrix when `hard` (else empty). */
  relaxed: Float32Array;
}

/** Inputs of a baseline gradient kernel (flat, `[rows, n]` / `[rows, n, n]`). */
export interface BaselineGradInputs {
  x: Float32Array;
  /** The forward's `permutation` output (one-hot when hard). */
  permutation: Float32Array;
  /** The forward's `relaxed` output (used when hard). */
  relaxed: Float32Array;
  dSorted: Float32Array;
  dPermutation: Float32Array;
}

/** Scratch arrays for one row of length n (reused across rows). */
export class Scratch {
  readonly keys: Float64Array;
  readonly perm: Int32Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly c: Float64Array;
  readonly d: Float64Array;
  readonly e: Float64Array;
  readonly lo: Int32Array;
  readonly up: Int32Array;
  constructor(readonly n: number) {
    this.keys = new Float64Array(n);
    this.perm = new Int32Array(n);
    this.a = new Float64Array(n + 1);
    this.b = new Float64Array(n + 1);
    this.c = new Float64Array(n);
    this.d = new Float64Array(n);
    this.e = new Float64Array(n);
    this.lo = new Int32Array(n);
    this.up = new Int32Array(n);
  }
}

/**
 * Ascending sort of the distinct keys `a[0, n)`: `Float64Array.prototype.sort` (numeric order), except for short
 * rows, where an inline insertion sort saves the builtin's per-call cost (rows of 8 are common and hot).
 */
export function sortKeys(a: Float64Array, n: number): void {
  if (n > 16) {
    (n === a.length ? a : a.subarray(0, n)).sort();
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = a[i] as number;
    let k = i - 1;
    while (k >= 0 && (a[k] as number) > v) {
      a[k + 1] = a[k] as number;
      k--;
    }
    a[k + 1] = v;
  }
}

/**
 * The stable ascending argsort of `argsortRow` (ties, −0 = +0 included, by index), via keys packing the
 * order-preserving bits of each float32 with its index.
 */
export function argsortStable(x: Float32Array, bits: Uint32Array, off: number, n: number, s: Scratch): Int32Array {
  const perm = s.perm;
  if (n > KEY_SHIFT) {
    argsortRow(x, off, n, perm);
    return perm;
  }
  const keys = s.keys;
  for (let i = 0; i < n; i++) {
    let b = bits[off + i] as number;
    if (b === 0x80000000) b = 0; // −0 ties with +0
    const u = b >= 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    keys[i] = u * KEY_SHIFT + i;
  }
  sortKeys(keys, n);
  for (let k = 0; k < n; k++) perm[k] = (keys[k] as number) % KEY_SHIFT;
  return perm;
}

/** The raw bits of a float32 array (a view, no copy). */
export function bitsOf(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/** Row-wise argmax of float32-rounded values, first index on ties (as `straightThroughRows`). */
export function argmaxF32(row: Float64Array, n: number): number {
  let best = 0;
  let bv = Math.fround(row[0] as number);
  for (let i = 1; i < n; i++) {
    const v = Math.fround(row[i] as number);
    if (v > bv) {
      bv = v;
      best = i;
    }
  }
  return best;
}

/** Writes one normalised row `pRow` (input order) to the outputs: soft or one-hot, and its sorted value. */
export function emitRow(
  pRow: Float64Array,
  xv: Float32Array,
  xOff: number,
  n: number,
  hard: boolean,
  out: BaselineForward,
  pOff: number,
  sIdx: number,
): void {
  const { permutation, relaxed, sorted } = out;
  if (hard) {
    for (let i = 0; i < n; i++) relaxed[pOff + i] = pRow[i] as number;
    const best = argmaxF32(pRow, n);
    permutation[pOff + best] = 1;
    sorted[sIdx] = xv[xOff + best] as number;
    return;
  }
  let acc = 0;
  for (let i = 0; i < n; i++) {
    const p = pRow[i] as number;
    permutation[pOff + i] = p;
    acc += p * (xv[xOff + i] as number);
  }
  sorted[sIdx] = acc;
}

/** Zeroed outputs of a baseline forward kernel over `[rows, n]`. */
export function allocForward(rows: number, n: number, hard: boolean): BaselineForward {
  return {
    sorted: new Float32Array(rows * n),
    permutation: new Float32Array(rows * n * n),
    relaxed: new Float32Array(hard ? rows * n * n : 0),
  };
}

/** Writes the wasm block of one batch row (P in `w.P`, sorted values in `w.out`) to the outputs. */
export function emitBlock(w: BaselineArena, xv: Float32Array, off: number, n: number, hard: boolean, out: BaselineForward): void {
  const pOff = off * n;
  const P = w.P;
  if (!hard) {
    out.permutation.set(P, pOff);
    for (let j = 0; j < n; j++) out.sorted[off + j] = w.out[j] as number;
    return;
  }
  out.relaxed.set(P, pOff);
  for (let j = 0; j < n; j++) {
    const o = j * n;
    let best = 0;
    let bv = P[o] as number;
    for (let i = 1; i < n; i++) {
      const v = P[o + i] as number;
      if (v > bv) {
        bv = v;
        best = i;
      }
    }
    out.permutation[pOff + o + best] = 1;
    out.sorted[off + j] = xv[off + best] as number;
  }
}

/** `Σ_i G_i·P_i` of row j with `G = dP + dSorted_j·x` (the softmax backward is `dZ = P ⊙ (G − that)`). */
export function rowDot(P: Float32Array, gp: Float32Array, pOff: number, gsj: number, xv: Float32Array, xOff: number, n: number): number {
  let dot = 0;
  if (gsj === 0) for (let i = 0; i < n; i++) dot += (gp[pOff + i] as number) * (P[pOff + i] as number);
  else for (let i = 0; i < n; i++) dot += ((gp[pOff + i] as number) + gsj * (xv[xOff + i] as number)) * (P[pOff + i] as number);
  return dot;
}

/** `dx_i += Σ_j H[j, i]·dSorted_j` (the `sorted = H·x` path; H one-hot when hard). */
export function sortedPathGrad(H: Float32Array, gs: Float32Array, off: number, n: number, dx: Float64Array): void {
  for (let j = 0; j < n; j++) {
    const g = gs[off + j] as number;
    if (g === 0) continue;
    const hOff = off * n + j * n;
    for (let i = 0; i < n; i++) dx[i] = (dx[i] as number) + (H[hOff + i] as number) * g;
  }
}

/** Copies one batch row's x, dSorted, P and dPermutation blocks into the wasm arena. */
export function loadBackwardRow(
  w: BaselineArena,
  xv: Float32Array,
  gs: Float32Array,
  P: Float32Array,
  gp: Float32Array,
  off: number,
  n: number,
  nn: number,
): void {
  for (let i = 0; i < n; i++) {
    w.x[i] = xv[off + i] as number;
    w.gs[i] = gs[off + i] as number;
  }
  const pOff = off * n;
  w.P.set(P.subarray(pOff, pOff + nn));
  w.G.set(gp.subarray(pOff, pOff + nn));
}

/** The `sorted = H·x` path, unless the wasm sums already hold it (soft: H = P). */
export function addSortedPath(
  w: BaselineArena | null,
  hard: boolean,
  H: Float32Array,
  gs: Float32Array,
  off: number,
  n: number,
  dx: Float64Array,
): void {
  if (!w || hard) sortedPathGrad(H, gs, off, n, dx);
}
