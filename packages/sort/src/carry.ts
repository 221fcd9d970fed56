import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  RelaxSoftPermute,
  assertFinite,
  runFusedKernel,
  stopGradient,
  toFloatTensor,
  useFused,
  type RelaxSoftPermuteAttrs,
  type TensorInput,
} from "@relax/core";
import "./kernels/register.js";
import { argsortOneHot } from "./hard_permutation.js";
import { getNetwork } from "./networks.js";
import { diffSortReferenceUnchecked } from "./reference.js";
import type { RowView } from "./rows.js";

/** Other data `y` viewed as `[rows, n, d]` rows matching a {@link RowView} of x, plus the way back (internal). */
export interface CarryView {
  /** `[rows, n, d]` float32 (made on first access, after every check). */
  y3: tf.Tensor3D;
  d: number;
  /** `[rows, m, d]` (m = n, or k for top-k) back to the layout of y (the sorted axis where it was, m long). */
  toOutput(t: tf.Tensor): tf.Tensor;
}

/**
 * Validates `carry` against x's view: the shape of x (d = 1) or that shape plus a trailing feature axis
 * (`[..., n, d]`, d ≥ 1), finite. A mismatch is a {@link RelaxError} naming `arg`. Records no op until
 * `y3` is read (call inside `tf.tidy`).
 */
export function carryView(op: string, arg: string, carry: TensorInput, axis: number, view: RowView): CarryView {
  const yt = toFloatTensor(op, arg, carry);
  const R = view.batchShape.length + 1;
  const a = axis < 0 ? axis + R : axis;
  const xShape = [...view.batchShape.slice(0, a), view.n, ...view.batchShape.slice(a)];
  const same = yt.rank === R && yt.shape.every((s, i) => s === xShape[i]);
  const extra = yt.rank === R + 1 && xShape.every((s, i) => s === yt.shape[i]) && (yt.shape[R] as number) >= 1;
  if (!same && !extra) {
    const xs = xShape.join(", ");
    throw new RelaxError(op, arg, `the shape of x [${xs}] or [${xs}, d] (one d-vector per entry of x)`, `shape [${yt.shape.join(", ")}]`);
  }
  assertFinite(op, arg, yt, carry);
  const d = same ? 1 : (yt.shape[R] as number);
  // y with x's sorted axis moved to R − 1 (before d): the batch axes in order, then n, then d.
  const batchAxes = xShape.map((_, i) => i).filter((i) => i !== a);
  const moveTo = [...batchAxes, a, ...(same ? [] : [R])];
  const moved = a !== R - 1;
  const inverse: number[] = [];
  for (let i = 0; i < moveTo.length; i++) inverse[moveTo[i] as number] = i;
  let y3: tf.Tensor3D | undefined;
  return {
    get y3() {
      y3 ??= tf.reshape(moved ? tf.transpose(yt, moveTo) : yt, [view.rows, view.n, d]) as tf.Tensor3D;
      return y3;
    },
    d,
    toOutput: (t) => {
      const m = t.shape[1] as number;
      const r = tf.reshape(t, [...view.batchShape, m, ...(same ? [] : [d])]);
      return moved ? tf.transpose(r, inverse) : r;
    },
  };
}

/**
 * `P · y3` (or `Pᵀ · y3` with `transpose`) for `x2: [rows, n]`, `y3: [rows, n, d]` → `[rows, n, d]`: the fused
 * kernel (O(depth·n·d) per row, no n×n matrix) or the reference (P formed by the composed network, then a
 * batched matMul). With `hard`, the exact permutation forward and the relaxed gradient backward (internal).
 */
export function softPermuteRows(x2: tf.Tensor2D, y3: tf.Tensor3D, attrs: RelaxSoftPermuteAttrs): tf.Tensor3D {
  if (useFused(RelaxSoftPermute, attrs)) return runFusedKernel<tf.Tensor3D>(RelaxSoftPermute, { x: x2, y: y3 }, attrs);
  const n = x2.shape[1];
  const layers = getNetwork(attrs.network, n, attrs.k).layers;
  let P = diffSortReferenceUnchecked(x2, layers, attrs, true).permutation as tf.Tensor3D;
  if (attrs.descending) P = tf.reverse(P, 1);
  let out = tf.matMul(P, y3, attrs.transpose, false) as tf.Tensor3D;
  if (attrs.hard) {
    const hard = tf.matMul(argsortOneHot(x2, attrs.descending), stopGradient(y3), attrs.transpose, false);
    out = tf.add(hard, tf.sub(out, stopGradient(out))) as tf.Tensor3D;
  }
  return out;
}
