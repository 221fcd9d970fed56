import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertFinite, assertInteger, assertOneOf, assertOptions, assertPositive, describe, toFloatTensor } from "@relax/core";
import { createRng, type Rng } from "@relax/core";
import { NOISES, noise, type Noise } from "./noise.js";

/** Options of stochastic smoothing. */
export interface SmoothingOptions {
  /** Noise distribution (default `'gaussian'`). */
  noise?: Noise;
  /** Scale σ of the noise (x + σu), default 1. */
  scale?: number;
  /** Number of samples S (default 64; with `antithetic`, S/2 pairs). */
  samples?: number;
  /** `'mc'` (default), `'qmc-latin'` (Latin hypercube, stratum midpoints), `'rqmc-latin'` (randomised Latin hypercube), `'rqmc-cartesian'` (one random point per cell of a regular grid; S = s^n). */
  sampler?: "mc" | "qmc-latin" | "rqmc-latin" | "rqmc-cartesian";
  /** Control variate: `'none'` (default), `'f(x)'` (subtract the unperturbed value), `'loo'` (leave-one-out mean of the other samples). */
  covariate?: "none" | "f(x)" | "loo";
  /** Antithetic pairs (u, −u) (symmetric noises only). */
  antithetic?: boolean;
  /** Seed of the sampler (default 0); a seeded smoother draws a fresh stream per call. */
  seed?: number;
}

/** A smoothed value and its gradient (Jacobian `[m, n]`, row-major). */
export interface SmoothedEstimate {
  value: Float64Array;
  jacobian: Float64Array;
}

function uniforms(rng: Rng, S: number, n: number, sampler: NonNullable<SmoothingOptions["sampler"]>): Float64Array {
  const U = new Float64Array(S * n);
  if (sampler === "mc") {
    for (let i = 0; i < S * n; i++) U[i] = rng.next();
  } else if (sampler === "qmc-latin" || sampler === "rqmc-latin") {
    for (let d = 0; d < n; d++) {
      const perm = Array.from({ length: S }, (_, i) => i);
      for (let i = S - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [perm[i], perm[j]] = [perm[j] as number, perm[i] as number];
      }
      for (let s = 0; s < S; s++) U[s * n + d] = ((perm[s] as number) + (sampler === "qmc-latin" ? 0.5 : rng.next())) / S;
    }
  } else {
    const side = Math.round(S ** (1 / n));
    if (side ** n !== S) throw new RelaxError("smoothedEstimate", "samples", `a perfect ${n}-th power for 'rqmc-cartesian'`, String(S));
    for (let s = 0; s < S; s++) {
      let r = s;
      for (let d = 0; d < n; d++) {
        U[s * n + d] = ((r % side) + rng.next()) / side;
        r = Math.floor(r / side);
      }
    }
  }
  for (let i = 0; i < U.length; i++) U[i] = Math.min(1 - 1e-12, Math.max(1e-12, U[i] as number));
  return U;
}

/** Option keys of stochastic smoothing. */
export const SMOOTHING_KEYS = ["noise", "scale", "samples", "sampler", "covariate", "antithetic", "seed"] as const;

/** Most samples per estimate (memory: samples·n numbers are held at once). */
const MAX_SAMPLES = 1 << 20;

function resolve(op: string, o: SmoothingOptions) {
  if (o.antithetic !== undefined && typeof o.antithetic !== "boolean")
    throw new RelaxError(op, "antithetic", "true or false", describe(o.antithetic));
  if (o.seed !== undefined) assertInteger(op, "seed", o.seed, -(2 ** 53), 2 ** 53);
  const name = assertOneOf(op, "noise", o.noise ?? "gaussian", NOISES);
  const scale = assertPositive(op, "scale", o.scale ?? 1);
  const samples = assertInteger(op, "samples", o.samples ?? 64, 2, MAX_SAMPLES);
  const sampler = assertOneOf(op, "sampler", o.sampler ?? "mc", ["mc", "qmc-latin", "rqmc-latin", "rqmc-cartesian"] as const);
  const covariate = assertOneOf(op, "covariate", o.covariate ?? "none", ["none", "f(x)", "loo"] as const);
  const antithetic = o.antithetic ?? false;
  const dist = noise(name);
  if (antithetic && !dist.symmetric) throw new RelaxError(op, "antithetic", `false for the asymmetric noise '${name}'`, "true");
  if (antithetic && samples % 2 !== 0) throw new RelaxError(op, "samples", "even with antithetic pairs", String(samples));
  return { dist, scale, samples, sampler, covariate, antithetic };
}

/**
 * Generalized stochastic smoothing (Petersen, Borgelt, Mishra, Ermon, arXiv 2410.08125) of a black-box
 * `f: ℝⁿ → ℝᵐ` written in plain TypeScript: `f_σ(x) = E[f(x + σu)]` and its score-function gradient
 * `∇f_σ(x) = (1/σ) E[(f(x + σu) − b) ψ(u)ᵀ]` with ψ = −(log μ)' of the noise, a control variate b, and the
 * variance-reduction axes of the paper (MC / Latin / Cartesian sampling, covariates, antithetic pairs).
 *
 * @param f black box on host arrays (may be discontinuous: argsort, Dijkstra, a simulator)
 * @param x the point, length n
 * @returns value `[m]` and Jacobian `[m, n]`
 * @example
 * const { jacobian } = smoothedEstimate((v) => [Math.abs(v[0]!)], [0.37], { noise: "laplace", samples: 1024, seed: 1 });
 * jacobian[0];   // ≈ 1 − 2F(−0.37) = 0.309
 */
export function smoothedEstimate(
  f: (x: Float64Array) => ArrayLike<number> | number,
  x: ArrayLike<number>,
  options: SmoothingOptions & { rng?: Rng } = {},
): SmoothedEstimate {
  const op = "smoothedEstimate";
  const o = assertOptions<SmoothingOptions & { rng?: Rng }>(op, options, [...SMOOTHING_KEYS, "rng"]);
  const { dist, scale, samples, sampler, covariate, antithetic } = resolve(op, o);
  if (typeof f !== "function") throw new RelaxError(op, "f", "a function (x: Float64Array) => number[] | number", describe(f));
  if (!(Array.isArray(x) || (ArrayBuffer.isView(x) && !(x instanceof DataView))))
    throw new RelaxError(op, "x", "an array of numbers", describe(x));
  const n = x.length;
  if (n < 1) throw new RelaxError(op, "x", "a non-empty point", "length 0");
  if (samples * n > 1 << 26)
    throw new RelaxError(op, "samples", `at most ${Math.floor((1 << 26) / n)} for a point of ${n} values`, String(samples));
  for (let i = 0; i < n; i++) {
    if (typeof x[i] !== "number" || !Number.isFinite(x[i]))
      throw new RelaxError(op, "x", "finite numbers", `${describe(x[i])} at index ${i}`);
  }
  if (o.rng !== undefined && (o.rng === null || typeof (o.rng as Rng).next !== "function"))
    throw new RelaxError(op, "rng", "an Rng (createRng)", describe(o.rng));
  const rng = options.rng ?? createRng(options.seed ?? 0);
  const base = antithetic ? samples / 2 : samples;
  const V = uniforms(rng, base, n, sampler);
  const u = new Float64Array(samples * n);
  for (let s = 0; s < base; s++) {
    for (let d = 0; d < n; d++) {
      const val = dist.inverseCdf(V[s * n + d] as number);
      u[s * n + d] = val;
      if (antithetic) u[(base + s) * n + d] = -val;
    }
  }
  const call = (p: Float64Array): Float64Array => {
    const r = f(p);
    const out =
      typeof r === "number" ? Float64Array.of(r) : r && typeof (r as ArrayLike<number>).length === "number" ? Float64Array.from(r) : null;
    if (!out || out.length < 1) throw new RelaxError(op, "f", "a function returning a number or a non-empty array of numbers", describe(r));
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i] as number))
        throw new RelaxError(op, "f", "a function returning finite values", `${describe(out[i])} at output ${i}`);
    }
    return out;
  };
  const point = new Float64Array(n);
  const fs: Float64Array[] = [];
  for (let s = 0; s < samples; s++) {
    for (let d = 0; d < n; d++) point[d] = (x[d] as number) + scale * (u[s * n + d] as number);
    const fv = call(point);
    if (fs.length > 0 && fv.length !== (fs[0] as Float64Array).length) {
      throw new RelaxError(op, "f", `a function returning ${(fs[0] as Float64Array).length} values every time`, `${fv.length} values`);
    }
    fs.push(fv);
  }
  const m = (fs[0] as Float64Array).length;
  const mean = new Float64Array(m);
  for (const fv of fs) for (let k = 0; k < m; k++) mean[k] = (mean[k] as number) + (fv[k] as number) / samples;
  const fx = covariate === "f(x)" ? call(Float64Array.from(x as ArrayLike<number>)) : null;
  const J = new Float64Array(m * n);
  for (let s = 0; s < samples; s++) {
    const fv = fs[s] as Float64Array;
    for (let k = 0; k < m; k++) {
      let b = 0;
      if (fx) b = fx[k] as number;
      else if (covariate === "loo") b = ((mean[k] as number) * samples - (fv[k] as number)) / (samples - 1);
      const c = ((fv[k] as number) - b) / (samples * scale);
      for (let d = 0; d < n; d++) J[k * n + d] = (J[k * n + d] as number) + c * dist.score(u[s * n + d] as number);
    }
  }
  for (const [name, v] of [
    ["value", mean],
    ["jacobian", J],
  ] as const) {
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i] as number))
        throw new RelaxError(op, "scale", `a scale giving a finite ${name} (σ·u or 1/σ overflowed)`, String(scale));
    }
  }
  return { value: mean, jacobian: J };
}

/**
 * Wraps a black box `f: ℝⁿ → ℝᵐ` (plain TypeScript on host arrays) as a differentiable tfjs op on `x [B, n]` →
 * `[B, m]`: forward = the Monte-Carlo smoothed value per row, backward = the score-function Jacobian
 * (generalized stochastic smoothing, arXiv 2410.08125). Fresh seeded samples at every call.
 *
 * @example
 * const smoothArgmin = smooth((v) => oneHot(argmin(v)), { n: 5, m: 5, noise: "gaussian", scale: 0.5, samples: 256 });
 * const y = smoothArgmin(scores);   // [B, 5], differentiable
 */
export function smooth(
  f: (x: Float64Array) => ArrayLike<number> | number,
  options: SmoothingOptions & { n: number; m: number },
): (x: tf.Tensor2D | number[][]) => tf.Tensor2D {
  const op = "smooth";
  if (options === undefined) throw new RelaxError(op, "options", "{ n, m, ...smoothing }", "undefined");
  assertOptions<SmoothingOptions & { n: number; m: number }>(op, options, [...SMOOTHING_KEYS, "n", "m"]);
  if (typeof f !== "function") throw new RelaxError(op, "f", "a function (x: Float64Array) => number[] | number", describe(f));
  const n = assertInteger(op, "n", options.n, 1, 1 << 20);
  const m = assertInteger(op, "m", options.m, 1, 1 << 20);
  resolve(op, options);
  const { n: _n, m: _m, ...smoothing } = options;
  const rng = createRng(options.seed ?? 0);
  const fn = tf.customGrad(((x: tf.Tensor2D, save: tf.GradSaveFunc) => {
    if (x.rank !== 2 || x.shape[1] !== n) throw new RelaxError(op, "x", `[batch, ${n}]`, `[${x.shape.join(", ")}]`);
    const B = x.shape[0];
    const xv = x.dataSync();
    const val = new Float32Array(B * m);
    const jac = new Float32Array(B * m * n);
    for (let b = 0; b < B; b++) {
      const est = smoothedEstimate(f, xv.subarray(b * n, (b + 1) * n), { ...smoothing, rng });
      if (est.value.length !== m) throw new RelaxError(op, "f", `a function returning ${m} values`, `${est.value.length} values`);
      val.set(est.value, b * m);
      jac.set(est.jacobian, b * m * n);
    }
    const J = tf.tensor3d(jac, [B, m, n]);
    save([J]);
    return {
      value: tf.tensor2d(val, [B, m]),
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => tf.squeeze(tf.matMul(tf.expandDims(dy, 1), saved[0] as tf.Tensor3D), [1]),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (x) => {
    // plain arrays are converted (and the copy disposed); NaN/Inf inputs are rejected before sampling
    const xt = toFloatTensor(op, "x", x);
    try {
      if (xt.rank !== 2 || xt.shape[1] !== n)
        throw new RelaxError(op, "x", `[batch, ${n}] (a tensor or nested array)`, `[${xt.shape.join(", ")}]`);
      assertFinite(op, "x", xt);
      return fn(xt) as tf.Tensor2D;
    } finally {
      if (xt !== x) xt.dispose();
    }
  };
}
