import * as tf from "@tensorflow/tfjs-core";
import { MAX_NETWORK_WIRES, RelaxError, assertInteger, describe, hostValues, toFloatTensor, type TensorInput } from "@relax/core";
import { constantOp } from "./hard_permutation.js";
import { ensureFastBroadcast } from "./kernels/cpu_broadcast.js";

/**
 * The finite stand-in for a −∞ entry in ops that accept −∞ padding ({@link toRows} with `negInfPadding`):
 * far below any practical score, yet `β·(x − pad)` stays finite in float32 for β ≤ 1e8 and |x| ≤ 1e29, so
 * every comparator against a padded entry is decided exactly (weights 0 / 1, gradient 0).
 */
export const NEG_INF_PAD = -1e30;

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
 * Validates `x` (any rank ≥ 1, finite with |x| ≤ 1e30, n ≥ 1 along `axis`, default last) and views it as `[rows, n]`.
 * With `negInfPadding`, −∞ entries are accepted (NaN and +∞ are not) and replaced by {@link NEG_INF_PAD}.
 * Must be called inside `tf.tidy`. Validation records no op on a gradient tape; `x2` (the transpose /
 * reshape / padding) is made on first access, so a caller can finish its own checks first: under `tf.grad`
 * an op recorded before a throw leaves its saved tensors behind (tfjs disposes them only after backprop).
 */
export function toRows(op: string, x: TensorInput, axis: number | undefined = -1, arg = "x", negInfPadding = false): RowView {
  ensureFastBroadcast();
  const xt = toFloatTensor(op, arg, x);
  if (xt.rank < 1) throw new RelaxError(op, arg, "a tensor of rank ≥ 1 ([n] or [batch, n])", `[${xt.shape.join(", ")}] (a scalar)`);
  const rank = xt.rank;
  const ax = assertInteger(op, "axis", axis, -rank, rank - 1);
  const a = ax < 0 ? ax + rank : ax;
  const n = xt.shape[a] as number;
  if (n < 1) throw new RelaxError(op, arg, "at least one element along the sorted axis (n ≥ 1)", `shape [${xt.shape.join(", ")}]`);
  const pad = scanEntries(op, arg, xt, x, negInfPadding);
  const batchShape = xt.shape.filter((_, i) => i !== a);
  const rows = batchShape.reduce((p, q) => p * q, 1);
  let x2: tf.Tensor2D | undefined;
  const view = (): tf.Tensor2D => {
    const padded = pad ? tf.where(negInfMask(xt), tf.fill(xt.shape, NEG_INF_PAD), xt) : xt;
    const moved = a === rank - 1 ? padded : tf.transpose(padded, [...batchShape.map((_, i) => (i < a ? i : i + 1)), a]);
    return tf.reshape(moved, [rows, n]) as tf.Tensor2D;
  };
  const movedShape = [...batchShape, n];
  const inversePerm: number[] = [];
  if (a !== rank - 1) {
    // moved dims: [0..a-1, a+1..rank-1, a] → put the last one back at a.
    for (let i = 0; i < rank; i++) inversePerm.push(i < a ? i : i === a ? rank - 1 : i - 1);
  }
  return {
    get x2() {
      x2 ??= view();
      return x2;
    },
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

/**
 * Largest |entry| the sorting ops accept (1e30): beyond it differences of two entries, softmax logits and
 * |x_i − x_j|^pow overflow (float32 ends at 3.4e38), so a larger entry is a `RelaxError` rather than a NaN.
 */
export const MAX_ABS_ENTRY = 1e30;

/**
 * The one scan of `x` (what `hostValues` can read: array input anywhere, tensors on the host backends; like `assertFinite`): NaN, +∞, |x| > 1e30
 * and (unless `negInfPadding`) −∞ are a {@link RelaxError}. Returns whether −∞ entries need replacing by
 * {@link NEG_INF_PAD}; without a scan (GPU backends, checks off) true when `negInfPadding`: −∞ is then
 * replaced by one elementwise `where` whether present or not.
 */
function scanEntries(op: string, arg: string, x: tf.Tensor, source: unknown, negInfPadding: boolean): boolean {
  const data = hostValues(x, source);
  if (data === null) return negInfPadding;
  const max = Math.fround(MAX_ABS_ENTRY); // the float32 the user's 1e30 became
  let negInf = false;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (v >= -max && v <= max) continue;
    if (negInfPadding && v === Number.NEGATIVE_INFINITY) negInf = true;
    else {
      const expected = negInfPadding ? "finite with |x| ≤ 1e30, or −∞ (padding)" : "finite with |x| ≤ 1e30 (no NaN or ±Inf)";
      throw new RelaxError(op, arg, expected, `${describe(v)} at flat index ${i}`);
    }
  }
  return negInf;
}

/** The −∞ entries as a constant mask (no gradient; tfjs has none for `equal`): `where` sends dy to the rest. */
const negInfMask = constantOp((v) => tf.equal(v, Number.NEGATIVE_INFINITY));

/** Throws unless a sorting network can be built over the `n` entries of `arg` (n ≤ `MAX_NETWORK_WIRES`), naming `op`. */
export function assertNetworkSize(op: string, arg: string, n: number): void {
  if (n > MAX_NETWORK_WIRES) {
    throw new RelaxError(op, arg, `at most ${MAX_NETWORK_WIRES} entries along the sorted axis (a sorting network's wires)`, `n = ${n}`);
  }
}
