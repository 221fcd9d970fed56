import { RelaxError, assertInteger, describe } from "@relax/core";
import { MAX_WIDTH } from "./check.js";
import { logicRng } from "./rng.js";

/** How a layer's neurons pick their two inputs. */
export type ConnectionMethod = "random" | "unique";
export const CONNECTION_METHODS: readonly ConnectionMethod[] = ["random", "unique"];

/** The two input indices of every neuron of a layer. */
export interface Connections {
  /** First input (A) of each neuron, length outDim. */
  a: Int32Array;
  /** Second input (B) of each neuron, length outDim. */
  b: Int32Array;
}

function checkDims(op: string, inDim: number, outDim: number): void {
  assertInteger(op, "inDim", inDim, 1, MAX_WIDTH);
  assertInteger(op, "outDim", outDim, 1, MAX_WIDTH);
  if (2 * outDim < inDim) {
    throw new RelaxError(op, "outDim", `at least inDim / 2 = ${inDim / 2} so that every input is used`, String(outDim));
  }
}

/**
 * The deterministic part of the reference's `'unique'` initialiser (difflogic `get_unique_connections`):
 * pairs (0,1),(2,3),… then (1,2),(3,4),… then `(i, i+offset)` for offsets 2, 3, … while more are
 * needed; truncated to outDim. No self-pairs, no duplicate pairs.
 *
 * @throws RelaxError when there are not enough distinct pairs (e.g. inDim 6, outDim 20) or 2·outDim < inDim
 * @example
 * uniquePairs(7, 4); // { a: [0, 2, 4, 1], b: [1, 3, 5, 2] }
 */
export function uniquePairs(inDim: number, outDim: number): Connections {
  const op = "uniqueConnections";
  checkDims(op, inDim, outDim);
  const a: number[] = [];
  const b: number[] = [];
  const addPairs = (as: number[], bs: number[]): void => {
    const m = Math.min(as.length, bs.length);
    for (let i = 0; i < m; i++) {
      a.push(as[i] as number);
      b.push(bs[i] as number);
    }
  };
  const range = (start: number, end: number, step: number): number[] => {
    const r: number[] = [];
    for (let i = start; i < end; i += step) r.push(i);
    return r;
  };
  addPairs(range(0, inDim, 2), range(1, inDim, 2));
  if (a.length < outDim) addPairs(range(1, inDim, 2), range(2, inDim, 2));
  let offset = 2;
  while (outDim > a.length && a.length > offset) {
    addPairs(range(0, Math.max(0, inDim - offset), 1), range(offset, inDim, 1));
    offset++;
  }
  if (a.length < outDim) {
    throw new RelaxError(op, "outDim", `at most ${a.length} (the number of distinct input pairs of ${inDim} inputs)`, String(outDim));
  }
  return { a: Int32Array.from(a.slice(0, outDim)), b: Int32Array.from(b.slice(0, outDim)) };
}

/**
 * Connections of a logic layer, seeded (NeurIPS 2022 reference initialisers):
 * - `'random'`: a random permutation of 0 … 2·outDim−1 taken modulo inDim, mapped through a random
 *   permutation of the inputs; first half → `a`, second half → `b` (each input used ⌊2·out/in⌋ or
 *   ⌈2·out/in⌉ times; `a == b` possible).
 * - `'unique'`: {@link uniquePairs} followed by a random permutation of the neurons.
 *
 * @example
 * const { a, b } = makeConnections(784, 8000, "random", 42);
 */
export function makeConnections(inDim: number, outDim: number, method: ConnectionMethod, seed: number): Connections {
  const op = "makeConnections";
  checkDims(op, inDim, outDim);
  if (method !== "unique" && method !== "random") throw new RelaxError(op, "connections", "one of 'random', 'unique'", describe(method));
  if (typeof seed !== "number" || !Number.isFinite(seed)) throw new RelaxError(op, "seed", "a finite number", describe(seed));
  const rng = logicRng(seed, "makeConnections");
  if (method === "unique") {
    const pairs = uniquePairs(inDim, outDim);
    const perm = rng.permutation(outDim);
    const a = new Int32Array(outDim);
    const b = new Int32Array(outDim);
    for (let j = 0; j < outDim; j++) {
      a[j] = pairs.a[perm[j] as number] as number;
      b[j] = pairs.b[perm[j] as number] as number;
    }
    return { a, b };
  }
  if (method !== "random") throw new RelaxError(op, "connections", "one of 'random', 'unique'", JSON.stringify(method));
  const c = rng.permutation(2 * outDim);
  const inPerm = rng.permutation(inDim);
  const a = new Int32Array(outDim);
  const b = new Int32Array(outDim);
  for (let j = 0; j < outDim; j++) {
    a[j] = inPerm[(c[j] as number) % inDim] as number;
    b[j] = inPerm[(c[outDim + j] as number) % inDim] as number;
  }
  return { a, b };
}
