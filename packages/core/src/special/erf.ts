import { nanInput } from "./check.js";
/**
 * Error function and its complement in float64 host math, from W. J. Cody's rational Chebyshev
 * approximations ("Rational Chebyshev approximations for the error function", Math. Comp. 23, 1969):
 * erf(x) = x·P₁(x²)/Q₁(x²) for |x| < 0.5; erfc(x) = e^{−x²}·P₂(x)/Q₂(x) for 0.5 ≤ x < 4;
 * erfc(x) = e^{−x²}/x·(1/√π − x⁻²·P₃(x⁻²)/Q₃(x⁻²)) for x ≥ 4. The same coefficients drive the
 * tensor versions in `erf_tensor.ts`. Coefficients are listed highest degree first.
 */

/** @internal Cody's |x| < 0.5 numerator of erf(x)/x in t = x². */
export const ERF_SMALL_P = [
  0.185777706184603153, 3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947,
] as const;
/** @internal Cody's |x| < 0.5 denominator (leading 1 implied). */
export const ERF_SMALL_Q = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062] as const;
/** @internal Cody's 0.5 ≤ x < 4 numerator of erfc(x)·e^{x²}. */
export const ERFC_MID_P = [
  2.15311535474403846e-8, 0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725,
] as const;
/** @internal Cody's 0.5 ≤ x < 4 denominator (leading 1 implied). */
export const ERFC_MID_Q = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963, 4362.61909014324716,
  3439.36767414372164, 1230.33935480374942,
] as const;
/** @internal Cody's x ≥ 4 numerator in z = 1/x². */
export const ERFC_LARGE_P = [
  0.0163153871373020978, 0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4,
] as const;
/** @internal Cody's x ≥ 4 denominator (leading 1 implied). */
export const ERFC_LARGE_Q = [
  2.56852019228982242, 1.87295284992346725, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185,
] as const;

/** @internal 1/√π. */
export const INV_SQRT_PI = 0.5641895835477563;

/** Horner evaluation of `c[0]·x^n + … + c[n]`, optionally with an implied leading coefficient 1. */
function horner(coeffs: readonly number[], x: number, monic: boolean): number {
  let r = monic ? 1 : 0;
  for (const c of coeffs) r = r * x + c;
  return r;
}

/**
 * erf(x) = (2/√π)∫₀ˣ e^{−t²} dt to float64 accuracy (Cody 1969; via erfc for |x| ≥ 0.5). A NaN argument
 * is a `RelaxError` (±∞ give ±1).
 *
 * @example
 * erf(0.5);   // 0.5204998778130465
 * erf(-3);    // -0.9999779095030014
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) throw nanInput("erf");
  const ax = Math.abs(x);
  if (ax < 0.5) {
    const t = x * x;
    return (x * horner(ERF_SMALL_P, t, false)) / horner(ERF_SMALL_Q, t, true);
  }
  const r = 1 - erfc(ax);
  return x < 0 ? -r : r;
}

/**
 * Complementary error function erfc(x) = 1 − erf(x), accurate in the tail (relative error ~1e-16;
 * Cody 1969). erfc(x) underflows to 0 for x > 26.5 and tends to 2 for x → −∞. A NaN argument is a `RelaxError`.
 *
 * @example
 * erfc(5);    // 1.5374597944280351e-12
 * erfc(-1);   // 1.8427007929497148
 */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  if (!(ax >= 0.5)) {
    if (Number.isNaN(x)) throw nanInput("erfc");
    return 1 - erf(x);
  }
  let r: number;
  if (ax < 4) {
    r = (Math.exp(-ax * ax) * horner(ERFC_MID_P, ax, false)) / horner(ERFC_MID_Q, ax, true);
  } else if (ax > 27) {
    r = 0;
  } else {
    const z = 1 / (ax * ax);
    r = (Math.exp(-ax * ax) / ax) * (INV_SQRT_PI - (z * horner(ERFC_LARGE_P, z, false)) / horner(ERFC_LARGE_Q, z, true));
  }
  return x < 0 ? 2 - r : r;
}
