import type * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  assertOneOf,
  describe,
  DISTRIBUTION_ALIASES as CORE_DISTRIBUTION_ALIASES,
  DISTRIBUTION_NAMES,
  getDistribution,
  getTConorm,
  TCONORM_NAMES,
  type CanonicalDistributionName,
  type Distribution,
} from "@relax/core";

/** A GenDR distribution (`dist_func`): `hard` (the non-differentiable inside test) or one of core's CDFs. */
export type RenderDistribution = "hard" | Exclude<CanonicalDistributionName, "optimal">;
/** GenDR's 18 distributions, `hard` first, then core's CDFs in the kernel's order (without the sort-only `optimal`). */
export const RENDER_DISTRIBUTIONS: readonly RenderDistribution[] = [
  "hard",
  ...DISTRIBUTION_NAMES.filter((n): n is Exclude<CanonicalDistributionName, "optimal"> => n !== "optimal"),
];
/**
 * Aliases accepted for render distribution names: core's {@link CORE_DISTRIBUTION_ALIASES | DISTRIBUTION_ALIASES}
 * (the one table of distribution aliases, e.g. GenDR's `hyperbolic_secant`) plus render's own `heaviside` for `hard`.
 */
export const RENDER_DISTRIBUTION_ALIASES: Readonly<Record<string, RenderDistribution>> = Object.freeze({
  ...CORE_DISTRIBUTION_ALIASES,
  heaviside: "hard",
});
/**
 * @deprecated Use {@link RENDER_DISTRIBUTION_ALIASES} (same contents); this name clashes with `@relax/core`'s
 * `DISTRIBUTION_ALIASES`, which holds only the distribution aliases. Removed in the next minor release.
 */
export const DISTRIBUTION_ALIASES: Readonly<Record<string, RenderDistribution>> = RENDER_DISTRIBUTION_ALIASES;

/** GenDR's 10 alpha aggregations (`aggr_alpha_func`): `hard` (any fragment > ½) and core's 9 t-conorms. */
export const RENDER_TCONORMS = ["hard", ...TCONORM_NAMES] as const;
export type RenderTConorm = (typeof RENDER_TCONORMS)[number];

/** A fragment CDF: `null` for `hard`, else the standard-form distribution of `@relax/core`. */
export function resolveDistribution(
  op: string,
  name: unknown,
  shape: number,
  shift: number,
): { name: RenderDistribution; dist: Distribution | null } {
  const raw = typeof name === "string" && Object.hasOwn(RENDER_DISTRIBUTION_ALIASES, name) ? RENDER_DISTRIBUTION_ALIASES[name] : name;
  const n = assertOneOf(op, "distribution", raw, RENDER_DISTRIBUTIONS);
  if (n === "hard") return { name: n, dist: null };
  return { name: n, dist: getDistribution(n, { shape, shift }, { op, argument: "distribution" }) };
}

/** Scalar t-conorm with both partials (the fused kernel's view). */
export interface ScalarTConorm {
  name: RenderTConorm;
  p: number;
  s(a: number, b: number): number;
  dsda(a: number, b: number): number;
  dsdb(a: number, b: number): number;
  /** Tensor fold over an axis (reference path); null for `hard`/`max` (handled by the renderer). */
  reduce: ((x: tf.Tensor, axis: number) => tf.Tensor) | null;
}

/**
 * Resolves a t-conorm name (+ p; default and validation from `@relax/core`'s `getTConorm`) into scalar
 * functions; `hard` is implemented here. `p` undefined or NaN means the family's default (NaN is how the
 * kernel attributes store "no parameter"); user-facing options reject NaN before calling this.
 */
export function resolveTConorm(op: string, name: unknown, p: number | undefined): ScalarTConorm {
  const n = assertOneOf(op, "tconorm", name, RENDER_TCONORMS);
  if (n === "hard") {
    return { name: n, p: NaN, s: (a, b) => (b > 0.5 ? 1 : a), dsda: () => 0, dsdb: () => 0, reduce: null };
  }
  const tc = getTConorm(n, p === undefined || Number.isNaN(p) ? undefined : p, op);
  return {
    name: n,
    p: tc.p,
    s: (a, b) => tc.s(a, b),
    dsda: (a, b) => tc.dsda(a, b),
    dsdb: (a, b) => tc.dsda(b, a),
    reduce: n === "max" ? null : (x, axis) => tc.reduce(x, axis),
  };
}

/** Fragments at or below this probability are dropped (GenDR's `PROBABILITY_THRESHOLD`). */
export const PROBABILITY_THRESHOLD = 1e-6;

const supportCache = new Map<string, number>();

/**
 * Effective support of a CDF for outside pixels (`key` identifies name/shape/shift for caching): returns `m ≥ 0` with `F(z) ≤ 1e-6` for every `z ≤ −m`, found by bisection
 * on the monotone CDF (m = 0 when F(0) ≤ 1e-6, Infinity when the tail is heavier than any float).
 * Fragments with `sign·x/τ ≤ −m` are exactly the ones GenDR drops by its 1e-6 cut, so culling them
 * before evaluating F changes no value.
 */
export function effectiveSupport(key: string, dist: Distribution): number {
  if (typeof key !== "string") throw new RelaxError("effectiveSupport", "key", "a string", describe(key));
  if (dist === null || typeof dist !== "object" || typeof (dist as Distribution).cdf !== "function") {
    throw new RelaxError("effectiveSupport", "dist", "a Distribution (with cdf)", describe(dist));
  }
  const hit = supportCache.get(key);
  if (hit !== undefined) return hit;
  let m: number;
  if (dist.cdf(0) <= PROBABILITY_THRESHOLD) m = 0;
  else {
    let lo = -1;
    while (dist.cdf(lo) > PROBABILITY_THRESHOLD && lo > -1e30) lo *= 2;
    if (dist.cdf(lo) > PROBABILITY_THRESHOLD) m = Infinity;
    else {
      let hi = lo / 2;
      if (dist.cdf(hi) <= PROBABILITY_THRESHOLD) hi = 0;
      for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, -lo); i++) {
        const mid = (lo + hi) / 2;
        if (dist.cdf(mid) <= PROBABILITY_THRESHOLD) lo = mid;
        else hi = mid;
      }
      m = -lo;
    }
  }
  supportCache.set(key, m);
  return m;
}
