/**
 * Host (cpu/wasm) kernels of the NeuralSort and SoftSort baselines over typed arrays, float64 inside.
 * Held to the composed-tfjs reference (`neuralSortRowsReference`, `softSortRowsReference`) by parity tests,
 * including its tie conventions: the stable ascending argsort of `argsortRow` and tfjs's gradient of |d|,
 * `d > 0 ? 1 : −1` (so −1 at d = 0).
 *
 * The softmax rows are formed without one `exp` per entry where the formulas allow it:
 * - SoftSort (pow = 1): `exp(−|y_k − y_j|/τ)` over sorted values y is a running product of the gap factors
 *   `exp(−(y_{l+1} − y_l)/τ) ≤ 1`, and the row maximum is exactly 0 (at k = j).
 * - NeuralSort: the logits `z[j, i] = c_j·u_i − b_i` (c_j = n−1−2j, u = s/τ, b = B/τ) move by `−2u_i` from row
 *   to row, so with row maxima m_j, `exp(z[j+1, i] − m_{j+1}) = exp(z[j, i] − m_j) · exp(−2u_i) · exp(m_j − m_{j+1})`;
 *   both factors are kept within e^±300 by centring u, else (very sharp rows) each entry takes its own exp.
 * Entries below e^−650 are 0 (float32 holds nothing that small) and re-enter through a direct exp.
 *
 * With WebAssembly SIMD (baselines_wasm.ts) the O(n²) part of each batch row runs in f64x2 lanes on the same
 * formulas, float64 as here: NeuralSort with its row maxima from the upper envelope of the logit lines
 * (`rowMaxima`, O(n)); SoftSort (pow = 1) in the separable form of `softSortSeparable` while (max − min)/τ ≤ 1300,
 * else (and for pow = 2) by direct exps / the gap-factor recurrence in input order
 * (`exp(−|x_i − y_{j+1}|/τ) = exp(−|x_i − y_j|/τ)·g_j^{±1}`); both backwards two rows of P per pass. The O(n)
 * parts (argsort, tie groups, prefix sums) stay here. SoftSort with pow ∉ {1, 2} always takes the plain loops.
 */
import type { RelaxNeuralSortAttrs, RelaxSoftSortAttrs } from "@relax/core";
import { argsortRow } from "./engine.js";
import { baselineArena, type BaselineArena } from "./baselines_wasm.js";

const LOG_TINY = -650;
const TINY = Math.exp(LOG_TINY);
/** Largest (max u − min u) for the NeuralSort product recurrence: both factors stay within e^±300. */
const RECURRENCE_RANGE = 300;
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
class Scratch {
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
function sortKeys(a: Float64Array, n: number): void {
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
function argsortStable(x: Float32Array, bits: Uint32Array, off: number, n: number, s: Scratch): Int32Array {
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

function bitsOf(x: Float32Array): Uint32Array {
  return new Uint32Array(x.buffer, x.byteOffset, x.length);
}

/** Row-wise argmax of float32-rounded values, first index on ties (as `straightThroughRows`). */
function argmaxF32(row: Float64Array, n: number): number {
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
function emitRow(
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

function allocForward(rows: number, n: number, hard: boolean): BaselineForward {
  return {
    sorted: new Float32Array(rows * n),
    permutation: new Float32Array(rows * n * n),
    relaxed: new Float32Array(hard ? rows * n * n : 0),
  };
}

/** Writes the wasm block of one batch row (P in `w.P`, sorted values in `w.out`) to the outputs. */
function emitBlock(w: BaselineArena, xv: Float32Array, off: number, n: number, hard: boolean, out: BaselineForward): void {
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

/**
 * For s of one row: ascending order, tie groups `[lo_i, up_i)` of each i's value and, in `pre`, prefix
 * sums of the sorted s (so `Σ_k |s_i − s_k| = s_i·lo − pre[lo] + pre[n] − pre[up] − s_i·(n − up)`).
 */
function tieGroups(x: Float32Array, bits: Uint32Array, off: number, n: number, descending: boolean, sc: Scratch): void {
  const perm = argsortStable(x, bits, off, n, sc);
  const { lo, up } = sc;
  const pre = sc.a;
  // s = x (descending) or −x (ascending): the ascending order of s is perm, or perm reversed.
  pre[0] = 0;
  let k = 0;
  while (k < n) {
    const i0 = perm[descending ? k : n - 1 - k] as number;
    const v = x[off + i0] as number;
    let e = k + 1;
    while (e < n && (x[off + (perm[descending ? e : n - 1 - e] as number)] as number) === v) e++;
    const sv = descending ? v : -v;
    for (let t = k; t < e; t++) {
      const i = perm[descending ? t : n - 1 - t] as number;
      lo[i] = k;
      up[i] = e;
      pre[t + 1] = (pre[t] as number) + sv;
    }
    k = e;
  }
}

/**
 * Row maxima `mx[j] = max_i (c_j·u_i − b_i)`, c_j = n−1−2j, in O(n) from the upper envelope of the lines
 * c ↦ c·u_i − b_i (slopes ascending along `perm`, as `tieGroups` left it; `hull` is scratch).
 */
function rowMaxima(
  u: Float64Array,
  b: Float64Array,
  perm: Int32Array,
  descending: boolean,
  n: number,
  mx: Float64Array,
  hull: Int32Array,
): void {
  let h = 0;
  for (let k = 0; k < n; k++) {
    const i = perm[descending ? k : n - 1 - k] as number; // ascending s, hence ascending slope u
    const m3 = u[i] as number;
    const k3 = -(b[i] as number);
    if (h > 0 && (u[hull[h - 1] as number] as number) === m3) {
      if (k3 <= -(b[hull[h - 1] as number] as number)) continue;
      h--;
    }
    while (h >= 2) {
      const i1 = hull[h - 2] as number;
      const i2 = hull[h - 1] as number;
      const m1 = u[i1] as number;
      const k1 = -(b[i1] as number);
      // The middle line never leads when the outer two cross above it.
      if ((k3 - k1) * ((u[i2] as number) - m1) >= (-(b[i2] as number) - k1) * (m3 - m1)) h--;
      else break;
    }
    hull[h++] = i;
  }
  let p = h - 1;
  for (let j = 0; j < n; j++) {
    const c = n - 1 - 2 * j;
    let best = c * (u[hull[p] as number] as number) - (b[hull[p] as number] as number);
    while (p > 0) {
      const prev = c * (u[hull[p - 1] as number] as number) - (b[hull[p - 1] as number] as number);
      if (prev < best) break;
      best = prev;
      p--;
    }
    mx[j] = best;
  }
}

/** NeuralSort forward over `x: [rows, n]` (see {@link RelaxNeuralSort} in @relax/core). */
export function neuralSortForward(xv: Float32Array, rows: number, n: number, attrs: RelaxNeuralSortAttrs): BaselineForward {
  const { tau, descending, hard } = attrs;
  const out = allocForward(rows, n, hard);
  const w = baselineArena(n);
  const sc = new Scratch(n);
  const bits = bitsOf(xv);
  const u = w ? w.u : sc.c;
  const bq = w ? w.b : sc.d;
  const q = w ? w.q : new Float64Array(n);
  if (w && n % 2 === 1) {
    u[n] = 0;
    bq[n] = Infinity;
    q[n] = 0;
    w.x[n] = 0;
  }
  const E = sc.e;
  const pRow = new Float64Array(n);
  const invTau = 1 / tau;
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    tieGroups(xv, bits, off, n, descending, sc);
    const { lo, up } = sc;
    const pre = sc.a;
    const total = pre[n] as number;
    let umin = Infinity;
    let umax = -Infinity;
    for (let i = 0; i < n; i++) {
      const s = descending ? (xv[off + i] as number) : -(xv[off + i] as number);
      const l = lo[i] as number;
      const h = up[i] as number;
      const B = s * l - (pre[l] as number) + (total - (pre[h] as number)) - s * (n - h);
      const ui = s * invTau;
      u[i] = ui;
      bq[i] = B * invTau;
      if (ui < umin) umin = ui;
      if (ui > umax) umax = ui;
    }
    const fast = umax - umin <= RECURRENCE_RANGE;
    const centre = (umin + umax) / 2;
    if (w) {
      for (let i = 0; i < n; i++) {
        q[i] = fast ? Math.exp(-2 * ((u[i] as number) - centre)) : 0;
        w.x[i] = xv[off + i] as number;
      }
      rowMaxima(u, bq, sc.perm, descending, n, w.mx, sc.lo);
      w.nsForward(fast ? TINY : Infinity, centre);
      emitBlock(w, xv, off, n, hard, out);
      continue;
    }
    if (fast) for (let i = 0; i < n; i++) q[i] = Math.exp(-2 * ((u[i] as number) - centre));
    // Row 0: direct exps.
    let c = n - 1;
    let m = -Infinity;
    for (let i = 0; i < n; i++) {
      const z = c * (u[i] as number) - (bq[i] as number);
      if (z > m) m = z;
    }
    let S = 0;
    for (let i = 0; i < n; i++) {
      const e = c * (u[i] as number) - (bq[i] as number) - m;
      const v = e > LOG_TINY ? Math.exp(e) : 0;
      E[i] = v;
      S += v;
    }
    // Max of row 1.
    let mNext = -Infinity;
    for (let i = 0; i < n; i++) {
      const z = (c - 2) * (u[i] as number) - (bq[i] as number);
      if (z > mNext) mNext = z;
    }
    const { permutation } = out;
    for (let j = 0; j < n; j++) {
      const inv = 1 / S;
      const pOff = off * n + j * n;
      const sIdx = off + j;
      if (j === n - 1) {
        for (let i = 0; i < n; i++) pRow[i] = (E[i] as number) * inv;
        emitRow(pRow, xv, off, n, hard, out, pOff, sIdx);
        break;
      }
      // Row j is written out while E moves on to row j+1; the same pass finds the max of row j+2.
      const c1 = c - 2;
      const c2 = c - 4;
      const m1 = mNext;
      const rj = fast ? Math.exp(m - m1 - 2 * centre) : 0;
      let S1 = 0;
      let m2 = -Infinity;
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const prev = E[i] as number;
        const p = prev * inv;
        if (hard) pRow[i] = p;
        else {
          permutation[pOff + i] = p;
          acc += p * (xv[off + i] as number);
        }
        const ui = u[i] as number;
        const bi = bq[i] as number;
        let v: number;
        if (fast && prev > TINY) v = prev * ((q[i] as number) * rj);
        else {
          const e = c1 * ui - bi - m1;
          v = e > LOG_TINY ? Math.exp(e) : 0;
        }
        E[i] = v;
        S1 += v;
        const z2 = c2 * ui - bi;
        if (z2 > m2) m2 = z2;
      }
      if (hard) emitRow(pRow, xv, off, n, hard, out, pOff, sIdx);
      else out.sorted[sIdx] = acc;
      c = c1;
      m = m1;
      mNext = m2;
      S = S1;
    }
  }
  return out;
}

/** `Σ_i G_i·P_i` of row j with `G = dP + dSorted_j·x` (the softmax backward is `dZ = P ⊙ (G − that)`). */
function rowDot(P: Float32Array, gp: Float32Array, pOff: number, gsj: number, xv: Float32Array, xOff: number, n: number): number {
  let dot = 0;
  if (gsj === 0) for (let i = 0; i < n; i++) dot += (gp[pOff + i] as number) * (P[pOff + i] as number);
  else for (let i = 0; i < n; i++) dot += ((gp[pOff + i] as number) + gsj * (xv[xOff + i] as number)) * (P[pOff + i] as number);
  return dot;
}

/** `dx_i += Σ_j H[j, i]·dSorted_j` (the `sorted = H·x` path; H one-hot when hard). */
function sortedPathGrad(H: Float32Array, gs: Float32Array, off: number, n: number, dx: Float64Array): void {
  for (let j = 0; j < n; j++) {
    const g = gs[off + j] as number;
    if (g === 0) continue;
    const hOff = off * n + j * n;
    for (let i = 0; i < n; i++) dx[i] = (dx[i] as number) + (H[hOff + i] as number) * g;
  }
}

/** NeuralSort gradient over `x: [rows, n]` (see {@link RelaxNeuralSortGrad} in @relax/core). */
export function neuralSortBackward(inp: BaselineGradInputs, rows: number, n: number, attrs: RelaxNeuralSortAttrs): Float32Array {
  const { tau, descending, hard } = attrs;
  const { x: xv, dSorted: gs, dPermutation: gp } = inp;
  const P = hard ? inp.relaxed : inp.permutation;
  const H = inp.permutation;
  const w = baselineArena(n);
  if (w && n % 2 === 1) w.x[n] = 0;
  const sc = new Scratch(n);
  const bits = bitsOf(xv);
  const colC = w ? w.c1 : sc.c; // Σ_j c_j dZ[j, i]
  const colS = w ? w.c2 : sc.d; // Σ_j dZ[j, i]
  const dx = sc.e;
  const acc = sc.b;
  const out = new Float32Array(rows * n);
  const invTau = 1 / tau;
  const nn = n * n;
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    if (w) {
      loadBackwardRow(w, xv, gs, P, gp, off, n, nn);
      // colC then carries ±τ·Σ_j P[j, i]·gs_j too: the soft `sorted = P·x` path, scaled to come out of ±colC/τ.
      w.backward(0, hard ? 0 : descending ? tau : -tau);
    } else colRows(P, gp, gs, xv, off, n, colC, colS);
    // ds_i = colC_i/τ + Σ_k dB_i σ(s_i − s_k) − Σ_k dB_k σ(s_k − s_i), dB = −colS/τ, σ(d) = d > 0 ? 1 : −1.
    tieGroups(xv, bits, off, n, descending, sc);
    const { lo, up } = sc;
    acc.fill(0);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const dB = -(colS[i] as number) * invTau;
      const l = lo[i] as number;
      acc[l + 1] = (acc[l + 1] as number) + dB; // shifted by one: acc becomes Σ over positions < t
      total += dB;
    }
    for (let t = 1; t <= n; t++) acc[t] = (acc[t] as number) + (acc[t - 1] as number);
    for (let i = 0; i < n; i++) {
      const dB = -(colS[i] as number) * invTau;
      const l = lo[i] as number;
      const leq = acc[up[i] as number] as number; // Σ_{s_k ≤ s_i} dB_k
      const ds = (colC[i] as number) * invTau + dB * (2 * l - n) - (total - 2 * leq);
      dx[i] = descending ? ds : -ds;
    }
    addSortedPath(w, hard, H, gs, off, n, dx);
    for (let i = 0; i < n; i++) out[off + i] = dx[i] as number;
  }
  return out;
}

/** Copies one batch row's x, dSorted, P and dPermutation blocks into the wasm arena. */
function loadBackwardRow(
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
function addSortedPath(
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

/** NeuralSort's column sums colC_i = Σ_j c_j dZ[j, i] and colS_i = Σ_j dZ[j, i] of one batch row (plain loops). */
function colRows(
  P: Float32Array,
  gp: Float32Array,
  gs: Float32Array,
  xv: Float32Array,
  off: number,
  n: number,
  colC: Float64Array,
  colS: Float64Array,
): void {
  colC.fill(0);
  colS.fill(0);
  // Two rows per pass over the column sums (halves their loads and stores).
  for (let j = 0; j < n; j += 2) {
    const pa = off * n + j * n;
    const ga = gs[off + j] as number;
    const dotA = rowDot(P, gp, pa, ga, xv, off, n);
    const ca = n - 1 - 2 * j;
    if (j + 1 === n) {
      for (let i = 0; i < n; i++) {
        const d = (P[pa + i] as number) * ((gp[pa + i] as number) + ga * (xv[off + i] as number) - dotA);
        colC[i] = (colC[i] as number) + ca * d;
        colS[i] = (colS[i] as number) + d;
      }
      break;
    }
    const pb = pa + n;
    const gb = gs[off + j + 1] as number;
    const dotB = rowDot(P, gp, pb, gb, xv, off, n);
    const cb = ca - 2;
    for (let i = 0; i < n; i++) {
      const xi = xv[off + i] as number;
      const da = (P[pa + i] as number) * ((gp[pa + i] as number) + ga * xi - dotA);
      const db = (P[pb + i] as number) * ((gp[pb + i] as number) + gb * xi - dotB);
      colC[i] = (colC[i] as number) + (ca * da + cb * db);
      colS[i] = (colS[i] as number) + (da + db);
    }
  }
}

/** Largest (max s − min s)/τ for the separable SoftSort form: its factors stay within e^±650. */
const SEPARABLE_RANGE = 1300;

/**
 * SoftSort (pow = 1) of one batch row in the separable form: with a_i = exp((s_i − centre)/τ),
 * `exp(−|s_i − ys_j|/τ) = s_i ≤ ys_j ? a_i/a_{π(j)} : a_{π(j)}/a_i` (ys_j = s_{π(j)}), so the row sums and the
 * sorted values come from prefix sums in sorted order (suffix sums for the 1/a side: no cancellation), and
 * each entry of P is one select and product (ss_sep in wasm/baselines.wat). Reads s (`w.u`), ys (`w.b`), x.
 */
function softSortSeparable(w: BaselineArena, n: number, invTau: number, sgn: number): void {
  const { u: s, b: ys, q: a, c2: ai, hx: beta, c1: betai, out } = w;
  const A = w.mx; // A_k = exp((ys_k − centre)/τ) = a_{π(k)}
  const sufA = w.gs; // Σ_{k' ≥ k} 1/A_k'
  const sufY = w.x; // Σ_{k' ≥ k} ys_k'/A_k'
  const centre = ((ys[0] as number) + (ys[n - 1] as number)) / 2;
  for (let k = 0; k < n; k++) A[k] = Math.exp(((ys[k] as number) - centre) * invTau);
  for (let i = 0; i < n; i++) {
    const v = Math.exp(((s[i] as number) - centre) * invTau);
    a[i] = v;
    ai[i] = 1 / v;
  }
  if (n % 2 === 1) {
    a[n] = 0;
    ai[n] = 0;
  }
  let acc = 0;
  let accY = 0;
  for (let t = n - 1; t >= 0; t--) {
    const inv = 1 / (A[t] as number);
    acc += inv;
    accY += inv * (ys[t] as number);
    sufA[t] = acc;
    sufY[t] = accY;
  }
  // Tie groups [k, e) of ys: s_i ≤ ys_j holds exactly for the sorted positions below e.
  let pa = 0;
  let paY = 0;
  let k = 0;
  while (k < n) {
    const v = ys[k] as number;
    let e = k;
    while (e < n && (ys[e] as number) === v) {
      pa += A[e] as number;
      paY += (A[e] as number) * (ys[e] as number);
      e++;
    }
    const sA = e < n ? (sufA[e] as number) : 0;
    const sY = e < n ? (sufY[e] as number) : 0;
    for (let j = k; j < e; j++) {
      const bj = 1 / (A[j] as number);
      const bij = A[j] as number;
      const S = bj * pa + bij * sA;
      beta[j] = bj / S;
      betai[j] = bij / S;
      out[j] = (sgn * (bj * paY + bij * sY)) / S; // Σ_i P[j, i]·x_i, x = sgn·s
    }
    k = e;
  }
  w.ssSeparable();
}

/** SoftSort forward over `x: [rows, n]` (see {@link RelaxSoftSort} in @relax/core). */
export function softSortForward(xv: Float32Array, rows: number, n: number, attrs: RelaxSoftSortAttrs): BaselineForward {
  const { tau, descending, hard, pow } = attrs;
  const out = allocForward(rows, n, hard);
  const w = pow === 1 || pow === 2 ? baselineArena(n) : null;
  if (w && n % 2 === 1) {
    w.u[n] = Infinity;
    w.x[n] = 0;
  }
  const sc = new Scratch(n);
  const bits = bitsOf(xv);
  const y = sc.c; // sorted values, in output row order
  const g = sc.d; // gap factors exp(−|y_{l+1} − y_l|/τ)
  const Ek = sc.e; // row j over sorted positions k
  const pi = new Int32Array(n);
  const pRow = new Float64Array(n);
  const invTau = 1 / tau;
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    const perm = argsortStable(xv, bits, off, n, sc);
    if (w) {
      // s = ±x and its ascending sort ys = ±y, so that |s_i − ys_j| = |x_i − y_j|.
      const sgn = descending ? -1 : 1;
      for (let j = 0; j < n; j++) w.b[j] = sgn * (xv[off + (perm[descending ? n - 1 - j : j] as number)] as number);
      for (let i = 0; i < n; i++) {
        const v = xv[off + i] as number;
        w.x[i] = v;
        w.u[i] = sgn * v;
      }
      const ys = w.b;
      if (pow === 1 && ((ys[n - 1] as number) - (ys[0] as number)) * invTau <= SEPARABLE_RANGE) softSortSeparable(w, n, invTau, sgn);
      else w.ssForward(invTau, pow);
      emitBlock(w, xv, off, n, hard, out);
      continue;
    }
    for (let j = 0; j < n; j++) {
      const src = perm[descending ? n - 1 - j : j] as number;
      pi[j] = src;
      y[j] = xv[off + src] as number;
    }
    if (pow === 1) for (let l = 0; l + 1 < n; l++) g[l] = Math.exp(-Math.abs((y[l + 1] as number) - (y[l] as number)) * invTau);
    const { permutation } = out;
    for (let j = 0; j < n; j++) {
      Ek[j] = 1;
      let S = 1;
      let kHi = n; // Ek[k] = 0 for k ≥ kHi and k < kLo (below e^−650)
      let kLo = 0;
      if (pow === 1) {
        let p = 1;
        for (let k = j + 1; k < n; k++) {
          p *= g[k - 1] as number;
          if (p < TINY) {
            kHi = k;
            break;
          }
          Ek[k] = p;
          S += p;
        }
        p = 1;
        for (let k = j - 1; k >= 0; k--) {
          p *= g[k] as number;
          if (p < TINY) {
            kLo = k + 1;
            break;
          }
          Ek[k] = p;
          S += p;
        }
      } else {
        const yj = y[j] as number;
        for (let k = j + 1; k < n; k++) {
          const d = (y[k] as number) - yj;
          const e = -(pow === 2 ? d * d : Math.abs(d) ** pow) * invTau;
          if (e <= LOG_TINY) {
            kHi = k;
            break;
          }
          const v = Math.exp(e);
          Ek[k] = v;
          S += v;
        }
        for (let k = j - 1; k >= 0; k--) {
          const d = (y[k] as number) - yj;
          const e = -(pow === 2 ? d * d : Math.abs(d) ** pow) * invTau;
          if (e <= LOG_TINY) {
            kLo = k + 1;
            break;
          }
          const v = Math.exp(e);
          Ek[k] = v;
          S += v;
        }
      }
      const inv = 1 / S;
      const pOff = off * n + j * n;
      if (hard) {
        pRow.fill(0);
        for (let k = kLo; k < kHi; k++) pRow[pi[k] as number] = (Ek[k] as number) * inv;
        emitRow(pRow, xv, off, n, hard, out, pOff, off + j);
        continue;
      }
      // The output row starts zeroed: scatter the nonzero span only.
      let acc = 0;
      for (let k = kLo; k < kHi; k++) {
        const p = (Ek[k] as number) * inv;
        permutation[pOff + (pi[k] as number)] = p;
        acc += p * (y[k] as number);
      }
      out.sorted[off + j] = acc;
    }
  }
  return out;
}

/** SoftSort gradient over `x: [rows, n]` (see {@link RelaxSoftSortGrad} in @relax/core). */
export function softSortBackward(inp: BaselineGradInputs, rows: number, n: number, attrs: RelaxSoftSortAttrs): Float32Array {
  const { tau, descending, hard, pow } = attrs;
  const { x: xv, dSorted: gs, dPermutation: gp } = inp;
  const P = hard ? inp.relaxed : inp.permutation;
  const H = inp.permutation;
  const w = pow === 1 || pow === 2 ? baselineArena(n) : null;
  if (w && n % 2 === 1) w.x[n] = 0;
  const sc = new Scratch(n);
  const bits = bitsOf(xv);
  const dx = sc.e;
  const out = new Float32Array(rows * n);
  const negInvTau = -1 / tau;
  const nn = n * n;
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    const perm = argsortStable(xv, bits, off, n, sc);
    if (w) {
      loadBackwardRow(w, xv, gs, P, gp, off, n, nn);
      for (let j = 0; j < n; j++) w.b[j] = xv[off + (perm[descending ? n - 1 - j : j] as number)] as number;
      // c1 = Σ_j f + ks·Σ_j P·gs with f = σ·dZ (gDiff = −f/τ), so that −c1/τ = Σ_j gDiff + the soft sorted path.
      w.backward(pow, hard ? 0 : -tau);
      for (let i = 0; i < n; i++) dx[i] = (w.c1[i] as number) * negInvTau;
      for (let j = 0; j < n; j++) {
        const src = perm[descending ? n - 1 - j : j] as number;
        dx[src] = (dx[src] as number) - (w.c2[j] as number) * negInvTau; // dy_j = −Σ_i gDiff
      }
      addSortedPath(w, hard, H, gs, off, n, dx);
      for (let i = 0; i < n; i++) out[off + i] = dx[i] as number;
      continue;
    }
    dx.fill(0);
    for (let j = 0; j < n; j++) {
      const pOff = off * n + j * n;
      const gsj = gs[off + j] as number;
      const dot = rowDot(P, gp, pOff, gsj, xv, off, n);
      const src = perm[descending ? n - 1 - j : j] as number;
      const yj = xv[off + src] as number;
      let dy = 0;
      for (let i = 0; i < n; i++) {
        const xi = xv[off + i] as number;
        const dz = (P[pOff + i] as number) * ((gp[pOff + i] as number) + gsj * xi - dot);
        const d = xi - yj; // diff = x_i − sort(x)_j
        let gDist = dz * negInvTau; // ∂/∂dist of −dist^pow/τ via the softmax
        if (pow !== 1) {
          const a = d > 0 ? d : -d;
          gDist *= pow * a ** (pow - 1);
        }
        const gDiff = d > 0 ? gDist : -gDist;
        dx[i] = (dx[i] as number) + gDiff;
        dy -= gDiff;
      }
      dx[src] = (dx[src] as number) + dy;
    }
    sortedPathGrad(H, gs, off, n, dx);
    for (let i = 0; i < n; i++) out[off + i] = dx[i] as number;
  }
  return out;
}
