/**
 * Per-row typed-array routines of the fused sorting-network kernels (DSN, ICML 2021; difftopk, ICML 2022).
 *
 * A comparator c on wires (a = lo[c], b = hi[c]) with d = v_b − v_a and α = f(d) maps
 * `v_a ← α·v_a + (1−α)·v_b`, `v_b ← (1−α)·v_a + α·v_b`, and mixes rows a, b of the running permutation
 * matrix P (papers' convention: row = wire / sorted position, column = input) the same way. Everything is
 * applied by index, never as a dense per-layer matrix: values cost O(C), P costs Σ_c |hull_c| ≤ C·n.
 * Backward keeps only the α's and recomputes what it needs (one row at a time, so scratch memory does
 * not grow with the batch).
 */
import type { ComparatorSigmoid } from "@relax/core";
import type { FlatNetwork } from "../networks.js";

/**
 * Values forward of one row: writes α of every comparator to `alpha` (float64: 1−α must keep its
 * relative precision when α → 1), the differences d to `dStore` (if given) and leaves the sorted values in `v`.
 */
export function forwardValues(
  net: FlatNetwork,
  f: (d: number) => number,
  x: Float32Array,
  xOff: number,
  v: Float64Array,
  alpha: Float64Array,
  dStore: Float64Array | null,
): void {
  const { lo, hi, size, n } = net;
  for (let i = 0; i < n; i++) v[i] = x[xOff + i] as number;
  for (let c = 0; c < size; c++) {
    const a = lo[c] as number;
    const b = hi[c] as number;
    const va = v[a] as number;
    const vb = v[b] as number;
    const d = vb - va;
    const al = f(d);
    alpha[c] = al;
    if (dStore !== null) dStore[c] = d;
    const t = al * (va - vb);
    v[a] = vb + t;
    v[b] = va - t;
  }
}

/**
 * Relaxed permutation matrix of one row (papers' convention, `P[j·n + i]`), starting from P = I.
 * When `diffStore` is given, stores `P_a − P_b` over each comparator's hull before mixing (for backward).
 */
export function forwardMatrix(net: FlatNetwork, alpha: Float64Array, P: Float64Array, diffStore: Float32Array | null): void {
  const { lo, hi, size, n, hullStart, hullEnd, hullOffset } = net;
  P.fill(0);
  for (let i = 0; i < n; i++) P[i * n + i] = 1;
  for (let c = 0; c < size; c++) {
    const a = (lo[c] as number) * n;
    const b = (hi[c] as number) * n;
    const al = alpha[c] as number;
    const s = hullStart[c] as number;
    const e = hullEnd[c] as number;
    if (diffStore === null) {
      for (let i = s; i < e; i++) {
        const pa = P[a + i] as number;
        const pb = P[b + i] as number;
        const t = al * (pa - pb);
        P[a + i] = pb + t;
        P[b + i] = pa - t;
      }
    } else {
      const off = (hullOffset[c] as number) - s;
      for (let i = s; i < e; i++) {
        const pa = P[a + i] as number;
        const pb = P[b + i] as number;
        const dp = pa - pb;
        diffStore[off + i] = dp;
        const t = al * dp;
        P[a + i] = pb + t;
        P[b + i] = pa - t;
      }
    }
  }
}

/**
 * One reverse pass over the comparators of a row: the gradient of the permutation matrix `G` (papers'
 * convention, if `diffStore` is given) and of the sorted values `gV` flow back to the input; the result
 * (d loss / d x) is left in `gV`. `dAlphaExtra` (optional) adds an upstream gradient for each α.
 */
export function backwardRow(
  net: FlatNetwork,
  df: (d: number) => number,
  alpha: Float64Array,
  dStore: Float64Array,
  gV: Float64Array,
  G: Float64Array | null,
  diffStore: Float32Array | null,
  dAlphaExtra: Float64Array | null,
): void {
  const { lo, hi, size, n, hullStart, hullEnd, hullOffset } = net;
  for (let c = size - 1; c >= 0; c--) {
    const wa = lo[c] as number;
    const wb = hi[c] as number;
    const al = alpha[c] as number;
    let dAl = dAlphaExtra === null ? 0 : (dAlphaExtra[c] as number);
    if (G !== null && diffStore !== null) {
      const a = wa * n;
      const b = wb * n;
      const s = hullStart[c] as number;
      const e = hullEnd[c] as number;
      const off = (hullOffset[c] as number) - s;
      let acc = 0;
      for (let i = s; i < e; i++) {
        const ga = G[a + i] as number;
        const gb = G[b + i] as number;
        const dg = ga - gb;
        acc += (diffStore[off + i] as number) * dg;
        const t = al * dg;
        G[a + i] = gb + t;
        G[b + i] = ga - t;
      }
      dAl += acc;
    }
    const d = dStore[c] as number;
    const ga = gV[wa] as number;
    const gb = gV[wb] as number;
    const dg = ga - gb;
    // v_a − v_b = −d multiplies (g_a − g_b) in ∂L/∂α; α = f(v_b − v_a).
    dAl -= d * dg;
    const fd = dAl === 0 ? 0 : df(d) * dAl;
    const t = al * dg;
    gV[wa] = gb + t - fd;
    gV[wb] = ga - t + fd;
  }
}

/** Initial `U0` (wire-major `[n][k]`) of the selection kernel. */
export function initSelect(U: Float64Array, n: number, k: number, init: "topk" | "rank" | "rank_desc"): void {
  U.fill(0);
  if (init === "topk") for (let j = 0; j < k; j++) U[(n - 1 - j) * k + j] = 1;
  else if (init === "rank") for (let w = 0; w < n; w++) U[w * k] = w;
  else for (let w = 0; w < n; w++) U[w * k] = n - 1 - w;
}

/**
 * Pushes the k row vectors `U` (wire-major `[n][k]`) right-to-left through the network: `U ← U·M_ℓ` for
 * ℓ = depth…1, giving `U0·P`. When `diffStore` is given, stores `U_a − U_b` (k entries) before each mix.
 */
export function selectRow(net: FlatNetwork, alpha: Float64Array, U: Float64Array, k: number, diffStore: Float64Array | null): void {
  const { lo, hi, size } = net;
  for (let c = size - 1; c >= 0; c--) {
    const a = (lo[c] as number) * k;
    const b = (hi[c] as number) * k;
    const al = alpha[c] as number;
    for (let j = 0; j < k; j++) {
      const ua = U[a + j] as number;
      const ub = U[b + j] as number;
      const du = ua - ub;
      if (diffStore !== null) diffStore[c * k + j] = du;
      const t = al * du;
      U[a + j] = ub + t;
      U[b + j] = ua - t;
    }
  }
}

/**
 * Gradient of {@link selectRow} with respect to every α: `H` (wire-major `[n][k]`) holds d loss / d (U0·P)
 * on entry and is pushed left-to-right; `dAlpha[c]` receives the result.
 */
export function selectBackwardAlpha(
  net: FlatNetwork,
  alpha: Float64Array,
  H: Float64Array,
  k: number,
  diffStore: Float64Array,
  dAlpha: Float64Array,
): void {
  const { lo, hi, size } = net;
  for (let c = 0; c < size; c++) {
    const a = (lo[c] as number) * k;
    const b = (hi[c] as number) * k;
    const al = alpha[c] as number;
    let acc = 0;
    for (let j = 0; j < k; j++) {
      const ha = H[a + j] as number;
      const hb = H[b + j] as number;
      const dh = ha - hb;
      acc += (diffStore[c * k + j] as number) * dh;
      const t = al * dh;
      H[a + j] = hb + t;
      H[b + j] = ha - t;
    }
    dAlpha[c] = acc;
  }
}

/** Stable ascending argsort of `x[off .. off+n)` (ties keep input order). */
export function argsortRow(x: Float32Array, off: number, n: number, out: Int32Array): void {
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((p, q) => (x[off + p] as number) - (x[off + q] as number) || p - q);
  for (let i = 0; i < n; i++) out[i] = idx[i] as number;
}

export type { ComparatorSigmoid };
