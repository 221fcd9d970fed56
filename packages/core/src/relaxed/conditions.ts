import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { assertInRange, assertOptions, inputChecksEnabled, type TensorInput } from "../validate.js";
import { binaryOperands } from "./compare.js";
import { resolveSteepness, type SteepnessOption } from "./steepness.js";

/** Options of {@link cosineSimilarity}. */
export interface CosineSimilarityOptions {
  /** Axis holding the vector components (default −1). */
  axis?: number;
  /** Lower bound on ‖u‖·‖v‖ (default 1e-8, as torch's `cosine_similarity`; in [1e-18, 1e18]). */
  eps?: number;
}

/** Options of {@link catProbEq}. */
export interface CatProbEqOptions extends CosineSimilarityOptions, SteepnessOption {}

/**
 * Throws if an entry of x is so large that k·x² > 1e18 (k components): the product of two squared norms
 * would then overflow float32 and the cosine silently become 0 or NaN. One scan; host backends, checks on.
 */
function assertMagnitude(op: string, arg: string, x: tf.Tensor, k: number): void {
  if (!inputChecksEnabled() || (tf.getBackend() !== "cpu" && tf.getBackend() !== "wasm")) return;
  const limit = 1e9 / Math.sqrt(Math.max(k, 1));
  const data = x.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (Math.abs(data[i] as number) > limit) {
      throw new RelaxError(
        op,
        arg,
        `entries with |x| ≤ ${limit.toPrecision(3)} (k·x² ≤ 1e18 keeps the norms finite in float32)`,
        `${data[i]} at flat index ${i}`,
      );
    }
  }
}

function cosine(op: string, u: TensorInput, v: TensorInput, options: CosineSimilarityOptions): tf.Tensor {
  const [ut, vt] = binaryOperands(op, u, v, ["u", "v"]);
  const rank = Math.max(ut.rank, vt.rank);
  if (rank < 1) throw new RelaxError(op, "u", "a tensor of rank ≥ 1 (vectors along `axis`)", `[${ut.shape.join(", ")}]`);
  const axis = options.axis === undefined ? -1 : options.axis;
  if (typeof axis !== "number" || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RelaxError(op, "axis", `an integer in [${-rank}, ${rank - 1}]`, describe(axis));
  }
  // eps² must stay a normal float32 (eps ≥ 1e-18), or a zero vector gives 0/0
  const eps = assertInRange(op, "eps", options.eps === undefined ? 1e-8 : options.eps, 1e-18, 1e18);
  const ax = axis < 0 ? axis + rank : axis;
  const uu = ut.rank < rank ? tf.reshape(ut, [...new Array(rank - ut.rank).fill(1), ...ut.shape]) : ut;
  const vv = vt.rank < rank ? tf.reshape(vt, [...new Array(rank - vt.rank).fill(1), ...vt.shape]) : vt;
  const k = Math.max(uu.shape[ax] as number, vv.shape[ax] as number);
  assertMagnitude(op, "u", ut, k);
  assertMagnitude(op, "v", vt, k);
  const dot = tf.sum(tf.mul(uu, vv), ax);
  const n2 = tf.mul(tf.sum(tf.square(uu), ax), tf.sum(tf.square(vv), ax));
  return tf.div(dot, tf.sqrt(tf.maximum(n2, eps * eps)));
}

/**
 * Cosine similarity u·v / max(‖u‖‖v‖, eps) along an axis (AlgoVision `CosineSimilarity`; β is not used).
 *
 * @param u `[batch, k]` (any shape broadcastable with v)
 * @param v `[batch, k]`
 * @param options `axis` (default −1), `eps` (default 1e-8)
 * @returns `[batch]` values in [−1, 1]
 * @example
 * cosineSimilarity([[1, 0]], [[1, 1]]);           // [0.7071]
 * cosineSimilarity([[0.7, 0.2, 0.1]], [[0.6, 0.3, 0.1]]); // [0.9832]
 * cosineSimilarity(u, v, { axis: 1 });
 */
export function cosineSimilarity(u: TensorInput, v: TensorInput, options: CosineSimilarityOptions = {}): tf.Tensor {
  const opts = assertOptions<CosineSimilarityOptions>("cosineSimilarity", options, ["axis", "eps"]);
  return tf.tidy(() => cosine("cosineSimilarity", u, v, opts));
}

/**
 * Relaxed equality of two categorical probability vectors: 1/cosh(β·(1 − cos(u, v))) (AlgoVision
 * `CatProbEq`; sech, not sech²). 1 when u ∥ v, decaying with their angle; stable for large β.
 *
 * @param u `[batch, k]` probability vectors (any shape broadcastable with v)
 * @param v `[batch, k]`
 * @param options `steepness` β (default 10; `beta` is its deprecated name), `axis` (default −1), `eps` (default 1e-8)
 * @returns `[batch]` values in (0, 1]
 * @example
 * catProbEq([[0.3, 0.7]], [[0.3, 0.7]]);               // [1]
 * catProbEq([[0.1, 0.1, 0.8]], [[0.8, 0.1, 0.1]], { steepness: 1 }); // [0.7761]
 * catProbEq(predicted, target, { steepness: 10 });
 */
export function catProbEq(u: TensorInput, v: TensorInput, options: CatProbEqOptions = {}): tf.Tensor {
  const op = "catProbEq";
  const opts = assertOptions<CatProbEqOptions>(op, options, ["steepness", "beta", "axis", "eps"]);
  const beta = resolveSteepness(op, opts, 10);
  return tf.tidy(() => {
    const y = tf.abs(tf.mul(tf.sub(1, cosine(op, u, v, opts)), beta));
    // sech(y) = 2e/(1 + e²), e = exp(−|y|)
    const e = tf.exp(tf.neg(y));
    return tf.div(tf.mul(2, e), tf.add(1, tf.square(e)));
  });
}
