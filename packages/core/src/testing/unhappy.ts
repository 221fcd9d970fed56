import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "../errors.js";

/** Every number in `value` (numbers, tensors, typed arrays, arrays and plain objects of them), read synchronously. */
function* numbersIn(value: unknown, seen = new Set<unknown>()): Generator<number> {
  if (typeof value === "number") {
    yield value;
    return;
  }
  if (value === null || typeof value !== "object" || seen.has(value)) return;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    if (!value.isDisposed && value.dtype !== "string") yield* value.dataSync() as Iterable<number>;
  } else if (ArrayBuffer.isView(value)) {
    yield* value as unknown as Iterable<number>;
  } else if (Array.isArray(value)) {
    for (const v of value) yield* numbersIn(v, seen);
  } else if (value instanceof Map) {
    for (const v of value.values()) yield* numbersIn(v, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) yield* numbersIn(v, seen);
  }
}

function tensorsIn(value: unknown, out: tf.Tensor[] = [], seen = new Set<unknown>()): tf.Tensor[] {
  if (value === null || typeof value !== "object" || seen.has(value)) return out;
  seen.add(value);
  if (value instanceof tf.Tensor) out.push(value);
  else if (Array.isArray(value)) for (const v of value) tensorsIn(v, out, seen);
  else if (value instanceof Map) for (const v of value.values()) tensorsIn(v, out, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) tensorsIn(v, out, seen);
  return out;
}

/**
 * The contract of every public op on any input, good or bad: it either throws a {@link RelaxError}, or
 * returns only finite numbers — and in both cases leaves no tensor behind. Calls `fn` bare, checks and
 * disposes what it returns, and throws an `Error` describing the violation (an obscure error, a NaN/Inf
 * result, a leak); returns `"error"` or `"finite"` otherwise. Meant for fast-check properties.
 *
 * @example
 * fc.assert(fc.property(fc.double(), (beta) => {
 *   assertRelaxErrorOrFinite(() => diffSort(x, { steepness: beta }));
 * }));
 */
export function assertRelaxErrorOrFinite(fn: () => unknown, label = "call"): "error" | "finite" {
  const before = tf.memory().numTensors;
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    const leaked = tf.memory().numTensors - before;
    if (!(error instanceof RelaxError)) {
      throw new Error(
        `${label}: threw a ${(error as Error)?.name ?? typeof error} instead of a RelaxError: ${(error as Error)?.message ?? error}`,
      );
    }
    if (leaked !== 0) throw new Error(`${label}: threw a RelaxError but left ${leaked} tensor(s) behind`);
    return "error";
  }
  let bad: number | undefined;
  for (const v of numbersIn(result)) {
    if (!Number.isFinite(v)) {
      bad = v;
      break;
    }
  }
  for (const t of tensorsIn(result)) if (!t.isDisposed) t.dispose();
  const leaked = tf.memory().numTensors - before;
  if (bad !== undefined) throw new Error(`${label}: returned a non-finite value (${bad}) without a RelaxError`);
  if (leaked !== 0) throw new Error(`${label}: left ${leaked} tensor(s) behind`);
  return "finite";
}
