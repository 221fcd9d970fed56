import * as tf from "@tensorflow/tfjs-core";

/**
 * Runs `fn` inside `tf.tidy` and returns how many tensors were left behind (0 for a leak-free op).
 * Tensors returned by `fn` are disposed, so any remaining count is a leak.
 *
 * @example
 * expect(countLeakedTensors(() => diffSort(x).sorted)).toBe(0);
 */
export function countLeakedTensors(fn: () => unknown): number {
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    fn();
    return undefined;
  });
  return tf.memory().numTensors - before;
}

/** Same as {@link countLeakedTensors} for an async function (tidy cannot wrap it; returned tensors are disposed). */
export async function countLeakedTensorsAsync(fn: () => Promise<tf.Tensor | tf.Tensor[] | undefined>): Promise<number> {
  const before = tf.memory().numTensors;
  const out = await fn();
  if (out) tf.dispose(out);
  return tf.memory().numTensors - before;
}
