/**
 * The distributions and t-conorms the WGSL rasterizers (silhouette.ts, rgb.ts) implement, and the check
 * that canonicalises an op's names against them (supports.ts declines the others before a kernel runs).
 */
import { DISTRIBUTION_ALIASES, RelaxError, RelaxRasterizeSilhouette, describe, type RelaxRasterizeSilhouetteAttrs } from "@relax/core";
import { WGSL_DISTRIBUTIONS } from "../wgsl/distributions.js";
import { TCONORMS } from "../wgsl/tconorm.js";

/** Distributions and aggregations with a WGSL implementation. */
export const WGSL_RENDER_DISTRIBUTIONS = ["hard", ...WGSL_DISTRIBUTIONS.filter((n) => n !== "optimal")]; // optimal: sort-only
/** T-conorms (and `hard`, `max`) with a WGSL implementation. */
export const WGSL_RENDER_TCONORMS = Object.keys(TCONORMS);

/** Core's one table of distribution aliases, plus render's `heaviside` for `hard`. */
const ALIASES: Record<string, string> = { ...DISTRIBUTION_ALIASES, heaviside: "hard" };

/**
 * Canonical distribution and t-conorm names of `attrs`; throws a `RelaxError` naming `kernelName` when
 * either has no WGSL implementation (public ops never get here: supports.ts declines those attributes).
 */
export function check(
  attrs: RelaxRasterizeSilhouetteAttrs,
  kernelName: string = RelaxRasterizeSilhouette,
): { dist: string; tconorm: string } {
  const dist = ALIASES[attrs.distribution] ?? attrs.distribution;
  if (!WGSL_RENDER_DISTRIBUTIONS.includes(dist)) {
    throw new RelaxError(
      `${kernelName} (webgpu)`,
      "distribution",
      `one with a WGSL implementation (${WGSL_RENDER_DISTRIBUTIONS.join(", ")})`,
      describe(attrs.distribution),
    );
  }
  if (!WGSL_RENDER_TCONORMS.includes(attrs.tconorm)) {
    throw new RelaxError(
      `${kernelName} (webgpu)`,
      "tconorm",
      `one with a WGSL implementation (${WGSL_RENDER_TCONORMS.join(", ")})`,
      describe(attrs.tconorm),
    );
  }
  return { dist, tconorm: attrs.tconorm };
}
