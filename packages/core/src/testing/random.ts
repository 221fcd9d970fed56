/**
 * Deterministic pseudo-random floats in `[lo, hi)` (the mulberry32 generator), so that tests and benchmarks
 * can build equal inputs on every backend without tfjs's RNG.
 *
 * @example
 * const x = tf.tensor2d(seededUniform(4 * 8, 1), [4, 8]); // the same values on cpu and on webgpu
 */
export function seededUniform(count: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}
