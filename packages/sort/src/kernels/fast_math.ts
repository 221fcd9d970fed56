/**
 * Inline arctangent for the kernels' hot values pass (V8's Math.atan is a C call, ~5× slower here).
 * Range reduction to |t| ≤ tan(π/8) (atan x = π/2 − atan(1/x); atan x = π/4 + atan((x−1)/(x+1))), then
 * the odd Taylor series to t²⁵: truncation error ≤ tan(π/8)²⁵/25 ≈ 1.1e-11.
 */
export function atanFast(x: number): number {
  const ax = x < 0 ? -x : x;
  let t: number;
  let base: number;
  if (ax > 2.414213562373095) {
    t = -1 / ax;
    base = 1.5707963267948966;
  } else if (ax > 0.41421356237309503) {
    t = (ax - 1) / (ax + 1);
    base = 0.7853981633974483;
  } else {
    t = ax;
    base = 0;
  }
  const z = t * t;
  const p =
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
                          z * (1 / 13 + z * (-1 / 15 + z * (1 / 17 + z * (-1 / 19 + z * (1 / 21 + z * (-1 / 23 + z * (1 / 25)))))))))))));
  const r = base + p;
  return x < 0 ? -r : r;
}
