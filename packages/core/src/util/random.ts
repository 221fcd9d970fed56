import { RelaxError, describe } from "../errors.js";
import { assertInteger } from "../validate.js";

/**
 * A seeded pseudo-random generator: equal seeds give equal streams on every platform. Not cryptographic.
 * Normals are Box–Muller pairs (the second of a pair is returned by the next call).
 */
export interface Rng {
  /** Uniform in [0, 1) (a 32-bit draw divided by 2^32). */
  next(): number;
  /** Integer uniform in [0, n), `n` an integer in [1, 2^32]. */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** Random permutation of 0 … n−1 (Fisher–Yates, drawing `int(i + 1)` for i = n−1 … 1). */
  permutation(n: number): Int32Array;
  /** The generator's seed (for logging / checkpoints). */
  readonly seed: number;
}

/**
 * The two streams {@link createRng} can draw: `'xoshiro128**'` (SplitMix32-seeded, period 2^128 − 1, the
 * default) and `'mulberry32'` (32-bit state, the stream of `@relax/logic`'s wiring and initial logits and of
 * `seededUniform` in `@relax/core/testing`). Each is kept so that seeded results stay reproducible.
 */
export type RngAlgorithm = "xoshiro128**" | "mulberry32";

/** Options of {@link createRng}. */
export interface RngOptions {
  /** Which stream to draw (default `'xoshiro128**'`). */
  algorithm?: RngAlgorithm;
}

function splitmix32(a: number): () => number {
  return () => {
    a = (a + 0x9e3779b9) | 0;
    let z = a;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** xoshiro128** (Blackman & Vigna) seeded by four SplitMix32 draws: 32-bit outputs. */
function xoshiro128ss(seed: number): () => number {
  const sm = splitmix32(seed);
  let s0 = sm();
  let s1 = sm();
  let s2 = sm();
  let s3 = sm();
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
}

/** mulberry32 (T. Ettinger): a Weyl sequence through a 32-bit mix; 32-bit outputs. */
function mulberry32(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * Creates a seeded generator, the one Relax uses everywhere (data, initialisers, wiring, smoothing samples,
 * test inputs). The default stream is xoshiro128**; `{ algorithm: 'mulberry32' }` gives the stream of
 * `@relax/logic`'s wiring. Only the low 32 bits of `seed` are used.
 *
 * @param seed an integer
 * @param options `{ algorithm }` (default `'xoshiro128**'`)
 * @example
 * const rng = createRng(42);
 * const u = rng.next();      // [0, 1)
 * const k = rng.int(10);     // 0..9
 */
export function createRng(seed: number, options: RngOptions = {}): Rng {
  if (typeof seed !== "number" || !Number.isInteger(seed)) throw new RelaxError("createRng", "seed", "an integer", describe(seed));
  const algorithm = options.algorithm ?? "xoshiro128**";
  if (algorithm !== "xoshiro128**" && algorithm !== "mulberry32")
    throw new RelaxError("createRng", "options.algorithm", "'xoshiro128**' or 'mulberry32'", describe(algorithm));
  const nextU32 = algorithm === "mulberry32" ? mulberry32(seed >>> 0) : xoshiro128ss(seed >>> 0);
  const next = (): number => nextU32() / 4294967296;
  const int = (n: number): number => {
    if (!(Number.isInteger(n) && n >= 1 && n <= 4294967296)) throw new RelaxError("Rng.int", "n", "an integer in [1, 2^32]", describe(n));
    return Math.floor(next() * n);
  };
  let spare: number | null = null;
  return {
    seed,
    next,
    int,
    normal: () => {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      let u = next();
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    permutation: (n: number) => {
      assertInteger("Rng.permutation", "n", n, 0, 1 << 26);
      const p = new Int32Array(n);
      for (let i = 0; i < n; i++) p[i] = i;
      for (let i = n - 1; i > 0; i--) {
        const j = int(i + 1);
        const t = p[i] as number;
        p[i] = p[j] as number;
        p[j] = t;
      }
      return p;
    },
  };
}
