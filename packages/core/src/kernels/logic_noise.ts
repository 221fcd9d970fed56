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
 * The 32-bit avalanche hash (murmur3's finaliser) of seed, stream and index behind every draw, so that the
 * forward and backward of one call regenerate the same noise without storing it.
 */
export function noiseHash(seed: number, stream: number, index: number): number {
  let h = (seed ^ Math.imul(stream, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return (h ^ (h >>> 15)) >>> 0;
}

/** Uniform number in (0, 1) at `index` of the counter-based stream `(seed, stream)`: `(hash + ½) / 2³²`. */
export function noiseUniform(seed: number, stream: number, index: number): number {
  return (noiseHash(seed, stream, index) + 0.5) / 4294967296;
}

const f = Math.fround;
const SQRT_HALF = f(Math.SQRT1_2);
// Coefficients of the minimax polynomial P of Cephes' `logf` (S. L. Moshier), highest degree first.
const P0 = f(7.0376836292e-2);
const P1 = f(-1.151461031e-1);
const P2 = f(1.167699874e-1);
const P3 = f(-1.2420140846e-1);
const P4 = f(1.4249322787e-1);
const P5 = f(-1.6668057665e-1);
const P6 = f(2.0000714765e-1);
const P7 = f(-2.4999993993e-1);
const P8 = f(3.3333331174e-1);
const LN2_LO = f(-2.1219444e-4);
const LN2_HI = f(0.693359375);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Natural logarithm of a positive normal float32 `x`, every step rounded to float32 in the order of
 * `@relax/logic`'s WebAssembly SIMD noise kernel (which must give the same bits): x = m·2^e with m in
 * [√½, √2), t = m − 1, ln x = t − t²/2 + t³·P(t) + e·ln 2 (Cephes' `logf`, ln 2 split in two parts).
 */
export function logFloat32(x: number): number {
  f32[0] = x;
  const b = u32[0] as number;
  let e = (b >>> 23) - 126;
  u32[0] = (b & 0x007fffff) | 0x3f000000;
  const m = f32[0] as number; // in [0.5, 1)
  let t: number;
  if (m < SQRT_HALF) {
    e -= 1;
    t = f(f(m + m) - 1);
  } else t = f(m - 1);
  const z = f(t * t);
  let y = P0;
  y = f(f(y * t) + P1);
  y = f(f(y * t) + P2);
  y = f(f(y * t) + P3);
  y = f(f(y * t) + P4);
  y = f(f(y * t) + P5);
  y = f(f(y * t) + P6);
  y = f(f(y * t) + P7);
  y = f(f(y * t) + P8);
  y = f(f(y * t) * z);
  const fe = f(e);
  y = f(y + f(LN2_LO * fe));
  y = f(y + f(-0.5 * z));
  return f(f(t + y) + f(LN2_HI * fe));
}

/** The float32 uniform of the noise at `index`: `((hash >>> 9) + ½) / 2²³`, in [2⁻²⁴, 1 − 2⁻²⁴] (exact). */
function uniform23(seed: number, stream: number, index: number): number {
  return ((noiseHash(seed, stream, index) >>> 9) + 0.5) / 8388608;
}

/** Standard Gumbel sample `−ln(−ln u)` at `index` of the stream, in float32 (the bits of the WASM kernel). */
export function gumbelNoise(seed: number, stream: number, index: number): number {
  return -logFloat32(-logFloat32(uniform23(seed, stream, index)));
}

/**
 * Standard logistic sample `ln u − ln(1 − u)` (the difference of two Gumbels: the binary Gumbel trick), in
 * float32 (the bits of the WASM kernel).
 */
export function logisticNoise(seed: number, stream: number, index: number): number {
  const u = uniform23(seed, stream, index);
  return f(logFloat32(u) - logFloat32(1 - u));
}

/** Gumbel (`−ln(−ln u)`) or logistic (`ln u − ln(1 − u)`) noise. */
export type NoiseKind = "gumbel" | "logistic";

/** A bulk generator with the bits of {@link drawNoise}, or null where it cannot run (then the loop below does). */
export type NoiseFill = (kind: NoiseKind, seed: number, stream: number, index0: number, n: number) => Float32Array | null;

let bulkFill: NoiseFill | null = null;

/**
 * Installs a faster generator of the same bits for {@link drawNoise}: `@relax/logic` registers its
 * WebAssembly SIMD kernel (wasm/noise.wat) when its kernels load.
 */
export function registerNoiseFill(fill: NoiseFill | null): void {
  bulkFill = fill;
}

/**
 * The noise of stream `(seed, stream)` at indices `index0 … index0 + n − 1`, float32: entry i is
 * `gumbelNoise(seed, stream, index0 + i)` (or `logisticNoise`), from the registered bulk generator where one runs.
 *
 * @example
 * const g = drawNoise("gumbel", noiseSeed, GATE_STREAM, 0, outDim * 16); // one draw per gate logit
 */
export function drawNoise(kind: NoiseKind, seed: number, stream: number, index0: number, n: number): Float32Array {
  const fast = n > 0 && bulkFill ? bulkFill(kind, seed, stream, index0, n) : null;
  if (fast) return fast;
  const out = new Float32Array(n);
  const draw = kind === "gumbel" ? gumbelNoise : logisticNoise;
  for (let i = 0; i < n; i++) out[i] = draw(seed, stream, index0 + i);
  return out;
}
