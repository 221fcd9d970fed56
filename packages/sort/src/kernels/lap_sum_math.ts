/**
 * LapSum row math in float64 (Struski, Bednarczyk, Podolak & Tabor, ICML 2025), re-derived from the paper's
 * definitions. With the row sorted ascending, s_0 ≤ … ≤ s_{n−1}, and Lap the standard Laplace CDF,
 *
 *   F(t) = Σ_i Lap((t − s_i)/α),   A_m = Σ_{j>m} e^{(s_m − s_j)/α},   B_m = Σ_{j<m} e^{(s_j − s_m)/α},
 *
 * (A right-to-left, B left-to-right, each O(n) with factors ≤ 1, so nothing overflows), and
 * F(s_m) = m + ½ + ½(A_m − B_m). Between s_m and s_{m+1}, F(t) = (m+1) − ½(1+B_m)e^{−(t−s_m)/α}
 * + ½(1+A_{m+1})e^{(t−s_{m+1})/α}: with z = e^{(t−s_m)/α}, `F(t) = w` is a quadratic in z solved in closed
 * form (in log space, see {@link inverseAt}). Everything here is O(n) after the O(n log n) sort.
 */

/** Standard Laplace CDF, `½e^z` (z ≤ 0) or `1 − ½e^{−z}`. */
export function lapCdf(z: number): number {
  return z <= 0 ? 0.5 * Math.exp(z) : 1 - 0.5 * Math.exp(-z);
}

/** One row prepared for LapSum: the ascending order, the sorted values and the two sweeps A, B. */
export interface LapRow {
  n: number;
  alpha: number;
  /** `order[m]` = the input index of the m-th smallest (ties by index). */
  order: Int32Array;
  /** Sorted values s (float64). */
  s: Float64Array;
  A: Float64Array;
  B: Float64Array;
}

/** Indices per float64 key in {@link argsortFloat32}: the key is `(order-preserving uint32 of the float32) · 2²¹ + i`. */
const INDEX_SLOTS = 2 ** 21;

/**
 * Ascending argsort of the float32 values of row `off` (ties by index): each value's bits become an
 * order-preserving uint32, packed with its index into one exact float64 key (32 + 21 bits ≤ 53), so the
 * engine's native numeric `Float64Array.prototype.sort` does the work (about 3× faster than sorting indices
 * with a comparator). Rows longer than 2²¹ use the comparator.
 */
export function argsortFloat32(x: ArrayLike<number>, off: number, n: number): Int32Array {
  const order = new Int32Array(n);
  if (n > INDEX_SLOTS) {
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => (x[off + a] as number) - (x[off + b] as number) || a - b);
    return order;
  }
  const f = new Float32Array(n);
  for (let i = 0; i < n; i++) f[i] = x[off + i] as number;
  const bits = new Uint32Array(f.buffer);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const b = bits[i] as number;
    const key = (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
    keys[i] = key * INDEX_SLOTS + i;
  }
  keys.sort();
  for (let m = 0; m < n; m++) order[m] = (keys[m] as number) % INDEX_SLOTS;
  return order;
}

/** Sorts row `off` of `x` (n entries; or takes its ascending `order`) and runs the sweeps. O(n log n), O(n) given the order. */
export function prepareRow(x: ArrayLike<number>, off: number, n: number, alpha: number, order = argsortFloat32(x, off, n)): LapRow {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = x[off + i] as number;
  const s = new Float64Array(n);
  for (let m = 0; m < n; m++) s[m] = v[order[m] as number] as number;
  const A = new Float64Array(n);
  const B = new Float64Array(n);
  for (let m = 1; m < n; m++) B[m] = Math.exp(((s[m - 1] as number) - (s[m] as number)) / alpha) * (1 + (B[m - 1] as number));
  for (let m = n - 2; m >= 0; m--) A[m] = Math.exp(((s[m] as number) - (s[m + 1] as number)) / alpha) * (1 + (A[m + 1] as number));
  return { n, alpha, order, s, A, B };
}

/** F(s_m) (the LapSum at the m-th sorted entry). */
export function lapSumAtSorted(row: LapRow, m: number): number {
  return m + 0.5 + 0.5 * ((row.A[m] as number) - (row.B[m] as number));
}

/** The largest m with F(s_m) ≤ w, or −1; F(s_m) increases with m, so a search from `from` upward. */
export function segmentOf(row: LapRow, w: number, from = -1): number {
  let m = from;
  while (m + 1 < row.n && lapSumAtSorted(row, m + 1) <= w) m++;
  return m;
}

/**
 * `F⁻¹(w)` on the segment `m` ({@link segmentOf}): the closed-form root of the quadratic, written as
 * `log(|c − w| + √((c − w)² + K))` with `K = (1+A_{m+1})(1+B_m)e^{−δ}` (δ = (s_{m+1} − s_m)/α) through
 * asinh, so neither a tiny K (α → 0, far-apart entries) nor a huge δ loses the root. w ≤ 0 → −∞, w ≥ n → +∞.
 */
export function inverseAt(row: LapRow, m: number, w: number): number {
  const { n, alpha, s, A, B } = row;
  if (w <= 0) return Number.NEGATIVE_INFINITY;
  if (w >= n) return Number.POSITIVE_INFINITY;
  if (m < 0) return (s[0] as number) + alpha * Math.log((2 * w) / (1 + (A[0] as number)));
  if (m >= n - 1) return (s[n - 1] as number) - alpha * Math.log((2 * (n - w)) / (1 + (B[n - 1] as number)));
  const lo = s[m] as number;
  const hi = s[m + 1] as number;
  const a = 1 + (A[m + 1] as number);
  const bb = 1 + (B[m] as number);
  const q = m + 1 - w;
  if (q === 0) {
    // F(t) = m + 1 at the point where both exponentials balance (also when K underflows to 0)
    const mid = 0.5 * (lo + hi) + 0.5 * alpha * Math.log(bb / a);
    return mid < lo ? lo : mid > hi ? hi : mid;
  }
  const halfLogK = 0.5 * (Math.log(a * bb) - (hi - lo) / alpha);
  const r = Math.abs(q) * Math.exp(-halfLogK);
  const lg = r > 1e100 ? Math.log(2 * Math.abs(q)) : halfLogK + Math.asinh(r);
  const t = q >= 0 ? lo + alpha * (Math.log(bb) - lg) : hi + alpha * (lg - Math.log(a));
  return t < lo ? lo : t > hi ? hi : t;
}

/**
 * `out[p] = Σ_q w_q e^{−|p_p − q_q|/α}` for ascending points `pts` and ascending sources `src` with weights
 * `wts`, by one left and one right sweep over the merged order (O(|pts| + |src|); every factor ≤ 1).
 */
export function laplaceKernelSum(pts: Float64Array, src: Float64Array, wts: Float64Array, alpha: number, out: Float64Array): void {
  const np = pts.length;
  const ns = src.length;
  // left: sources ≤ point
  let acc = 0;
  let pos = Number.NEGATIVE_INFINITY;
  let q = 0;
  for (let p = 0; p < np; p++) {
    const t = pts[p] as number;
    while (q < ns && (src[q] as number) <= t) {
      const sq = src[q] as number;
      acc = acc * (pos === Number.NEGATIVE_INFINITY ? 0 : Math.exp((pos - sq) / alpha)) + (wts[q] as number);
      pos = sq;
      q++;
    }
    out[p] = pos === Number.NEGATIVE_INFINITY ? 0 : acc * Math.exp((pos - t) / alpha);
  }
  // right: sources > point
  acc = 0;
  pos = Number.POSITIVE_INFINITY;
  q = ns - 1;
  for (let p = np - 1; p >= 0; p--) {
    const t = pts[p] as number;
    while (q >= 0 && (src[q] as number) > t) {
      const sq = src[q] as number;
      acc = acc * (pos === Number.POSITIVE_INFINITY ? 0 : Math.exp((sq - pos) / alpha)) + (wts[q] as number);
      pos = sq;
      q--;
    }
    if (pos !== Number.POSITIVE_INFINITY) out[p] = (out[p] as number) + acc * Math.exp((t - pos) / alpha);
  }
}

/** Soft ranks (0-based, ascending) in sorted order: r_m = m + ½(A_m − B_m) = F(s_m) − ½. */
export function ranksSorted(row: LapRow, out: Float64Array): void {
  for (let m = 0; m < row.n; m++) out[m] = m + 0.5 * ((row.A[m] as number) - (row.B[m] as number));
}

/** Soft sorted values t_j = F⁻¹(j + ½), ascending. O(n): the targets and the segments both increase. */
export function sortedValues(row: LapRow, out: Float64Array): void {
  let m = -1;
  for (let j = 0; j < row.n; j++) {
    m = segmentOf(row, j + 0.5, m);
    out[j] = inverseAt(row, m, j + 0.5);
  }
}

/**
 * Top-k threshold b: F(b) = n − k for the k largest (memberships Lap((x_i − b)/α)), F(b) = k for the k
 * smallest (memberships Lap((b − x_i)/α)); both sum to k.
 */
export function topKThreshold(row: LapRow, k: number, largest: boolean): number {
  const w = largest ? row.n - k : k;
  return inverseAt(row, segmentOf(row, w), w);
}

/** Membership of an entry `xi` for threshold `b` (b = ±∞ included). */
export function membership(xi: number, b: number, alpha: number, largest: boolean): number {
  if (b === Number.NEGATIVE_INFINITY) return largest ? 1 : 0;
  if (b === Number.POSITIVE_INFINITY) return largest ? 0 : 1;
  return lapCdf((largest ? xi - b : b - xi) / alpha);
}

/** VJP of the ranks in sorted order: g_j = (v_j(A_j + B_j) − Σ_{m≠j} v_m e^{−|s_m − s_j|/α}) / (2α). */
export function rankVjpSorted(row: LapRow, v: Float64Array, g: Float64Array): void {
  const { n, alpha, s, A, B } = row;
  let bv = 0;
  for (let j = 0; j < n; j++) {
    if (j > 0) bv = Math.exp(((s[j - 1] as number) - (s[j] as number)) / alpha) * ((v[j - 1] as number) + bv);
    g[j] = bv;
  }
  let av = 0;
  for (let j = n - 1; j >= 0; j--) {
    if (j < n - 1) av = Math.exp(((s[j] as number) - (s[j + 1] as number)) / alpha) * ((v[j + 1] as number) + av);
    g[j] = ((v[j] as number) * ((A[j] as number) + (B[j] as number)) - (g[j] as number) - av) / (2 * alpha);
  }
}

/**
 * VJP of the sorted values (implicit function theorem on F(t_j) = j + ½): ∂t_j/∂x_i = e^{−|t_j − x_i|/α} /
 * Σ_l e^{−|t_j − x_l|/α}; returns g in sorted-input order. `t` ascending, `v` the output gradient per t_j.
 */
export function sortVjpSorted(row: LapRow, t: Float64Array, v: Float64Array, g: Float64Array): void {
  const n = row.n;
  const E = new Float64Array(n);
  laplaceKernelSum(t, row.s, new Float64Array(n).fill(1), row.alpha, E);
  const u = new Float64Array(n);
  for (let j = 0; j < n; j++) u[j] = (E[j] as number) > 0 ? (v[j] as number) / (E[j] as number) : 0;
  laplaceKernelSum(row.s, t, u, row.alpha, g);
}

/**
 * VJP of the top-k memberships p (input order) for threshold b: with d_i = e^{−|x_i − b|/α} and
 * v̄ = Σ v_i d_i / Σ d_i, g_j = ±d_j (v_j − v̄) / (2α) (+ for the largest, − for the smallest).
 */
export function topKVjp(
  x: ArrayLike<number>,
  off: number,
  n: number,
  b: number,
  alpha: number,
  largest: boolean,
  dy: ArrayLike<number>,
  g: Float64Array,
): void {
  if (!Number.isFinite(b)) {
    g.fill(0);
    return;
  }
  let sd = 0;
  let svd = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.exp(-Math.abs((x[off + i] as number) - b) / alpha);
    g[i] = d;
    sd += d;
    svd += d * (dy[off + i] as number);
  }
  const vbar = sd > 0 ? svd / sd : 0;
  const sign = largest ? 1 : -1;
  for (let i = 0; i < n; i++) g[i] = (sign * (g[i] as number) * ((dy[off + i] as number) - vbar)) / (2 * alpha);
}
