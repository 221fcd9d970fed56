import type * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "@relax/core";
import { base64ToBytes, bytesToBase64 } from "@relax/core/internal";

/** One tensor in a checkpoint file: its shape, its dtype and its exact little-endian bytes as base64. */
export interface StoredTensor {
  shape: number[];
  /** `'float32'` or `'int32'` (Adam's step count is int32: its bytes are stored as they are, not as floats). */
  dtype: "float32" | "int32";
  /** base64 of the little-endian values (4 bytes each) */
  data: string;
}

/** The JSON layout of a checkpoint file (format `"relax-checkpoint"`, version 2). */
export interface CheckpointFile {
  format: "relax-checkpoint";
  version: 2;
  /** Training steps done when it was saved (a non-negative integer). */
  step: number;
  /** The model's name (for messages). */
  model: string;
  /** The model's variables in `model.params` order, each with the variable name it had when saved. */
  params: (StoredTensor & { name: string })[];
  /** The model's non-trainable variables (a layers model's `nonTrainableWeights`), when it has any. */
  state?: (StoredTensor & { name: string })[];
  /**
   * The optimizer's state, or null: its tfjs class name, `getWeights()` (the step count `iter` first, then
   * per-variable slots such as Adam's moments, named after the saved variables) and its other state
   * variables by field name (Adam's `accBeta1`, `accBeta2`), so that a resumed run is bit-identical.
   */
  optimizer: { className: string; weights: { name: string; tensor: StoredTensor }[]; internals: Record<string, StoredTensor> } | null;
  /** Any JSON the caller saved with it. */
  extra: Record<string, unknown>;
  /** CRC-32 of the rest of the file (see `withChecksum` in `@relax/core`). */
  checksum: string;
}

/** Encodes a float32/int32 tensor's exact bytes. */
export function encodeTensor(op: string, arg: string, t: tf.Tensor): StoredTensor {
  if (t.dtype !== "float32" && t.dtype !== "int32") throw new RelaxError(op, arg, "a float32 or int32 tensor", describe(t));
  const v = t.dataSync() as Float32Array | Int32Array;
  if (t.dtype === "float32") {
    for (let i = 0; i < v.length; i++) {
      if (!Number.isFinite(v[i] as number))
        throw new RelaxError(op, arg, "finite values (a NaN/Inf state is not worth saving)", `${v[i]} at flat index ${i}`);
    }
  }
  return { shape: [...t.shape], dtype: t.dtype, data: bytesToBase64(v) };
}

/** A validated tensor read from a file: shape, dtype and its values (not yet a tf.Tensor). */
export interface DecodedTensor {
  shape: number[];
  dtype: "float32" | "int32";
  values: Float32Array | Int32Array;
}

/** Throws a RelaxError for `where` in the checkpoint file `file`. */
export function fail(op: string, file: string, where: string, expected: string, got: string): never {
  throw new RelaxError(op, `checkpoint "${file}"${where ? ` ${where}` : ""}`, expected, got);
}

/**
 * Validates one stored tensor (an object with an integer shape, a known dtype, base64 data of exactly the right
 * byte length, finite float values) and decodes it. `dtypeOverride` reads the bytes as another dtype (format 1).
 */
export function decodeTensor(op: string, file: string, where: string, s: unknown, dtypeOverride?: "float32" | "int32"): DecodedTensor {
  if (s === null || typeof s !== "object" || Array.isArray(s)) fail(op, file, where, "a stored tensor {shape, dtype, data}", describe(s));
  const { shape, dtype, data } = s as Record<string, unknown>;
  if (!Array.isArray(shape) || shape.length > 8 || shape.some((d) => !Number.isInteger(d) || d < 0 || d > 2 ** 30)) {
    fail(op, file, `${where}.shape`, "an array of non-negative integers", describe(shape));
  }
  const dt = dtypeOverride ?? dtype;
  if (dt !== "float32" && dt !== "int32") fail(op, file, `${where}.dtype`, "'float32' or 'int32'", describe(dtype));
  const bytes = typeof data === "string" ? base64ToBytes(data) : null;
  if (bytes === null) fail(op, file, `${where}.data`, "base64 text", describe(typeof data === "string" ? `${data.slice(0, 20)}…` : data));
  const size = (shape as number[]).reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== size * 4)
    fail(
      op,
      file,
      `${where}.data`,
      `${size * 4} bytes (${size} values of shape [${(shape as number[]).join(", ")}])`,
      `${bytes.byteLength} bytes`,
    );
  const values = dt === "float32" ? new Float32Array(bytes.buffer) : new Int32Array(bytes.buffer);
  if (dt === "float32") {
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i] as number)) fail(op, file, `${where}.data`, "finite values", `${values[i]} at flat index ${i}`);
    }
  }
  return { shape: shape as number[], dtype: dt as "float32" | "int32", values };
}

/** True when `value` is JSON data (null, booleans, finite numbers, strings, arrays and plain objects of them). */
export function isJsonData(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === "boolean" || typeof value === "string") return true;
  if (typeof value === "number") return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((v) => isJsonData(v, depth + 1));
  if (typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value as object).every((v) => isJsonData(v, depth + 1));
  }
  return false;
}

/** `a` and `b` have the same shape. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
