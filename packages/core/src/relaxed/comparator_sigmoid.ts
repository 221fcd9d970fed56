import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { getDistribution } from "../distributions/index.js";
import { FAMILIES, type CanonicalDistributionName } from "../distributions/registry.js";
import { assertInRange, assertOneOf, assertPositive } from "../validate.js";

/** The relaxations of a comparator in differentiable sorting networks (DSN, ICML 2021; Monotonic DSN, ICLR 2022). */
export const COMPARATOR_DISTRIBUTIONS = ["logistic", "logistic_phi", "gaussian", "reciprocal", "cauchy", "optimal"] as const;
export type ComparatorDistribution = (typeof COMPARATOR_DISTRIBUTIONS)[number];

/** Comparator relaxations whose relaxed min/max are monotonic (Monotonic DSN, ICLR 2022). */
export const MONOTONIC_COMPARATORS: readonly ComparatorDistribution[] = ["reciprocal", "cauchy", "optimal"];

/** Options of a relaxed comparator. */
export interface ComparatorOptions {
  /** Which sigmoid f relaxes the step (default `'cauchy'`, as diffsort). */
  distribution?: ComparatorDistribution;
  /** Inverse temperature β (default 10). */
  steepness?: number;
  /** ART λ for `'logistic_phi'` (default 0.25). */
  artLambda?: number;
}

/** The keys of {@link ComparatorOptions}, for `assertOptions` in the ops that take them. */
export const COMPARATOR_OPTION_KEYS = ["distribution", "steepness", "artLambda"] as const;

/** A resolved comparator relaxation: α = f(x) with x = v_b − v_a is the weight that keeps the pair in order. */
export interface ComparatorSigmoid {
  readonly distribution: ComparatorDistribution;
  readonly steepness: number;
  readonly artLambda: number;
  /** α = f(x) for a number. */
  f(x: number): number;
  /** df/dx for a number. */
  df(x: number): number;
  /** Elementwise f on a tensor, differentiable through tfjs ops (the reference path). */
  fTensor(x: tf.Tensor): tf.Tensor;
}

/**
 * How each comparator relaxation maps onto core's distributions (distributions/registry.ts, the one
 * definition of every CDF): α = F_D(scale·β·φ(x)) with φ(x) = x, or for `logistic_phi` the ART wrapper
 * φ(x) = x/(|x| + 1e-10)^λ (Monotonic DSN, ICLR 2022). diffsort's `reciprocal` ½(v/(2+|v|) + 1) is GenDR's
 * reciprocal at z = v/2, hence its scale ½.
 */
export const COMPARATOR_MAP: Readonly<
  Record<ComparatorDistribution, { readonly distribution: CanonicalDistributionName; readonly scale: number; readonly art: boolean }>
> = Object.freeze({
  logistic: { distribution: "logistic", scale: 1, art: false },
  logistic_phi: { distribution: "logistic", scale: 1, art: true },
  gaussian: { distribution: "gaussian", scale: 1, art: false },
  reciprocal: { distribution: "reciprocal", scale: 0.5, art: false },
  cauchy: { distribution: "cauchy", scale: 1, art: false },
  optimal: { distribution: "optimal", scale: 1, art: false },
});

/**
 * Resolves and validates comparator options (defaults: cauchy, β = 10, λ = 0.25) into scalar and tensor
 * forms of α = f(x), the diffsort functions (with v = β·x): logistic σ(v); logistic_phi σ(βx/(|x|+1e-10)^λ);
 * gaussian Φ(v); reciprocal ½(v/(2+|v|)+1); cauchy ½ + atan(v)/π; optimal clamp(v,−¼,¼) + ½ + s·(¼ − 1/(16(|v|+1e-10))).
 * Each is core's distribution at a scaled argument ({@link COMPARATOR_MAP}), evaluated by the distribution's
 * own forms (exact in both tails): the scalar `f`/`df` are its float64 `cdf`/`pdf`, `fTensor` its `cdfTensor`
 * (fused host kernel on cpu/wasm, else the reference composition; gradient `pdfTensor`).
 * Reads only `distribution`, `steepness` and `artLambda` (it also resolves kernel attributes, which carry
 * more keys); public ops reject unknown option keys themselves, see {@link COMPARATOR_OPTION_KEYS}.
 */
export function comparatorSigmoid(op: string, options: ComparatorOptions = {}): ComparatorSigmoid {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new RelaxError(op, "options", "an options object", describe(options));
  }
  const distribution = assertOneOf(
    op,
    "distribution",
    options.distribution === undefined ? "cauchy" : options.distribution,
    COMPARATOR_DISTRIBUTIONS,
  );
  const beta = assertPositive(op, "steepness", options.steepness === undefined ? 10 : options.steepness);
  const lambda = assertInRange(op, "artLambda", options.artLambda === undefined ? 0.25 : options.artLambda, 0, 1);
  const map = COMPARATOR_MAP[distribution];
  const s = beta * map.scale;
  // the unchecked float64 forms for the scalar path (kernels call f per comparator); the checked
  // Distribution for tensors
  const family = FAMILIES[map.distribution]({ shape: 0, shift: 0 });
  const dist = getDistribution(map.distribution);
  const { cdf, pdf } = family;
  const base = { distribution, steepness: beta, artLambda: lambda };
  if (!map.art) {
    return {
      ...base,
      f: (x) => cdf(s * x),
      df: (x) => s * pdf(s * x),
      fTensor: (x) => dist.cdfTensor(tf.mul(x, s)),
    };
  }
  return {
    ...base,
    f: (x) => cdf((s * x) / Math.pow(Math.abs(x) + 1e-10, lambda)),
    df: (x) => {
      const a = Math.abs(x) + 1e-10;
      const phi = x * Math.pow(a, -lambda);
      const dphi = Math.pow(a, -lambda - 1) * (a - lambda * Math.abs(x));
      return s * pdf(s * phi) * dphi;
    },
    fTensor: (x) => dist.cdfTensor(tf.div(tf.mul(x, s), tf.pow(tf.add(tf.abs(x), 1e-10), lambda))),
  };
}
