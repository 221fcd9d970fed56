/**
 * The PyTorch reference (diffsort 0.2.0, unmodified, PyTorch 1.13 CPU, 2 threads, 2-core machine, same data split,
 * reference CNN, odd-even, cauchy, steepness 10, Adam 10^-3.5, 32 sets of n = 5 per step, 1.28 s/step),
 * from `research/anchors.md`: EM / EW on 1,000 held-out sets at each wall time.
 */
export const REFERENCE_CURVE: { minutes: number; steps: number; em: number; ew: number }[] = [
  { minutes: 0, steps: 0, em: 0.005, ew: 0.181 },
  { minutes: 5.4, steps: 250, em: 0.273, ew: 0.602 },
  { minutes: 11.0, steps: 500, em: 0.311, ew: 0.632 },
  { minutes: 12.2, steps: 548, em: 0.326, ew: 0.64 },
];

/**
 * The reference's EM / EW at `minutes` of wall time, linearly interpolated between its measured points
 * (null beyond its last point). Linear interpolation of a concave learning curve under-states the reference
 * between points, so comparisons at the measured points (5.4, 11.0 min) are the fair ones.
 */
export function referenceAt(minutes: number): { em: number; ew: number } | null {
  const c = REFERENCE_CURVE;
  for (let i = 0; i + 1 < c.length; i++) {
    const a = c[i]!,
      b = c[i + 1]!;
    if (minutes >= a.minutes && minutes <= b.minutes) {
      const t = (minutes - a.minutes) / (b.minutes - a.minutes);
      return { em: a.em + t * (b.em - a.em), ew: a.ew + t * (b.ew - a.ew) };
    }
  }
  return null;
}
