/**
 * Fused typed-array kernels of {@link RelaxLogicLayerLearned} (a logic layer with a learned parametrisation,
 * straight-through gate choice and/or learned wiring) for tfjs's host backends. Feature-major inside
 * (`[features, batch]`, one contiguous loop per neuron). Where the forward's wiring is one-hot (fixed wiring,
 * straight-through wiring, eval mode) the forward and the softmax16 backward reuse the WASM SIMD layer kernels
 * of the fixed-wiring layer on the chosen wires; soft learned wiring (and the backward of any learned wiring
 * in train mode) runs the fused mix-and-gate WASM SIMD kernels of `wasm_mix.ts`, else mixes the K candidate
 * rows in JS.
 */
import {
  RelaxLogicLayerLearned,
  RelaxLogicLayerLearnedGrad,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  type RelaxLogicLayerLearnedAttrs,
} from "@relax/core";
import type * as tf from "@tensorflow/tfjs-core";
import { GATE_COEFF_MATRIX, NUM_GATES } from "../gates.js";
import { gateChoice, gateParamGrad, paramsPerGate, wiringChoice } from "../learned_choice.js";
import { GATE_STREAM, drawNoise } from "@relax/core/internal";
import { logicBackwardFM, logicForwardFM, transpose2d } from "./logic_layer.js";
import { logicBackwardWasm, logicForwardWasm, probsAndCoefficientsWasm, straightThroughProbsWasm } from "../wasm_layer.js";
import { learnedBackwardWasm, learnedForwardWasm, wiringSoftmaxWasm } from "./wasm_mix.js";

const pairsByWidth = new Map<number, { even: Int32Array; odd: Int32Array }>();
/** Row indices `[0, 2, 4, …]` and `[1, 3, 5, …]`: the A and B rows of the JS path's mixed matrix (built once per width, read only). */
function mixedPairs(outDim: number): { even: Int32Array; odd: Int32Array } {
  const hit = pairsByWidth.get(outDim);
  if (hit) return hit;
  const even = new Int32Array(outDim);
  const odd = new Int32Array(outDim);
  for (let j = 0; j < outDim; j++) {
    even[j] = 2 * j;
    odd[j] = 2 * j + 1;
  }
  pairsByWidth.set(outDim, { even, odd });
  return { even, odd };
}

/** The choices of one call (gate coefficients and relaxed distribution, wiring weights), float32 as saved. */
interface Choices {
  gate: { c: Float32Array; s: ArrayLike<number>; scale: number };
  wire: { q: Float32Array; qs: ArrayLike<number>; scale: number; pick: Int32Array | null };
}

/** Whether the forward's wiring weights are one-hot (fixed wiring, eval mode, straight-through wiring). */
function oneHotWiring(attrs: Pick<RelaxLogicLayerLearnedAttrs, "K" | "mode" | "wiringChoice">): boolean {
  return attrs.K === 1 || attrs.mode === "eval" || attrs.wiringChoice !== "soft";
}

/** Row g of GATE_COEFF_MATRIX (the four coefficients of gate g) as float32, for copying. */
const GATE_COEFF_ROWS = Array.from({ length: NUM_GATES }, (_, g) => Float32Array.from(GATE_COEFF_MATRIX.slice(4 * g, 4 * g + 4)));

/**
 * Straight-through softmax16 gates in train mode (as `gateChoice`): the coefficients of the argmax gate of
 * `z + g` (g: Gumbel noise for 'gumbel-st', 0 for 'hard-st'; argmax in float64, first maximum on ties) and
 * the relaxed `softmax((z + g)/τ)`, both from the WASM SIMD kernel; null where unavailable.
 */
function straightThroughGatesWasm(weights: Float32Array, outDim: number, attrs: GateSettings) {
  const noisy = attrs.gateChoice === "gumbel-st";
  const inv = 1 / attrs.temperature;
  const noise = noisy ? drawNoise("gumbel", attrs.noiseSeed, GATE_STREAM, 0, outDim * NUM_GATES) : null;
  const r = straightThroughProbsWasm(weights, noise, outDim, inv);
  if (!r) return null;
  const c = new Float32Array(outDim * 4);
  for (let j = 0; j < outDim; j++) c.set(GATE_COEFF_ROWS[r.best[j] as number] as Float32Array, 4 * j);
  return { c, s: r.p, scale: inv };
}

/** Soft softmax16 gates in train mode: the difflogic layer's WASM SIMD softmax and coefficients; null where unavailable. */
function softGatesWasm(weights: Float32Array, outDim: number) {
  const r = probsAndCoefficientsWasm(weights, outDim);
  return r && { c: r.c, s: r.p, scale: 1 };
}

/**
 * Train-mode wiring weights without noise ('soft', 'hard-st') from the WASM SIMD softmax (float32, as saved):
 * q = qs = softmax(u) for soft wiring, else q = the one-hot argmax and qs = softmax(u/τ); null where unavailable
 * (and for 'gumbel-st', eval mode and K = 1, which take the JS choice).
 */
function wiringChoiceWasm(wiring: Float32Array, outDim: number, attrs: WireSettings): Choices["wire"] | null {
  const { K, wiringChoice: choice } = attrs;
  if (attrs.mode !== "train" || K === 1 || choice === "gumbel-st") return null;
  const soft = choice === "soft";
  const r = wiringSoftmaxWasm(wiring, 2 * outDim, K, soft ? 1 : attrs.temperature);
  if (!r) return null;
  if (soft) return { q: r.qs.slice(), qs: r.qs, scale: 1, pick: null };
  const q = new Float32Array(r.qs.length);
  for (let i = 0; i < r.pick.length; i++) q[i * K + (r.pick[i] as number)] = 1;
  return { q, qs: r.qs, scale: 1 / attrs.temperature, pick: r.pick };
}

/** `v` as float32 (as is when it already is). */
const toF32 = (v: ArrayLike<number>): Float32Array => (v instanceof Float32Array ? v : Float32Array.from(v));

/** The gate settings of one call (those of {@link RelaxLogicLayerLearnedAttrs} that the gate choice reads). */
export type GateSettings = Pick<RelaxLogicLayerLearnedAttrs, "parametrization" | "gateChoice" | "temperature" | "noiseSeed" | "mode">;

/**
 * The gate choice of one call in float32, as the kernels save it: coefficients `c` `[outDim, 4]`, the relaxed
 * distribution `s` `[outDim, P]` and the gradient's `scale`. softmax16 gates in train mode take the WASM SIMD
 * softmax; the rest, and the fallback, the JS choice ({@link gateChoice}).
 */
export function gateChoiceHost(
  weights: Float32Array,
  outDim: number,
  g: GateSettings,
): { c: Float32Array; s: Float32Array; scale: number } {
  const fast =
    g.parametrization === "softmax16" && g.mode === "train"
      ? g.gateChoice === "soft"
        ? softGatesWasm(weights, outDim)
        : straightThroughGatesWasm(weights, outDim, g)
      : null;
  const r =
    fast ??
    gateChoice(weights, outDim, {
      parametrization: g.parametrization,
      choice: g.gateChoice,
      temperature: g.temperature,
      noiseSeed: g.noiseSeed,
      mode: g.mode,
    });
  return { c: toF32(r.c), s: toF32(r.s), scale: r.scale };
}

/** The wiring settings of one call (those of {@link RelaxLogicLayerLearnedAttrs} that the wiring choice reads). */
export type WireSettings = Pick<RelaxLogicLayerLearnedAttrs, "K" | "wiringChoice" | "temperature" | "noiseSeed" | "mode">;

/**
 * The wiring choice of one call: weights `q` and relaxed weights `qs` `[outDim, 2, K]` (float32, as the kernels save
 * them), the gradient's scale, and the picks of a one-hot q (else null). WASM SIMD softmax where it applies, else
 * the JS choice ({@link wiringChoice}).
 */
export function wireChoiceHost(
  wiring: Float32Array,
  outDim: number,
  w: WireSettings,
): { q: Float32Array; qs: Float32Array; scale: number; pick: Int32Array | null } {
  const r = wiringChoiceWasm(wiring, outDim, w) ?? wiringChoice(wiring, outDim, w.K, w.wiringChoice, w.temperature, w.noiseSeed, w.mode);
  return savedWireChoice(toF32(r.q), toF32(r.qs), w, r.pick);
}

/** The argmax of every group of K weights (first maximum): the picks of a one-hot q. */
export function picksOf(q: Float32Array, K: number): Int32Array {
  const pick = new Int32Array(q.length / K);
  for (let i = 0; i < pick.length; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if ((q[i * K + k] as number) > (q[i * K + best] as number)) best = k;
    pick[i] = best;
  }
  return pick;
}

function computeChoices(weights: Float32Array, wiring: Float32Array, outDim: number, attrs: RelaxLogicLayerLearnedAttrs) {
  return { gate: gateChoiceHost(weights, outDim, attrs), wire: wireChoiceHost(wiring, outDim, attrs) };
}

/**
 * The choices the forward saved (`c`, `s`, `q`, `qs`), with the scales and picks that follow from the attributes
 * (`known`: the picks of a one-hot q where the caller already has them, else they are read off q).
 */
function savedChoices(
  c: Float32Array,
  s: Float32Array,
  q: Float32Array,
  qs: Float32Array,
  attrs: RelaxLogicLayerLearnedAttrs,
  known: Int32Array | null = null,
): Choices {
  return { gate: { c, s, scale: gateScale(attrs) }, wire: savedWireChoice(q, qs, attrs, known) };
}

/** The gradient's scale of a gate choice: 1/τ for the straight-through choices in train mode (the chain rule of the division by τ), else 1. */
export function gateScale(g: Pick<RelaxLogicLayerLearnedAttrs, "gateChoice" | "temperature" | "mode">): number {
  return g.mode === "train" && g.gateChoice !== "soft" ? 1 / g.temperature : 1;
}

/**
 * A wire choice as the forward saved it (q, qs), with its gradient's scale and the picks of a one-hot q (`known`
 * where the caller has them, else read off q).
 */
export function savedWireChoice(
  q: Float32Array,
  qs: Float32Array,
  w: WireSettings,
  known: Int32Array | null = null,
): { q: Float32Array; qs: Float32Array; scale: number; pick: Int32Array | null } {
  const scale = w.mode === "train" && w.wiringChoice !== "soft" && w.K > 1 ? 1 / w.temperature : 1;
  return { q, qs, scale, pick: known ?? (oneHotWiring(w) ? picksOf(q, w.K) : null) };
}

/** The chosen input of every gate's A and B (`[outDim]` each) from the picks `[outDim, 2]` among K candidates. */
export function chosenWires(candA: Int32Array, candB: Int32Array, K: number, pick: Int32Array): { a: Int32Array; b: Int32Array } {
  const outDim = candA.length / K;
  const a = new Int32Array(outDim);
  const b = new Int32Array(outDim);
  for (let j = 0; j < outDim; j++) {
    a[j] = candA[j * K + (pick[2 * j] as number)] as number;
    b[j] = candB[j * K + (pick[2 * j + 1] as number)] as number;
  }
  return { a, b };
}

interface Prepared extends Choices {
  X: Float32Array;
  batch: number;
  inDim: number;
  outDim: number;
  /** The chosen wires when every gate input's forward weight is one-hot, else null. */
  aEff: Int32Array | null;
  bEff: Int32Array | null;
}

function prepare(x: Float32Array, xShape: number[], choices: Choices, attrs: RelaxLogicLayerLearnedAttrs): Prepared {
  const outDim = attrs.candA.length / attrs.K;
  const [d0, d1] = xShape as [number, number];
  const batch = attrs.featureMajorIn ? d1 : d0;
  const inDim = attrs.featureMajorIn ? d0 : d1;
  const X = attrs.featureMajorIn ? x : transpose2d(x, batch, inDim);
  const { gate, wire } = choices;
  const chosen = wire.pick ? chosenWires(attrs.candA, attrs.candB, attrs.K, wire.pick) : null;
  return { X, batch, inDim, outDim, gate, wire, aEff: chosen?.a ?? null, bEff: chosen?.b ?? null };
}

/**
 * Offset of row `A` (side 0) or `B` (side 1) of neuron j: in X for a one-hot choice (returned as is), else
 * the weighted mix of the K candidate rows written to `tmp` (offset −1 means "read tmp").
 */
function inputRow(pr: Prepared, cand: Int32Array, K: number, j: number, side: number, tmp: Float32Array): number {
  const B = pr.batch;
  const X = pr.X;
  const o = (2 * j + side) * K;
  if (pr.wire.pick) return (cand[j * K + (pr.wire.pick[2 * j + side] as number)] as number) * B;
  const q = pr.wire.q;
  let k = 0;
  // first pair initialises tmp, later pairs accumulate (two candidate rows per pass over tmp)
  for (; k + 1 < K; k += 2) {
    const w0 = q[o + k] as number;
    const w1 = q[o + k + 1] as number;
    const x0 = (cand[j * K + k] as number) * B;
    const x1 = (cand[j * K + k + 1] as number) * B;
    if (k === 0) for (let r = 0; r < B; r++) tmp[r] = w0 * (X[x0 + r] as number) + w1 * (X[x1 + r] as number);
    else for (let r = 0; r < B; r++) tmp[r] = (tmp[r] as number) + w0 * (X[x0 + r] as number) + w1 * (X[x1 + r] as number);
  }
  if (k < K) {
    const w = q[o + k] as number;
    const x0 = (cand[j * K + k] as number) * B;
    if (k === 0) for (let r = 0; r < B; r++) tmp[r] = w * (X[x0 + r] as number);
    else for (let r = 0; r < B; r++) tmp[r] = (tmp[r] as number) + w * (X[x0 + r] as number);
  }
  return -1;
}

/** The mixed rows `M: [2·outDim, B]` of soft learned wiring in JS (the fallback of {@link learnedForwardWasm}). */
function mixRowsJs(pr: Prepared, attrs: RelaxLogicLayerLearnedAttrs): Float32Array {
  const B = pr.batch;
  const M = new Float32Array(2 * pr.outDim * B);
  for (let i = 0; i < 2 * pr.outDim; i++)
    inputRow(pr, i % 2 === 0 ? attrs.candA : attrs.candB, attrs.K, i >> 1, i % 2, M.subarray(i * B, (i + 1) * B));
  return M;
}

/**
 * Forward on host arrays, in the layouts the attributes name; also returns the call's choices (float32:
 * coefficients `c` `[outDim, 4]`, relaxed gate distribution `s` `[outDim, P]`, wiring weights `q` and relaxed
 * wiring weights `qs` `[outDim, 2, K]`), which the gradient takes as saved outputs instead of redrawing them.
 */
export function learnedForwardHost(
  x: Float32Array,
  xShape: number[],
  weights: Float32Array,
  wiring: Float32Array,
  attrs: RelaxLogicLayerLearnedAttrs,
): { values: Float32Array; shape: number[]; saved: { c: Float32Array; s: Float32Array; q: Float32Array; qs: Float32Array } } {
  const outDim = attrs.candA.length / attrs.K;
  const ch = computeChoices(weights, wiring, outDim, attrs);
  const saved = { c: ch.gate.c, s: ch.gate.s, q: ch.wire.q, qs: ch.wire.qs };
  // the forward computes with the float32 choices it saves, so that the gradient sees the same numbers
  const pr = prepare(x, xShape, savedChoices(saved.c, saved.s, saved.q, saved.qs, attrs, ch.wire.pick), attrs);
  const { X, batch, inDim, aEff, bEff } = pr;
  const c = pr.gate.c;
  let Y: Float32Array;
  if (aEff && bEff) Y = logicForwardWasm(X, batch, inDim, aEff, bEff, c) ?? logicForwardFM(X, batch, aEff, bEff, c);
  else {
    // soft learned wiring: mix the candidate rows and apply the gates in one WASM SIMD pass, else mix in JS
    const fast = learnedForwardWasm(X, batch, inDim, attrs.candA, attrs.candB, attrs.K, pr.wire.q, c);
    const { even, odd } = mixedPairs(outDim);
    Y = fast ?? logicForwardFM(mixRowsJs(pr, attrs), batch, even, odd, c);
  }
  return attrs.featureMajorOut
    ? { values: Y, shape: [outDim, batch], saved }
    : { values: transpose2d(Y, outDim, batch), shape: [batch, outDim], saved };
}

/**
 * The bilinear4 weight gradient from the softmax16 logit gradient at uniform p = 1/16: there
 * `dz_i = (m_i − mean(m))/16` with `m_i = Σ g·f_i(A, B)`, and gate 0 (False) has `m_0 = 0`, so
 * `m_i = 16·(dz_i − dz_0)`. The truth-table gradient `∂t_ab = Σ g·[A = a][B = b]` (relaxed) is `m` of the gate
 * whose truth table is the single entry ab: gates 8 (00), 4 (01), 2 (10), 1 (11). Then `∂w = scale·∂t·t(1 − t)`.
 */
export function truthTableGradFromUniform(dz: Float32Array, t: ArrayLike<number>, scale: number, outDim: number): Float32Array {
  const dw = new Float32Array(outDim * 4);
  const GATE_OF_ENTRY = [8, 4, 2, 1];
  for (let j = 0; j < outDim; j++) {
    const z0 = dz[16 * j] as number;
    for (let k = 0; k < 4; k++) {
      const tk = t[4 * j + k] as number;
      dw[4 * j + k] = scale * 16 * ((dz[16 * j + (GATE_OF_ENTRY[k] as number)] as number) - z0) * tk * (1 - tk);
    }
  }
  return dw;
}

/**
 * The wiring-logit gradient `[outDim, 2, K]` from the statistics `dq_k = Σ_r dA·X[cand_k]` of every gate input
 * (likewise of every conv-tree leaf over its K window candidates): the softmax backward `scale · qs ⊙ (dq − qs·dq)` through the relaxed weights qs.
 */
export function wiringGradFromStats(dq: ArrayLike<number>, qs: ArrayLike<number>, scale: number, K: number): Float32Array {
  const du = new Float32Array(dq.length);
  for (let o = 0; o < dq.length; o += K) {
    let dot = 0;
    for (let k = 0; k < K; k++) dot += (dq[o + k] as number) * (qs[o + k] as number);
    for (let k = 0; k < K; k++) du[o + k] = scale * (qs[o + k] as number) * ((dq[o + k] as number) - dot);
  }
  return du;
}

/**
 * Backward of learned wiring in train mode with the fused WASM SIMD kernel: dX, stats S, the wiring gradient and
 * (softmax16) the gate-logit gradient dz; null where unavailable.
 */
function mixedBackwardWasm(
  pr: Prepared,
  dY: Float32Array,
  attrs: RelaxLogicLayerLearnedAttrs,
): { dX: Float32Array; S: ArrayLike<number>; du: Float32Array; dz: Float32Array | null } | null {
  if (attrs.mode !== "train") return null;
  const { X, batch: B, inDim } = pr;
  const s = pr.gate.s;
  const gates = attrs.parametrization === "softmax16" ? { p: toF32(s), scale: pr.gate.scale } : null;
  const r = learnedBackwardWasm(
    X,
    dY,
    B,
    inDim,
    attrs.candA,
    attrs.candB,
    attrs.K,
    pr.wire.q,
    pr.gate.c,
    attrs.gradFactor,
    pr.wire.pick,
    gates,
    { qs: toF32(pr.wire.qs), scale: pr.wire.scale },
  );
  return r && { dX: r.dX, S: r.S, du: r.du!, dz: r.dz };
}

/** Backward of the general case (soft or straight-through learned wiring): dX, stats S and the wiring gradient. */
function backwardMixed(
  pr: Prepared,
  dY: Float32Array,
  attrs: RelaxLogicLayerLearnedAttrs,
): { dX: Float32Array; S: ArrayLike<number>; du: Float32Array } {
  const { X, batch: B, inDim, outDim } = pr;
  const K = attrs.K;
  const train = attrs.mode === "train";
  const gf = attrs.gradFactor;
  const dX = new Float32Array(inDim * B);
  const S = new Float64Array(outDim * 4);
  const dq = new Float64Array(outDim * 2 * K);
  const tA = new Float32Array(B);
  const tB = new Float32Array(B);
  const dA = new Float32Array(B);
  const dB = new Float32Array(B);
  const c = pr.gate.c;
  const q = pr.wire.q;
  for (let j = 0; j < outDim; j++) {
    const oa = inputRow(pr, attrs.candA, K, j, 0, tA);
    const ob = inputRow(pr, attrs.candB, K, j, 1, tB);
    const A = oa < 0 ? tA : X;
    const Bv = ob < 0 ? tB : X;
    const ia = oa < 0 ? 0 : oa;
    const ib = ob < 0 ? 0 : ob;
    const c1 = c[4 * j + 1] as number,
      c2 = c[4 * j + 2] as number,
      c3 = c[4 * j + 3] as number;
    const yo = j * B;
    let s0 = 0,
      s1 = 0,
      s2 = 0,
      s3 = 0;
    for (let r = 0; r < B; r++) {
      const g = dY[yo + r] as number;
      const av = A[ia + r] as number,
        bv = Bv[ib + r] as number;
      dA[r] = g * (c1 + c3 * bv);
      dB[r] = g * (c2 + c3 * av);
      const ga = g * av;
      s0 += g;
      s1 += ga;
      s2 += g * bv;
      s3 += ga * bv;
    }
    S[4 * j] = s0;
    S[4 * j + 1] = s1;
    S[4 * j + 2] = s2;
    S[4 * j + 3] = s3;
    for (let side = 0; side < 2; side++) {
      const cand = side === 0 ? attrs.candA : attrs.candB;
      const d = side === 0 ? dA : dB;
      const o = (2 * j + side) * K;
      for (let k = 0; k < K; k++) {
        const xo = (cand[j * K + k] as number) * B;
        const w = (q[o + k] as number) * gf;
        let acc = 0;
        if (w !== 0) {
          for (let r = 0; r < B; r++) {
            const dv = d[r] as number;
            dX[xo + r] = (dX[xo + r] as number) + w * dv;
            acc += dv * (X[xo + r] as number);
          }
        } else if (train) {
          for (let r = 0; r < B; r++) acc += (d[r] as number) * (X[xo + r] as number);
        }
        dq[o + k] = acc;
      }
    }
  }
  const du = train && K > 1 ? wiringGradFromStats(dq, pr.wire.qs, pr.wire.scale, K) : new Float32Array(dq.length);
  return { dX, S, du };
}

/**
 * All gradients on host arrays from the forward's saved choices: dx in the input's layout, dweights `[outDim, P]`,
 * dwiring `[outDim, 2, K]`.
 */
export function learnedBackwardHost(
  x: Float32Array,
  xShape: number[],
  saved: { c: Float32Array; s: Float32Array; q: Float32Array; qs: Float32Array },
  dy: Float32Array,
  attrs: RelaxLogicLayerLearnedAttrs,
): { dx: Float32Array<ArrayBufferLike>; dweights: Float32Array<ArrayBufferLike>; dwiring: Float32Array<ArrayBufferLike> } {
  const pr = prepare(x, xShape, savedChoices(saved.c, saved.s, saved.q, saved.qs, attrs), attrs);
  const { X, batch, inDim, outDim, aEff, bEff } = pr;
  const P = paramsPerGate(attrs.parametrization);
  const train = attrs.mode === "train";
  const dY = attrs.featureMajorOut ? dy : transpose2d(dy, batch, outDim);
  let dX: Float32Array<ArrayBufferLike>;
  let dweights: Float32Array<ArrayBufferLike>;
  let dwiring: Float32Array<ArrayBufferLike> = new Float32Array(outDim * 2 * attrs.K);
  const learnedTrain = train && attrs.K > 1;
  if (aEff && bEff && !learnedTrain) {
    // fixed wires: the fixed-wiring layer's backward on the chosen wires
    const c = pr.gate.c;
    const bilinear = attrs.parametrization === "bilinear4";
    // bilinear4 reads its statistics through the softmax16 kernel at uniform p (see truthTableGradFromUniform)
    const p = bilinear ? new Float32Array(outDim * 16).fill(1 / 16) : pr.gate.s;
    const fast = train ? logicBackwardWasm(X, dY, batch, inDim, aEff, bEff, c, attrs.gradFactor, p) : null;
    if (fast) {
      dX = fast.dX;
      const sc = pr.gate.scale;
      if (bilinear) dweights = truthTableGradFromUniform(fast.dlogits, pr.gate.s, sc, outDim);
      else {
        dweights = fast.dlogits;
        if (sc !== 1) for (let i = 0; i < dweights.length; i++) dweights[i] = (dweights[i] as number) * sc;
      }
    } else {
      const r = logicBackwardFM(X, dY, batch, inDim, aEff, bEff, c, attrs.gradFactor, train);
      dX = r.dX;
      dweights = train ? gateParamGrad(r.S, pr.gate.s, pr.gate.scale, outDim, attrs.parametrization) : new Float32Array(outDim * P);
    }
  } else {
    const r = mixedBackwardWasm(pr, dY, attrs) ?? { ...backwardMixed(pr, dY, attrs), dz: null };
    dX = r.dX;
    dwiring = r.du;
    dweights = !train
      ? new Float32Array(outDim * P)
      : (r.dz ?? gateParamGrad(r.S, pr.gate.s, pr.gate.scale, outDim, attrs.parametrization));
  }
  return { dx: attrs.featureMajorIn ? dX : transpose2d(dX, inDim, batch), dweights, dwiring };
}

registerHostKernel<RelaxLogicLayerLearnedAttrs>(RelaxLogicLayerLearned, ({ x, weights, wiring }, attrs) => {
  const r = learnedForwardHost(x!.values, x!.shape, weights!.values, wiring!.values, attrs);
  return [
    { values: r.values, shape: r.shape },
    { values: r.saved.c, shape: [weights!.shape[0]!, 4] },
    { values: r.saved.s, shape: weights!.shape },
    { values: r.saved.q, shape: wiring!.shape },
    { values: r.saved.qs, shape: wiring!.shape },
  ];
});

registerHostKernel<RelaxLogicLayerLearnedAttrs>(RelaxLogicLayerLearnedGrad, ({ x, weights, wiring, dy, c, s, q, qs }, attrs) => {
  const saved = { c: c!.values, s: s!.values, q: q!.values, qs: qs!.values };
  const r = learnedBackwardHost(x!.values, x!.shape, saved, dy!.values, attrs);
  return [
    { values: r.dx, shape: x!.shape },
    { values: r.dweights, shape: weights!.shape },
    { values: r.dwiring, shape: wiring!.shape },
  ];
});

/** The three gradients come from one backward pass (one kernel call, three outputs). */
registerFusedGradient<RelaxLogicLayerLearnedAttrs>({
  kernelName: RelaxLogicLayerLearned,
  inputsToSave: ["x", "weights", "wiring"],
  // y, then the call's choices (c, s, q, qs), taken by the gradient instead of redrawing the noise
  outputsToSave: [false, true, true, true, true],
  gradFunc: ([dy], [x, weights, wiring, c, s, q, qs], attrs) => {
    const [dx, dw, du] = runFusedKernel<tf.Tensor[]>(
      RelaxLogicLayerLearnedGrad,
      { x: x!, weights: weights!, wiring: wiring!, dy: dy!, c: c!, s: s!, q: q!, qs: qs! },
      attrs,
    );
    return { x: () => dx!, weights: () => dw!, wiring: () => du! };
  },
});
