/**
 * Host (cpu/wasm) kernel of the NeuralSort baseline over typed arrays, float64 inside. Held to the composed-tfjs
 * reference (`neuralSortRowsReference`) by parity tests, including its tie conventions: the stable ascending
 * argsort of `argsortRow` and tfjs's gradient of |d|, `d > 0 ? 1 : −1` (so −1 at d = 0).
 *
 * The softmax rows are formed without one `exp` per entry where the formulas allow it: the logits
 * `z[j, i] = c_j·u_i − b_i` (c_j = n−1−2j, u = s/τ, b = B/τ) move by `−2u_i` from row to row, so with row maxima
 * m_j, `exp(z[j+1, i] − m_{j+1}) = exp(z[j, i] − m_j) · exp(−2u_i) · exp(m_j − m_{j+1})`; both factors are kept
 * within e^±300 by centring u, else (very sharp rows) each entry takes its own exp. Entries below e^−650 are 0
 * and re-enter through a direct exp.
 *
 * With WebAssembly SIMD (baselines_wasm.ts) the O(n²) part of each batch row runs in f64x2 lanes on the same
 * formulas, with its row maxima from the upper envelope of the logit lines (`rowMaxima`, O(n)); the backward
 * takes two rows of P per pass. The O(n) parts (argsort, tie groups, prefix sums) stay here.
 */
import type { RelaxNeuralSortAttrs } from "@relax/core";
import {
  type BaselineForward,
  type BaselineGradInputs,
  LOG_TINY,
  Scratch,
  TINY,
  addSortedPath,
  allocForward,
  argsortStable,
  bitsOf,
  emitBlock,
  emitRow,
  loadBackwardRow,
  rowDot,
} from "./baseline_rows.js";
import { baselineArena } from "./baselines_wasm.js";

/** Largest (max u − min u) for the NeuralSort product recurrence: both factors stay within e^±300. */
const RECURRENCE_RANGE = 300;

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
