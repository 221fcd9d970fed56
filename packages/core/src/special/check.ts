import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { hostValues, toFloatTensor, type TensorInput } from "../validate.js";

/** @internal The RelaxError of a scalar special function `op` given NaN. */
export function nanInput(op: string): RelaxError {
  return new RelaxError(op, "x", "a number, not NaN", "NaN");
}

/**
 * @internal Throws a RelaxError on a NaN entry of `x` when input checks are on and the backend is a host
 * one (`cpu`, `wasm`): there the scan costs no GPU read-back; on GPU backends it is skipped (NaN in, NaN out).
 */
export function assertNoNaN(op: string, arg: string, x: tf.Tensor): void {
  const data = hostValues(x);
  if (data === null) return;
  for (let i = 0; i < data.length; i++) {
    if (Number.isNaN(data[i] as number)) throw new RelaxError(op, arg, "free of NaN (±Infinity allowed)", `NaN at flat index ${i}`);
  }
}

/**
 * @internal Runs a unary tensor function on `x` converted to float32 (RelaxError for non-numeric input, NaN scan as
 * {@link assertNoNaN}) inside `tf.tidy`, so the float32 copy of an array or non-float32 input is not leaked.
 */
export function unaryOp(op: string, x: TensorInput, f: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const t = toFloatTensor(op, "x", x);
    assertNoNaN(op, "x", t);
    return f(t);
  });
}
