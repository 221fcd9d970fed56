/**
 * Fused typed-array kernels of one logic gate layer (forward, input gradient, logit gradient),
 * registered for tfjs's host backends (`cpu`, `wasm`). They use the four-coefficient form of the
 * relaxed gates: per neuron `C = Mᵀ·p` (4 numbers, batch-independent), then
 * `y = C0 + C1·A + C2·B + C3·A·B` — 3 FMAs per sample instead of 16 gate evaluations.
 */
import {
  RelaxLogicLayer,
  RelaxLogicLayerGrad,
  RelaxLogicLayerGradLogits,
  RelaxLogicLayerGradX,
  registerFusedGradient,
  registerHostKernel,
  type RelaxLogicLayerAttrs,
} from "@relax/core";
import { GATE_COEFF_MATRIX, NUM_GATES, logitGradFromStats } from "../gates.js";
import { xLogitsGradient } from "../grad_pair.js";
import { logicBackwardWasm, logicForwardWasm, probsAndCoefficientsWasm } from "../wasm_layer.js";
import { transposeWasm } from "../wasm_transpose.js";

/** Per-neuron gate distribution: softmax (train) or one-hot argmax with first-max tie-break (eval). */
export function gateProbabilities(logits: Float32Array, outDim: number, mode: "train" | "eval"): Float64Array {
  const p = new Float64Array(outDim * NUM_GATES);
  for (let j = 0; j < outDim; j++) {
    const o = j * NUM_GATES;
    let best = 0;
    let max = logits[o] as number;
    for (let i = 1; i < NUM_GATES; i++) {
      const v = logits[o + i] as number;
      if (v > max) {
        max = v;
        best = i;
      }
    }
    if (mode === "eval") {
      p[o + best] = 1;
      continue;
    }
    let sum = 0;
    for (let i = 0; i < NUM_GATES; i++) {
      const e = Math.exp((logits[o + i] as number) - max);
      p[o + i] = e;
      sum += e;
    }
    for (let i = 0; i < NUM_GATES; i++) p[o + i] = (p[o + i] as number) / sum;
  }
  return p;
}

/** Four coefficients `[C0, C1, C2, C3]` per neuron from the gate probabilities. */
export function neuronCoefficients(p: Float64Array, outDim: number): Float64Array {
  const c = new Float64Array(outDim * 4);
  const m = GATE_COEFF_MATRIX;
  for (let j = 0; j < outDim; j++) {
    let c0 = 0;
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    for (let i = 0; i < NUM_GATES; i++) {
      const pi = p[j * NUM_GATES + i] as number;
      if (pi === 0) continue;
      c0 += pi * (m[i * 4] as number);
      c1 += pi * (m[i * 4 + 1] as number);
      c2 += pi * (m[i * 4 + 2] as number);
      c3 += pi * (m[i * 4 + 3] as number);
    }
    c[j * 4] = c0;
    c[j * 4 + 1] = c1;
    c[j * 4 + 2] = c2;
    c[j * 4 + 3] = c3;
  }
  return c;
}

/** Gate probabilities `p` (`[outDim, 16]`) and four-coefficient form `c` (`[outDim, 4]`) of a logits buffer. */
export type Coeffs = { p: Float32Array | Float64Array; c: Float32Array | Float64Array };

/**
 * Gate probabilities and coefficients of a logits buffer (float32 WASM SIMD in train mode where available).
 * A pure function of the logits: each kernel computes them once per call (no cache shared between kernels).
 */
export function probsAndCoefficients(logits: Float32Array, outDim: number, mode: "train" | "eval"): Coeffs {
  const fast = mode === "train" ? probsAndCoefficientsWasm(logits, outDim) : null;
  if (fast) return fast;
  const p = gateProbabilities(logits, outDim, mode);
  return { p, c: neuronCoefficients(p, outDim) };
}

/** `[rows, cols]` → `[cols, rows]` (row-major): WASM SIMD 4 × 4 blocks where available, else blocked JS loops. */
export function transpose2d(v: Float32Array, rows: number, cols: number): Float32Array {
  const fast = rows >= 4 && cols >= 4 ? transposeWasm(v, rows, cols) : null;
  if (fast) return fast;
  const out = new Float32Array(rows * cols);
  const T = 32;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(rows, r0 + T);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(cols, c0 + T);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[c * rows + r] = v[r * cols + c] as number;
    }
  }
  return out;
}

function toInt32(v: ArrayLike<number>): Int32Array {
  return v instanceof Int32Array ? v : Int32Array.from(v);
}

/**
 * Forward on feature-major data: `X: [inDim, B]` → `Y: [outDim, B]`,
 * `Y[j, r] = C0 + C1·X[a_j, r] + C2·X[b_j, r] + C3·X[a_j, r]·X[b_j, r]` — per neuron one contiguous
 * loop over the batch (the gather is per neuron, not per element).
 */
export function logicForwardFM(X: Float32Array, B: number, a: Int32Array, b: Int32Array, c: ArrayLike<number>): Float32Array {
  const outDim = a.length;
  const Y = new Float32Array(outDim * B);
  for (let j = 0; j < outDim; j++) {
    const q = 4 * j;
    const c0 = c[q] as number,
      c1 = c[q + 1] as number,
      c2 = c[q + 2] as number,
      c3 = c[q + 3] as number;
    const xa = (a[j] as number) * B,
      xb = (b[j] as number) * B,
      yo = j * B;
    for (let r = 0; r < B; r++) {
      const av = X[xa + r] as number;
      Y[yo + r] = c0 + c1 * av + (c2 + c3 * av) * (X[xb + r] as number);
    }
  }
  return Y;
}

/**
 * Backward on feature-major data: `dX[a_j] += g·(C1 + C3·B)`, `dX[b_j] += g·(C2 + C3·A)` (× gradFactor)
 * and, in train mode, the sufficient statistics `S_j = Σ_r g·[1, A, B, A·B]` (4 per neuron).
 */
export function logicBackwardFM(
  X: Float32Array,
  dY: Float32Array,
  B: number,
  inDim: number,
  a: Int32Array,
  b: Int32Array,
  c: ArrayLike<number>,
  gradFactor: number,
  train: boolean,
): { dX: Float32Array; S: Float64Array } {
  const outDim = a.length;
  const dX = new Float32Array(inDim * B);
  const S = new Float64Array(outDim * 4);
  for (let j = 0; j < outDim; j++) {
    const q = 4 * j;
    const c1 = (c[q + 1] as number) * gradFactor,
      c2 = (c[q + 2] as number) * gradFactor,
      c3 = (c[q + 3] as number) * gradFactor;
    const xa = (a[j] as number) * B,
      xb = (b[j] as number) * B,
      yo = j * B;
    if (train) {
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      for (let r = 0; r < B; r++) {
        const g = dY[yo + r] as number;
        const av = X[xa + r] as number,
          bv = X[xb + r] as number;
        dX[xa + r] += g * (c1 + c3 * bv);
        dX[xb + r] += g * (c2 + c3 * av);
        const ga = g * av;
        s0 += g;
        s1 += ga;
        s2 += g * bv;
        s3 += ga * bv;
      }
      S[q] = s0;
      S[q + 1] = s1;
      S[q + 2] = s2;
      S[q + 3] = s3;
    } else {
      for (let r = 0; r < B; r++) {
        const g = dY[yo + r] as number;
        dX[xa + r] += g * (c1 + c3 * (X[xb + r] as number));
        dX[xb + r] += g * (c2 + c3 * (X[xa + r] as number));
      }
    }
  }
  return { dX, S };
}

/** Forward of {@link RelaxLogicLayer} on host arrays, in the layouts the attributes name. */
export function logicLayerForwardHost(
  x: Float32Array,
  xShape: number[],
  logits: Float32Array,
  attrs: RelaxLogicLayerAttrs,
): { values: Float32Array; shape: number[] } {
  const a = toInt32(attrs.a);
  const b = toInt32(attrs.b);
  const outDim = a.length;
  const [d0, d1] = xShape as [number, number];
  const batch = attrs.featureMajorIn ? d1 : d0;
  const inDim = attrs.featureMajorIn ? d0 : d1;
  const X = attrs.featureMajorIn ? x : transpose2d(x, batch, inDim);
  const { c } = probsAndCoefficients(logits, outDim, attrs.mode);
  const Y = logicForwardWasm(X, batch, inDim, a, b, c) ?? logicForwardFM(X, batch, a, b, c);
  return attrs.featureMajorOut ? { values: Y, shape: [outDim, batch] } : { values: transpose2d(Y, outDim, batch), shape: [batch, outDim] };
}

/** Both gradients of {@link RelaxLogicLayer} in one pass (dx in the input's layout, dlogits `[outDim, 16]`). */
export function logicLayerBackwardHost(
  x: Float32Array,
  xShape: number[],
  logits: Float32Array,
  dy: Float32Array,
  attrs: RelaxLogicLayerAttrs,
): { dx: Float32Array; dlogits: Float32Array } {
  const a = toInt32(attrs.a);
  const b = toInt32(attrs.b);
  const outDim = a.length;
  const [d0, d1] = xShape as [number, number];
  const batch = attrs.featureMajorIn ? d1 : d0;
  const inDim = attrs.featureMajorIn ? d0 : d1;
  const X = attrs.featureMajorIn ? x : transpose2d(x, batch, inDim);
  const dY = attrs.featureMajorOut ? dy : transpose2d(dy, batch, outDim);
  const { p, c } = probsAndCoefficients(logits, outDim, attrs.mode);
  const train = attrs.mode === "train";
  const fast = logicBackwardWasm(X, dY, batch, inDim, a, b, c, attrs.gradFactor, train ? p : null);
  let dX: Float32Array, dlogits: Float32Array;
  if (fast) ({ dX, dlogits } = fast);
  else {
    const r = logicBackwardFM(X, dY, batch, inDim, a, b, c, attrs.gradFactor, train);
    dX = r.dX;
    dlogits = train ? logitGradFromStats(r.S, p, outDim) : new Float32Array(outDim * NUM_GATES);
  }
  return { dx: attrs.featureMajorIn ? dX : transpose2d(dX, inDim, batch), dlogits };
}

registerHostKernel<RelaxLogicLayerAttrs>(RelaxLogicLayer, ({ x, logits }, attrs) =>
  logicLayerForwardHost(x!.values, x!.shape, logits!.values, attrs),
);

/** Both gradients from one backward pass: the kernel the gradient runs. */
registerHostKernel<RelaxLogicLayerAttrs>(RelaxLogicLayerGrad, ({ x, logits, dy }, attrs) => {
  const { dx, dlogits } = logicLayerBackwardHost(x!.values, x!.shape, logits!.values, dy!.values, attrs);
  return [
    { values: dx, shape: x!.shape },
    { values: dlogits, shape: [attrs.a.length, NUM_GATES] },
  ];
});

// The single-output kernels (what a backend computing the two apart registers), each a whole backward pass.
registerHostKernel<RelaxLogicLayerAttrs>(RelaxLogicLayerGradX, ({ x, logits, dy }, attrs) => ({
  values: logicLayerBackwardHost(x!.values, x!.shape, logits!.values, dy!.values, attrs).dx,
  shape: x!.shape,
}));
registerHostKernel<RelaxLogicLayerAttrs>(RelaxLogicLayerGradLogits, ({ x, logits, dy }, attrs) => ({
  values: logicLayerBackwardHost(x!.values, x!.shape, logits!.values, dy!.values, attrs).dlogits,
  shape: [attrs.a.length, NUM_GATES],
}));

/** ∂x and ∂logits share one backward pass: see {@link xLogitsGradient}. */
registerFusedGradient<RelaxLogicLayerAttrs>({
  kernelName: RelaxLogicLayer,
  inputsToSave: ["x", "logits"],
  gradFunc: ([dy], [x, logits], attrs) =>
    xLogitsGradient(
      { both: RelaxLogicLayerGrad, x: RelaxLogicLayerGradX, logits: RelaxLogicLayerGradLogits },
      { x: x!, logits: logits!, dy: dy! },
      attrs,
    ),
});
