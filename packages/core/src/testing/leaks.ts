import * as tf from "@tensorflow/tfjs-core";

/** Every tensor reachable from `value` (a tensor, or arrays / plain objects / Maps holding tensors). */
function collectTensors(value: unknown, out: Set<tf.Tensor>, seen = new Set<unknown>()): Set<tf.Tensor> {
  if (value === null || typeof value !== "object" || seen.has(value)) return out;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    out.add(value);
    return out;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, out, seen);
  } else if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, out, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, out, seen);
  }
  return out;
}

/** Disposes the tensors `fn` returned (in any nesting of arrays and plain objects) and counts what is left. */
function leftBehind(before: number, result: unknown): number {
  for (const t of collectTensors(result, new Set())) if (!t.isDisposed) t.dispose();
  return tf.memory().numTensors - before;
}

/**
 * Calls `fn` **bare** (not inside `tf.tidy`, which would dispose exactly the tensors a leak leaves behind),
 * disposes every tensor it returns (a tensor, or arrays / plain objects / Maps holding tensors) and returns
 * how many tensors remain: 0 for a leak-free op. Errors propagate (use {@link countLeakedTensorsOnThrow} for
 * error paths). Build the inputs outside `fn`: tensors created inside it count as leaks unless returned.
 *
 * @example
 * const x = tf.tensor2d([[3, 1, 2]]);
 * expect(countLeakedTensors(() => diffSort(x))).toBe(0); // sorted and permutation are disposed
 */
export function countLeakedTensors(fn: () => unknown): number {
  const before = tf.memory().numTensors;
  return leftBehind(before, fn());
}

/** Same as {@link countLeakedTensors} for an async function: awaited bare, its returned tensors disposed. */
export async function countLeakedTensorsAsync(fn: () => Promise<unknown>): Promise<number> {
  const before = tf.memory().numTensors;
  return leftBehind(before, await fn());
}

/**
 * Calls `fn`, which must throw, bare and returns the error and how many tensors the failed call left behind
 * (an op that rejects its input must leave nothing). Throws if `fn` returns normally.
 *
 * @example
 * const { error, leaked } = countLeakedTensorsOnThrow(() => diffSort(x, { steepnes: 1 } as never));
 * expect(error).toBeInstanceOf(RelaxError);
 * expect(leaked).toBe(0);
 */
export function countLeakedTensorsOnThrow(fn: () => unknown): { error: unknown; leaked: number } {
  const before = tf.memory().numTensors;
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    return { error, leaked: tf.memory().numTensors - before };
  }
  leftBehind(before, result);
  throw new Error("countLeakedTensorsOnThrow: the call was expected to throw, but it returned normally");
}
