/**
 * WGSL t-conorms S(a, b) (relaxed OR) with their partial derivatives, the same functions as
 * `@relax/core`'s tnorms/tconorms.ts (GenDR's guards included), for the kernels that fold or
 * accumulate with a named t-conorm (the rasterizers, the relaxed shortest path). The family parameter
 * p is `uniforms.tp` and ln p is `uniforms.lnp` (see {@link tconormParameters}).
 */
import { getTConorm } from "@relax/core";
import { SPECIAL_WGSL } from "./special.js";

/**
 * Power mean M·(1 + (m/M)^p)^{1/p} = (u^p + v^p)^{1/p} of u, v ≥ 0 (p = the t-conorm's p > 0), scaled
 * by the larger argument so that neither power overflows f32.
 */
const PMEAN_WGSL = /* wgsl */ `
fn relax_pmean(u : f32, v : f32) -> f32 {
  let M = max(u, v);
  let m = min(u, v);
  if (m <= 0.0) { return M; }
  return M * pow(1.0 + pow(m / M, uniforms.tp), 1.0 / uniforms.tp);
}
`;

/**
 * Schweizer–Sklar dual t-norm T(x, y) = (x^p + y^p − 1)^{1/p} (p < 0, x = 1 − a, y = 1 − b), written as
 * m·(1 + (m/M)^{−p} − m^{−p})^{1/p} with m = min, M = max (the bracket lies in [1, 2]): no power of 0
 * and no overflow; T = 0 when m = 0 (S saturates at 1).
 */
const SS_WGSL = /* wgsl */ `
fn relax_ss_t(x : f32, y : f32) -> f32 {
  let m = min(x, y);
  let M = max(x, y);
  if (m <= 0.0) { return 0.0; }
  let q = 1.0 + pow(m / M, -uniforms.tp) - pow(m, -uniforms.tp);
  return m * pow(q, 1.0 / uniforms.tp);
}
`;

const SYM = `return dsda(b, a);`;
const SATURATED = `1.0 - a < 1e-8 || 1.0 - b < 1e-8`;

/**
 * WGSL `combine(a, s)`, `dsda(a, s)`, `dsdb(a, s)` of the t-conorms (packages/core/src/tnorms/tconorms.ts,
 * GenDR's guards included); the family parameter p is `uniforms.tp`, ln p is `uniforms.lnp`.
 */
export const TCONORMS: Record<string, { s: string; dsda: string; dsdb: string; helpers?: string[] }> = {
  probabilistic: { s: `return a + b - a * b;`, dsda: `return 1.0 - b;`, dsdb: `return 1.0 - a;` },
  einstein: {
    s: `return (a + b) / (1.0 + a * b);`,
    dsda: `let q = 1.0 + a * b; return (1.0 - b * b) / (q * q);`,
    dsdb: `let q = 1.0 + a * b; return (1.0 - a * a) / (q * q);`,
  },
  max: { s: `return max(a, b);`, dsda: `return 0.0;`, dsdb: `return 0.0;` },
  hard: { s: `return select(a, 1.0, b > 0.5);`, dsda: `return 0.0;`, dsdb: `return 0.0;` },
  hamacher: {
    s: `let ab = 1.0 - a; let bb = 1.0 - b; let p = uniforms.tp; return 1.0 - ab * bb / max(p + (1.0 - p) * (ab + bb - ab * bb), 1e-6);`,
    dsda: `let ab = 1.0 - a; let bb = 1.0 - b; let p = uniforms.tp;
  let raw = p + (1.0 - p) * (ab + bb - ab * bb);
  if (raw < 1e-6) { return bb / 1e-6; }
  return (bb * raw - ab * bb * (1.0 - p) * (1.0 - bb)) / (raw * raw);`,
    dsdb: SYM,
  },
  frank: {
    helpers: [SPECIAL_WGSL],
    s: `let ta = relax_expm1((1.0 - a) * uniforms.lnp); let tb = relax_expm1((1.0 - b) * uniforms.lnp);
  return 1.0 - relax_log1p(ta * tb / (uniforms.tp - 1.0)) / uniforms.lnp;`,
    dsda: `let ta = relax_expm1((1.0 - a) * uniforms.lnp); let tb = relax_expm1((1.0 - b) * uniforms.lnp);
  let u = 1.0 + ta * tb / (uniforms.tp - 1.0);
  return (ta + 1.0) * tb / ((uniforms.tp - 1.0) * u);`,
    dsdb: SYM,
  },
  yager: {
    helpers: [PMEAN_WGSL],
    s: `return min(1.0, relax_pmean(a, b));`,
    // at a = b = 0 the one-sided limit 1 of S(a, 0) = a, as core's scalar form
    dsda: `let h = relax_pmean(a, b); if (h <= 0.0) { return 1.0; } if (h > 1.0) { return 0.0; } return pow(a / h, uniforms.tp - 1.0);`,
    dsdb: SYM,
  },
  aczel_alsina: {
    helpers: [SPECIAL_WGSL, PMEAN_WGSL],
    s: `if (${SATURATED}) { return 1.0; } return -relax_expm1(-relax_pmean(-relax_log1p(-a), -relax_log1p(-b)));`,
    dsda: `if (${SATURATED}) { return 0.0; }
  let u = -relax_log1p(-a);
  let h = relax_pmean(u, -relax_log1p(-b));
  if (h <= 0.0) { return 1.0; } // a = b = 0: the limit of S(a, 0) = a
  return exp(-h) * pow(u / h, uniforms.tp - 1.0) / (1.0 - a);`,
    dsdb: SYM,
  },
  dombi: {
    helpers: [PMEAN_WGSL],
    s: `if (${SATURATED}) { return 1.0; } let h = relax_pmean(a / (1.0 - a), b / (1.0 - b)); return h / (1.0 + h);`,
    dsda: `if (${SATURATED}) { return 0.0; }
  let u = a / (1.0 - a);
  let h = relax_pmean(u, b / (1.0 - b));
  if (h <= 0.0) { return 1.0; } // a = b = 0: the limit of S(a, 0) = a
  let q = (1.0 + h) * (1.0 - a);
  return pow(u / h, uniforms.tp - 1.0) / (q * q);`,
    dsdb: SYM,
  },
  schweizer_sklar: {
    helpers: [SS_WGSL],
    s: `return 1.0 - relax_ss_t(1.0 - a, 1.0 - b);`,
    // ∂S/∂a = g^{1/p−1}·x^{p−1} = (T/x)^{1−p}; at x = 0 (a = 1 in f32) its limit 1 (0 if b = 1 too)
    dsda: `let x = 1.0 - a; let y = 1.0 - b;
  if (x <= 0.0) { return select(0.0, 1.0, y > 0.0); }
  let t = relax_ss_t(x, y);
  if (t <= 0.0) { return 0.0; }
  return pow(t / x, 1.0 - uniforms.tp);`,
    dsdb: SYM,
  },
};

/** Values of the uniforms `tp` (the family's p, defaulted and validated as core's `getTConorm`; 0 when unused) and `lnp`. */
export function tconormParameters(name: string, p: number, op: string): [number, number] {
  const tp = name === "hard" ? NaN : getTConorm(name, Number.isNaN(p) ? undefined : p, op).p;
  const v = Number.isNaN(tp) ? 0 : tp;
  return [v, name === "frank" ? Math.log(v) : 0];
}
