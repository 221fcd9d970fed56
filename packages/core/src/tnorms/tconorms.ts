import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { assertOneOf } from "../validate.js";
import { frankTnorm, frankTnormT, frankTnormWeight } from "./frank.js";
import { pmean, pmeanWeight, powerMeanT, ssTnorm, ssTnormT, ssTnormWeight, stackPair } from "./power_mean.js";
import { TCONORM_NAMES, type TConorm, type TConormName } from "./types.js";

/**
 * Default family parameter p of each parametric t-conorm (GenDR's `aggr_alpha_t_conorm_p`, which
 * has no default there): Hamacher 0 (the Hamacher product's dual), Frank 2, Yager 2,
 * Aczél–Alsina 2, Dombi 2, Schweizer–Sklar −2. Parameter-free families use NaN.
 */
export const TCONORM_DEFAULT_P: Readonly<Record<TConormName, number>> = {
  max: NaN,
  probabilistic: NaN,
  einstein: NaN,
  hamacher: 0,
  frank: 2,
  yager: 2,
  aczel_alsina: 2,
  dombi: 2,
  schweizer_sklar: -2,
};

/** |p| as used by the float32 tensor forms: clamped to [1e-30, 1e30], where every family already equals its limit in float32. */
function tensorP(p: number): number {
  if (p === 0) return 0;
  return Math.sign(p) * Math.min(Math.max(Math.abs(p), 1e-30), 1e30);
}

/** Guard of GenDR's Hamacher denominator. */
const HAMACHER_EPS = 1e-6;
/** Guard of GenDR's Aczél–Alsina and Dombi: S = 1 when 1 − a or 1 − b is below this. */
const SATURATION_EPS = 1e-8;

function validateP(op: string, name: TConormName, p: unknown): number {
  if (Number.isNaN(TCONORM_DEFAULT_P[name])) {
    // parameter-free: any number (or nothing) is ignored, anything else is a mistake
    if (p !== undefined && typeof p !== "number")
      throw new RelaxError(op, "p", `a number (ignored by the '${name}' t-conorm)`, describe(p));
    return NaN;
  }
  const value = p === undefined ? TCONORM_DEFAULT_P[name] : p;
  const bad = (expected: string): never => {
    throw new RelaxError(op, "p", `${expected} for the '${name}' t-conorm`, describe(value));
  };
  if (typeof value !== "number" || !Number.isFinite(value)) bad("a finite number");
  const v = value as number;
  switch (name) {
    case "hamacher":
      if (v < 0) bad("≥ 0");
      break;
    case "frank":
      if (v <= 0 || v === 1) bad("> 0 and ≠ 1");
      break;
    case "schweizer_sklar":
      if (v >= 0) bad("< 0");
      break;
    default:
      if (v <= 0) bad("> 0");
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Tensor helpers
// ---------------------------------------------------------------------------------------------

// Masks are built only from `greaterEqual` (the one comparison with a registered (zero) gradient in
// tfjs-core), so that `tf.grad` can differentiate through `tf.where` without "gradient not found".

/** `where(mask, fill, x)`: replaces masked entries so a masked-out inf/NaN never reaches the gradient. */
function safe(mask: tf.Tensor, x: tf.Tensor, fill: number): tf.Tensor {
  return tf.where(mask, tf.fill(x.shape, fill), x);
}

/**
 * Π over `axis` (keepDims) with an exact gradient, Π_{j≠i} x_j from exclusive cumulative products
 * (correct at zeros; tfjs-core's own Prod gradient calls chained ops missing from the Node bundle).
 */
function prodKeep(x: tf.Tensor, axis: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xi = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    save([xi]);
    return {
      value: tf.prod(xi, axis, true),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xs = saved[0] as tf.Tensor;
        const others = tf.mul(tf.cumprod(xs, axis, true, false), tf.cumprod(xs, axis, true, true));
        return tf.mul(dy, others);
      },
    };
  });
  return f(x);
}

// ---------------------------------------------------------------------------------------------
// Families
// ---------------------------------------------------------------------------------------------

interface Family {
  s(a: number, b: number): number;
  dsda(a: number, b: number): number;
  sTensor(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  /** One-pass reduction over `axis` (keepDims = true). */
  reduceKeep(x: tf.Tensor, axis: number): tf.Tensor;
  /** Exact dual t-norm where 1 − S(1 − a, 1 − b) would round (max → min). */
  tTensor?(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
}

/** |d| with derivative sign(d) (0 at d = 0; tfjs's Abs gives −1 there). */
function absSplit(d: tf.Tensor): tf.Tensor {
  return tf.mul(d, tf.sign(d));
}

/** Max t-conorm; the tensor forms split ties evenly (torch's convention, as the golden data). */
function maxFamily(): Family {
  return {
    s: (a, b) => Math.max(a, b),
    dsda: (a, b) => (a > b ? 1 : a === b ? 0.5 : 0),
    // ½(a + b ± d·sign(d)), d = a − b: ∂/∂a = ½(1 ± sign(d)), i.e. ½ at ties (tfjs's Sign has a zero gradient).
    sTensor: (a, b) => tf.mul(0.5, tf.add(tf.add(a, b), absSplit(tf.sub(a, b)))),
    tTensor: (a, b) => tf.mul(0.5, tf.sub(tf.add(a, b), absSplit(tf.sub(a, b)))),
    reduceKeep: (x, axis) => {
      const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const xi = args[0] as tf.Tensor;
        const save = args[1] as tf.GradSaveFunc;
        const m = tf.max(xi, axis, true);
        save([xi, m]);
        return {
          value: m,
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const [xs, ms] = saved as [tf.Tensor, tf.Tensor];
            const tie = tf.cast(tf.equal(xs, ms), "float32");
            return tf.mul(dy, tf.div(tie, tf.sum(tie, axis, true)));
          },
        };
      });
      return f(x);
    },
  };
}

function probabilisticFamily(): Family {
  return {
    s: (a, b) => a + b - a * b,
    dsda: (_a, b) => 1 - b,
    sTensor: (a, b) => tf.sub(tf.add(a, b), tf.mul(a, b)),
    // S = 1 − Π(1 − a_i): generator g(a) = −ln(1 − a), summed as a product (tf.prod's gradient is exact at zeros).
    reduceKeep: (x, axis) => tf.sub(1, prodKeep(tf.sub(1, x), axis)),
  };
}

function einsteinFamily(): Family {
  return {
    s: (a, b) => (a + b) / (1 + a * b),
    dsda: (a, b) => (1 - b * b) / (1 + a * b) ** 2,
    sTensor: (a, b) => tf.div(tf.add(a, b), tf.add(1, tf.mul(a, b))),
    // g(a) = atanh(a), S = tanh(Σ g) = (1 − Q)/(1 + Q) with Q = e^{−2Σg} = Π (1 − a)/(1 + a).
    reduceKeep: (x, axis) => {
      const q = prodKeep(tf.div(tf.sub(1, x), tf.add(1, x)), axis);
      return tf.div(tf.sub(1, q), tf.add(1, q));
    },
  };
}

/** Below this p > 0, 1 − Π θ(1 − a_i) cancels in float32: Hamacher's reduction folds pairwise instead. */
const HAMACHER_GENERATOR_MIN_P = 1e-3;

function hamacherFamily(p: number): Family {
  // GenDR's denominator p + (1 − p)(ā + b̄ − āb̄) (ā = 1 − a) is 1 + (p − 1)·a·b: no cancellation for large p
  const den = (a: number, b: number): number => 1 + (p - 1) * a * b;
  const pt = tensorP(p);
  const sT = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => {
    const prod = tf.mul(tf.sub(1, a), tf.sub(1, b));
    const d = tf.maximum(tf.add(1, tf.mul(pt - 1, tf.mul(a, b))), HAMACHER_EPS);
    return tf.sub(1, tf.div(prod, d));
  };
  return {
    s: (a, b) => 1 - ((1 - a) * (1 - b)) / Math.max(den(a, b), HAMACHER_EPS),
    dsda: (a, b) => {
      const ab = 1 - a;
      const bb = 1 - b;
      const raw = den(a, b);
      if (raw < HAMACHER_EPS) return bb / HAMACHER_EPS;
      return (bb * raw - ab * bb * (1 - p) * (1 - bb)) / (raw * raw);
    },
    sTensor: sT,
    reduceKeep:
      p >= HAMACHER_GENERATOR_MIN_P ? hamacherReducePositive(pt) : p > 0 ? (x, axis) => foldKeep(x, axis, sT) : hamacherReduceZero,
  };
}

/**
 * Hamacher p > 0: dual t-norm generator f(x) = ln((p + (1−p)x)/x), i.e. multiplicative generator
 * θ(x) = x/(p + (1−p)x); with Q = Π θ(1 − a_i): S = (1 − Q)/(1 − (1−p)Q).
 */
function hamacherReducePositive(p: number): (x: tf.Tensor, axis: number) => tf.Tensor {
  return (x, axis) => {
    // θ(1 − a) = (1 − a)/(p·a + 1 − a) and S = (1 − Q)/((1 − Q) + p·Q): no cancellation for tiny p.
    const q = prodKeep(tf.div(tf.sub(1, x), tf.add(tf.mul(p, x), tf.sub(1, x))), axis);
    const oneMinusQ = tf.sub(1, q);
    return tf.div(oneMinusQ, tf.add(oneMinusQ, tf.mul(p, q)));
  };
}

/**
 * Hamacher p = 0: additive generator r(a) = a/(1 − a), S = R/(1 + R), R = Σ r(a_i); ∂S/∂a_i =
 * 1/((1 − a_i)(1 + R))², with the limits at a_i = 1 (1 if it is the only one, else 0) written out.
 */
function hamacherReduceZero(x: tf.Tensor, axis: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const xi = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const one = tf.equal(xi, 1);
    const ones = tf.sum(tf.cast(one, "float32"), axis, true);
    const xs = safe(one, xi, 0);
    const r = tf.sum(tf.div(xs, tf.sub(1, xs)), axis, true);
    const value = tf.where(tf.greater(ones, 0), tf.onesLike(r), tf.div(r, tf.add(1, r)));
    save([xi, r, ones]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xv, rv, nv] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const isOne = tf.equal(xv, 1);
        const inner = tf.mul(tf.sub(1, xv), tf.add(1, rv));
        const regular = tf.div(1, tf.square(inner));
        const saturated = tf.where(tf.logicalAnd(isOne, tf.equal(nv, 1)), tf.onesLike(xv), tf.zerosLike(xv));
        return tf.mul(dy, tf.where(tf.greater(nv, 0), saturated, regular));
      },
    };
  });
  return f(x);
}

/** Left fold S(…S(S(x_0, x_1), x_2)…) over `axis` (keepDims), for parameters where no one-pass form is accurate. */
function foldKeep(x: tf.Tensor, axis: number, s: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.Tensor {
  const cols = [...tf.unstack(x, axis)];
  let acc = cols[0] as tf.Tensor;
  for (let i = 1; i < cols.length; i++) acc = s(acc, cols[i] as tf.Tensor);
  return tf.expandDims(acc, axis);
}

/** Frank's one-pass generator reduction is accurate in float32 for ln p in this range; outside it folds pairwise. */
const FRANK_GENERATOR_LN_P: readonly [number, number] = [-3, 80];

function frankFamily(p: number): Family {
  const lnp = Math.log(p);
  const pairT = (a: tf.Tensor, b: tf.Tensor) => frankTnormT(tf.sub(1, a), tf.sub(1, b), lnp);
  return {
    s: (a, b) => 1 - frankTnorm(1 - a, 1 - b, lnp),
    dsda: (a, b) => frankTnormWeight(1 - a, 1 - b, lnp),
    sTensor: (a, b) => tf.sub(1, pairT(a, b)),
    // T = log_p(1 + (p − 1)·Π θ(1 − a_i)), θ(x) = (p^x − 1)/(p − 1), S = 1 − T (a left fold outside FRANK_GENERATOR_LN_P).
    reduceKeep: (x, axis) => {
      if (lnp < FRANK_GENERATOR_LN_P[0] || lnp > FRANK_GENERATOR_LN_P[1]) return foldKeep(x, axis, (a, b) => tf.sub(1, pairT(a, b)));
      const q = prodKeep(tf.div(tf.expm1(tf.mul(tf.sub(1, x), lnp)), p - 1), axis);
      return tf.sub(1, tf.div(tf.log1p(tf.mul(p - 1, q)), lnp));
    },
  };
}

function yagerFamily(p: number): Family {
  return {
    s: (a, b) => Math.min(1, pmean(a, b, p)),
    dsda: (a, b) => {
      const h = pmean(a, b, p);
      return h > 1 ? 0 : pmeanWeight(a, h, p);
    },
    sTensor: (a, b) => tf.clipByValue(tf.squeeze(powerMeanT(stackPair(a, b), tensorP(p), -1), [-1]), 0, 1),
    // Nilpotent: g(a) = a^p, S = min(1, (Σ a_i^p)^{1/p}) (the clip's gradient passes at exactly 1, like the fold).
    reduceKeep: (x, axis) => tf.clipByValue(powerMeanT(x, tensorP(p), axis), 0, 1),
  };
}

/** Shared shape of Aczél–Alsina and Dombi: u = φ(a), H = (Σ u^p)^{1/p}, S = ψ(H), saturated rows → 1. */
function powerMeanFamily(
  p: number,
  phi: (a: number) => number,
  dphi: (a: number) => number,
  psi: (h: number) => number,
  dpsi: (h: number) => number,
  phiT: (a: tf.Tensor) => tf.Tensor,
  psiT: (h: tf.Tensor) => tf.Tensor,
): Family {
  const saturated = (a: number, b: number): boolean => 1 - a < SATURATION_EPS || 1 - b < SATURATION_EPS;
  return {
    s: (a, b) => (saturated(a, b) ? 1 : psi(pmean(phi(a), phi(b), p))),
    dsda: (a, b) => {
      if (saturated(a, b)) return 0;
      const u = phi(a);
      const h = pmean(u, phi(b), p);
      if (h === 0) return 1; // a = b = 0: the limit of S(a, 0) = a (the formula is 0·∞ there)
      const w = pmeanWeight(u, h, p);
      return w === 0 ? 0 : dpsi(h) * w * dphi(a);
    },
    sTensor: (a, b) => {
      const ok = tf.greaterEqual(tf.minimum(tf.sub(1, a), tf.sub(1, b)), SATURATION_EPS);
      const as = tf.where(ok, tf.add(a, tf.zerosLike(b)), tf.fill(ok.shape, 0.5));
      const bs = tf.where(ok, tf.add(b, tf.zerosLike(a)), tf.fill(ok.shape, 0.5));
      const h = tf.squeeze(powerMeanT(tf.stack([phiT(as), phiT(bs)], -1), tensorP(p), -1), [-1]);
      return tf.where(ok, psiT(h), tf.onesLike(h));
    },
    reduceKeep: (x, axis) => {
      const okElem = tf.greaterEqual(tf.sub(1, x), SATURATION_EPS);
      const ok = tf.greaterEqual(tf.min(tf.sub(1, x), axis, true), SATURATION_EPS);
      const xs = tf.where(okElem, x, tf.fill(x.shape, 0.5));
      // For an all-zero slice H = 0 with partials 1, and ψ'(0) = 1, φ'(0) = 1: S(h, 0, …, 0) = h.
      return tf.where(ok, psiT(powerMeanT(phiT(xs), tensorP(p), axis)), tf.ones(ok.shape));
    },
  };
}

function aczelAlsinaFamily(p: number): Family {
  // g(a) = (−ln(1 − a))^p, S = 1 − exp(−(Σ g)^{1/p}).
  return powerMeanFamily(
    p,
    (a) => -Math.log1p(-a),
    (a) => 1 / (1 - a),
    (h) => -Math.expm1(-h),
    (h) => Math.exp(-h),
    (a) => tf.neg(tf.log1p(tf.neg(a))),
    (h) => tf.neg(tf.expm1(tf.neg(h))),
  );
}

function dombiFamily(p: number): Family {
  // g(a) = (a/(1 − a))^p, S = 1 − 1/(1 + (Σ g)^{1/p}) = H/(1 + H) (1 where H overflowed).
  return powerMeanFamily(
    p,
    (a) => a / (1 - a),
    (a) => 1 / (1 - a) ** 2,
    (h) => (h < Number.POSITIVE_INFINITY ? h / (1 + h) : 1),
    (h) => 1 / (1 + h) ** 2,
    (a) => tf.div(a, tf.sub(1, a)),
    (h) => tf.sub(1, tf.div(1, tf.add(1, h))),
  );
}

function schweizerSklarFamily(p: number): Family {
  return {
    s: (a, b) => 1 - ssTnorm(1 - a, 1 - b, p),
    // a = 1: the limit of the slope towards saturation, 1 (0 when b = 1 too); the formula is 0·∞ there
    dsda: (a, b) => ssTnormWeight(1 - a, 1 - b, p),
    sTensor: (a, b) => tf.sub(1, tf.squeeze(ssTnormT(stackPair(tf.sub(1, a), tf.sub(1, b)), tensorP(p), -1), [-1])),
    // p < 0 (strict): T(x_1..x_n) = (Σ x_i^p − (n − 1))^{1/p} with x = 1 − a; any a_i = 1 saturates to S = 1.
    reduceKeep: (x, axis) => tf.sub(1, ssTnormT(tf.sub(1, x), tensorP(p), axis)),
  };
}

function family(name: TConormName, p: number): Family {
  switch (name) {
    case "max":
      return maxFamily();
    case "probabilistic":
      return probabilisticFamily();
    case "einstein":
      return einsteinFamily();
    case "hamacher":
      return hamacherFamily(p);
    case "frank":
      return frankFamily(p);
    case "yager":
      return yagerFamily(p);
    case "aczel_alsina":
      return aczelAlsinaFamily(p);
    case "dombi":
      return dombiFamily(p);
    case "schweizer_sklar":
      return schweizerSklarFamily(p);
  }
}

/**
 * Resolves a t-conorm (a relaxed OR; GenDR, Petersen et al. CVPR 2022, `aggr_alpha_func`) by name
 * and family parameter p, with GenDR's values and guards (Hamacher's denominator ≥ 1e-6, Aczél–Alsina/Dombi
 * saturate to 1 when 1 − a or 1 − b < 1e-8) computed in forms that are stable for every p: power means with
 * the extreme argument factored out (Yager, Aczél–Alsina, Dombi, Schweizer–Sklar: S → max as |p| → ∞, never 0),
 * log-domain Frank for |ln p| ≥ 1, Hamacher's denominator as 1 + (p − 1)ab. `dsda` is finite everywhere: the
 * one-sided limits where the formula is 0·∞ (a = b = 0; a = 1 for Schweizer–Sklar), 0 where a p < 1 power
 * mean's true partial is +∞ at an exact zero (as the reduction's convention), capped at 1e30 near it. The
 * tensor forms carry custom gradients equal to `dsda` and use |p| clamped to [1e-30, 1e30] (exact in float32).
 * `reduce` folds S over an axis in one pass through the family's additive generator,
 * S(a_1..a_n) = g⁻¹(Σ g(a_i)), which equals the left fold S(…S(S(a_1, a_2), a_3)…).
 *
 * @param name one of {@link TCONORM_NAMES} (a misspelling → RelaxError with the nearest name)
 * @param p family parameter (default {@link TCONORM_DEFAULT_P}; Hamacher ≥ 0, Frank > 0 and ≠ 1,
 *   Yager/Aczél–Alsina/Dombi > 0, Schweizer–Sklar < 0, always finite; ignored by max/probabilistic/einstein,
 *   where it must still be a number if given)
 * @param op the public op name used in error messages
 * @example
 * const S = getTConorm('yager', 2);
 * S.s(0.3, 0.4);                       // 0.5
 * S.reduce(tf.tensor2d([[0.3, 0.4, 0.5]]), 1); // [min(1, √0.5)]
 */
export function getTConorm(name: TConormName | string, p?: number, op = "getTConorm"): TConorm {
  const n = assertOneOf(op, "name", name, TCONORM_NAMES);
  const pv = validateP(op, n, p);
  const fam = family(n, pv);
  return {
    name: n,
    p: pv,
    s: fam.s,
    dsda: fam.dsda,
    sTensor: (a, b) => tf.tidy(() => fam.sTensor(a, b)),
    tTensor: (a, b) => tf.tidy(() => (fam.tTensor ? fam.tTensor(a, b) : tf.sub(1, fam.sTensor(tf.sub(1, a), tf.sub(1, b))))),
    reduce: (x, axis) =>
      tf.tidy(() => {
        const ax = axis < 0 ? axis + x.rank : axis;
        if (!Number.isInteger(ax) || ax < 0 || ax >= x.rank) {
          throw new RelaxError(op, "axis", `an integer in [${-x.rank}, ${x.rank - 1}]`, describe(axis));
        }
        // an empty axis gives 0 (a sum over it: connected to x, so tf.grad works)
        if (x.shape[ax] === 0) return tf.sum(x, ax);
        return tf.squeeze(fam.reduceKeep(x, ax), [ax]);
      }),
  };
}
