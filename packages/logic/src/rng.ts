import { RelaxError, type Rng, createRng, describe } from "@relax/core";

/**
 * The generator of a logic net's wiring and initial logits: `createRng` of `@relax/core` on its `'mulberry32'`
 * stream, the seed mixed with 0x9e3779b9 (what `SeededRandom` always drew, so seeded nets stay the same).
 * `seed` is any finite number (floored).
 */
export function logicRng(seed: number, op = "SeededRandom"): Rng {
  if (typeof seed !== "number" || !Number.isFinite(seed)) throw new RelaxError(op, "seed", "a finite number", describe(seed));
  return createRng((Math.floor(seed) ^ 0x9e3779b9) >>> 0, { algorithm: "mulberry32" });
}

/**
 * Small seeded pseudo-random generator (the mulberry32 stream) for reproducible connections and initial logits.
 * Not cryptographic.
 *
 * @deprecated Use `createRng` of `@relax/core` (one generator for every package). `new SeededRandom(seed)` draws
 * the stream of `createRng((Math.floor(seed) ^ 0x9e3779b9) >>> 0, { algorithm: "mulberry32" })`; this class goes
 * in the next minor release.
 */
export class SeededRandom {
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = logicRng(seed);
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.rng.next();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return this.rng.int(n);
  }

  /** Standard normal sample (Box–Muller). */
  normal(): number {
    return this.rng.normal();
  }

  /** Random permutation of 0 … n−1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    return this.rng.permutation(n);
  }
}

/** A fresh random seed (used when the caller gives none). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
