/**
 * Host (cpu/wasm) kernel of the SoftSort baseline over typed arrays, float64 inside. Held to the composed-tfjs
 * reference (`softSortRowsReference`) by parity tests, including its tie conventions: the stable ascending
 * argsort of `argsortRow` and tfjs's gradient of |d|, `d > 0 ? 1 : −1` (so −1 at d = 0).
 *
 * The softmax rows are formed without one `exp` per entry where the formulas allow it: with pow = 1,
 * `exp(−|y_k − y_j|/τ)` over sorted values y is a running product of the gap factors `exp(−(y_{l+1} − y_l)/τ) ≤ 1`,
 * and the row maximum is exactly 0 (at k = j). Entries below e^−650 are 0 and re-enter through a direct exp.
 *
 * With WebAssembly SIMD (baselines_wasm.ts) the O(n²) part of each batch row runs in f64x2 lanes on the same
 * formulas, float64 as here: pow = 1 in the separable form of `softSortSeparable` while (max − min)/τ ≤ 1300,
 * else (and for pow = 2) by direct exps / the gap-factor recurrence in input order
 * (`exp(−|x_i − y_{j+1}|/τ) = exp(−|x_i − y_j|/τ)·g_j^{±1}`); the backward takes two rows of P per pass.
 * The O(n) parts (argsort, prefix sums) stay here. pow ∉ {1, 2} always takes the plain loops.
 */
import type { RelaxSoftSortAttrs } from "@relax/core";
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
  sortedPathGrad,
} from "./baseline_rows.js";
import { type BaselineArena, baselineArena } from "./baselines_wasm.js";

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
