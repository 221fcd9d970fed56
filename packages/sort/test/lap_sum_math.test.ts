import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lapCdf, laplaceKernelSum, prepareRow, ranksSorted, sortedValues, topKThreshold } from "../src/kernels/lap_sum_math.js";

/** F(t) = Σ Lap((t − x_i)/α) by brute force, float64. */
const F = (x: number[], alpha: number, t: number) => x.reduce((s, xi) => s + lapCdf((t - xi) / alpha), 0);

/** F⁻¹(w) by float64 bisection until the bracket stops shrinking (independent of the closed form). */
function bruteInverse(x: number[], alpha: number, w: number): number {
  let lo = Math.min(...x) - alpha * (Math.log(x.length) + 50);
  let hi = Math.max(...x) + alpha * (Math.log(x.length) + 50);
  for (let i = 0; i < 3000; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (F(x, alpha, mid) < w) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/** Rows of float32 values (what the kernels receive: they sort by the float32 bits). */
const rowArb = fc
  .array(fc.oneof(fc.double({ min: -50, max: 50, noNaN: true }), fc.integer({ min: -3, max: 3 }), fc.constantFrom(1e30, -1e30, 1e-30)), {
    minLength: 1,
    maxLength: 25,
  })
  .map((r) => r.map(Math.fround));
const alphaArb = fc.oneof(
  fc.constantFrom(1e-6, 1e-3, 1, 1e3, 1e6),
  fc.double({ min: -4, max: 4, noNaN: true }).map((e) => 10 ** e),
);

describe("LapSum closed forms (float64) against brute force", () => {
  it("F⁻¹ on every segment: sorted values F⁻¹(j + ½) and top-k thresholds equal float64 bisection", () => {
    fc.assert(
      fc.property(rowArb, alphaArb, fc.double({ min: 0.01, max: 0.99, noNaN: true }), (x, alpha, frac) => {
        const xs = Float64Array.from(x);
        const n = x.length;
        // below the float64 spacing of x (α < ~1e-16·|x|) no root is representable: nothing to compare
        fc.pre(alpha >= 1e-12 * Math.max(...x.map(Math.abs)));
        const row = prepareRow(xs, 0, n, alpha);
        const t = new Float64Array(n);
        sortedValues(row, t);
        // tolerance: the root is defined up to the flatness of F; compare F at both instead where F is flat
        const scale = Math.max(1, ...x.map(Math.abs));
        for (let j = 0; j < n; j++) {
          const ref = bruteInverse(x, alpha, j + 0.5);
          const close = Math.abs((t[j] as number) - ref) <= 1e-9 * scale + 1e-9 * alpha;
          const sameF = Math.abs(F(x, alpha, t[j] as number) - (j + 0.5)) <= 1e-9 * n;
          expect(close || sameF, `j=${j}: ${t[j]} vs ${ref}`).toBe(true);
        }
        const k = Math.max(1e-3, frac * n);
        for (const largest of [true, false]) {
          const b = topKThreshold(row, k, largest);
          const w = largest ? n - k : k;
          expect(Math.abs(F(x, alpha, b) - w), `k=${k} largest=${largest}`).toBeLessThanOrEqual(1e-9 * n + 1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("ranks F(x_i) − ½ and the two-pointer kernel sums equal their O(n²) definitions", () => {
    fc.assert(
      fc.property(rowArb, alphaArb, rowArb, (x, alpha, p) => {
        const n = x.length;
        const row = prepareRow(Float64Array.from(x), 0, n, alpha);
        const r = new Float64Array(n);
        ranksSorted(row, r);
        for (let m = 0; m < n; m++) {
          const xi = row.s[m] as number;
          expect(Math.abs((r[m] as number) - (F(x, alpha, xi) - 0.5))).toBeLessThanOrEqual(1e-9 * n);
        }
        const pts = Float64Array.from(p).sort();
        const w = Float64Array.from(row.s, (_, i) => Math.cos(i));
        const out = new Float64Array(pts.length);
        laplaceKernelSum(pts, row.s, w, alpha, out);
        pts.forEach((pt, q) => {
          let direct = 0;
          row.s.forEach((sv, i) => {
            direct += (w[i] as number) * Math.exp(-Math.abs(pt - sv) / alpha);
          });
          expect(Math.abs((out[q] as number) - direct)).toBeLessThanOrEqual(1e-9 * n);
        });
      }),
      { numRuns: 200 },
    );
  });
});
