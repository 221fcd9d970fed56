import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertFinite, assertInteger, describe, toFloatTensor, type TensorInput } from "@relax/core";

/** `x` viewed as `[rows, n]` with the sorted axis last, plus how to map results back. */
export interface RowView {
  /** `[rows, n]` float32. */
  x2: tf.Tensor2D;
  n: number;
  rows: number;
  /** Shape of the batch dimensions (all dims but the sorted one, in order). */
  batchShape: number[];
  /** `[rows, ...tail]` back to `[...batchShape, ...tail]`. */
  toBatch(t: tf.Tensor, tail: number[]): tf.Tensor;
  /** `[rows, n]` back to the layout of x (the sorted axis where it was). */
  toInput(t: tf.Tensor): tf.Tensor;
}

/**
 * Validates `x` (any rank ≥ 1, finite, n ≥ 1 along `axis`, default last) and views it as `[rows, n]`.
 * Must be called inside `tf.tidy`.
 */
export function toRows(op: string, x: TensorInput, axis: number | undefined = -1, arg = "x"): RowView {
  const xt = toFloatTensor(op, arg, x);
  if (xt.rank < 1) throw new RelaxError(op, arg, "a tensor of rank ≥ 1 ([n] or [batch, n])", `[${xt.shape.join(", ")}] (a scalar)`);
  const rank = xt.rank;
  const ax = assertInteger(op, "axis", axis, -rank, rank - 1);
  const a = ax < 0 ? ax + rank : ax;
  const n = xt.shape[a] as number;
  if (n < 1) throw new RelaxError(op, arg, "at least one element along the sorted axis (n ≥ 1)", `shape [${xt.shape.join(", ")}]`);
  assertFinite(op, arg, xt);
  const batchShape = xt.shape.filter((_, i) => i !== a);
  const rows = batchShape.reduce((p, q) => p * q, 1);
  const moved = a === rank - 1 ? xt : tf.transpose(xt, [...batchShape.map((_, i) => (i < a ? i : i + 1)), a]);
  const x2 = tf.reshape(moved, [rows, n]) as tf.Tensor2D;
  const movedShape = [...batchShape, n];
  const inversePerm: number[] = [];
  if (a !== rank - 1) {
    // moved dims: [0..a-1, a+1..rank-1, a] → put the last one back at a.
    for (let i = 0; i < rank; i++) inversePerm.push(i < a ? i : i === a ? rank - 1 : i - 1);
  }
  return {
    x2,
    n,
    rows,
    batchShape,
    toBatch: (t, tail) => tf.reshape(t, [...batchShape, ...tail]),
    toInput: (t) => {
      const r = tf.reshape(t, movedShape);
      return a === rank - 1 ? r : tf.transpose(r, inversePerm);
    },
  };
}

/** Throws unless `value` is undefined or a boolean. */
export function optionalBoolean(op: string, arg: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new RelaxError(op, arg, "a boolean", describe(value));
  return value;
}

/** Rejects explicit `null` for numeric options (undefined means "use the default"; null is a mistake). */
export function rejectNull(op: string, options: object | undefined, keys: string[]): void {
  if (!options) return;
  for (const key of keys) {
    if ((options as Record<string, unknown>)[key] === null) throw new RelaxError(op, key, "a number (or left out for the default)", "null");
  }
}
