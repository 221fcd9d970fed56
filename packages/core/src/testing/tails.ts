/**
 * The arguments and the tail-relative comparison of the distribution parity tests (core's scalar, tensor and
 * host-kernel forms, `@relax/sort`'s inlined forms, `@relax/backend-webgpu`'s WGSL forms): one grid, one rule.
 */

/** float32's largest finite value and smallest normal value. */
const F32_MAX = 3.4028234663852886e38;
const F32_MIN_NORMAL = 1.1754943508222875e-38;
/** float32's spacing just below 1. */
const F32_ULP_1 = 2 ** -24;

/**
 * Standard-form arguments z (all exact float32 numbers), both signs: 0, the float32 limits, the centre and the
 * tails up to |z| = 1e4, 1e10, 1e30.
 */
export const PARITY_Z: readonly number[] = (() => {
  const mags = [
    F32_MIN_NORMAL,
    1e-30,
    1e-6,
    0.01,
    0.1,
    0.25,
    0.3,
    0.5,
    0.9,
    1,
    1.1,
    2,
    3,
    5,
    8,
    10,
    14.9,
    15.1,
    20,
    30,
    50,
    80,
    100,
    1e3,
    1e4,
    1e10,
    1e30,
    F32_MAX,
  ];
  return [0, ...mags.flatMap((m) => [Math.fround(m), -Math.fround(m)])].sort((a, b) => a - b);
})();

/**
 * How far `got` is from `want` for probabilities (or densities), relative in the tails: below ½ the values
 * themselves are compared, above ½ their complements 1 − got and 1 − want (so a CDF near 1 is held to its tail
 * mass, not to 1). The error allowed is `rtol·|want'| + atol` on the compared side (want' the value or its
 * complement) plus, on the upper side, `complementAtol` (default 2⁻²⁴: a float32 CDF near 1 carries its
 * complement only to that, ½ ulp of 1 plus the rounding of 1 − got; pass 0 for float64 forms). Returns the largest excess over that (0 when every pair is within), Infinity for
 * a NaN mismatch.
 */
export function tailViolation(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  rtol: number,
  atol: number,
  complementAtol: number = F32_ULP_1,
): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i] as number;
    const w = want[i] as number;
    if (Number.isNaN(g) || Number.isNaN(w)) {
      if (!(Number.isNaN(g) && Number.isNaN(w))) return Number.POSITIVE_INFINITY;
      continue;
    }
    const upper = w > 0.5;
    const gg = upper ? 1 - g : g;
    const ww = upper ? 1 - w : w;
    const excess = Math.abs(gg - ww) - (rtol * Math.abs(ww) + atol + (upper ? complementAtol : 0));
    if (excess > worst) worst = excess;
  }
  return worst;
}
