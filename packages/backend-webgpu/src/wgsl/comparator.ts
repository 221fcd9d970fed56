/**
 * WGSL of the six comparator relaxations of differentiable sorting networks (Petersen et al.,
 * "Differentiable Sorting Networks", ICML 2021; "Monotonic Differentiable Sorting Networks",
 * ICLR 2022): the map of `@relax/core`'s `comparatorSigmoid` (`COMPARATOR_MAP`: α = F_D(scale·β·φ(x)), φ the
 * ART wrapper for `logistic_phi`) onto the one WGSL table of the distributions (./distributions.ts), whose forms
 * stay accurate in f32 in both tails (e.g. cauchy for v < −1 as atan(1/|v|)/π, not ½ + atan(v)/π, which cancels).
 *
 * Generated functions: `relax_cmp_f(x) -> f32` (α = f(x)) and `relax_cmp_df(x) -> f32` (f'(x)); they
 * read `uniforms.steepness` and `uniforms.artLambda`, so programs using them must declare
 * {@link COMPARATOR_UNIFORMS} in their uniforms.
 */
import { COMPARATOR_DISTRIBUTIONS, COMPARATOR_MAP, type ComparatorDistribution } from "@relax/core";
import { distributionWgsl } from "./distributions.js";

/** The uniform fields the comparator snippet reads. */
export const COMPARATOR_UNIFORMS = "steepness : f32, artLambda : f32, ";

/** The comparator distributions implemented in WGSL (all of core's `COMPARATOR_DISTRIBUTIONS`). */
export const WGSL_COMPARATORS: string[] = [...COMPARATOR_DISTRIBUTIONS];

/** WGSL float literal (always with a decimal point). */
function lit(v: number): string {
  const t = String(v);
  return /[.e]/.test(t) ? t : `${t}.0`;
}

/** WGSL defining `relax_cmp_f` and `relax_cmp_df` for one distribution. */
export function comparatorWgsl(distribution: string): string {
  if (!Object.hasOwn(COMPARATOR_MAP, distribution)) {
    throw new Error(`@relax/backend-webgpu: unknown comparator distribution '${distribution}'`);
  }
  const m = COMPARATOR_MAP[distribution as ComparatorDistribution];
  const d = distributionWgsl(m.distribution);
  const s = m.scale === 1 ? "uniforms.steepness" : `(uniforms.steepness * ${lit(m.scale)})`;
  const f = m.art
    ? `let a = abs(x) + 1e-10;
  return ${d.cdf}(${s} * x / pow(a, uniforms.artLambda), 0.0);`
    : `return ${d.cdf}(${s} * x, 0.0);`;
  const df = m.art
    ? `let lam = uniforms.artLambda;
  let a = abs(x) + 1e-10;
  let phi = x * pow(a, -lam);
  let dphi = pow(a, -lam - 1.0) * (a - lam * abs(x));
  return ${s} * ${d.pdf}(${s} * phi, 0.0) * dphi;`
    : `return ${s} * ${d.pdf}(${s} * x, 0.0);`;
  return `${[...new Set(d.helpers)].join("\n")}
${d.functions}
fn relax_cmp_f(x : f32) -> f32 {
  ${f}
}
fn relax_cmp_df(x : f32) -> f32 {
  ${df}
}
`;
}
