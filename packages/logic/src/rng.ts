import { RelaxError, assertInteger, describe } from "@relax/core";

/**
 * Small seeded pseudo-random generator (SplitMix32 / Mulberry32 family) used for reproducible
 * connections and initial logits. Not cryptographic.
 */
export class SeededRandom {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    if (typeof seed !== "number" || !Number.isFinite(seed)) throw new RelaxError("SeededRandom", "seed", "a finite number", describe(seed));
    this.state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(Number.isInteger(n) && n >= 1 && n <= 4294967296))
      throw new RelaxError("SeededRandom.int", "n", "an integer in [1, 2^32]", describe(n));
    return Math.floor(this.next() * n);
  }

  /** Standard normal sample (Box–Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Random permutation of 0 … n−1 (Fisher–Yates). */
  permutation(n: number): Int32Array {
    assertInteger("SeededRandom.permutation", "n", n, 0, 1 << 26);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = p[i] as number;
      p[i] = p[j] as number;
      p[j] = t;
    }
    return p;
  }
}

/** A fresh random seed (used when the caller gives none). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
