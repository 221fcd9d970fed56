import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { assertOptions, hostValues, toFloatTensor, type TensorInput } from "../validate.js";
import { resolveSteepness, type SteepnessOption } from "./steepness.js";

/** Options of the soft min / max / argmin / argmax. */
export interface SoftMinMaxOptions extends SteepnessOption {
  /** Axis of the k candidates (default −1). */
  axis?: number;
}

const KEYS = ["steepness", "beta", "axis"] as const;

/**
 * Validates options and x (inside the caller's tidy, so the float32 copy of an array is disposed).
 * `padding` is the infinity that is meaningful padding for this op (+∞ for min, −∞ for max): such
 * candidates get weight exactly 0; NaN, the other infinity, and a slice with no finite candidate are rejected.
 */
function prepare(op: string, x: TensorInput, options: SoftMinMaxOptions, padding: number): { xt: tf.Tensor; beta: number; axis: number } {
  const opts = assertOptions<SoftMinMaxOptions>(op, options, KEYS);
  const beta = resolveSteepness(op, opts, 10);
  const xt = toFloatTensor(op, "x", x);
  if (xt.rank < 1 || xt.size === 0) {
    throw new RelaxError(op, "x", "a non-empty tensor of rank ≥ 1 (candidates along `axis`)", `[${xt.shape.join(", ")}]`);
  }
  const axis = opts.axis === undefined ? -1 : opts.axis;
  if (typeof axis !== "number" || !Number.isInteger(axis) || axis < -xt.rank || axis >= xt.rank) {
    throw new RelaxError(op, "axis", `an integer in [${-xt.rank}, ${xt.rank - 1}]`, describe(axis));
  }
  const ax = axis < 0 ? axis + xt.rank : axis;
  assertCandidates(op, xt, ax, padding);
  return { xt, beta, axis: ax };
}

/** One scan (host backends, input checks on): no NaN, no −padding, and at least one finite candidate per slice. */
function assertCandidates(op: string, x: tf.Tensor, axis: number, padding: number): void {
  const data = hostValues(x);
  if (data === null) return;
  const k = x.shape[axis] as number;
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = x.size / (k * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let finite = false;
      for (let j = 0; j < k; j++) {
        const at = (o * k + j) * inner + i;
        const v = data[at] as number;
        if (Number.isFinite(v)) finite = true;
        else if (v !== padding) {
          const allowed = padding > 0 ? "+Infinity padding" : "-Infinity padding";
          throw new RelaxError(op, "x", `finite or ${allowed} (no NaN)`, `${describe(v)} at flat index ${at}`);
        }
      }
      if (!finite) {
        throw new RelaxError(
          op,
          "x",
          "at least one finite candidate along `axis` in every slice",
          `only padding in slice ${o * inner + i}`,
        );
      }
    }
  }
}

/**
 * softmax(s·β·x) along `axis`, keeping x's shape. The shift by the extreme value happens *before*
 * scaling by β, z = s·β·(x − x*) ≤ 0 with max z = 0, so no overflow for any β and no float32 loss of
 * the O(1) differences that a shift of the huge values β·x would round away.
 */
function weights(x: tf.Tensor, signedBeta: number, axis: number): tf.Tensor {
  // Padding (±∞ on the side that never wins) gives z = −∞ and weight exactly 0.
  const ref = signedBeta > 0 ? tf.max(x, axis, true) : tf.min(x, axis, true);
  const z = tf.mul(tf.sub(x, ref), signedBeta);
  const e = tf.exp(z);
  return tf.div(e, tf.sum(e, axis, true));
}

/** Σ w·x along `axis`, with padding entries (weight 0) read as 0 so that 0·∞ never makes a NaN, forward or backward. */
function softValue(x: tf.Tensor, w: tf.Tensor, axis: number): tf.Tensor {
  const finite = tf.where(tf.isFinite(x), x, tf.zerosLike(x));
  return tf.sum(tf.mul(w, finite), axis);
}

/**
 * Soft argmin: the weights softmax(−β·x) over k candidates (AlgoVision `ArgMin`, Petersen et al.
 * NeurIPS 2021): the probability that each candidate is the minimum under Gumbel noise of scale 1/β.
 * `+Infinity` entries are padding (weight exactly 0, zero gradient); NaN, `-Infinity` and a slice of
 * padding only throw a `RelaxError`.
 *
 * @param x `[batch, k]` candidates (any rank; candidates along `axis`)
 * @param options `steepness` β (default 10; `beta` is its deprecated name), `axis` (default −1)
 * @returns weights of x's shape, summing to 1 along `axis`
 * @example
 * softArgMin([[0, 1, 2]], { steepness: 1 });   // [[0.665, 0.245, 0.090]]
 * softArgMin(costs, { steepness: 50 });        // ≈ one-hot of the argmin
 * softArgMin(x, { axis: 0 });
 */
export function softArgMin(x: TensorInput, options: SoftMinMaxOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const { xt, beta, axis } = prepare("softArgMin", x, options, Infinity);
    return weights(xt, -beta, axis);
  });
}

/**
 * Soft argmax: the weights softmax(β·x) over k candidates (AlgoVision `ArgMax`). `-Infinity` entries
 * are padding (weight exactly 0, zero gradient); NaN, `+Infinity` and a slice of padding only throw.
 *
 * @param x `[batch, k]` candidates
 * @param options `steepness` β (default 10; `beta` is its deprecated name), `axis` (default −1)
 * @returns weights of x's shape, summing to 1 along `axis`
 * @example
 * softArgMax([[0, 1, 2]], { steepness: 1 });   // [[0.090, 0.245, 0.665]]
 * softArgMax(scores, { steepness: 50 });
 * softArgMax(x, { axis: 0 });
 */
export function softArgMax(x: TensorInput, options: SoftMinMaxOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const { xt, beta, axis } = prepare("softArgMax", x, options, -Infinity);
    return weights(xt, beta, axis);
  });
}

/**
 * Soft minimum Σ_i softmax(−β·x)_i · x_i over k candidates (AlgoVision `Min`): the expected value of
 * the relaxed argmin; → min as β → ∞ (used by relaxed shortest paths and edit distances).
 * `+Infinity` entries are padding: they never win, add nothing and get zero gradient (e.g. ragged rows
 * padded to k); NaN, `-Infinity` and a slice of padding only throw a `RelaxError`.
 *
 * @param x `[batch, k]` candidates
 * @param options `steepness` β (default 10; `beta` is its deprecated name), `axis` (default −1)
 * @returns `[batch]` (x with `axis` removed)
 * @example
 * softMin([[0, 1, 2]], { steepness: 1 });    // [0.425]
 * softMin([[3, 1, 2]], { steepness: 100 });  // ≈ [1]
 * softMin(tf.stack([d1, d2, d3], -1));  // relaxed min of three tensors
 */
export function softMin(x: TensorInput, options: SoftMinMaxOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const { xt, beta, axis } = prepare("softMin", x, options, Infinity);
    return softValue(xt, weights(xt, -beta, axis), axis);
  });
}

/**
 * Soft maximum Σ_i softmax(β·x)_i · x_i over k candidates (AlgoVision `Max`). `-Infinity` entries are
 * padding (they never win, add nothing, zero gradient); NaN, `+Infinity` and a slice of padding only throw.
 *
 * @param x `[batch, k]` candidates
 * @param options `steepness` β (default 10; `beta` is its deprecated name), `axis` (default −1)
 * @returns `[batch]` (x with `axis` removed)
 * @example
 * softMax([[0, 1, 2]], { steepness: 1 });    // [1.575]
 * softMax([[3, 1, 2]], { steepness: 100 });  // ≈ [3]
 * softMax(x, { axis: 0 });
 */
export function softMax(x: TensorInput, options: SoftMinMaxOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const { xt, beta, axis } = prepare("softMax", x, options, -Infinity);
    return softValue(xt, weights(xt, beta, axis), axis);
  });
}
