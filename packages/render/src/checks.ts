import type * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "@relax/core";

/** `[d0, d1, …]` text of a tensor's shape for error messages. */
export function shapeText(x: tf.Tensor): string {
  return `[${x.shape.join(", ")}]`;
}

/** Throws unless `value` is a plain `[x, y, z]`-like array of `n` finite numbers within [lo, hi]. */
export function assertNumberArray(op: string, arg: string, value: unknown, n: number, lo = -Infinity, hi = Infinity): number[] {
  const ok =
    Array.isArray(value) && value.length === n && value.every((v) => typeof v === "number" && Number.isFinite(v) && v >= lo && v <= hi);
  if (!ok) {
    const range = lo === -Infinity && hi === Infinity ? "finite numbers" : `numbers in [${lo}, ${hi}]`;
    throw new RelaxError(op, arg, `an array of ${n} ${range}`, describe(value));
  }
  return [...(value as number[])];
}

/** Throws unless `path` is a non-empty string. */
export function assertPath(op: string, path: unknown): string {
  if (typeof path !== "string" || path.length === 0) throw new RelaxError(op, "path", "a non-empty file path string", describe(path));
  return path;
}

/** A file-system error as a RelaxError naming the op and the file. */
export function fileError(op: string, path: string, expected: string, error: unknown): RelaxError {
  const e = error as NodeJS.ErrnoException;
  return new RelaxError(op, "path", expected, `${JSON.stringify(path)} (${e?.code ?? e?.message ?? String(error)})`);
}

/** `value`, or `fallback` when it is `undefined` (unlike `??`, a `null` is kept, so that validation rejects it). */
export function orDefault<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}
