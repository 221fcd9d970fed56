import type * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe, toFloatTensor } from "@relax/core";

/** Largest layer width, channel count, class count or input width accepted (2^22 ≈ 4.2 M). */
export const MAX_WIDTH = 1 << 22;

/** Largest receptive field or pooling window side accepted. */
export const MAX_FIELD = 1024;

/**
 * Converts `x` to float32 (see `toFloatTensor`), runs `fn` on it and disposes the copy made for a plain
 * array or a non-float32 tensor, also when `fn` throws: the op leaves exactly the tensors it returns.
 */
export function withFloatInput<T>(op: string, arg: string, x: unknown, fn: (xt: tf.Tensor) => T): T {
  const xt = toFloatTensor(op, arg, x);
  try {
    return fn(xt);
  } finally {
    if (xt !== x) xt.dispose();
  }
}

/** Throws unless `value` is a finite number (or undefined, giving `fallback`). */
export function optionalFinite(op: string, arg: string, value: unknown, fallback: number, maxAbs = Number.MAX_VALUE): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || Math.abs(value) > maxAbs) {
    throw new RelaxError(
      op,
      arg,
      maxAbs < Number.MAX_VALUE ? `a finite number with |value| <= ${maxAbs}` : "a finite number",
      describe(value),
    );
  }
  return value;
}
