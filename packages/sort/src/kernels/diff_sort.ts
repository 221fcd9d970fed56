/**
 * Host kernels of `diffSort` (Petersen et al., "Differentiable Sorting Networks", ICML 2021; monotonic
 * relaxations, ICLR 2022): the whole relaxed network per row in one pass, sorted values and (optionally) the
 * relaxed permutation matrix, and the fused backward (typed arrays, WASM SIMD for the matrix passes).
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  comparatorSigmoid,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  RelaxDiffSort,
  RelaxDiffSortGrad,
  type RelaxDiffSortAttrs,
} from "@relax/core";
import { getNetwork } from "../networks.js";
import { alphaFn } from "./alpha.js";
import { argsortRow, backwardRow, forwardMatrix, forwardValues } from "./engine.js";
import { cauchyBackward, cauchyValuesPass, matrixArena } from "./wasm.js";

function identity(M: Float64Array | Float32Array, n: number): void {
  M.fill(0);
  for (let i = 0; i < n; i++) M[i * n + i] = 1;
}

/**
 * What the forward pass leaves for the backward: its float64 comparator weights α and differences d, every row's
 * `[α_0 … α_{C−1}]` then every row's `[d_0 … d_{C−1}]`, as the bytes of the third output `tape` (saved for the
 * gradient, so backward skips the values pass and its transcendental functions). Empty past {@link TAPE_LIMIT}.
 */
const TAPE_LIMIT = 1 << 22; // rows·C entries (2 × 32 MiB)

/** The forward's α and d from its saved tape, or null when it left none (too large, or another backend's kernel). */
function readTape(tape: Float32Array | undefined, size: number): { alpha: Float64Array; d: Float64Array } | null {
  if (tape === undefined || tape.length !== 4 * size || size === 0) return null;
  const aligned = tape.byteOffset % 8 === 0 ? tape : new Float32Array(tape); // same-type copy: bytes kept
  const f = new Float64Array(aligned.buffer, aligned.byteOffset, 2 * size);
  return { alpha: f.subarray(0, size), d: f.subarray(size) };
}

registerHostKernel<RelaxDiffSortAttrs>(RelaxDiffSort, ({ x }, attrs) => {
  const [rows, n] = x!.shape as [number, number];
  const xv = x!.values;
  const net = getNetwork(attrs.network, n);
  const sig = comparatorSigmoid("diffSort", attrs);
  const fa = alphaFn(attrs, sig.f);
  const C = net.size;
  const sorted = new Float32Array(rows * n);
  const withP = attrs.withMatrix;
  const desc = attrs.descending;
  const tape = new Float64Array(rows * C <= TAPE_LIMIT && C > 0 ? 2 * rows * C : 0);
  const cache = tape.length > 0 ? { alpha: tape.subarray(0, rows * C), d: tape.subarray(rows * C) } : null;
  // the default cauchy comparator's values pass for all rows at once in wasm (into the tape), where it can
  const wires = cache && attrs.distribution === "cauchy" ? new Float32Array(rows * n) : null;
  const wasmValues = wires !== null && cache !== null && cauchyValuesPass(net, attrs.steepness, xv, rows, cache.alpha, cache.d, wires);
  const arena = withP && !attrs.hard ? matrixArena(net, false) : null;
  const alpha = arena ? arena.alpha : new Float64Array(C);
  const Pout = new Float32Array(withP ? rows * n * n : 0);
  const v = new Float64Array(n);
  const P: Float64Array | Float32Array = arena ? arena.M : new Float64Array(withP && !attrs.hard ? n * n : 0);
  const perm = new Int32Array(attrs.hard ? n : 0);
  const dRow = new Float64Array(C);
  for (let r = 0; r < rows; r++) {
    if (wasmValues) {
      if (withP && !attrs.hard) alpha.set(cache!.alpha.subarray(r * C, r * C + C));
    } else {
      forwardValues(net, fa, xv, r * n, v, alpha, cache ? dRow : null);
      if (cache) {
        cache.alpha.set(alpha, r * C);
        cache.d.set(dRow, r * C);
      }
    }
    const sOff = r * n;
    const pOff = r * n * n;
    if (attrs.hard) {
      argsortRow(xv, r * n, n, perm);
      for (let j = 0; j < n; j++) {
        const pos = desc ? n - 1 - j : j;
        const src = perm[j] as number;
        sorted[sOff + pos] = xv[r * n + src] as number;
        if (withP) Pout[pOff + pos * n + src] = 1;
      }
      continue;
    }
    if (wasmValues) {
      if (!desc) sorted.set(wires!.subarray(sOff, sOff + n), sOff);
      else for (let j = 0; j < n; j++) sorted[sOff + n - 1 - j] = wires![sOff + j] as number;
    } else for (let j = 0; j < n; j++) sorted[sOff + (desc ? n - 1 - j : j)] = v[j] as number;
    if (withP) {
      if (arena) {
        identity(P, n);
        arena.forward(false);
      } else forwardMatrix(net, alpha, P as Float64Array, null);
      if (!desc) Pout.set(P, pOff);
      else for (let j = 0; j < n; j++) Pout.set(P.subarray(j * n, j * n + n), pOff + (n - 1 - j) * n);
    }
  }
  const tapeBytes = new Float32Array(tape.buffer);
  return [
    { values: sorted, shape: [rows, n] },
    { values: Pout, shape: withP ? [rows, n, n] : [rows, 0, 0] },
    { values: tapeBytes, shape: [tapeBytes.length] },
  ];
});

function allZero(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== 0) return false;
  return true;
}

/**
 * The gradient kernel's path for the default cauchy comparator with a saved tape and the wasm loops: the matrix
 * part of ∂L/∂α row by row (f32 lanes), then the reverse values pass two rows at a time (bit-identical to
 * backwardRow's).
 */
function cauchyGrad(
  bw: NonNullable<ReturnType<typeof cauchyBackward>>,
  cached: { alpha: Float64Array; d: Float64Array },
  gs: Float32Array,
  gp: Float32Array,
  net: ReturnType<typeof getNetwork>,
  rows: number,
  useP: boolean,
  desc: boolean,
): Float32Array {
  const { n, size: C } = net;
  const arena = useP ? matrixArena(net, true, bw.end) : null;
  const V = bw.views();
  const dx = new Float32Array(rows * n);
  for (let r0 = 0; r0 < rows; r0 += bw.chunk) {
    const m = Math.min(bw.chunk, rows - r0);
    V.alpha.set(cached.alpha.subarray(r0 * C, (r0 + m) * C));
    V.d.set(cached.d.subarray(r0 * C, (r0 + m) * C));
    for (let k = 0; k < m; k++) {
      const r = r0 + k;
      if (arena) {
        const G = arena.M;
        arena.alpha.set(cached.alpha.subarray(r * C, r * C + C));
        identity(G, n);
        arena.forward(true);
        const pOff = r * n * n;
        if (!desc) G.set(gp.subarray(pOff, pOff + n * n));
        else for (let j = 0; j < n; j++) G.set(gp.subarray(pOff + (n - 1 - j) * n, pOff + (n - j) * n), j * n);
        arena.backward();
        V.dAlpha.set(arena.dAlpha, k * C);
      }
      if (!desc) V.g.set(gs.subarray(r * n, r * n + n), k * n);
      else for (let j = 0; j < n; j++) V.g[k * n + j] = gs[r * n + n - 1 - j] as number;
    }
    bw.run(m, arena !== null);
    dx.set(V.out.subarray(0, m * n), r0 * n);
  }
  return dx;
}

registerHostKernel<RelaxDiffSortAttrs>(RelaxDiffSortGrad, ({ x, dSorted, dPermutation, tape }, attrs) => {
  const [rows, n] = x!.shape as [number, number];
  const xv = x!.values;
  const gs = dSorted!.values;
  const gp = dPermutation!.values;
  const net = getNetwork(attrs.network, n);
  const sig = comparatorSigmoid("diffSort", attrs);
  const fa = alphaFn(attrs, sig.f);
  const C = net.size;
  const useP = attrs.withMatrix && gp.length === rows * n * n && !allZero(gp);
  const cached = readTape(tape?.values, rows * C);
  const bw = cached && attrs.distribution === "cauchy" ? cauchyBackward(net, attrs.steepness, rows) : null;
  if (bw && cached) return { values: cauchyGrad(bw, cached, gs, gp, net, rows, useP, attrs.descending), shape: [rows, n] };
  const v = new Float64Array(n);
  const arena = useP ? matrixArena(net, true) : null;
  const al = arena ? arena.alpha : new Float64Array(C);
  const dStore = new Float64Array(C);
  const gV = new Float64Array(n);
  const P = new Float64Array(useP && !arena ? n * n : 0);
  const G: Float64Array | Float32Array = arena ? arena.M : new Float64Array(useP ? n * n : 0);
  const diffStore = new Float32Array(useP && !arena ? (net.hullOffset[C] as number) : 0);
  const dx = new Float32Array(rows * n);
  const desc = attrs.descending;
  for (let r = 0; r < rows; r++) {
    if (cached) {
      al.set(cached.alpha.subarray(r * C, r * C + C));
      dStore.set(cached.d.subarray(r * C, r * C + C));
    } else forwardValues(net, fa, xv, r * n, v, al, dStore);
    for (let j = 0; j < n; j++) gV[j] = gs[r * n + (desc ? n - 1 - j : j)] as number;
    if (useP) {
      if (arena) {
        identity(G, n);
        arena.forward(true);
      } else forwardMatrix(net, al, P, diffStore);
      const pOff = r * n * n;
      if (!desc) G.set(gp.subarray(pOff, pOff + n * n));
      else for (let j = 0; j < n; j++) G.set(gp.subarray(pOff + (n - 1 - j) * n, pOff + (n - j) * n), j * n);
    }
    if (arena) {
      arena.backward();
      backwardRow(net, sig.df, al, dStore, gV, null, null, arena.dAlpha);
    } else backwardRow(net, sig.df, al, dStore, gV, useP ? (G as Float64Array) : null, useP ? diffStore : null, null);
    for (let i = 0; i < n; i++) dx[r * n + i] = gV[i] as number;
  }
  return { values: dx, shape: [rows, n] };
});

registerFusedGradient<RelaxDiffSortAttrs>({
  kernelName: RelaxDiffSort,
  inputsToSave: ["x"],
  outputsToSave: [false, false, true],
  gradFunc: ([dSorted, dPermutation], [x, tape], attrs) => ({
    x: () => {
      const rows = x!.shape[0] as number;
      const n = x!.shape[1] as number;
      const ds = dSorted ?? tf.zeros([rows, n]);
      const dp = dPermutation ?? tf.zeros(attrs.withMatrix ? [rows, n, n] : [rows, 0, 0]);
      return runFusedKernel<tf.Tensor>(RelaxDiffSortGrad, { x: x!, dSorted: ds, dPermutation: dp, tape: tape! }, attrs);
    },
  }),
});
