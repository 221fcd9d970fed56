/**
 * The choices of a learned logic layer, as pure functions of its parameters (shared by the fused kernel
 * and the reference composition): gate coefficients under the two parametrisations, the Gumbel /
 * logistic noise of straight-through choice, and the wiring weights over K candidate inputs.
 */
import { GATE_STREAM, WIRING_STREAM, drawNoise, noiseUniform } from "@relax/core/internal";
import { GATE_COEFF_MATRIX, NUM_GATES, logitGradFromStats } from "./gates.js";

/** Gate parametrisations: 16 softmax logits (difflogic) or 4 truth-table logits (Light DLGN's input-wise form). */
export type Parametrization = "softmax16" | "bilinear4";
/** Parametrisations accepted by `LogicLayer`. */
export const PARAMETRIZATIONS: readonly Parametrization[] = ["softmax16", "bilinear4"];
/**
 * Relaxed choice (`'soft'`), straight-through choice with Gumbel noise (`'gumbel-st'`, Mind the Gap, NeurIPS 2025),
 * or straight-through choice without noise (`'hard-st'`: forward the argmax, backward the softmax; the "Hard-ST"
 * of Kim, arXiv 2603.14157).
 */
export type Choice = "soft" | "gumbel-st" | "hard-st";
/** Choices accepted for `gateChoice` and `wiringChoice`. */
export const CHOICES: readonly Choice[] = ["soft", "gumbel-st", "hard-st"];

/** Whether a choice is straight-through (discrete forward, relaxed backward). */
export function isStraightThrough(c: Choice): boolean {
  return c !== "soft";
}

/** Parameters per gate of a parametrisation. */
export function paramsPerGate(p: Parametrization): number {
  return p === "softmax16" ? NUM_GATES : 4;
}

// the seeded noise lives in core, shared with the WGSL kernels (which draw it on the host)
export { GATE_STREAM, WIRING_STREAM, noiseUniform };

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** Per-call settings of the gate choice. */
export interface GateChoiceArgs {
  parametrization: Parametrization;
  choice: Choice;
  temperature: number;
  noiseSeed: number;
  mode: "train" | "eval";
}

/**
 * Neuron j's 16 gate logits plus their Gumbel noise (`noise`, the layer's `[outDim, 16]` draws for 'gumbel-st',
 * else null), times `scale`, written to `out[at … at + 15]`; returns their argmax (first maximum on ties, taken
 * before scaling, in float64).
 */
export function noisyGateLogits(
  weights: ArrayLike<number>,
  j: number,
  noise: Float32Array | null,
  out: Float32Array | Float64Array,
  at: number,
  scale: number,
): number {
  const o = j * NUM_GATES;
  let best = 0;
  let max = -Infinity;
  for (let i = 0; i < NUM_GATES; i++) {
    const x = (weights[o + i] as number) + (noise ? (noise[o + i] as number) : 0);
    out[at + i] = x * scale;
    if (x > max) {
      max = x;
      best = i;
    }
  }
  return best;
}

/**
 * Gate coefficients of every neuron and what the backward pass needs.
 * - `c` `[outDim, 4]`: the coefficients the forward uses (`y = c0 + c1·A + c2·B + c3·A·B`): relaxed ('soft'),
 *   the discrete gate of the noisy argmax ('gumbel-st' in train mode), or the discrete gate of the argmax / sign
 *   (mode 'eval').
 * - `s` `[outDim, P]`: the relaxed distribution the gradient flows through (softmax16: p = softmax((z + g)/τ),
 *   bilinear4: t = σ((w + l)/τ); τ = 1 and no noise for 'soft').
 * - `scale`: 1/τ for the straight-through choices (the chain rule of the division by τ), 1 for 'soft'.
 * - `hard`: the discrete gate ids in mode 'eval' or straight-through (else null).
 */
export function gateChoice(
  weights: Float32Array,
  outDim: number,
  args: GateChoiceArgs,
): { c: Float64Array; s: Float64Array; scale: number; hard: Int32Array | null } {
  const P = paramsPerGate(args.parametrization);
  const c = new Float64Array(outDim * 4);
  const s = new Float64Array(outDim * P);
  const st = isStraightThrough(args.choice) && args.mode === "train";
  const noisy = st && args.choice === "gumbel-st";
  const eval_ = args.mode === "eval";
  const tau = st ? args.temperature : 1;
  const hard = st || eval_ ? new Int32Array(outDim) : null;
  const m = GATE_COEFF_MATRIX;
  // one draw per parameter: Gumbel noise on softmax16 logits, logistic noise on bilinear4 truth-table logits
  const noise = noisy ? drawNoise(P === NUM_GATES ? "gumbel" : "logistic", args.noiseSeed, GATE_STREAM, 0, outDim * P) : null;
  if (args.parametrization === "softmax16") {
    const v = new Float64Array(NUM_GATES);
    for (let j = 0; j < outDim; j++) {
      const o = j * NUM_GATES;
      const best = noisyGateLogits(weights, j, noise, v, 0, 1);
      const max = v[best] as number;
      if (hard) {
        hard[j] = best;
        for (let q = 0; q < 4; q++) c[4 * j + q] = m[4 * best + q] as number;
      }
      if (eval_) continue;
      let sum = 0;
      for (let i = 0; i < NUM_GATES; i++) {
        const e = Math.exp(((v[i] as number) - max) / tau);
        s[o + i] = e;
        sum += e;
      }
      for (let i = 0; i < NUM_GATES; i++) s[o + i] = (s[o + i] as number) / sum;
      if (!hard) {
        let c0 = 0,
          c1 = 0,
          c2 = 0,
          c3 = 0;
        for (let i = 0; i < NUM_GATES; i++) {
          const p = s[o + i] as number;
          c0 += p * (m[4 * i] as number);
          c1 += p * (m[4 * i + 1] as number);
          c2 += p * (m[4 * i + 2] as number);
          c3 += p * (m[4 * i + 3] as number);
        }
        c[4 * j] = c0;
        c[4 * j + 1] = c1;
        c[4 * j + 2] = c2;
        c[4 * j + 3] = c3;
      }
    }
  } else {
    const t = [0, 0, 0, 0];
    for (let j = 0; j < outDim; j++) {
      let id = 0;
      for (let k = 0; k < 4; k++) {
        const x = (weights[4 * j + k] as number) + (noise ? (noise[4 * j + k] as number) : 0);
        if (!eval_) s[4 * j + k] = sigmoid(x / tau);
        const bit = x > 0 ? 1 : 0;
        id |= bit << (3 - k);
        t[k] = hard ? bit : (s[4 * j + k] as number);
      }
      if (hard) hard[j] = id;
      const [t00, t01, t10, t11] = t as [number, number, number, number];
      c[4 * j] = t00;
      c[4 * j + 1] = t10 - t00;
      c[4 * j + 2] = t01 - t00;
      c[4 * j + 3] = t11 - t10 - t01 + t00;
    }
  }
  return { c, s, scale: 1 / tau, hard };
}

/**
 * Gradient of the gate parameters from the sufficient statistics `S_j = Σ_r g·[1, A, B, A·B]` (`[outDim, 4]`):
 * softmax16 `∂z = scale · s ⊙ (M·S − s·(M·S))`; bilinear4 `∂w = scale · ∂t ⊙ s(1 − s)` with the truth-table
 * gradient `∂t = [S0 − S1 − S2 + S3, S2 − S3, S1 − S3, S3]` (entries 00, 01, 10, 11).
 */
export function gateParamGrad(
  S: ArrayLike<number>,
  s: ArrayLike<number>,
  scale: number,
  outDim: number,
  parametrization: Parametrization,
): Float32Array {
  if (parametrization === "bilinear4") {
    const dw = new Float32Array(outDim * 4);
    for (let j = 0; j < outDim; j++) {
      const s0 = S[4 * j] as number,
        s1 = S[4 * j + 1] as number,
        s2 = S[4 * j + 2] as number,
        s3 = S[4 * j + 3] as number;
      const dt = [s0 - s1 - s2 + s3, s2 - s3, s1 - s3, s3];
      for (let k = 0; k < 4; k++) {
        const t = s[4 * j + k] as number;
        dw[4 * j + k] = scale * (dt[k] as number) * t * (1 - t);
      }
    }
    return dw;
  }
  return logitGradFromStats(S, s, outDim, scale);
}

/**
 * The discrete gate nearest to truth-table logits `w = [w00, w01, w10, w11]` (bilinear4): the gate whose truth
 * table T ∈ {0,1}⁴ minimises `Σ_k (σ(w_k) − T_k)²`. The sum splits per entry, so `T_k = [w_k > 0]`
 * (a tie `w_k = 0` goes to 0); the id is `8·T00 + 4·T01 + 2·T10 + T11` as in `GATE_NAMES`.
 */
export function nearestGate(w00: number, w01: number, w10: number, w11: number): number {
  return (w00 > 0 ? 8 : 0) | (w01 > 0 ? 4 : 0) | (w10 > 0 ? 2 : 0) | (w11 > 0 ? 1 : 0);
}

/**
 * Wiring weights over the K candidates of every gate input (`[outDim, 2, K]`): `q` the weights the forward
 * uses (softmax; the one-hot of the Gumbel argmax for 'gumbel-st' in train mode; the one-hot argmax, first
 * maximum on ties, in mode 'eval'), `qs` the relaxed weights the gradient flows through
 * (softmax((u + g)/τ)), `scale` 1/τ ('gumbel-st') or 1, `pick` the chosen candidate per input when the
 * forward is one-hot (else null). Float32, as the layer saves them (the softmax is taken in float64 here; the
 * host kernel takes the noiseless train-mode cases in float32 WASM SIMD).
 */
export function wiringChoice(
  u: Float32Array,
  outDim: number,
  K: number,
  choice: Choice,
  temperature: number,
  noiseSeed: number,
  mode: "train" | "eval",
): { q: Float32Array; qs: Float32Array; scale: number; pick: Int32Array | null } {
  const n = outDim * 2;
  const q = new Float32Array(n * K);
  const qs = new Float32Array(n * K);
  const st = isStraightThrough(choice) && mode === "train";
  const noisy = st && choice === "gumbel-st";
  const eval_ = mode === "eval";
  const tau = st ? temperature : 1;
  const pick = st || eval_ || K === 1 ? new Int32Array(n) : null;
  const v = new Float64Array(K);
  const e = new Float64Array(K);
  const noise = noisy && K > 1 ? drawNoise("gumbel", noiseSeed, WIRING_STREAM, 0, n * K) : null;
  for (let i = 0; i < n; i++) {
    const o = i * K;
    let best = 0;
    let max = -Infinity;
    for (let k = 0; k < K; k++) {
      const x = (u[o + k] as number) + (noise ? (noise[o + k] as number) : 0);
      v[k] = x;
      if (x > max) {
        max = x;
        best = k;
      }
    }
    if (pick) {
      pick[i] = best;
      q[o + best] = 1;
    }
    if (eval_) continue;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const ek = Math.exp(((v[k] as number) - max) / tau);
      e[k] = ek;
      sum += ek;
    }
    for (let k = 0; k < K; k++) {
      qs[o + k] = (e[k] as number) / sum;
      if (!pick) q[o + k] = qs[o + k] as number;
    }
  }
  return { q, qs, scale: 1 / tau, pick };
}
