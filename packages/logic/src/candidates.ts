import { RelaxError } from "@relax/core";
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
