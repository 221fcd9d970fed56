const INV_PI = 1 / Math.PI;

/**
 * The cauchy CDF ½ + atan(v)/π for the kernels' hot values pass (V8's Math.atan is a C call, ~5× slower here),
 * in a tail-exact form. Range reduction to |t| ≤ tan(π/8) (atan x = π/2 − atan(1/x); atan x = π/4 + atan((x−1)/(x+1))),
 * then the odd Taylor series to t²⁵ (truncation error ≤ tan(π/8)²⁵/25 ≈ 1.1e-11); with atan|v| = base + p, F = (½ − base/π) − p/π for v < 0 and (½ + base/π) + p/π for v ≥ 0, where ½ − base/π is
 * exactly 0, ¼ or ½, so the left tail (base = π/2) is −p/π = atan(1/|v|)/π with no cancellation (as core's
 * distributions/linear_tails.ts). The kernels' inlined default comparator (`cauchy` at v = β·d); held to core's `getDistribution('cauchy').cdf` by the parity test.
 */
export function cauchyCdfFast(v: number): number {
  const ax = v < 0 ? -v : v;
  let t: number;
  let c: number;
  if (ax > 2.414213562373095) {
    t = -1 / ax;
    c = 0;
  } else if (ax > 0.41421356237309503) {
    t = (ax - 1) / (ax + 1);
    c = 0.25;
  } else {
    t = ax;
    c = 0.5;
  }
  const p = atanSeries(t) * INV_PI;
  return v < 0 ? c - p : 1 - c + p;
}

/** atan t for |t| ≤ tan(π/8): the odd Taylor series to t²⁵ (truncation error ≤ 1.1e-11). */
function atanSeries(t: number): number {
  const z = t * t;
  return (
    t *
    (1 +
      z *
        (-1 / 3 +
          z *
            (1 / 5 +
              z *
                (-1 / 7 +
                  z *
                    (1 / 9 +
                      z *
                        (-1 / 11 +
                          z * (1 / 13 + z * (-1 / 15 + z * (1 / 17 + z * (-1 / 19 + z * (1 / 21 + z * (-1 / 23 + z * (1 / 25)))))))))))))
  );
}
