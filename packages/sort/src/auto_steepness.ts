import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  assertOneOf,
  assertPositive,
  comparatorSigmoid,
  COMPARATOR_DISTRIBUTIONS,
  describe,
  TOPK_NETWORKS,
  type ComparatorDistribution,
  type TopKNetworkType,
} from "@relax/core";
import { checkOptions, optionKeys } from "./options.js";

/** `T` with a resolved numeric steepness (internal: after {@link resolveAutoSteepness}). */
export type WithSteepness<T> = Omit<T, "steepness"> & { steepness?: number };

/** Options of {@link autoSteepness}. */
export interface AutoSteepnessOptions {
  /** The network the β is for (default `'odd_even'`); `'splitter_selection'` is treated as `'bitonic'`. */
  network?: TopKNetworkType;
  /** Comparator relaxation (default `'cauchy'`). */
  distribution?: ComparatorDistribution;
  /** ART λ for `'logistic_phi'` (default 0.25). */
  artLambda?: number;
  /** Typical spread of the sorted values, e.g. their standard deviation (default 1: standardised inputs). */
  scale?: number;
}

const AUTO_KEYS = optionKeys<AutoSteepnessOptions>({ network: true, distribution: true, artLambda: true, scale: true });

/**
 * Mixing error 1 − f(β·g) of one comparator at the typical neighbour gap g = scale/n, fixed per network by the
 * settings of the DSN experiments (Petersen et al., ICML 2021, cauchy as run): odd-even β = 2n (β = 10 at
 * n = 5, the README's "β ≈ 2·n"), i.e. f(2) = ½ + atan(2)/π; bitonic β = 20 at n = 16, i.e. f(1.25).
 */
const TARGET_ERROR = {
  odd_even: 0.5 - Math.atan(2) / Math.PI,
  bitonic: 0.5 - Math.atan(1.25) / Math.PI,
} as const;

/** The range {@link autoSteepness} answers in (the kernels' documented stable range). */
const BETA_MIN = 1e-6;
const BETA_MAX = 1e6;

/**
 * The steepness β of the README's guide, made executable (`steepness: 'auto'` of `diffSort`, `softRank`,
 * `diffTopK`, `rankingLoss` and `softSpearman`). Derivation: a comparator of a differentiable sorting network
 * (DSN, ICML 2021) sees β·(x_b − x_a), and the pairs that decide the order are neighbours in sorted order, a
 * typical gap g = scale/n apart. The Monotonic DSN paper (ICLR 2022) compares relaxations by their error
 * 1 − f(β·g) at such a gap; so β is chosen to give every relaxation the same error at g as the DSN experiments
 * had with cauchy (odd-even: β = 10 at n = 5, i.e. β·g = 2; bitonic: β = 20 at n = 16, i.e. β·g = 1.25; the
 * shallower bitonic network tolerates more error per comparator). For cauchy this is β = 2n/scale (odd-even)
 * and 1.25n/scale (bitonic); relaxations with lighter tails (logistic, gaussian) need a smaller β, reciprocal
 * a larger one. Clamped to [1e-6, 1e6]. O(1) (a bisection over 200 steps).
 *
 * @param n number of sorted entries (≥ 1)
 * @param options only network ('odd_even'), distribution ('cauchy'), artLambda (0.25), scale (1)
 * @returns β > 0
 * @example
 * autoSteepness(16);                                       // 32 (cauchy, odd-even: 2n)
 * autoSteepness(16, { network: "bitonic" });               // 20
 * autoSteepness(100, { distribution: "logistic", scale: 3 });
 */
export function autoSteepness(n: number, options: AutoSteepnessOptions = {}): number {
  const op = "autoSteepness";
  const o = checkOptions<AutoSteepnessOptions>(op, options, AUTO_KEYS);
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw new RelaxError(op, "n", "an integer ≥ 1", describe(n));
  const network = assertOneOf(op, "network", o.network ?? "odd_even", TOPK_NETWORKS);
  const distribution = assertOneOf(op, "distribution", o.distribution ?? "cauchy", COMPARATOR_DISTRIBUTIONS);
  const scale = assertPositive(op, "scale", o.scale ?? 1);
  const target = TARGET_ERROR[network === "odd_even" ? "odd_even" : "bitonic"];
  const gap = scale / Math.max(n, 2);
  const error = (beta: number) => 1 - comparatorSigmoid(op, { distribution, steepness: beta, artLambda: o.artLambda }).f(gap);
  // the error falls as β grows: bisect in log β
  let lo = Math.log(BETA_MIN);
  let hi = Math.log(BETA_MAX);
  if (error(BETA_MAX) > target) return BETA_MAX;
  if (error(BETA_MIN) <= target) return BETA_MIN;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = 0.5 * (lo + hi);
    if (error(Math.exp(mid)) > target) lo = mid;
    else hi = mid;
  }
  return Math.exp(hi);
}

/** The length along `axis` (default −1) of a tensor or nested array, without making a tensor; undefined if unknown. */
export function sortedLength(x: unknown, axis: unknown = -1): number | undefined {
  let shape: number[] | undefined;
  if (x instanceof tf.Tensor) shape = x.shape;
  else if (ArrayBuffer.isView(x)) shape = [(x as unknown as ArrayLike<number>).length];
  else if (Array.isArray(x)) {
    shape = [];
    for (let v: unknown = x; Array.isArray(v); v = v[0]) shape.push(v.length);
  }
  if (shape === undefined || typeof axis !== "number" || !Number.isInteger(axis)) return undefined;
  const a = axis < 0 ? axis + shape.length : axis;
  return shape[a];
}

/**
 * The options with `steepness: 'auto'` replaced by {@link autoSteepness} for `n` entries (internal, for the
 * network ops); any other steepness is left for the op's own validation. n unknown → β = 10 (the input
 * check then throws).
 */
export function resolveAutoSteepness<
  T extends { steepness?: number | "auto"; network?: string; distribution?: ComparatorDistribution; artLambda?: number },
>(options: T, n: number | undefined, defaultNetwork: TopKNetworkType): WithSteepness<T> {
  if (options.steepness !== "auto") return options as WithSteepness<T>;
  const network = (TOPK_NETWORKS as readonly string[]).includes(options.network ?? defaultNetwork)
    ? ((options.network ?? defaultNetwork) as TopKNetworkType)
    : defaultNetwork;
  const distribution = (COMPARATOR_DISTRIBUTIONS as readonly string[]).includes(options.distribution ?? "cauchy")
    ? options.distribution
    : "cauchy";
  const lambda = typeof options.artLambda === "number" && options.artLambda >= 0 && options.artLambda <= 1 ? options.artLambda : undefined;
  const steepness = n !== undefined && n >= 1 ? autoSteepness(n, { network, distribution, artLambda: lambda }) : 10;
  return { ...options, steepness };
}
