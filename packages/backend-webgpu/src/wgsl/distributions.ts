/**
 * WGSL of core's distributions (packages/core/src/distributions), one entry per canonical name: the only WGSL
 * copy of the CDFs, used by the silhouette rasterizer (at `uniforms.shift`) and by the comparator relaxations
 * (at shift 0, through core's `COMPARATOR_MAP`). Held to core's float64 scalar forms over every (distribution, z)
 * by test/distribution_parity.test.ts, which also fails when a core distribution has no entry here.
 */
import { ERF_WGSL } from "./erf.js";
import { SPECIAL_WGSL } from "./special.js";

const INV_PI = 0.318309886183790672;

const INV_SQRT_2PI = 0.398942280401432678;

/** GenDR's truncated gamma series (32 terms, 0 < w ≤ 15) and the exact gamma density (ln Γ(p), ln Γ(p+1) from the host). */
const GAMMA_WGSL = /* wgsl */ `
fn relax_gamma_series(w : f32) -> f32 {
  var factor = 1.0;
  var sum = 1.0;
  for (var i = 1; i < 32; i++) {
    factor = factor * w / (uniforms.shape + f32(i));
    sum = sum + factor;
  }
  return exp(uniforms.shape * log(w) - w - uniforms.lnorm1) * sum;
}
fn relax_gamma_pdf(w : f32) -> f32 {
  if (w <= 0.0) { return 0.0; }
  return exp((uniforms.shape - 1.0) * log(w) - w - uniforms.lnorm);
}
`;

/** Lévy density with GenDR's 1e-6 threshold. */
const LEVY_WGSL = /* wgsl */ `
fn relax_levy_pdf(w : f32) -> f32 {
  if (w <= 1e-6) { return 0.0; }
  return ${INV_SQRT_2PI} * exp(-0.5 / w - 1.5 * log(w));
}
`;

/**
 * WGSL `cdf(z)` / `pdf(z)` of GenDR's distributions in core's standard form (packages/core/src/distributions),
 * shift k = `k`, gamma's shape p = `uniforms.shape`.
 */
const DISTRIBUTIONS: Record<string, { cdf: string; pdf: string; helpers?: string[] }> = {
  uniform: {
    cdf: `let w = z + k; if (w < -1.0) { return 0.0; } if (w < 1.0) { return w * 0.5 + 0.5; } return 1.0;`,
    pdf: `let w = z + k; return select(0.0, 0.5, w > -1.0 && w < 1.0);`,
  },
  gaussian: {
    helpers: [ERF_WGSL],
    cdf: `return 0.5 * relax_erfc(-(z + k) * 0.70710678118654752);`,
    pdf: `let w = z + k; return 0.398942280401432678 * exp(-0.5 * w * w);`,
  },
  laplace: {
    cdf: `let w = z + k; let e = 0.5 * exp(-abs(w)); return select(1.0 - e, e, w < 0.0);`,
    pdf: `return 0.5 * exp(-abs(z + k));`,
  },
  logistic: {
    cdf: `let w = z + k; let e = exp(-abs(w)); return select(e / (1.0 + e), 1.0 / (1.0 + e), w >= 0.0);`,
    pdf: `let e = exp(-abs(z + k)); return e / ((1.0 + e) * (1.0 + e));`,
  },
  gudermannian: {
    cdf: `let w = z + k; let a = ${2 * INV_PI} * atan(exp(-abs(w))); return select(1.0 - a, a, w < 0.0);`,
    pdf: `let e = exp(-abs(z + k)); return ${2 * INV_PI} * e / (1.0 + e * e);`,
  },
  cauchy: {
    cdf: `let w = z + k; if (w < -1.0) { return atan(-1.0 / w) * ${INV_PI}; } return atan(w) * ${INV_PI} + 0.5;`,
    pdf: `let w = z + k; return ${INV_PI} / (1.0 + w * w);`,
  },
  cubic_hermite: {
    cdf: `let w = z + k; if (w < -1.0) { return 0.0; } if (w >= 1.0) { return 1.0; } let y = w * 0.5 + 0.5; return y * y * (3.0 - 2.0 * y);`,
    pdf: `let w = z + k; if (w < -1.0 || w > 1.0) { return 0.0; } return 0.75 - 0.75 * w * w;`,
  },
  wigner_semicircle: {
    cdf: `let w = z + k; if (w < -1.0) { return 0.0; } if (w >= 1.0) { return 1.0; } return 0.5 + (w * sqrt(max(0.0, 1.0 - w * w)) + asin(w)) * ${INV_PI};`,
    pdf: `let w = z + k; if (abs(w) > 1.0) { return 0.0; } return ${2 * INV_PI} * sqrt(max(0.0, 1.0 - w * w));`,
  },
  reciprocal: {
    cdf: `let w = z + k; let h = 0.5 / (1.0 + abs(w)); return select(1.0 - h, h, w < 0.0);`,
    pdf: `let a = 1.0 + abs(z + k); return 0.5 / (a * a);`,
  },
  gumbel_max: {
    cdf: `let w = min(-(z + k), 80.0); return exp(-exp(w));`,
    pdf: `let w = min(-(z + k), 80.0); return exp(w - exp(w));`,
  },
  gumbel_min: {
    helpers: [SPECIAL_WGSL],
    cdf: `let w = min(z + k, 80.0); return -relax_expm1(-exp(w));`,
    pdf: `let w = min(z + k, 80.0); return exp(w - exp(w));`,
  },
  exponential: {
    helpers: [SPECIAL_WGSL],
    cdf: `let w = z + k; if (w < 0.0) { return 0.0; } return -relax_expm1(-w);`,
    pdf: `let w = z + k; if (w < 0.0) { return 0.0; } return exp(-w);`,
  },
  exponential_rev: {
    cdf: `let v = z - k; if (v > 0.0) { return 1.0; } return exp(v);`,
    pdf: `let v = z - k; if (v > 0.0) { return 0.0; } return exp(v);`,
  },
  gamma: {
    helpers: [GAMMA_WGSL],
    cdf: `let w = z + k; if (w <= 0.0) { return 0.0; } if (w > 15.0) { return 1.0; } return relax_gamma_series(w);`,
    pdf: `return relax_gamma_pdf(z + k);`,
  },
  gamma_rev: {
    helpers: [GAMMA_WGSL],
    cdf: `let u = k - z; if (u <= 0.0) { return 1.0; } if (u > 15.0) { return 0.0; } return 1.0 - relax_gamma_series(u);`,
    pdf: `return relax_gamma_pdf(k - z);`,
  },
  levy: {
    helpers: [ERF_WGSL, LEVY_WGSL],
    cdf: `let w = z + k; if (w <= 1e-6) { return 0.0; } return relax_erfc(sqrt(0.5 / w));`,
    pdf: `return relax_levy_pdf(z + k);`,
  },
  optimal: {
    cdf: `let v = z + k; let tail = 1.0 / (16.0 * (abs(v) + 1e-10)); if (v > 0.25) { return 1.0 - tail; } if (v < -0.25) { return tail; } return v + 0.5;`,
    pdf: `let av = abs(z + k); if (av <= 0.25) { return 1.0; } let d = av + 1e-10; return 1.0 / (16.0 * d * d);`,
  },
  levy_rev: {
    helpers: [ERF_WGSL, LEVY_WGSL],
    cdf: `let u = k - z; if (u <= 1e-6) { return 1.0; } return relax_erf(0.70710678118654752 / sqrt(u));`,
    pdf: `return relax_levy_pdf(k - z);`,
  },
};

/** The distributions with a WGSL form (core's canonical names). */
export const WGSL_DISTRIBUTIONS: readonly string[] = Object.keys(DISTRIBUTIONS);

/** WGSL of one distribution: helper snippets, the function definitions and the names of its `cdf`/`pdf` functions. */
export interface DistributionWgsl {
  /** Helper snippets the functions need (deduplicate when combining with other snippets). */
  helpers: string[];
  /** Defines `<cdf>(z : f32, k : f32) -> f32` and `<pdf>(z : f32, k : f32) -> f32`. */
  functions: string;
  /** The name of the CDF function. */
  cdf: string;
  /** The name of the density function. */
  pdf: string;
}

/**
 * WGSL of the distribution `name` (canonical): `relax_cdf_<name>(z, k)` and `relax_pdf_<name>(z, k)`, F and F′ at
 * standard argument z with shift k. `gamma`/`gamma_rev` read `uniforms.shape`, `uniforms.lnorm`, `uniforms.lnorm1`.
 * @throws Error for a name without a WGSL form
 */
export function distributionWgsl(name: string): DistributionWgsl {
  const d = DISTRIBUTIONS[name];
  if (d === undefined) throw new Error(`@relax/backend-webgpu: no WGSL form of distribution '${name}'`);
  const cdf = `relax_cdf_${name}`;
  const pdf = `relax_pdf_${name}`;
  return {
    helpers: d.helpers ?? [],
    functions: `fn ${cdf}(z : f32, k : f32) -> f32 { ${d.cdf} }\nfn ${pdf}(z : f32, k : f32) -> f32 { ${d.pdf} }\n`,
    cdf,
    pdf,
  };
}
