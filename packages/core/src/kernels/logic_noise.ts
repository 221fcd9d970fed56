/**
 * The one seeded noise generator of the learned logic layers' straight-through choice (Gumbel / logistic
 * noise): counter-based, so that a kernel can redraw any entry from `(seed, stream, index)` alone. Shared by
 * `@relax/logic`'s host kernel and reference and `@relax/backend-webgpu`'s WGSL kernel, which draws it on the host.
 */

/** Noise stream of the gate choice (gate noise and wiring noise of one call draw from different streams). */
export const GATE_STREAM = 0x68e31da4;
/** Noise stream of the wiring choice. */
export const WIRING_STREAM = 0xb5297a4d;

/**
 * Uniform number in (0, 1) at `index` of the counter-based stream `(seed, stream)`: a 32-bit avalanche hash
 * (murmur3's finaliser) of seed, stream and index, so that the forward and backward of one call regenerate
 * the same noise without storing it.
 */
export function noiseUniform(seed: number, stream: number, index: number): number {
  let h = (seed ^ Math.imul(stream, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  h = (h ^ (h >>> 15)) >>> 0;
  return (h + 0.5) / 4294967296;
}

/** Standard Gumbel sample `−ln(−ln u)` at `index` of the stream. */
export function gumbelNoise(seed: number, stream: number, index: number): number {
  return -Math.log(-Math.log(noiseUniform(seed, stream, index)));
}

/** Standard logistic sample `ln(u / (1 − u))` (the difference of two Gumbels: the binary Gumbel trick). */
export function logisticNoise(seed: number, stream: number, index: number): number {
  const u = noiseUniform(seed, stream, index);
  return Math.log(u / (1 - u));
}
