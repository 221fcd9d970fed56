import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { erf } from "../special/erf.js";
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

const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

function sigmoid(v: number): number {
  return v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v));
}

/**
 * Resolves and validates comparator options (defaults: cauchy, β = 10, λ = 0.25) into scalar and tensor
 * forms of α = f(x), exactly as the diffsort reference computes them (with v = β·x):
 * logistic σ(v); logistic_phi σ(βx/(|x|+1e-10)^λ); gaussian Φ(v); reciprocal ½(v/(2+|v|)+1);
 * cauchy ½ + atan(v)/π; optimal clamp(v,−¼,¼) + ½ + s·(¼ − 1/(16(|v|+1e-10))).
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
  const base = { distribution, steepness: beta, artLambda: lambda };
  switch (distribution) {
    case "logistic":
      return {
        ...base,
        f: (x) => sigmoid(beta * x),
        df: (x) => {
          const s = sigmoid(beta * x);
          return beta * s * (1 - s);
        },
        fTensor: (x) => tf.sigmoid(tf.mul(x, beta)),
      };
    case "logistic_phi":
      return {
        ...base,
        f: (x) => sigmoid((beta * x) / Math.pow(Math.abs(x) + 1e-10, lambda)),
        df: (x) => {
          const a = Math.abs(x) + 1e-10;
          const phi = x * Math.pow(a, -lambda);
          const dphi = Math.pow(a, -lambda - 1) * (a - lambda * Math.abs(x));
          const s = sigmoid(beta * phi);
          return beta * s * (1 - s) * dphi;
        },
        fTensor: (x) => tf.sigmoid(tf.div(tf.mul(x, beta), tf.pow(tf.add(tf.abs(x), 1e-10), lambda))),
      };
    case "gaussian":
      return {
        ...base,
        f: (x) => 0.5 + 0.5 * erf(beta * x * INV_SQRT2),
        df: (x) => beta * INV_SQRT_2PI * Math.exp(-0.5 * (beta * x) ** 2),
        fTensor: (x) => tf.add(0.5, tf.mul(0.5, tf.erf(tf.mul(x, beta * INV_SQRT2)))),
      };
    case "reciprocal":
      return {
        ...base,
        f: (x) => {
          const v = beta * x;
          return 0.5 * (v / (2 + Math.abs(v)) + 1);
        },
        df: (x) => beta / (2 + Math.abs(beta * x)) ** 2,
        fTensor: (x) => {
          const v = tf.mul(x, beta);
          return tf.mul(0.5, tf.add(tf.div(v, tf.add(2, tf.abs(v))), 1));
        },
      };
    case "cauchy":
      return {
        ...base,
        f: (x) => 0.5 + Math.atan(beta * x) / Math.PI,
        df: (x) => beta / (Math.PI * (1 + (beta * x) ** 2)),
        fTensor: (x) => tf.add(0.5, tf.div(tf.atan(tf.mul(x, beta)), Math.PI)),
      };
    case "optimal":
      return {
        ...base,
        f: (x) => {
          const v = beta * x;
          const s = v > 0.25 ? 1 : v < -0.25 ? -1 : 0;
          return Math.min(Math.max(v, -0.25), 0.25) + 0.5 + s * (0.25 - 1 / (16 * (Math.abs(v) + 1e-10)));
        },
        df: (x) => {
          const v = beta * x;
          const av = Math.abs(v);
          return av <= 0.25 ? beta : beta / (16 * (av + 1e-10) ** 2);
        },
        fTensor: (x) => {
          const v = tf.mul(x, beta);
          const av = tf.abs(v);
          const s = tf.mul(tf.sign(v), tf.step(tf.sub(av, 0.25)));
          const tail = tf.sub(0.25, tf.div(1, tf.mul(16, tf.add(av, 1e-10))));
          return tf.add(tf.add(tf.clipByValue(v, -0.25, 0.25), 0.5), tf.mul(s, tail));
        },
      };
  }
}
