import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "../errors.js";
import { assertValuesIn, toFloatTensor, type TensorInput } from "../validate.js";
import { binaryOperands } from "./compare.js";

/**
 * Relaxed `if`: the exact expectation p·then + (1 − p)·else of a branch taken with probability p
 * (AlgoVision `If`, Petersen et al. NeurIPS 2021: both branches run and are merged). p is broadcast
 * over the trailing dimensions of the values: p `[batch]` with values `[batch, ...]`.
 *
 * @param p `[batch]` probabilities in [0, 1] (its shape must be a leading part of the values' shape; a scalar is fine)
 * @param thenValue `[batch, ...]` value if the condition holds
 * @param elseValue `[batch, ...]` value otherwise (broadcastable with thenValue)
 * @returns `[batch, ...]` the merged value
 * @example
 * const p = relaxedLess(a, b);                 // [batch]
 * const y = ifElse(p, tf.mul(a, b), tf.square(a)); // E[a < b ? ab : a²]
 * ifElse([0.25], [[4, 8]], [[0, 0]]);          // [[1, 2]]
 */
export function ifElse(p: TensorInput, thenValue: TensorInput, elseValue: TensorInput): tf.Tensor {
  const op = "ifElse";
  return tf.tidy(() => {
    const pt = toFloatTensor(op, "p", p);
    const [tv, ev] = binaryOperands(op, thenValue, elseValue, ["thenValue", "elseValue"]);
    assertValuesIn(op, "p", pt, 0, 1);
    const shape = tf.broadcast_util.assertAndGetBroadcastShape(tv.shape, ev.shape);
    const lead = shape.slice(0, pt.rank);
    const fits = pt.rank <= shape.length && pt.shape.every((d, i) => d === lead[i] || d === 1 || lead[i] === 1);
    if (!fits) {
      throw new RelaxError(
        op,
        "p",
        `of shape [batch] matching the leading dimensions of the values [${shape.join(", ")}]`,
        `[${pt.shape.join(", ")}]`,
      );
    }
    const pe = tf.reshape(pt, [...pt.shape, ...new Array(shape.length - pt.rank).fill(1)]);
    return tf.add(tf.mul(pe, tv), tf.mul(tf.sub(1, pe), ev));
  });
}
