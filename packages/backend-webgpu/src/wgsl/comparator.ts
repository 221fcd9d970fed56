/**
 * WGSL of the six comparator relaxations of differentiable sorting networks (Petersen et al.,
 * "Differentiable Sorting Networks", ICML 2021; "Monotonic Differentiable Sorting Networks",
 * ICLR 2022), the same functions as `@relax/core`'s `comparatorSigmoid` (relaxed/comparator_sigmoid.ts),
 * written in forms that stay accurate in f32 in both tails (e.g. cauchy for v < −1 as atan(1/|v|)/π
 * instead of ½ + atan(v)/π, which cancels).
 *
 * Generated functions: `relax_cmp_f(x) -> f32` (α = f(x)) and `relax_cmp_df(x) -> f32` (f'(x)); they
 * read `uniforms.steepness` and `uniforms.artLambda`, so programs using them must declare
 * {@link COMPARATOR_UNIFORMS} in their uniforms.
 */
import { ERF_WGSL } from "./erf.js";

/** The uniform fields the comparator snippet reads. */
export const COMPARATOR_UNIFORMS = "steepness : f32, artLambda : f32, ";

const SIGMOID = /* wgsl */ `
fn relax_sigmoid(v : f32) -> f32 {
  if (v >= 0.0) { return 1.0 / (1.0 + exp(-v)); }
  let e = exp(v);
  return e / (1.0 + e);
}
/** σ(v)·(1 − σ(v)) without cancellation. */
fn relax_dsigmoid(v : f32) -> f32 {
  let e = exp(-abs(v));
  return e / ((1.0 + e) * (1.0 + e));
}
`;

const BODIES: Record<string, { f: string; df: string; helpers?: string }> = {
  logistic: {
    helpers: SIGMOID,
    f: `return relax_sigmoid(uniforms.steepness * x);`,
    df: `return uniforms.steepness * relax_dsigmoid(uniforms.steepness * x);`,
  },
  logistic_phi: {
    helpers: SIGMOID,
    f: `let a = abs(x) + 1e-10;
  return relax_sigmoid(uniforms.steepness * x / pow(a, uniforms.artLambda));`,
    df: `let lam = uniforms.artLambda;
  let a = abs(x) + 1e-10;
  let phi = x * pow(a, -lam);
  let dphi = pow(a, -lam - 1.0) * (a - lam * abs(x));
  return uniforms.steepness * relax_dsigmoid(uniforms.steepness * phi) * dphi;`,
  },
  gaussian: {
    helpers: ERF_WGSL,
    // Φ(v) = ½·erfc(−v/√2)
    f: `return 0.5 * relax_erfc(-uniforms.steepness * x * 0.70710678118654752);`,
    df: `let v = uniforms.steepness * x;
  return uniforms.steepness * 0.398942280401432678 * exp(-0.5 * v * v);`,
  },
  reciprocal: {
    // ½(v/(2+|v|) + 1) = 1/(2+|v|) for v < 0, 1 − 1/(2+|v|) for v ≥ 0
    f: `let v = uniforms.steepness * x;
  let t = 1.0 / (2.0 + abs(v));
  return select(1.0 - t, t, v < 0.0);`,
    df: `let d = 2.0 + abs(uniforms.steepness * x);
  return uniforms.steepness / (d * d);`,
  },
  cauchy: {
    // ½ + atan(v)/π; for |v| > 1 use atan(v) = ±π/2 − atan(1/v)
    f: `let v = uniforms.steepness * x;
  if (v < -1.0) { return atan(-1.0 / v) * 0.318309886183790672; }
  if (v > 1.0) { return 1.0 - atan(1.0 / v) * 0.318309886183790672; }
  return 0.5 + atan(v) * 0.318309886183790672;`,
    df: `let v = uniforms.steepness * x;
  return uniforms.steepness * 0.318309886183790672 / (1.0 + v * v);`,
  },
  optimal: {
    // clamp(v,−¼,¼) + ½ + s·(¼ − 1/(16(|v|+1e-10))), s = sign(v)·[|v| > ¼]
    f: `let v = uniforms.steepness * x;
  let tail = 1.0 / (16.0 * (abs(v) + 1e-10));
  if (v > 0.25) { return 1.0 - tail; }
  if (v < -0.25) { return tail; }
  return v + 0.5;`,
    df: `let av = abs(uniforms.steepness * x);
  if (av <= 0.25) { return uniforms.steepness; }
  let d = av + 1e-10;
  return uniforms.steepness / (16.0 * d * d);`,
  },
};

/** The comparator distributions implemented in WGSL (all of core's `COMPARATOR_DISTRIBUTIONS`). */
export const WGSL_COMPARATORS = Object.keys(BODIES);

/** WGSL defining `relax_cmp_f` and `relax_cmp_df` for one distribution. */
export function comparatorWgsl(distribution: string): string {
  const body = BODIES[distribution];
  if (body === undefined) throw new Error(`@relax/backend-webgpu: unknown comparator distribution '${distribution}'`);
  return `${body.helpers ?? ""}
fn relax_cmp_f(x : f32) -> f32 {
  ${body.f}
}
fn relax_cmp_df(x : f32) -> f32 {
  ${body.df}
}
`;
}
