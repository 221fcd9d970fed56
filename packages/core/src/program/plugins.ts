/**
 * The two plug-ins of relaxed programs, resolved by name: the noise distribution that relaxes a
 * comparison and the t-norm / t-conorm that relaxes `and` / `or`. Logistic noise and the product /
 * probabilistic-sum pair are AlgoVision's and are computed here exactly as AlgoVision does
 * (σ, sech², p·q, p+q−pq); every other name is delegated to `getDistribution` / `getTConorm`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { DISTRIBUTION_NAMES, DISTRIBUTION_ALIASES, getDistribution, type DistributionName } from "../distributions/index.js";
import { relaxedEqual } from "../relaxed/compare.js";
import { TCONORM_NAMES, getTConorm } from "../tnorms/index.js";

/** A comparison relaxation: P(a < b) = cdf(β(b − a)); the relaxed equality is pdf(βd)/pdf(0). */
export interface ConditionRelaxation {
  readonly name: string;
  cdfTensor(z: tf.Tensor): tf.Tensor;
  /** Relaxed equality, scaled to 1 at d = 0. */
  eqTensor(z: tf.Tensor): tf.Tensor;
}

/** A t-conorm S with scalar derivative (for fused kernels) and its dual t-norm T. */
export interface ProgramTConorm {
  readonly name: string;
  readonly p: number;
  s(a: number, b: number): number;
  /** ∂S/∂a. */
  dsda(a: number, b: number): number;
  sTensor(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  tTensor(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
}

const LOGISTIC: ConditionRelaxation = {
  name: "logistic",
  cdfTensor: (z) => tf.sigmoid(z),
  // sech²(z/2): AlgoVision's Eq (relaxedEqual of @relax/core, stable for large |z|).
  eqTensor: (z) => relaxedEqual(z, 0, { steepness: 1 }),
};

const PROBABILISTIC: ProgramTConorm = {
  name: "probabilistic",
  p: NaN,
  s: (a, b) => a + b - a * b,
  dsda: (_a, b) => 1 - b,
  sTensor: (a, b) => tf.tidy(() => tf.sub(tf.add(a, b), tf.mul(a, b))),
  tTensor: (a, b) => tf.mul(a, b),
};

/** Names accepted as `distribution` of a condition. */
export function knownDistributions(): string[] {
  return [...new Set(["logistic", ...DISTRIBUTION_NAMES, ...Object.keys(DISTRIBUTION_ALIASES)])];
}

/** Whether `name` is a distribution the conditions can use. */
export function isKnownDistribution(name: string): boolean {
  return knownDistributions().includes(name);
}

const relaxationCache = new Map<string, ConditionRelaxation>();

/** Resolves a distribution name into a comparison relaxation (logistic: AlgoVision's exact formulas). */
export function conditionRelaxation(name: string): ConditionRelaxation {
  if (name === "logistic") return LOGISTIC;
  const cached = relaxationCache.get(name);
  if (cached) return cached;
  const d = getDistribution(name as DistributionName, {}, { op: "program", argument: "distribution" });
  const pdf0 = d.pdf(0);
  const rel: ConditionRelaxation = {
    name,
    cdfTensor: (z) => d.cdfTensor(z),
    eqTensor: (z) =>
      tf.tidy(() => {
        if (!(Number.isFinite(pdf0) && pdf0 > 0)) {
          throw new Error(`distribution '${name}' has no finite positive density at 0, so eq/ne cannot be relaxed with it`);
        }
        return tf.div(d.pdfTensor(z), pdf0);
      }),
  };
  relaxationCache.set(name, rel);
  return rel;
}

/** Whether `name` is a t-conorm name. */
export function isKnownTConorm(name: string): boolean {
  return (TCONORM_NAMES as readonly string[]).includes(name);
}

/** Names accepted as t-conorms. */
export function knownTConorms(): readonly string[] {
  return TCONORM_NAMES;
}

/** Resolves a t-conorm (and its dual t-norm) by name; `'probabilistic'` is AlgoVision's `|` / `&`. */
export function programTConorm(name: string, p: number): ProgramTConorm {
  if (name === "probabilistic") return PROBABILISTIC;
  const t = getTConorm(name, Number.isNaN(p) ? undefined : p, "program");
  return {
    name,
    p,
    s: (a, b) => t.s(a, b),
    dsda: (a, b) => t.dsda(a, b),
    sTensor: (a, b) => t.sTensor(a, b),
    tTensor: (a, b) => t.tTensor(a, b),
  };
}
