/**
 * Fused typed-array kernels of {@link RelaxLogicLeafGather}: the learned leaves of a conv logic tree (each leaf
 * chooses among M window positions, the conv form of learned wiring; LILogicNet, arXiv 2511.12340), registered for
 * tfjs's host backends (`cpu`, `wasm`). Feature-major inside (`[Hp·Wp·C, batch]`, one contiguous loop over the
 * batch per leaf, position and candidate, as the dense layer's kernels), in WASM SIMD (`mix.wat`'s `mixn` /
 * `unmixn`) or JS loops. Forward sums the chosen (or softmax-weighted) candidates into the leaf map. Backward: `∂x`
 * scatters `q_m · g` to each candidate (q the forward's weights: one-hot for the straight-through choices, so only
 * the chosen position gets a gradient), `∂q_m = Σ g · x_m`, and `∂u = scale · qs ⊙ (∂q − qs·∂q)` through the
 * relaxed weights.
 */
import {
  RelaxLogicLeafGather,
  RelaxLogicLeafGatherGradWiring,
  RelaxLogicLeafGatherGradX,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  type RelaxLogicLeafGatherAttrs,
} from "@relax/core";
import type * as tf from "@tensorflow/tfjs-core";
import { wiringChoice } from "../learned_choice.js";
import { type WindowGeometry, windowGeometry } from "./conv_tree.js";
import { transpose2d } from "./logic_layer.js";
import { wiringGradFromStats } from "./logic_layer_learned.js";
import { type MixedRows, mixRowsWasm, unmixRowsWasm } from "./wasm_mix.js";

/** Geometry of one call: the window's, and the candidate offsets into one padded image. */
export interface GatherGeometry extends WindowGeometry {
  /** Leaf slots Q = K · 2^depth. */
  slots: number;
  /** Candidates M per leaf. */
  M: number;
  /** `[Q · M]` offsets `(candY · Wp + candX) · C + candC` of the candidates into one padded `[Hp, Wp, C]` image. */
  off: Int32Array;
}

export function gatherGeometry(xShape: number[], wiringShape: number[], attrs: RelaxLogicLeafGatherAttrs): GatherGeometry {
  const g = windowGeometry(xShape, attrs.receptiveField, attrs.padding, attrs.stride);
  const M = wiringShape[wiringShape.length - 1] as number;
  const slots = attrs.candY.length / M;
  const off = new Int32Array(slots * M);
  for (let q = 0; q < off.length; q++)
    off[q] = ((attrs.candY[q] as number) * g.wp + (attrs.candX[q] as number)) * g.c + (attrs.candC[q] as number);
  return { ...g, slots, M, off };
}

/** `x: [B, H, W, C]` as the feature-major padded image `[Hp · Wp · C, B]` (zeros in the padding). */
export function featureMajorPadded(x: Float32Array, g: WindowGeometry): Float32Array {
  const xT = transpose2d(x, g.batch, g.h * g.w * g.c);
  if (g.hp === g.h && g.wp === g.w) return xT;
  const xp = new Float32Array(g.hp * g.wp * g.c * g.batch);
  const run = g.w * g.c * g.batch; // one image row, all samples
  for (let i = 0; i < g.h; i++) xp.set(xT.subarray(i * run, (i + 1) * run), ((i + g.lo) * g.wp + g.lo) * g.c * g.batch);
  return xp;
}

/** The call's wiring weights over the candidates (`[Q, M]`, see {@link wiringChoice}: Q is even, 2^depth ≥ 2 leaves per tree). */
export function leafChoice(wiring: Float32Array, g: GatherGeometry, attrs: RelaxLogicLeafGatherAttrs) {
  return wiringChoice(wiring, g.slots / 2, g.M, attrs.wiringChoice, attrs.temperature, attrs.noiseSeed, attrs.mode);
}

/**
 * The leaf map as mixed rows of the feature-major padded image (`[Hp·Wp·C, B]`): output row `(i, j, leaf)` mixes
 * the leaf's M candidate rows at output (i, j)'s window, with the leaf's weights (and pick) at every position.
 */
function mixedRows(g: GatherGeometry, q: Float32Array, pick: Int32Array | null): MixedRows {
  const { slots: Q, M, off } = g;
  const P = g.ho * g.wo;
  const rows = new Int32Array(P * Q * M);
  const qt = new Float32Array(P * Q * M);
  for (let i = 0, r = 0; i < g.ho; i++)
    for (let j = 0; j < g.wo; j++, r++) {
      const base = (i * g.wp + j) * g.stride * g.c;
      for (let e = 0; e < Q * M; e++) rows[r * Q * M + e] = base + (off[e] as number);
      qt.set(q, r * Q * M);
    }
  let pt: Int32Array | null = null;
  if (pick) {
    pt = new Int32Array(P * Q);
    for (let r = 0; r < P; r++) pt.set(pick, r * Q);
  }
  return { rows, q: qt, pick: pt, K: M };
}

/** Forward on host arrays: the leaf map `[B, H', W', Q]`. */
export function leafGatherForwardHost(
  x: Float32Array,
  xShape: number[],
  wiring: Float32Array,
  wiringShape: number[],
  attrs: RelaxLogicLeafGatherAttrs,
): { values: Float32Array; shape: number[] } {
  const g = gatherGeometry(xShape, wiringShape, attrs);
  const { slots: Q, M, off, wo, batch: B } = g;
  const xT = featureMajorPadded(x, g);
  const { q, pick } = leafChoice(wiring, g, attrs);
  const fast = mixRowsWasm(xT, B, g.hp * g.wp * g.c, mixedRows(g, q, pick));
  if (fast) return { values: transpose2d(fast, g.ho * wo * Q, B), shape: [B, g.ho, wo, Q] };
  const yT = new Float32Array(g.ho * wo * Q * B); // [(i, j, leaf), B]
  const acc = new Float64Array(B);
  for (let i = 0; i < g.ho; i++)
    for (let j = 0; j < wo; j++) {
      const base = (i * g.wp + j) * g.stride * g.c; // window corner of output (i, j)
      for (let s = 0; s < Q; s++) {
        const dst = ((i * wo + j) * Q + s) * B;
        if (pick) {
          const src = (base + (off[s * M + (pick[s] as number)] as number)) * B;
          yT.set(xT.subarray(src, src + B), dst);
          continue;
        }
        acc.fill(0);
        for (let m = 0; m < M; m++) {
          const wm = q[s * M + m] as number;
          const src = (base + (off[s * M + m] as number)) * B;
          for (let b = 0; b < B; b++) acc[b] = (acc[b] as number) + wm * (xT[src + b] as number);
        }
        for (let b = 0; b < B; b++) yT[dst + b] = acc[b] as number;
      }
    }
  return { values: transpose2d(yT, g.ho * wo * Q, B), shape: [B, g.ho, wo, Q] };
}

/**
 * The gradients on host arrays that `want` asks for: `dx: [B, H, W, C]` and `dwiring: [K, 2^depth, M]` (zeros in
 * eval mode); an output not asked for is null.
 */
export function leafGatherBackwardHost(
  x: Float32Array,
  xShape: number[],
  wiring: Float32Array,
  wiringShape: number[],
  dy: Float32Array,
  attrs: RelaxLogicLeafGatherAttrs,
  want: { dx: boolean; dwiring: boolean } = { dx: true, dwiring: true },
): { dx: Float32Array | null; dwiring: Float32Array | null } {
  const g = gatherGeometry(xShape, wiringShape, attrs);
  const { slots: Q, M, off, wo, batch: B } = g;
  const train = attrs.mode === "train" && want.dwiring;
  // ∂wiring alone in eval mode: zeros, nothing to compute
  if (!want.dx && !train) return { dx: null, dwiring: want.dwiring ? new Float32Array(Q * M) : null };
  const xT = featureMajorPadded(x, g);
  const gT = transpose2d(dy, B, g.ho * wo * Q);
  const { q, qs, scale, pick } = leafChoice(wiring, g, attrs);
  let dxT: Float32Array = new Float32Array(0);
  let dq: Float64Array = new Float64Array(Q * M);
  const fast = unmixRowsWasm(xT, gT, B, g.hp * g.wp * g.c, mixedRows(g, q, pick), want.dx);
  if (fast) {
    if (fast.dX) dxT = fast.dX;
    dq = sumOverPositions(fast.dq, Q * M); // per leaf and candidate
  } else {
    // JS loops (no WASM SIMD)
    dxT = new Float32Array(want.dx ? xT.length : 0);
    for (let i = 0; i < g.ho; i++)
      for (let j = 0; j < wo; j++) {
        const base = (i * g.wp + j) * g.stride * g.c;
        for (let s = 0; s < Q; s++) {
          const gs = ((i * wo + j) * Q + s) * B;
          for (let m = 0; m < M; m++) {
            const wm = q[s * M + m] as number;
            const src = (base + (off[s * M + m] as number)) * B;
            if (wm !== 0 && want.dx) for (let b = 0; b < B; b++) dxT[src + b] = (dxT[src + b] as number) + wm * (gT[gs + b] as number);
            if (!train) continue;
            let acc = 0;
            for (let b = 0; b < B; b++) acc += (gT[gs + b] as number) * (xT[src + b] as number);
            dq[s * M + m] = (dq[s * M + m] as number) + acc;
          }
        }
      }
  }
  const dx = want.dx ? batchMajorUnpadded(dxT, g) : null;
  if (!want.dwiring) return { dx, dwiring: null };
  return { dx, dwiring: train ? wiringGradFromStats(dq, qs, scale, M) : new Float32Array(Q * M) };
}

/**
 * Per-position statistics `[positions, period]` (rows of a call's tiled tables) summed over the positions in float64:
 * `[period]`, the statistics of the shared parameters.
 */
export function sumOverPositions(v: Float32Array, period: number): Float64Array {
  const out = new Float64Array(period);
  for (let r = 0; r < v.length; r++) out[r % period] = (out[r % period] as number) + (v[r] as number);
  return out;
}

/** `∂x` of the feature-major padded image `[Hp · Wp · C, B]` as `[B, H, W, C]` (the padding's rows dropped). */
export function batchMajorUnpadded(dxT: Float32Array, g: WindowGeometry): Float32Array {
  let inner = dxT;
  if (g.hp !== g.h || g.wp !== g.w) {
    inner = new Float32Array(g.h * g.w * g.c * g.batch);
    const run = g.w * g.c * g.batch;
    for (let i = 0; i < g.h; i++) {
      const src = ((i + g.lo) * g.wp + g.lo) * g.c * g.batch;
      inner.set(dxT.subarray(src, src + run), i * run);
    }
  }
  return transpose2d(inner, g.h * g.w * g.c, g.batch);
}

registerHostKernel<RelaxLogicLeafGatherAttrs>(RelaxLogicLeafGather, ({ x, wiring }, attrs) =>
  leafGatherForwardHost(x!.values, x!.shape, wiring!.values, wiring!.shape, attrs),
);

registerHostKernel<RelaxLogicLeafGatherAttrs>(RelaxLogicLeafGatherGradX, ({ x, wiring, dy }, attrs) => ({
  values: leafGatherBackwardHost(x!.values, x!.shape, wiring!.values, wiring!.shape, dy!.values, attrs, { dx: true, dwiring: false })
    .dx as Float32Array,
  shape: x!.shape,
}));

registerHostKernel<RelaxLogicLeafGatherAttrs>(RelaxLogicLeafGatherGradWiring, ({ x, wiring, dy }, attrs) => ({
  values: leafGatherBackwardHost(x!.values, x!.shape, wiring!.values, wiring!.shape, dy!.values, attrs, { dx: false, dwiring: true })
    .dwiring as Float32Array,
  shape: wiring!.shape,
}));

/**
 * ∂x and ∂wiring as separate kernels, each run only when the tape takes it: the leaves of a first layer read the
 * data, so their backward computes only ∂wiring (half of the work).
 */
registerFusedGradient<RelaxLogicLeafGatherAttrs>({
  kernelName: RelaxLogicLeafGather,
  inputsToSave: ["x", "wiring"],
  gradFunc: ([dy], [x, wiring], attrs) => ({
    x: () => runFusedKernel<tf.Tensor>(RelaxLogicLeafGatherGradX, { x: x!, wiring: wiring!, dy: dy! }, attrs),
    wiring: () => runFusedKernel<tf.Tensor>(RelaxLogicLeafGatherGradWiring, { x: x!, wiring: wiring!, dy: dy! }, attrs),
  }),
});
