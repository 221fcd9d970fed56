import { RelaxError, describe } from "@relax/core";

/**
 * Seeded pseudo-random numbers for reproducible data, initialisers and smoothing samples.
 * Generator: SplitMix32-seeded xoshiro128** (fast, 2^128 − 1 period); normals by Box–Muller.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer uniform in [0, n). */
  int(n: number): number;
  /** Standard normal. */
  normal(): number;
  /** The generator's seed (for logging / checkpoints). */
  readonly seed: number;
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

/**
 * Creates a seeded generator (xoshiro128**). Equal seeds give equal streams on every platform.
 *
 * @example
 * const rng = createRng(42);
 * const u = rng.next();      // [0, 1)
 * const k = rng.int(10);     // 0..9
 */
export function createRng(seed: number): Rng {
  if (typeof seed !== "number" || !Number.isInteger(seed)) throw new RelaxError("createRng", "seed", "an integer", describe(seed));
  const sm = splitmix32(seed >>> 0);
  let s0 = sm(),
    s1 = sm(),
    s2 = sm(),
    s3 = sm();
  let spare: number | null = null;
  const nextU32 = (): number => {
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
  const next = (): number => nextU32() / 4294967296;
  return {
    seed,
    next,
    int: (n: number) => Math.floor(next() * n),
    normal: () => {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      let u = next();
      while (u <= 1e-300) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
