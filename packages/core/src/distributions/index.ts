import { RelaxError, describe } from "../errors.js";
import { assertOneOf, assertOptions } from "../validate.js";
import type { ResolvedParams } from "./family.js";
import { makeDistribution } from "./make.js";
import {
  DISTRIBUTION_ALIASES,
  DISTRIBUTION_NAMES,
  FAMILIES,
  SHAPED_DISTRIBUTIONS,
  isDistributionName,
  type CanonicalDistributionName,
  type DistributionName,
} from "./registry.js";
import type { Distribution, DistributionParams } from "./types.js";

export { DISTRIBUTION_ALIASES, DISTRIBUTION_NAMES, SHAPED_DISTRIBUTIONS, isDistributionName };
export type { CanonicalDistributionName, DistributionName };

/** Where an error is reported: the public op and the argument that carried the name (for callers' messages). */
export interface DistributionErrorContext {
  /** Op name in the message (default `'getDistribution'`). */
  op?: string;
  /** Argument name in the message (default `'name'`; e.g. `'distribution'`). */
  argument?: string;
}

/**
 * Resolves a distribution by its paper id (GenDR / Monotonic DSN) into its CDF F and density F' in
 * **standard form**: the caller scales the argument, z = sign·x/τ (GenDR coverage) or z = (b − a)·β
 * (relaxed comparison `P(a < b)`), and gets F(z). `shift` k moves the argument to z + k (z − k for the
 * `_rev` variants, which mirror F: F_rev(z; k) = 1 − F(−z; k)), exactly as GenDR's `dist_shift` for the
 * exponential, gamma and Lévy families; Relax also applies it to the other families as a location
 * shift (GenDR ignores it there; k = 0, the default, is identical). `shape` is gamma's p (> 0, required
 * for `gamma`/`gamma_rev`, ignored by the others).
 *
 * Each distribution has float64 scalar `cdf`/`pdf` (for fused CPU kernels) and float32 tensor
 * `cdfTensor`/`pdfTensor` of any shape (no NaN/Inf for any finite input; tested to |z| = 1e30). On the
 * `cpu`/`wasm` backends they run the fused kernels `RelaxDistributionCdf`/`RelaxDistributionPdf`
 * (the scalar math over the typed array); elsewhere, or under the `RELAX_FORCE_REFERENCE` flag, a reference
 * composition of tfjs ops. `cdfTensor`'s gradient is `pdfTensor · dy` in both (GenDR's backward; for
 * gamma the exact density while the forward is GenDR's truncated 32-term series clipped to 1 above 15).
 * `monotonic` follows Monotonic DSN: 0 ≤ F(z) + z·F'(z) ≤ 1 for all z, derived per family at the
 * given shift (true for cauchy, reciprocal, optimal, levy, levy_rev at k = 0).
 *
 * @param name a canonical id from {@link DISTRIBUTION_NAMES} or the alias `'hyperbolic_secant'`
 * @param params `{ shape, shift }`, defaults `{ shape: 0, shift: 0 }`
 * @param context op/argument names to use in error messages (for callers wrapping this)
 * The returned `cdf`/`pdf` reject NaN (and non-numbers) with a RelaxError naming `<name>.cdf`/`<name>.pdf` and
 * give the limits at ±Infinity (F(−∞) = 0, F(+∞) = 1, F'(±∞) = 0); `cdfTensor`/`pdfTensor` do the same per entry
 * (the NaN scan only on the host backends, where it costs no GPU read-back).
 *
 * @throws RelaxError for an unknown name (with the nearest valid one), unknown keys in `params`/`context`
 *   (did you mean …), a non-finite shape/shift, or gamma with a negative shape p
 * @example
 * const d = getDistribution("logistic");
 * d.cdf(0);                                   // 0.5
 * const y = d.cdfTensor(tf.div(x, tau));       // differentiable coverage, gradient d.pdfTensor
 */
export function getDistribution(
  name: DistributionName,
  params: DistributionParams = {},
  context: DistributionErrorContext = {},
): Distribution {
  const ctx = assertOptions<DistributionErrorContext>("getDistribution", context, ["op", "argument"], "context");
  const op = typeof ctx.op === "string" ? ctx.op : "getDistribution";
  if (!isDistributionName(name))
    assertOneOf(op, ctx.argument ?? "name", name, [...DISTRIBUTION_NAMES, ...Object.keys(DISTRIBUTION_ALIASES)]);
  const canonical: CanonicalDistributionName = Object.hasOwn(DISTRIBUTION_ALIASES, name)
    ? DISTRIBUTION_ALIASES[name as keyof typeof DISTRIBUTION_ALIASES]
    : (name as CanonicalDistributionName);
  assertOptions<DistributionParams>(op, params, ["shape", "shift"], "params");
  const shift = params.shift ?? 0;
  if (typeof shift !== "number" || !Number.isFinite(shift)) {
    throw new RelaxError(op, "shift", "a finite number", describe(shift));
  }
  const shaped = SHAPED_DISTRIBUTIONS.includes(canonical);
  const shape = params.shape ?? 0;
  if (shaped) {
    if (typeof shape !== "number" || !Number.isFinite(shape) || shape < 0) {
      throw new RelaxError(
        op,
        "shape",
        `a finite number >= 0 for '${canonical}' (the gamma shape p; 0 is GenDR's step function)`,
        describe(params.shape),
      );
    }
  } else if (typeof shape !== "number" || !Number.isFinite(shape)) {
    throw new RelaxError(op, "shape", "a finite number", describe(shape));
  }
  const resolved: ResolvedParams = { shape: shaped ? shape : 0, shift: shift === 0 ? 0 : shift };
  const key = `${canonical}|${resolved.shape}|${resolved.shift}`;
  let dist = cache.get(key);
  if (dist === undefined) {
    if (cache.size >= CACHE_LIMIT) cache.clear();
    dist = makeDistribution(FAMILIES[canonical](resolved), resolved);
    cache.set(key, dist);
  }
  return dist;
}

/** Resolved distributions are immutable, so they are shared between calls (bounded cache). */
const cache = new Map<string, Distribution>();
const CACHE_LIMIT = 256;
