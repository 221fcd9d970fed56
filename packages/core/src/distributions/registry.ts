import { exponential, exponentialRev } from "./exponential.js";
import { gaussian, gudermannian, laplace, logistic } from "./exponential_tails.js";
import type { FamilySpec, ResolvedParams } from "./family.js";
import { cubicHermite, uniform, wignerSemicircle } from "./finite_support.js";
import { gamma, gammaRev } from "./gamma.js";
import { gumbelMax, gumbelMin } from "./gumbel.js";
import { levy, levyRev } from "./levy.js";
import { cauchy, optimal, reciprocal } from "./linear_tails.js";

/**
 * Canonical ids of every distribution: GenDR's 17 `dist_func` CDFs (Petersen et al., "GenDR: A
 * Generalized Differentiable Renderer", CVPR 2022), in the kernel's order, plus the Monotonic-DSN
 * `optimal` sigmoid (ICLR 2022).
 */
export const DISTRIBUTION_NAMES = [
  "uniform",
  "cubic_hermite",
  "wigner_semicircle",
  "gaussian",
  "laplace",
  "logistic",
  "gudermannian",
  "cauchy",
  "reciprocal",
  "gumbel_max",
  "gumbel_min",
  "exponential",
  "exponential_rev",
  "gamma",
  "gamma_rev",
  "levy",
  "levy_rev",
  "optimal",
] as const;

/** A canonical distribution id. */
export type CanonicalDistributionName = (typeof DISTRIBUTION_NAMES)[number];

/** Accepted alternative ids and the canonical id each resolves to (GenDR's `hyperbolic_secant`). */
export const DISTRIBUTION_ALIASES = { hyperbolic_secant: "gudermannian" } as const satisfies Record<string, CanonicalDistributionName>;

/** Any id `getDistribution` accepts: a canonical name or an alias. */
export type DistributionName = CanonicalDistributionName | keyof typeof DISTRIBUTION_ALIASES;

/** Distributions that take the shape parameter p (> 0 required). */
export const SHAPED_DISTRIBUTIONS: readonly CanonicalDistributionName[] = ["gamma", "gamma_rev"];

/** @internal Family constructors by canonical id. */
export const FAMILIES: Record<CanonicalDistributionName, (params: ResolvedParams) => FamilySpec> = {
  uniform,
  cubic_hermite: cubicHermite,
  wigner_semicircle: wignerSemicircle,
  gaussian,
  laplace,
  logistic,
  gudermannian,
  cauchy,
  reciprocal,
  gumbel_max: gumbelMax,
  gumbel_min: gumbelMin,
  exponential,
  exponential_rev: exponentialRev,
  gamma,
  gamma_rev: gammaRev,
  levy,
  levy_rev: levyRev,
  optimal,
};

/** Whether `name` is an id `getDistribution` accepts (canonical or alias). */
export function isDistributionName(name: unknown): name is DistributionName {
  return typeof name === "string" && (Object.hasOwn(FAMILIES, name) || Object.hasOwn(DISTRIBUTION_ALIASES, name));
}
