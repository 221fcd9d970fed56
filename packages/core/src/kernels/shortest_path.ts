import type * as tf from "@tensorflow/tfjs-core";
import { converged, GRID8_DIRECTIONS as DIRS, UNREACHED } from "../algorithms/shortest_path.js";
import { getTConorm } from "../tnorms/index.js";
import { packTapes, unpackTapes, type RowTape } from "./shortest_path_tape.js";
import { registerFusedGradient, registerHostKernel, runFusedKernel } from "./fused.js";
import { RelaxShortestPath, RelaxShortestPathGrad, type RelaxShortestPathAttrs } from "./kernel_names.js";

/**
 * Host kernels of `shortestPath` (`cpu`, `wasm`): float64 Bellman-Ford with soft-min predecessor weights and the
 * t-conorm traceback, per row, and its reverse-mode gradient. The reference op lives in `algorithms/shortest_path.ts`.
 */

function sameValues(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Neighbour table: nbr[v*8 + j] = index of the j-th neighbour of v, or −1 outside the grid. */
function neighbourTable(H: number, W: number): Int32Array {
  const nbr = new Int32Array(H * W * 8).fill(-1);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      for (let j = 0; j < 8; j++) {
        const [dy, dx] = DIRS[j] as [number, number];
        const yy = y + dy;
        const xx = x + dx;
        if (yy >= 0 && yy < H && xx >= 0 && xx < W) nbr[(y * W + x) * 8 + j] = yy * W + xx;
      }
    }
  }
  return nbr;
}

/** Soft-min weights of v's neighbours in `d` into w[0..7]; returns Σ w·d. */
function softminAt(d: Float64Array, nbr: Int32Array, v: number, beta: number, w: Float64Array, wOff: number): number {
  let mn = Infinity;
  for (let j = 0; j < 8; j++) {
    const u = nbr[v * 8 + j] as number;
    if (u >= 0 && (d[u] as number) < mn) mn = d[u] as number;
  }
  let sum = 0;
  for (let j = 0; j < 8; j++) {
    const u = nbr[v * 8 + j] as number;
    const e = u >= 0 ? Math.exp(-beta * ((d[u] as number) - mn)) : 0;
    w[wOff + j] = e;
    sum += e;
  }
  let mean = 0;
  for (let j = 0; j < 8; j++) {
    const u = nbr[v * 8 + j] as number;
    const wj = (w[wOff + j] as number) / sum;
    w[wOff + j] = wj;
    if (u >= 0) mean += wj * (d[u] as number);
  }
  return mean;
}

function forwardRow(
  c: Float32Array,
  off: number,
  H: number,
  W: number,
  nbr: Int32Array,
  a: RelaxShortestPathAttrs,
  S: { s(a: number, b: number): number },
): RowTape & { out: Float64Array } {
  const N = H * W;
  let d = new Float64Array(N).fill(UNREACHED);
  d[0] = c[off] as number;
  const ds = [d];
  const tmp = new Float64Array(8);
  for (let t = 0; t < a.iterations; t++) {
    const next = new Float64Array(N);
    next[0] = c[off] as number;
    for (let v = 1; v < N; v++) next[v] = (c[off + v] as number) + softminAt(d, nbr, v, a.beta, tmp, 0);
    // An exactly repeated iterate (a fixed point, or the 2-cycle of the last bit that float64 rounding
    // can settle into) adds a reference, not a copy: the tape stops growing once the iteration has settled.
    const back2 = ds[ds.length - 2];
    const kept = sameValues(next, d) ? d : back2 !== undefined && sameValues(next, back2) ? back2 : next;
    ds.push(kept);
    const done = converged(next, d, 0, N, a.tolerance);
    d = kept;
    if (done) break;
  }
  const w = new Float64Array(N * 8);
  for (let v = 1; v < N; v++) softminAt(d, nbr, v, a.beta, w, v * 8);
  let m = new Float64Array(N);
  m[N - 1] = 1;
  let path = new Float64Array(N);
  const ms: Float64Array[] = [];
  const paths: Float64Array[] = [];
  for (let k = 0; k < a.traceSteps; k++) {
    ms.push(m);
    paths.push(path);
    const np = new Float64Array(N);
    for (let v = 0; v < N; v++) np[v] = S.s(path[v] as number, m[v] as number);
    path = np;
    let mass = 0;
    for (let v = 1; v < N; v++) mass += m[v] as number;
    if (!(mass > a.epsilon) || k + 1 >= a.traceSteps) break;
    const nm = new Float64Array(N);
    for (let v = 1; v < N; v++) {
      const mv = m[v] as number;
      if (mv === 0) continue;
      for (let j = 0; j < 8; j++) {
        const u = nbr[v * 8 + j] as number;
        if (u >= 0) nm[u] = (nm[u] as number) + mv * (w[v * 8 + j] as number);
      }
    }
    m = nm;
  }
  return { d: ds, w, m: ms, path: paths, out: path };
}

function backwardRow(
  tape: RowTape,
  gOut: Float32Array,
  off: number,
  H: number,
  W: number,
  nbr: Int32Array,
  a: RelaxShortestPathAttrs,
  S: { dsda(a: number, b: number): number },
  gc: Float32Array,
): void {
  const N = H * W;
  const K = tape.m.length;
  let gP = new Float64Array(N);
  for (let v = 0; v < N; v++) gP[v] = gOut[off + v] as number;
  const gW = new Float64Array(N * 8);
  let gmNext: Float64Array | null = null; // gradient of m_{k+1}
  for (let k = K - 1; k >= 0; k--) {
    const m = tape.m[k] as Float64Array;
    const p = tape.path[k] as Float64Array;
    const gm = new Float64Array(N);
    const gPrev = new Float64Array(N);
    for (let v = 0; v < N; v++) {
      const g = gP[v] as number;
      gm[v] = g * S.dsda(m[v] as number, p[v] as number);
      gPrev[v] = g * S.dsda(p[v] as number, m[v] as number);
    }
    if (gmNext) {
      for (let v = 1; v < N; v++) {
        const mv = m[v] as number;
        let acc = 0;
        for (let j = 0; j < 8; j++) {
          const u = nbr[v * 8 + j] as number;
          if (u < 0) continue;
          const gu = gmNext[u] as number;
          acc += (tape.w[v * 8 + j] as number) * gu;
          gW[v * 8 + j] = (gW[v * 8 + j] as number) + mv * gu;
        }
        gm[v] = (gm[v] as number) + acc;
      }
    }
    gmNext = gm;
    gP = gPrev;
  }
  // weights → final distances
  const T = tape.d.length - 1;
  let gD = new Float64Array(N);
  for (let v = 1; v < N; v++) {
    let dot = 0;
    for (let j = 0; j < 8; j++) dot += (tape.w[v * 8 + j] as number) * (gW[v * 8 + j] as number);
    for (let j = 0; j < 8; j++) {
      const u = nbr[v * 8 + j] as number;
      if (u < 0) continue;
      const wj = tape.w[v * 8 + j] as number;
      gD[u] = (gD[u] as number) - a.beta * wj * ((gW[v * 8 + j] as number) - dot);
    }
  }
  // Bellman-Ford iterations in reverse
  const w = new Float64Array(8);
  for (let t = T - 1; t >= 0; t--) {
    const d = tape.d[t] as Float64Array;
    const gPrev = new Float64Array(N);
    for (let v = 0; v < N; v++) gc[off + v] = (gc[off + v] as number) + (gD[v] as number);
    for (let v = 1; v < N; v++) {
      const g = gD[v] as number;
      if (g === 0) continue;
      const mean = softminAt(d, nbr, v, a.beta, w, 0);
      for (let j = 0; j < 8; j++) {
        const u = nbr[v * 8 + j] as number;
        if (u < 0) continue;
        const wj = w[j] as number;
        if (wj === 0) continue;
        gPrev[u] = (gPrev[u] as number) + g * wj * (1 - a.beta * ((d[u] as number) - mean));
      }
    }
    gD = gPrev;
  }
  gc[off] = (gc[off] as number) + (gD[0] as number);
}

function tconormOf(a: RelaxShortestPathAttrs) {
  return getTConorm(a.tconorm, Number.isNaN(a.p) ? undefined : a.p);
}

registerHostKernel<RelaxShortestPathAttrs>(RelaxShortestPath, ({ costs }, attrs) => {
  const [B, H, W] = costs!.shape as [number, number, number];
  const N = H * W;
  const nbr = neighbourTable(H, W);
  const S = tconormOf(attrs);
  const out = new Float32Array(B * N);
  const tapes: RowTape[] = [];
  for (let b = 0; b < B; b++) {
    const tape = forwardRow(costs!.values, b * N, H, W, nbr, attrs, S);
    out.set(tape.out, b * N);
    tapes.push(tape);
  }
  // the tape is a second output, saved for the gradient kernel (the op disposes it when no gradient is recorded)
  const tape = packTapes(tapes, N);
  return [
    { values: out, shape: [B, H, W] },
    { values: tape, shape: [tape.length] },
  ];
});

registerHostKernel<RelaxShortestPathAttrs>(RelaxShortestPathGrad, ({ costs, dy, tape }, attrs) => {
  const [B, H, W] = costs!.shape as [number, number, number];
  const N = H * W;
  const nbr = neighbourTable(H, W);
  const S = tconormOf(attrs);
  const gc = new Float32Array(B * N);
  // the forward's tape when the forward ran on this backend's host kernel; recomputed otherwise
  const saved = tape !== undefined && tape.values.length > 1 ? unpackTapes(tape.values, N) : null;
  for (let b = 0; b < B; b++) {
    const row = saved?.[b] ?? forwardRow(costs!.values, b * N, H, W, nbr, attrs, S);
    backwardRow(row, dy!.values, b * N, H, W, nbr, attrs, S, gc);
  }
  return { values: gc, shape: [B, H, W] };
});

registerFusedGradient<RelaxShortestPathAttrs>({
  kernelName: RelaxShortestPath,
  inputsToSave: ["costs"],
  outputsToSave: [false, true],
  gradFunc: ([dy], [costs, tape], attrs) => ({
    costs: () => runFusedKernel<tf.Tensor>(RelaxShortestPathGrad, { costs: costs!, dy: dy!, tape: tape! }, attrs),
  }),
});
