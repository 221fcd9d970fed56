/**
 * Fused typed-array kernels of {@link LogicConvTree} (Petersen et al., *Convolutional Differentiable Logic
 * Gate Networks*, NeurIPS 2024, §3.1 "logic tree kernels"), registered for tfjs's host backends (`cpu`,
 * `wasm`). Per output position and tree the 2^d leaves are gathered straight from the (zero-padded)
 * image and the levels are evaluated bottom-up in the four-coefficient form `c0 + c1·A + c2·B + c3·A·B`
 * with per-node coefficients `c = p·M` computed once per call — no `[2^d · K · H'·W', batch]` gather
 * tensor and no per-level temporaries. Backward recomputes each tree (2^(d+1) − 1 numbers), scatter-adds
 * the leaf gradients into `∂x` and accumulates the per-node statistics `S = Σ g·[1, A, B, A·B]` in float64,
 * from which `∂z = p ⊙ (M·S − p·(M·S))` (as the dense layer's kernel, {@link logitGradFromStats}).
 * Other parametrisations / gate choices (`bilinear4`, straight-through) take their coefficients and parameter
 * gradient from the learned layer's {@link gateChoice} / {@link gateParamGrad}; the tree loops are the same.
 */
import {
  RelaxLogicConvTree,
  RelaxLogicConvTreeGrad,
  RelaxLogicConvTreeGradLogits,
  RelaxLogicConvTreeGradX,
  registerFusedGradient,
  registerHostKernel,
  type RelaxLogicConvTreeAttrs,
} from "@relax/core";
import { xLogitsGradient } from "../grad_pair.js";
import { gateChoice, gateParamGrad } from "../learned_choice.js";
import { logitGradFromStats } from "../gates.js";
import { probsAndCoefficients } from "./logic_layer.js";

/** Sizes of a window op over `x: [B, H, W, C]`: the zero-padded input `[B, Hp, Wp, C]` and the output `H' × W'`. */
export interface WindowGeometry {
  batch: number;
  h: number;
  w: number;
  c: number;
  hp: number;
  wp: number;
  ho: number;
  wo: number;
  /** Padding before (rows and columns). */
  lo: number;
  /** Stride s: output (i, j) reads the window at (s·i, s·j) of the padded image. */
  stride: number;
}

/** Geometry of one tree call: the window's, and the leaf offsets into one padded image. */
interface ConvGeometry extends WindowGeometry {
  K: number;
  leaves: number;
  nodes: number;
  /** `[K · 2^d]` offsets `(leafY · Wp + leafX) · C + leafC` into a padded image. */
  off: Int32Array;
}

/**
 * Output side of a tree layer over an input side: `⌊(side − rf) / stride⌋ + 1` (`'valid'`) or `⌈side / stride⌉`
 * (`'same'`), the positions 0, s, 2s, … of the stride-1 output.
 */
export function treeOutputSide(side: number, receptiveField: number, stride: number, padding: "valid" | "same"): number {
  return padding === "same" ? Math.ceil(side / stride) : Math.floor((side - receptiveField) / stride) + 1;
}

/** The window geometry of `x: [B, H, W, C]` under a receptive field, padding and stride. */
export function windowGeometry(xShape: number[], rf: number, padding: "valid" | "same", stride: number): WindowGeometry {
  const [batch, h, w, c] = xShape as [number, number, number, number];
  const same = padding === "same";
  return {
    batch,
    h,
    w,
    c,
    hp: same ? h + rf - 1 : h,
    wp: same ? w + rf - 1 : w,
    ho: treeOutputSide(h, rf, stride, padding),
    wo: treeOutputSide(w, rf, stride, padding),
    lo: same ? Math.floor((rf - 1) / 2) : 0,
    stride,
  };
}

function geometry(xShape: number[], logitsShape: number[], attrs: RelaxLogicConvTreeAttrs): ConvGeometry {
  const g = windowGeometry(xShape, attrs.receptiveField, attrs.padding, attrs.stride ?? 1);
  const K = logitsShape[0] as number;
  const leaves = 1 << attrs.depth;
  const off = new Int32Array(K * leaves);
  for (let q = 0; q < off.length; q++)
    off[q] = ((attrs.leafY[q] as number) * g.wp + (attrs.leafX[q] as number)) * g.c + (attrs.leafC[q] as number);
  return { ...g, K, leaves, nodes: leaves - 1, off };
}

/** Whether a call uses difflogic's nodes (softmax16, soft choice): today's coefficient path, unchanged numbers. */
function isDifflogic(attrs: Pick<RelaxLogicConvTreeAttrs, "parametrization" | "gateChoice">): boolean {
  return (attrs.parametrization ?? "softmax16") === "softmax16" && (attrs.gateChoice ?? "soft") === "soft";
}

/**
 * Node coefficients `[K · N, 4]` of a call and what the parameter gradient needs: `p` (softmax16 soft) or the
 * relaxed distribution `s` with its `scale` (every other parametrisation / choice, see {@link gateChoice}).
 */
export function nodeCoefficients(
  logits: Float32Array,
  nodes: number,
  attrs: Pick<RelaxLogicConvTreeAttrs, "mode" | "parametrization" | "gateChoice" | "temperature" | "noiseSeed">,
): { c: ArrayLike<number>; s: ArrayLike<number>; scale: number } {
  if (isDifflogic(attrs)) {
    const { p, c } = probsAndCoefficients(logits, nodes, attrs.mode);
    return { c, s: p, scale: 1 };
  }
  const { c, s, scale } = gateChoice(logits, nodes, {
    parametrization: attrs.parametrization ?? "softmax16",
    choice: attrs.gateChoice ?? "soft",
    temperature: attrs.temperature ?? 1,
    noiseSeed: attrs.noiseSeed ?? 0,
    mode: attrs.mode,
  });
  return { c, s, scale };
}

/** `x: [B, H, W, C]` zero-padded to `[B, Hp, Wp, C]` (the input itself for `'valid'`). */
function padInput(x: Float32Array, g: WindowGeometry): Float32Array {
  if (g.hp === g.h && g.wp === g.w) return x;
  const xp = new Float32Array(g.batch * g.hp * g.wp * g.c);
  const row = g.w * g.c;
  for (let b = 0; b < g.batch; b++)
    for (let i = 0; i < g.h; i++) {
      const src = (b * g.h + i) * row;
      xp.set(x.subarray(src, src + row), ((b * g.hp + i + g.lo) * g.wp + g.lo) * g.c);
    }
  return xp;
}

/**
 * Forward on host arrays: `y: [B, H', W', K]`. Vectorised along an output row: per (image row, tree) the
 * leaves of all `W'` positions are gathered into `[2^d, W']` and every node is one contiguous loop.
 */
export function logicConvTreeForwardHost(
  x: Float32Array,
  xShape: number[],
  logits: Float32Array,
  logitsShape: number[],
  attrs: RelaxLogicConvTreeAttrs,
): { values: Float32Array; shape: number[] } {
  const g = geometry(xShape, logitsShape, attrs);
  const { K, leaves: L, nodes: N, off, c: C, wo } = g;
  const sc = g.stride * C; // input step between neighbouring output columns
  const xp = padInput(x, g);
  const { c: coef } = nodeCoefficients(logits, K * N, attrs);
  const y = new Float32Array(g.batch * g.ho * wo * K);
  const buf = new Float64Array(L * wo);
  for (let b = 0; b < g.batch; b++)
    for (let i = 0; i < g.ho; i++) {
      const rowBase = (b * g.hp + i * g.stride) * g.wp * C;
      const yRow = (b * g.ho + i) * wo * K;
      for (let k = 0; k < K; k++) {
        const lo = k * L;
        for (let l = 0; l < L; l++) {
          const src = rowBase + (off[lo + l] as number);
          const d = l * wo;
          for (let j = 0; j < wo; j++) buf[d + j] = xp[src + j * sc] as number;
        }
        // Level by level in place: node m of a level reads rows 2m, 2m+1 of the level below.
        let q = k * N * 4;
        for (let width = L >> 1; width >= 1; width >>= 1)
          for (let m = 0; m < width; m++, q += 4) {
            const c0 = coef[q] as number,
              c1 = coef[q + 1] as number,
              c2 = coef[q + 2] as number,
              c3 = coef[q + 3] as number;
            const da = 2 * m * wo,
              db = da + wo,
              dm = m * wo;
            for (let j = 0; j < wo; j++) {
              const a = buf[da + j] as number;
              buf[dm + j] = c0 + c1 * a + (c2 + c3 * a) * (buf[db + j] as number);
            }
          }
        for (let j = 0; j < wo; j++) y[yRow + j * K + k] = buf[j] as number;
      }
    }
  return { values: y, shape: [g.batch, g.ho, wo, K] };
}

/**
 * Both gradients on host arrays in one pass: `dx: [B, H, W, C]` and `dlogits: [K, 2^d − 1, P]` (zeros in
 * eval mode, where the argmax gate has no logit gradient). Vectorised along an output row as the forward.
 */
export function logicConvTreeBackwardHost(
  x: Float32Array,
  xShape: number[],
  logits: Float32Array,
  logitsShape: number[],
  dy: Float32Array,
  attrs: RelaxLogicConvTreeAttrs,
): { dx: Float32Array; dlogits: Float32Array } {
  const g = geometry(xShape, logitsShape, attrs);
  const { K, leaves: L, nodes: N, off, c: C, wo } = g;
  const sc = g.stride * C;
  const train = attrs.mode === "train";
  const xp = padInput(x, g);
  const { s: p, c: coef, scale } = nodeCoefficients(logits, K * N, attrs);
  const padded = xp !== x;
  const dxp = new Float32Array(xp.length);
  const S = new Float64Array(K * N * 4);
  // Tree rows in "reverse heap" order: leaves 0 … L−1, node n at L + n with children 2n and 2n + 1.
  const act = new Float64Array((2 * L - 1) * wo);
  const grad = new Float64Array((2 * L - 1) * wo);
  const top = (2 * L - 2) * wo;
  for (let b = 0; b < g.batch; b++)
    for (let i = 0; i < g.ho; i++) {
      const rowBase = (b * g.hp + i * g.stride) * g.wp * C;
      const yRow = (b * g.ho + i) * wo * K;
      for (let k = 0; k < K; k++) {
        let any = false;
        for (let j = 0; j < wo; j++) {
          const v = dy[yRow + j * K + k] as number;
          grad[top + j] = v;
          if (v !== 0) any = true;
        }
        if (!any) continue; // e.g. a row of non-maxima of a max pool
        const lo = k * L;
        const q0 = k * N * 4;
        for (let l = 0; l < L; l++) {
          const src = rowBase + (off[lo + l] as number);
          const d = l * wo;
          for (let j = 0; j < wo; j++) act[d + j] = xp[src + j * sc] as number;
        }
        for (let n = 0, q = q0; n < N; n++, q += 4) {
          const c0 = coef[q] as number,
            c1 = coef[q + 1] as number,
            c2 = coef[q + 2] as number,
            c3 = coef[q + 3] as number;
          const da = 2 * n * wo,
            db = da + wo,
            dn = (L + n) * wo;
          for (let j = 0; j < wo; j++) {
            const a = act[da + j] as number;
            act[dn + j] = c0 + c1 * a + (c2 + c3 * a) * (act[db + j] as number);
          }
        }
        for (let n = N - 1, q = q0 + 4 * (N - 1); n >= 0; n--, q -= 4) {
          const c1 = coef[q + 1] as number,
            c2 = coef[q + 2] as number,
            c3 = coef[q + 3] as number;
          const da = 2 * n * wo,
            db = da + wo,
            dn = (L + n) * wo;
          if (train) {
            let s0 = 0,
              s1 = 0,
              s2 = 0,
              s3 = 0;
            for (let j = 0; j < wo; j++) {
              const gn = grad[dn + j] as number;
              const a = act[da + j] as number;
              const bv = act[db + j] as number;
              grad[da + j] = gn * (c1 + c3 * bv);
              grad[db + j] = gn * (c2 + c3 * a);
              const ga = gn * a;
              s0 += gn;
              s1 += ga;
              s2 += gn * bv;
              s3 += ga * bv;
            }
            S[q] = (S[q] as number) + s0;
            S[q + 1] = (S[q + 1] as number) + s1;
            S[q + 2] = (S[q + 2] as number) + s2;
            S[q + 3] = (S[q + 3] as number) + s3;
          } else {
            for (let j = 0; j < wo; j++) {
              const gn = grad[dn + j] as number;
              const a = act[da + j] as number;
              grad[da + j] = gn * (c1 + c3 * (act[db + j] as number));
              grad[db + j] = gn * (c2 + c3 * a);
            }
          }
        }
        for (let l = 0; l < L; l++) {
          const dst = rowBase + (off[lo + l] as number);
          const d = l * wo;
          for (let j = 0; j < wo; j++) {
            const t = dst + j * sc;
            dxp[t] = (dxp[t] as number) + (grad[d + j] as number);
          }
        }
      }
    }
  let dx = dxp;
  if (padded) {
    dx = new Float32Array(x.length);
    const row = g.w * C;
    for (let b = 0; b < g.batch; b++)
      for (let i = 0; i < g.h; i++) {
        const src = ((b * g.hp + i + g.lo) * g.wp + g.lo) * C;
        dx.set(dxp.subarray(src, src + row), (b * g.h + i) * row);
      }
  }
  return { dx, dlogits: nodeParamGrad(S, { s: p, scale }, attrs, K * N, logits.length / (K * N)) };
}

/**
 * The nodes' parameter gradient `[nodes, P]` from their statistics `S = Σ g·[1, A, B, A·B]` and the choice of
 * {@link nodeCoefficients} (zeros in eval mode, where the argmax gate has no gradient).
 */
export function nodeParamGrad(
  S: Float64Array,
  choice: { s: ArrayLike<number>; scale: number },
  attrs: Pick<RelaxLogicConvTreeAttrs, "mode" | "parametrization" | "gateChoice">,
  nodes: number,
  P: number,
): Float32Array {
  if (attrs.mode !== "train") return new Float32Array(nodes * P);
  return isDifflogic(attrs)
    ? logitGradFromStats(S, choice.s, nodes)
    : gateParamGrad(S, choice.s, choice.scale, nodes, attrs.parametrization ?? "softmax16");
}

registerHostKernel<RelaxLogicConvTreeAttrs>(RelaxLogicConvTree, ({ x, logits }, attrs) =>
  logicConvTreeForwardHost(x!.values, x!.shape, logits!.values, logits!.shape, attrs),
);

/** Both gradients from one backward pass: the kernel the gradient runs. */
registerHostKernel<RelaxLogicConvTreeAttrs>(RelaxLogicConvTreeGrad, ({ x, logits, dy }, attrs) => {
  const { dx, dlogits } = logicConvTreeBackwardHost(x!.values, x!.shape, logits!.values, logits!.shape, dy!.values, attrs);
  return [
    { values: dx, shape: x!.shape },
    { values: dlogits, shape: logits!.shape },
  ];
});

// The single-output kernels (what a backend computing the two apart registers), each a whole backward pass.
registerHostKernel<RelaxLogicConvTreeAttrs>(RelaxLogicConvTreeGradX, ({ x, logits, dy }, attrs) => ({
  values: logicConvTreeBackwardHost(x!.values, x!.shape, logits!.values, logits!.shape, dy!.values, attrs).dx,
  shape: x!.shape,
}));
registerHostKernel<RelaxLogicConvTreeAttrs>(RelaxLogicConvTreeGradLogits, ({ x, logits, dy }, attrs) => ({
  values: logicConvTreeBackwardHost(x!.values, x!.shape, logits!.values, logits!.shape, dy!.values, attrs).dlogits,
  shape: logits!.shape,
}));

/** ∂x and ∂logits share one backward pass: see {@link xLogitsGradient}. */
registerFusedGradient<RelaxLogicConvTreeAttrs>({
  kernelName: RelaxLogicConvTree,
  inputsToSave: ["x", "logits"],
  gradFunc: ([dy], [x, logits], attrs) =>
    xLogitsGradient(
      { both: RelaxLogicConvTreeGrad, x: RelaxLogicConvTreeGradX, logits: RelaxLogicConvTreeGradLogits },
      { x: x!, logits: logits!, dy: dy! },
      attrs,
    ),
});
