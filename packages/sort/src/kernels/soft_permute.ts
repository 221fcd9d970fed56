/**
 * Fused host kernels of `RelaxSoftPermute` (other data carried through a relaxed sorting network, DSN,
 * ICML 2021): per row, the comparator weights α of x (engine.ts's values pass, float64), then the d-vectors
 * on the wires are mixed by exactly those α — `P · y` in network order, `Pᵀ · y` in reverse order (every
 * comparator matrix is symmetric, so `Pᵀ = M_1 ⋯ M_C`). O(depth·n·d) per row; P is never formed.
 * The gradient kernel replays the mix storing `Y_a − Y_b` per comparator, pushes dY back through the
 * comparators (∂L/∂α_c = Σ_k (Y_a − Y_b)_k (G_a − G_b)_k) and then ∂L/∂α through the values pass to x.
 */
import {
  comparatorSigmoid,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  RelaxSoftPermute,
  RelaxSoftPermuteGrad,
  type RelaxSoftPermuteAttrs,
} from "@relax/core";
import type * as tf from "@tensorflow/tfjs-core";
import { getNetwork, type FlatNetwork } from "../networks.js";
import { alphaFn } from "./alpha.js";
import { argsortRow, backwardRow, forwardValues } from "./engine.js";

/**
 * Mixes the wire-major rows `Y: [n][d]` by every comparator, in network order (`P·Y`) or reverse order
 * (`Pᵀ·Y`). With `diff`, stores `Y_a − Y_b` before comparator c at `diff[c·d ..]` (for backward).
 */
export function mixRows(
  net: FlatNetwork,
  alpha: Float64Array,
  Y: Float64Array,
  d: number,
  transpose: boolean,
  diff: Float64Array | null,
): void {
  const { lo, hi, size } = net;
  for (let s = 0; s < size; s++) {
    const c = transpose ? size - 1 - s : s;
    const a = (lo[c] as number) * d;
    const b = (hi[c] as number) * d;
    const al = alpha[c] as number;
    const off = c * d;
    for (let k = 0; k < d; k++) {
      const ya = Y[a + k] as number;
      const yb = Y[b + k] as number;
      const dy = ya - yb;
      if (diff !== null) diff[off + k] = dy;
      const t = al * dy;
      Y[a + k] = yb + t;
      Y[b + k] = ya - t;
    }
  }
}

/**
 * Gradient of {@link mixRows}: `G: [n][d]` holds ∂L/∂(mixed Y) on entry and ∂L/∂Y on exit; `dAlpha[c]`
 * receives ∂L/∂α_c. Comparators are visited in the reverse of the forward order.
 */
export function mixRowsBackward(
  net: FlatNetwork,
  alpha: Float64Array,
  G: Float64Array,
  d: number,
  transpose: boolean,
  diff: Float64Array,
  dAlpha: Float64Array,
): void {
  const { lo, hi, size } = net;
  for (let s = size - 1; s >= 0; s--) {
    const c = transpose ? size - 1 - s : s;
    const a = (lo[c] as number) * d;
    const b = (hi[c] as number) * d;
    const al = alpha[c] as number;
    const off = c * d;
    let acc = 0;
    for (let k = 0; k < d; k++) {
      const ga = G[a + k] as number;
      const gb = G[b + k] as number;
      const dg = ga - gb;
      acc += (diff[off + k] as number) * dg;
      const t = al * dg;
      G[a + k] = gb + t;
      G[b + k] = ga - t;
    }
    dAlpha[c] = acc;
  }
}

/**
 * Row `w` of the wire layout ↔ row of the kernel's input/output: the sorted side is position
 * `desc ? n−1−w : w`, the input side is w itself (internal).
 */
function sortedRow(w: number, n: number, desc: boolean): number {
  return desc ? n - 1 - w : w;
}

/** Loads row r of `src: [rows, n, d]` into the wire layout `Y` (sorted-side rows reversed when `desc`). */
function load(Y: Float64Array, src: Float32Array, r: number, n: number, d: number, sortedSide: boolean, desc: boolean): void {
  for (let w = 0; w < n; w++) {
    const from = (r * n + (sortedSide ? sortedRow(w, n, desc) : w)) * d;
    for (let k = 0; k < d; k++) Y[w * d + k] = src[from + k] as number;
  }
}

/** Stores the wire layout `Y` into row r of `dst: [rows, n, d]` (inverse of {@link load}). */
function store(dst: Float32Array, Y: Float64Array, r: number, n: number, d: number, sortedSide: boolean, desc: boolean): void {
  for (let w = 0; w < n; w++) {
    const to = (r * n + (sortedSide ? sortedRow(w, n, desc) : w)) * d;
    for (let k = 0; k < d; k++) dst[to + k] = Y[w * d + k] as number;
  }
}

registerHostKernel<RelaxSoftPermuteAttrs>(RelaxSoftPermute, ({ x, y }, attrs) => {
  const [rows, n] = x!.shape as [number, number];
  const d = y!.shape[2] as number;
  const xv = x!.values;
  const yv = y!.values;
  const net = getNetwork(attrs.network, n, attrs.k);
  const fa = alphaFn(attrs, comparatorSigmoid("diffSort", attrs).f);
  const alpha = new Float64Array(net.size);
  const v = new Float64Array(n);
  const Y = new Float64Array(n * d);
  const out = new Float32Array(rows * n * d);
  const tr = attrs.transpose;
  const desc = attrs.descending;
  const perm = new Int32Array(attrs.hard ? n : 0);
  for (let r = 0; r < rows; r++) {
    if (attrs.hard) {
      // sorted position j (ascending) holds input perm[j]; moved as whole d-vectors
      argsortRow(xv, r * n, n, perm);
      for (let j = 0; j < n; j++) {
        const pos = (r * n + (desc ? n - 1 - j : j)) * d;
        const src = (r * n + (perm[j] as number)) * d;
        if (tr) out.set(yv.subarray(pos, pos + d), src);
        else out.set(yv.subarray(src, src + d), pos);
      }
      continue;
    }
    forwardValues(net, fa, xv, r * n, v, alpha, null);
    // P·y: y is on the input side, the result on the sorted side; Pᵀ·y the other way round.
    load(Y, yv, r, n, d, tr, desc);
    mixRows(net, alpha, Y, d, tr, null);
    store(out, Y, r, n, d, !tr, desc);
  }
  return { values: out, shape: [rows, n, d] };
});

registerHostKernel<RelaxSoftPermuteAttrs>(RelaxSoftPermuteGrad, ({ x, y, dy }, attrs) => {
  const [rows, n] = x!.shape as [number, number];
  const d = y!.shape[2] as number;
  const xv = x!.values;
  const yv = y!.values;
  const gv = dy!.values;
  const net = getNetwork(attrs.network, n, attrs.k);
  const sig = comparatorSigmoid("diffSort", attrs);
  const fa = alphaFn(attrs, sig.f);
  const C = net.size;
  const alpha = new Float64Array(C);
  const dStore = new Float64Array(C);
  const v = new Float64Array(n);
  const Y = new Float64Array(n * d);
  const G = new Float64Array(n * d);
  const diff = new Float64Array(C * d);
  const dAlpha = new Float64Array(C);
  const gV = new Float64Array(n);
  const dx = new Float32Array(rows * n);
  const dY = new Float32Array(rows * n * d);
  const tr = attrs.transpose;
  const desc = attrs.descending;
  for (let r = 0; r < rows; r++) {
    forwardValues(net, fa, xv, r * n, v, alpha, dStore);
    load(Y, yv, r, n, d, tr, desc);
    mixRows(net, alpha, Y, d, tr, diff);
    load(G, gv, r, n, d, !tr, desc);
    mixRowsBackward(net, alpha, G, d, tr, diff, dAlpha);
    store(dY, G, r, n, d, tr, desc);
    gV.fill(0);
    backwardRow(net, sig.df, alpha, dStore, gV, null, null, dAlpha);
    for (let i = 0; i < n; i++) dx[r * n + i] = gV[i] as number;
  }
  return [
    { values: dx, shape: [rows, n] },
    { values: dY, shape: [rows, n, d] },
  ];
});

registerFusedGradient<RelaxSoftPermuteAttrs>({
  kernelName: RelaxSoftPermute,
  inputsToSave: ["x", "y"],
  gradFunc: ([dy], [x, y], attrs) => {
    // Both gradients from one kernel call, made eagerly: tfjs runs each input's closure in its own tidy, so a
    // result shared lazily between the closures would be disposed before the second one returns.
    const [dx, dY] = runFusedKernel<tf.Tensor[]>(RelaxSoftPermuteGrad, { x: x!, y: y!, dy: dy! }, attrs);
    return { x: () => dx!, y: () => dY! };
  },
});
