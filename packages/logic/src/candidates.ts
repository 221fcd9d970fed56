import { RelaxError, assertOptions, describe } from "@relax/core";
import type { FusedAdamOptimizer } from "./adam.js";
import { logicRng } from "./rng.js";

/** Largest number of candidate wires per gate input. */
export const MAX_CANDIDATES = 256;

/**
 * Candidate wires of learned connections (`[outDim, K]` row-major per gate input). Rule: candidate 0 of each
 * gate input is its fixed connection (`base`, from the `'random'` or `'unique'` initialiser, so that the
 * argmax of the zero-initialised wiring logits is that connection); candidates 1 … K−1 are drawn uniformly
 * without replacement from the other inputs (seeded). Requires `K ≤ inDim`.
 */
export function makeCandidates(
  op: string,
  inDim: number,
  base: { a: Int32Array; b: Int32Array },
  K: number,
  seed: number,
): { candA: Int32Array; candB: Int32Array } {
  if (K > inDim) throw new RelaxError(op, "candidates", `at most inDim (${inDim}) candidate wires`, String(K));
  const outDim = base.a.length;
  const rng = logicRng(seed + 0x27d4eb2f, op);
  const draw = (fixed: Int32Array): Int32Array => {
    const out = new Int32Array(outDim * K);
    const taken = new Set<number>();
    for (let j = 0; j < outDim; j++) {
      taken.clear();
      const f = fixed[j] as number;
      out[j * K] = f;
      taken.add(f);
      for (let k = 1; k < K; k++) {
        let v = rng.int(inDim);
        while (taken.has(v)) v = rng.int(inDim);
        taken.add(v);
        out[j * K + k] = v;
      }
    }
    return out;
  };
  const candA = draw(base.a);
  const candB = draw(base.b);
  return { candA, candB };
}

/**
 * Candidate resampling of learned connections (a prune-and-regrow rule in the spirit of sparse training,
 * e.g. RigL, Evci et al., ICML 2020, here with random regrowth): for every gate input whose weakest candidate
 * carries a wiring weight `softmax(u)_k` below `below`, that candidate is replaced by an input drawn uniformly
 * from those not among the gate input's candidates. Its logit is kept (the input's lowest), so the circuit
 * (the argmax candidate, never the replaced one) and the forward barely change; Adam's per-entry step size lets a
 * useful newcomer climb. `cand*` are edited in place; returns the flat indices `(2j + side)·K + k` of the
 * wiring logits whose candidate changed (the optimizer's moments there should be reset).
 */
export function resampleCandidates(
  candA: Int32Array,
  candB: Int32Array,
  wiring: ArrayLike<number>,
  K: number,
  inDim: number,
  below: number,
  rng: { int(n: number): number },
): Int32Array {
  const outDim = candA.length / K;
  const replaced: number[] = [];
  // with K = inDim there is nothing left to draw
  if (K >= inDim) return new Int32Array(0);
  for (let j = 0; j < outDim; j++) {
    for (let side = 0; side < 2; side++) {
      const cand = side === 0 ? candA : candB;
      const o = (2 * j + side) * K;
      let min = 0;
      let max = 0;
      for (let k = 1; k < K; k++) {
        if ((wiring[o + k] as number) < (wiring[o + min] as number)) min = k;
        if ((wiring[o + k] as number) > (wiring[o + max] as number)) max = k;
      }
      if (min === max) continue; // all equal (e.g. at initialisation): nothing is weak
      let sum = 0;
      const top = wiring[o + max] as number;
      for (let k = 0; k < K; k++) sum += Math.exp((wiring[o + k] as number) - top);
      if (Math.exp((wiring[o + min] as number) - top) / sum >= below) continue;
      let v = rng.int(inDim);
      for (let tries = 0; includes(cand, j * K, K, v); tries++) v = tries < 64 ? rng.int(inDim) : (v + 1) % inDim;
      cand[j * K + min] = v;
      replaced.push(o + min);
    }
  }
  return Int32Array.from(replaced);
}

function includes(cand: Int32Array, at: number, K: number, v: number): boolean {
  for (let k = 0; k < K; k++) if (cand[at + k] === v) return true;
  return false;
}

/** The `keep` largest of the K logits `wiring[o … o + K − 1]` (ties to the lower index), in index order. */
function strongest(wiring: ArrayLike<number>, o: number, K: number, keep: number): number[] {
  return Array.from({ length: K }, (_, k) => k)
    .sort((p, q) => (wiring[o + q] as number) - (wiring[o + p] as number) || p - q)
    .slice(0, keep)
    .sort((p, q) => p - q);
}

/**
 * For logits in rows of K (one row per learned wire): each row's `keep` strongest ({@link strongest}) as flat
 * indices into `wiring` (`kept`, rows of `keep`; where the new wires' candidates and an optimizer's moments come
 * from) and their logits.
 */
export function strongestPerRow(wiring: ArrayLike<number>, K: number, keep: number): { kept: Int32Array; wiring: Float32Array } {
  const rows = wiring.length / K;
  const kept = new Int32Array(rows * keep);
  for (let i = 0; i < rows; i++) strongest(wiring, i * K, K, keep).forEach((k, r) => (kept[i * keep + r] = i * K + k));
  return { kept, wiring: Float32Array.from(kept, (e) => wiring[e] as number) };
}

/** The options of the `pruneCandidates` methods: only `optimizer`, a `fusedAdam` (checked by what it can do). */
export function pruneOptions(op: string, options: { optimizer?: FusedAdamOptimizer }): { optimizer?: FusedAdamOptimizer } {
  const opts = assertOptions<{ optimizer?: FusedAdamOptimizer }>(op, options, ["optimizer"]);
  // (tf.Optimizer's Symbol.hasInstance accepts every optimizer, so instanceof cannot tell them apart)
  if (opts.optimizer !== undefined && typeof (opts.optimizer as Partial<FusedAdamOptimizer>)?.carryMoments !== "function")
    throw new RelaxError(op, "optimizer", "a FusedAdamOptimizer (fusedAdam)", describe(opts.optimizer));
  return opts;
}

/**
 * Top-`keep` pruning of learned connections (the Top-K connectivity of LILogicNet, arXiv 2511.12340, applied to
 * a fixed candidate pool): every gate input keeps the `keep` candidates with the largest wiring logits ({@link strongest})
 * in their original order, so the argmax (first maximum) and with it the eval-mode wire and the circuit stay the
 * same; the dropped candidates' softmax mass is renormalised over the kept ones. Returns the new candidate wires
 * `[outDim, keep]` per side, the kept logits `[outDim, 2, keep]`, and for each kept logit its flat index
 * `(2j + side)·K + k` in the old logits (where an optimizer's moments come from).
 */
export function topCandidates(
  candA: Int32Array,
  candB: Int32Array,
  wiring: ArrayLike<number>,
  K: number,
  keep: number,
): { candA: Int32Array; candB: Int32Array; wiring: Float32Array; kept: Int32Array } {
  const { kept, wiring: newU } = strongestPerRow(wiring, K, keep);
  const newA = new Int32Array(kept.length / 2);
  const newB = new Int32Array(kept.length / 2);
  kept.forEach((e, at) => {
    const i = Math.floor(at / keep); // gate input 2j + side; e − i·K is the kept candidate k
    const j = i >> 1;
    (i & 1 ? newB : newA)[j * keep + (at % keep)] = (i & 1 ? candB : candA)[j * K + e - i * K] as number;
  });
  return { candA: newA, candB: newB, wiring: newU, kept };
}
