/**
 * Host kernels of `fastSoftSort` / `fastSoftRank` (Blondel et al., "Fast Differentiable Sorting and Ranking",
 * ICML 2020): the projection onto the permutahedron by pool-adjacent-violators (l2 or kl), O(n log n) per
 * row, and its block-structured Jacobian-vector product.
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  RelaxFastSoftSort,
  type RelaxFastSoftSortAttrs,
  RelaxFastSoftSortGrad,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
} from "@relax/core";

/** One row's projection: the sorting permutation, the sorted argument and the pooled blocks. */
interface Projection {
  perm: Int32Array;
  /** The sorted vector the isotonic problem is posed on (θ sorted for rank, sign·x sorted for sort). */
  s: Float64Array;
  /** Output in sorted order. */
  primal: Float64Array;
  /** Block boundaries: block b covers sorted positions [starts[b], starts[b+1]). */
  starts: number[];
}

/**
 * Pool adjacent violators for a non-increasing fit. l2: block value = mean(y_B). kl: block value =
 * LSE(y_B) − LSE(w_B). Writes the fitted values into `out` and returns the block starts (+ n at the end).
 */
function isotonic(y: Float64Array, w: Float64Array | null, out: Float64Array): number[] {
  const n = y.length;
  const start: number[] = [];
  const val: number[] = [];
  const a: number[] = []; // l2: sum of y; kl: LSE of y
  const b: number[] = []; // l2: count; kl: LSE of w
  const lse = (p: number, q: number) => {
    const m = Math.max(p, q);
    return m + Math.log(Math.exp(p - m) + Math.exp(q - m));
  };
  for (let i = 0; i < n; i++) {
    let ai = y[i] as number;
    let bi = w ? (w[i] as number) : 1;
    let si = i;
    let vi = w ? ai - bi : ai;
    while (val.length > 0 && (val[val.length - 1] as number) <= vi) {
      const ap = a.pop() as number;
      const bp = b.pop() as number;
      si = start.pop() as number;
      val.pop();
      ai = w ? lse(ap, ai) : ap + ai;
      bi = w ? lse(bp, bi) : bp + bi;
      vi = w ? ai - bi : ai / bi;
    }
    start.push(si);
    val.push(vi);
    a.push(ai);
    b.push(bi);
  }
  start.push(n);
  for (let k = 0; k + 1 < start.length; k++) out.fill(val[k] as number, start[k], start[k + 1]);
  return start;
}

/** Indices sorting `v` descending; ties ordered by descending index (the reference's `argsort(v)[::-1]`). */
function argsortDescending(v: Float64Array): Int32Array {
  const idx = Array.from({ length: v.length }, (_, i) => i);
  idx.sort((i, j) => (v[j] as number) - (v[i] as number) || j - i);
  return Int32Array.from(idx);
}

function project(x: Float32Array, off: number, n: number, attrs: RelaxFastSoftSortAttrs): Projection {
  const eps = attrs.regularizationStrength;
  const kl = attrs.regularization === "kl";
  const v = new Float64Array(n);
  const primal = new Float64Array(n);
  const dual = new Float64Array(n);
  if (attrs.op === "rank") {
    // θ = ±x/ε projected onto the permutahedron of w = (n, …, 1).
    const scale = (attrs.descending ? -1 : 1) / eps;
    for (let i = 0; i < n; i++) v[i] = (x[off + i] as number) * scale;
    const perm = argsortDescending(v);
    const s = Float64Array.from(perm, (p) => v[p] as number);
    const y = new Float64Array(n);
    let starts: number[];
    if (kl) {
      const logw = Float64Array.from({ length: n }, (_, j) => Math.log(n - j));
      starts = isotonic(s, logw, dual);
      for (let j = 0; j < n; j++) primal[j] = Math.exp((s[j] as number) - (dual[j] as number));
    } else {
      for (let j = 0; j < n; j++) y[j] = (s[j] as number) - (n - j);
      starts = isotonic(y, null, dual);
      for (let j = 0; j < n; j++) primal[j] = (s[j] as number) - (dual[j] as number);
    }
    return { perm, s, primal, starts };
  }
  // sort: w = (n, …, 1)/ε projected onto the permutahedron of sign·x.
  const sign = attrs.descending ? 1 : -1;
  for (let i = 0; i < n; i++) v[i] = sign * (x[off + i] as number);
  const perm = argsortDescending(v);
  const s = Float64Array.from(perm, (p) => v[p] as number);
  const w = Float64Array.from({ length: n }, (_, j) => (n - j) / eps);
  let starts: number[];
  if (kl) starts = isotonic(w, s, dual);
  else
    starts = isotonic(
      Float64Array.from(w, (wj, j) => wj - (s[j] as number)),
      null,
      dual,
    );
  for (let j = 0; j < n; j++) primal[j] = sign * ((w[j] as number) - (dual[j] as number));
  return { perm, s, primal, starts };
}

/** softmax of `s` over [a, b). */
function blockSoftmax(s: Float64Array, a: number, b: number): Float64Array {
  let m = -Infinity;
  for (let j = a; j < b; j++) m = Math.max(m, s[j] as number);
  const e = Float64Array.from({ length: b - a }, (_, k) => Math.exp((s[a + k] as number) - m));
  const z = e.reduce((p, q) => p + q, 0);
  return e.map((t) => t / z);
}

registerHostKernel<RelaxFastSoftSortAttrs>(RelaxFastSoftSort, ({ x }, attrs) => {
  const [rows, n] = x!.shape as [number, number];
  const out = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    const { perm, primal } = project(x!.values, r * n, n, attrs);
    for (let j = 0; j < n; j++) out[r * n + (attrs.op === "rank" ? (perm[j] as number) : j)] = primal[j] as number;
  }
  return { values: out, shape: [rows, n] };
});

registerHostKernel<RelaxFastSoftSortAttrs>(RelaxFastSoftSortGrad, ({ x, dy }, attrs) => {
  const [rows, n] = x!.shape as [number, number];
  const dx = new Float32Array(rows * n);
  const kl = attrs.regularization === "kl";
  const g = new Float64Array(n); // output gradient in sorted order
  for (let r = 0; r < rows; r++) {
    const { perm, s, primal, starts } = project(x!.values, r * n, n, attrs);
    const rank = attrs.op === "rank";
    for (let j = 0; j < n; j++) g[j] = dy!.values[r * n + (rank ? (perm[j] as number) : j)] as number;
    if (rank && kl) for (let j = 0; j < n; j++) g[j] = (g[j] as number) * (primal[j] as number);
    // Within a pooled block the isotonic solution is mean(y_B) (l2) or LSE(s_B) − LSE(w_B) (kl).
    const scale = rank ? (attrs.descending ? -1 : 1) / attrs.regularizationStrength : 1;
    for (let k = 0; k + 1 < starts.length; k++) {
      const a = starts[k] as number;
      const b = starts[k + 1] as number;
      let sum = 0;
      for (let j = a; j < b; j++) sum += g[j] as number;
      const weights = kl ? blockSoftmax(s, a, b) : null;
      for (let j = a; j < b; j++) {
        const share = weights ? (weights[j - a] as number) * sum : sum / (b - a);
        // rank: d primal/ds = I − (block average); sort: d out/d(sorted x) = block average.
        const gj = rank ? (g[j] as number) - share : share;
        dx[r * n + (perm[j] as number)] = gj * scale;
      }
    }
  }
  return { values: dx, shape: [rows, n] };
});

registerFusedGradient<RelaxFastSoftSortAttrs>({
  kernelName: RelaxFastSoftSort,
  inputsToSave: ["x"],
  gradFunc: ([dy], [x], attrs) => ({ x: () => runFusedKernel<tf.Tensor>(RelaxFastSoftSortGrad, { x: x!, dy: dy! }, attrs) }),
});
