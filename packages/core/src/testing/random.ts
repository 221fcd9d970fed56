import { createRng } from "../util/random.js";

/**
 * Deterministic pseudo-random floats in `[lo, hi)` (the `'mulberry32'` stream of `createRng`), so that tests
 * and benchmarks can build equal inputs on every backend without tfjs's RNG.
 *
 * @example
 * const x = tf.tensor2d(seededUniform(4 * 8, 1), [4, 8]); // the same values on cpu and on webgpu
 */
export function seededUniform(count: number, seed: number, lo = -1, hi = 1): Float32Array {
  const rng = createRng(seed >>> 0, { algorithm: "mulberry32" });
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = lo + (hi - lo) * rng.next();
  return out;
}
