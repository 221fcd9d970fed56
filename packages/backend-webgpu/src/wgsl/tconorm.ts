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
 * by the larger argument so that no power under- or overflows f32 for any p (→ max(u, v) as p → ∞); the
 * result is capped at e^80 (every t-conorm is saturated there; core's float64 form gives up to +∞).
 * `relax_pweight(u, h)` = ∂H/∂u = (u/H)^{p−1}, as core's `pmeanWeight`: 1 at H = 0, 0 where H overflowed
 * (> 1e30), at u = 0 1 for p = 1 else 0, otherwise capped at 1e30.
 */
const PMEAN_WGSL = /* wgsl */ `
fn relax_pmean(u : f32, v : f32) -> f32 {
  let M = max(u, v);
  let m = min(u, v);
  if (m <= 0.0) { return M; }
  let e = log(1.0 + exp(uniforms.tp * (log(m) - log(M)))) / uniforms.tp;
  if (e < 80.0) { return M * exp(e); }
  return exp(min(log(M) + e, 80.0));
}
fn relax_pweight(u : f32, h : f32) -> f32 {
  if (h <= 0.0) { return 1.0; }
  if (h > 1e30) { return 0.0; }
  if (u <= 0.0) { return select(0.0, 1.0, uniforms.tp == 1.0); }
  return min(exp((uniforms.tp - 1.0) * (log(u) - log(h))), 1e30);
}
`;

/**
 * Schweizer–Sklar dual t-norm T(x, y) = (x^p + y^p − 1)^{1/p} (p < 0, x = 1 − a, y = 1 − b), written as
 * m·(1 + d)^{1/p}, d = (m/M)^{−p} − m^{−p} ∈ [0, 1] from two expm1s (tiny |p| keeps its digits), with m = min,
 * M = max: no power of 0 and no overflow (→ min(x, y) as p → −∞); T = 0 when m = 0 (S saturates at 1).
 */
const SS_WGSL = /* wgsl */ `
fn relax_ss_t(x : f32, y : f32) -> f32 {
  let m = min(x, y);
  let M = max(x, y);
  if (m <= 0.0) { return 0.0; }
  let d = relax_expm1(-uniforms.tp * log(m / M)) - relax_expm1(-uniforms.tp * log(m));
  return m * exp(relax_log1p(d) / uniforms.tp);
}
`;

/**
 * Frank t-norm T(x, y) = log_p(1 + (p^x − 1)(p^y − 1)/(p − 1)) (x = 1 − a, y = 1 − b), as core's tnorms/frank.ts:
 * the direct form for |ln p| < 1, log-domain sums of non-negative terms beyond (no overflow or cancellation
 * for any p). `relax_frank_w(x, y)` = ∂T/∂x = exp((x − T)·ln p + ln|p^y − 1| − ln|p − 1|).
 */
const FRANK_WGSL = /* wgsl */ `
fn relax_log_expm1(z : f32) -> f32 {
  if (z > 30.0) { return z + relax_log1p(-exp(-z)); }
  return log(relax_expm1(z));
}
fn relax_log_abs_expm1(z : f32) -> f32 {
  if (z >= 0.0) { return relax_log_expm1(z); }
  return log(-relax_expm1(z));
}
fn relax_frank_t(x : f32, y : f32) -> f32 {
  let L = uniforms.lnp;
  if (abs(L) < 1.0) { return relax_log1p(relax_expm1(x * L) * relax_expm1(y * L) / relax_expm1(L)) / L; }
  let m = min(x, y);
  let M = max(x, y);
  if (m <= 0.0) { return 0.0; }
  if (m >= 1.0) { return 1.0; }
  if (L < 0.0) {
    let B = -relax_expm1(M * L) + exp((M - m) * L) * -relax_expm1((1.0 - M) * L);
    return clamp(m + (log(B) - log(-relax_expm1(L))) / L, 0.0, 1.0);
  }
  let l1 = log(-relax_expm1((m - 1.0) * L));
  let l2 = (M - 1.0) * L + relax_log_expm1(m * L);
  let hi = max(l1, l2);
  return clamp((hi + relax_log1p(exp(min(l1, l2) - hi)) - log(-relax_expm1(-L))) / L, 0.0, 1.0);
}
fn relax_frank_w(x : f32, y : f32) -> f32 {
  if (y <= 0.0) { return 0.0; }
  let t = relax_frank_t(x, y);
  return exp((x - t) * uniforms.lnp + relax_log_abs_expm1(y * uniforms.lnp) - relax_log_abs_expm1(uniforms.lnp));
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
    // GenDR's denominator p + (1 − p)(ā + b̄ − āb̄) written as 1 + (p − 1)·a·b (no cancellation for large p), as core
    s: `let p = uniforms.tp; return 1.0 - (1.0 - a) * (1.0 - b) / max(1.0 + (p - 1.0) * a * b, 1e-6);`,
    dsda: `let ab = 1.0 - a; let bb = 1.0 - b; let p = uniforms.tp;
  let raw = 1.0 + (p - 1.0) * a * b;
  if (raw < 1e-6) { return bb / 1e-6; }
  return (bb * raw - ab * bb * (1.0 - p) * (1.0 - bb)) / (raw * raw);`,
    dsdb: SYM,
  },
  frank: {
    helpers: [SPECIAL_WGSL, FRANK_WGSL],
    s: `return 1.0 - relax_frank_t(1.0 - a, 1.0 - b);`,
    dsda: `return relax_frank_w(1.0 - a, 1.0 - b);`,
    dsdb: SYM,
  },
  yager: {
    helpers: [PMEAN_WGSL],
    s: `return min(1.0, relax_pmean(a, b));`,
    // as core's scalar form: 0 past saturation, else the power-mean weight (1 at a = b = 0, the limit of S(a, 0) = a)
    dsda: `let h = relax_pmean(a, b); if (h > 1.0) { return 0.0; } return relax_pweight(a, h);`,
    dsdb: SYM,
  },
  aczel_alsina: {
    helpers: [SPECIAL_WGSL, PMEAN_WGSL],
    s: `if (${SATURATED}) { return 1.0; } return -relax_expm1(-relax_pmean(-relax_log1p(-a), -relax_log1p(-b)));`,
    dsda: `if (${SATURATED}) { return 0.0; }
  let u = -relax_log1p(-a);
  let h = relax_pmean(u, -relax_log1p(-b));
  if (h <= 0.0) { return 1.0; } // a = b = 0: the limit of S(a, 0) = a
  let w = relax_pweight(u, h);
  if (w <= 0.0) { return 0.0; }
  return exp(-h) * w / (1.0 - a);`,
    dsdb: SYM,
  },
  dombi: {
    helpers: [PMEAN_WGSL],
    s: `if (${SATURATED}) { return 1.0; } let h = relax_pmean(a / (1.0 - a), b / (1.0 - b)); return h / (1.0 + h);`,
    dsda: `if (${SATURATED}) { return 0.0; }
  let u = a / (1.0 - a);
  let h = relax_pmean(u, b / (1.0 - b));
  if (h <= 0.0) { return 1.0; } // a = b = 0: the limit of S(a, 0) = a
  let w = relax_pweight(u, h);
  if (w <= 0.0) { return 0.0; }
  let q = (1.0 + h) * (1.0 - a);
  return (w / q) / q;`,
    dsdb: SYM,
  },
  schweizer_sklar: {
    helpers: [SPECIAL_WGSL, SS_WGSL],
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

/** Values of the uniforms `tp` (the family's p, defaulted and validated as core's `getTConorm`, |p| clamped to [1e-30, 1e30]; 0 when unused) and `lnp`. */
export function tconormParameters(name: string, p: number, op: string): [number, number] {
  const tp = name === "hard" ? NaN : getTConorm(name, Number.isNaN(p) ? undefined : p, op).p;
  const v = Number.isNaN(tp) ? 0 : tp;
  // f32 uniform: |p| clamped to [1e-30, 1e30] (as core's tensor forms; every family equals its limit there in f32)
  const clamped = v === 0 ? 0 : Math.sign(v) * Math.min(Math.max(Math.abs(v), 1e-30), 1e30);
  return [clamped, name === "frank" ? Math.log(v) : 0];
}
