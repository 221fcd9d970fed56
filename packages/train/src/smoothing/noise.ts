import { RelaxError, describe } from "@relax/core";

/** The six noise distributions of generalized stochastic smoothing (Petersen et al., arXiv 2410.08125). */
export type Noise = "gaussian" | "logistic" | "gumbel" | "cauchy" | "laplace" | "triangular";

/** All noise names. */
export const NOISES: readonly Noise[] = ["gaussian", "logistic", "gumbel", "cauchy", "laplace", "triangular"];

/** A standard noise distribution: sampler by inverse CDF, score ψ(u) = −(log μ)'(u), CDF and density. */
export interface NoiseDistribution {
  name: Noise;
  /** Symmetric around 0 (antithetic pairs (u, −u) allowed). */
  symmetric: boolean;
  inverseCdf(v: number): number;
  /** Score ψ(u) = −d/du log μ(u). */
  score(u: number): number;
  cdf(u: number): number;
  pdf(u: number): number;
}

function erfinv(x: number): number {
  // Giles (2010) single-precision approximation, refined by two Newton steps on erf
  let w = -Math.log((1 - x) * (1 + x));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    for (const c of [3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941])
      p = c + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682])
      p = c + p * w;
  }
  let y = p * x;
  for (let i = 0; i < 2; i++) y -= (erfApprox(y) - x) / ((2 / Math.sqrt(Math.PI)) * Math.exp(-y * y));
  return y;
}

function erfApprox(x: number): number {
  // Abramowitz–Stegun 7.1.26 is too coarse; use a series / continued fraction switch (|error| < 1e-14)
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x,
      term = x;
    const x2 = x * x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc continued fraction (Lentz)
  let f = ax,
    C = ax,
    D = 0;
  for (let n = 1; n < 200; n++) {
    const an = n / 2;
    D = ax + an * D;
    D = 1 / D;
    C = ax + an / C;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / (f * Math.sqrt(Math.PI));
  return Math.sign(x) * (1 - erfc);
}

const DISTS: Record<Noise, NoiseDistribution> = {
  gaussian: {
    name: "gaussian",
    symmetric: true,
    inverseCdf: (v) => Math.SQRT2 * erfinv(2 * v - 1),
    score: (u) => u,
    cdf: (u) => 0.5 * (1 + erfApprox(u / Math.SQRT2)),
    pdf: (u) => Math.exp(-0.5 * u * u) / Math.sqrt(2 * Math.PI),
  },
  logistic: {
    name: "logistic",
    symmetric: true,
    inverseCdf: (v) => Math.log(v / (1 - v)),
    score: (u) => Math.tanh(u / 2),
    cdf: (u) => 1 / (1 + Math.exp(-u)),
    pdf: (u) => {
      const e = Math.exp(-Math.abs(u));
      return e / ((1 + e) * (1 + e));
    },
  },
  gumbel: {
    name: "gumbel",
    symmetric: false,
    inverseCdf: (v) => -Math.log(-Math.log(v)),
    score: (u) => 1 - Math.exp(-u),
    cdf: (u) => Math.exp(-Math.exp(-u)),
    pdf: (u) => Math.exp(-(u + Math.exp(-u))),
  },
  cauchy: {
    name: "cauchy",
    symmetric: true,
    inverseCdf: (v) => Math.tan(Math.PI * (v - 0.5)),
    score: (u) => (2 * u) / (1 + u * u),
    cdf: (u) => 0.5 + Math.atan(u) / Math.PI,
    pdf: (u) => 1 / (Math.PI * (1 + u * u)),
  },
  laplace: {
    name: "laplace",
    symmetric: true,
    inverseCdf: (v) => (v < 0.5 ? Math.log(2 * v) : -Math.log(2 * (1 - v))),
    score: (u) => Math.sign(u),
    cdf: (u) => (u < 0 ? 0.5 * Math.exp(u) : 1 - 0.5 * Math.exp(-u)),
    pdf: (u) => 0.5 * Math.exp(-Math.abs(u)),
  },
  triangular: {
    name: "triangular",
    symmetric: true,
    inverseCdf: (v) => (v < 0.5 ? Math.sqrt(2 * v) - 1 : 1 - Math.sqrt(2 * (1 - v))),
    score: (u) => (Math.abs(u) >= 1 ? 0 : Math.sign(u) / (1 - Math.abs(u))),
    cdf: (u) => (u <= -1 ? 0 : u >= 1 ? 1 : u < 0 ? 0.5 * (1 + u) * (1 + u) : 1 - 0.5 * (1 - u) * (1 - u)),
    pdf: (u) => Math.max(0, 1 - Math.abs(u)),
  },
};

/**
 * A standard noise distribution for stochastic smoothing (inverse CDF, score ψ = −(log μ)', CDF, density), table of
 * Petersen et al., "Generalizing Stochastic Smoothing" (arXiv 2410.08125). Laplace and triangular have no
 * differentiable density; the paper's Lemma 3 (absolute continuity suffices) covers them.
 *
 * @example
 * const d = noise("laplace");
 * d.score(0.3);        // 1
 * d.inverseCdf(0.25);  // log(0.5)
 */
export function noise(name: Noise): NoiseDistribution {
  const d = typeof name === "string" && Object.hasOwn(DISTS, name) ? DISTS[name] : undefined;
  if (!d) throw new RelaxError("noise", "name", `one of ${NOISES.join(", ")}`, describe(name));
  return d;
}
