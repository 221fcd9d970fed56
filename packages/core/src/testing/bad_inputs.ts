import * as tf from "@tensorflow/tfjs-core";

/**
 * Inputs every op should reject with a `RelaxError` (not a NaN or a tfjs stack trace).
 * Each entry is created lazily so tests control disposal.
 */
export const badInputs = {
  nan: (shape: number[] = [2, 3]) => tf.fill(shape, NaN),
  inf: (shape: number[] = [2, 3]) => tf.fill(shape, Infinity),
  string: () => tf.tensor(["a", "b"]),
  ragged: () => [[1, 2], [3]] as unknown as number[][],
  wrongRank: (rank: number) => tf.zeros(new Array(rank).fill(2)),
  notATensor: () => ({ foo: 1 }) as unknown,
} as const;

/** Non-positive and non-finite values for a parameter that must be > 0 (β, τ, steepness). */
export const badPositive: unknown[] = [0, -1, NaN, Infinity, "10", null];
