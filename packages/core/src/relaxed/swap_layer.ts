import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { runFusedKernel, useFused } from "../kernels/fused.js";
import { RelaxSwapLayer, type RelaxSwapLayerAttrs } from "../kernels/kernel_names.js";
import { assertFinite, assertInteger, assertOptions, assertRank, toFloatTensor } from "../validate.js";
import { COMPARATOR_OPTION_KEYS, comparatorSigmoid, type ComparatorOptions, type ComparatorSigmoid } from "./comparator_sigmoid.js";

/** One layer of a comparator network: comparator c orders wires `lo[c]` (gets the min) and `hi[c]` (gets the max). */
export interface ComparatorLayer {
  lo: number[];
  hi: number[];
}

/** Result of {@link relaxedSwapLayer}. */
export interface SwapLayerResult {
  /** `[rows, n]` values after the layer. */
  y: tf.Tensor2D;
  /** `[rows, k]` α of each comparator: the weight with which the pair stays in order. */
  alpha: tf.Tensor2D;
}

/** Validates a layer against n wires: equal lengths, integer wires in [0, n), each wire used once. */
export function validateLayer(op: string, layer: ComparatorLayer, n: number): void {
  assertInteger(op, "n", n, 0);
  if (!layer || !Array.isArray(layer.lo) || !Array.isArray(layer.hi) || layer.lo.length !== layer.hi.length) {
    throw new RelaxError(op, "layer", "{ lo: number[], hi: number[] } of equal length", describe(layer));
  }
  const used = new Set<number>();
  for (let c = 0; c < layer.lo.length; c++) {
    for (const w of [layer.lo[c], layer.hi[c]]) {
      if (typeof w !== "number" || !Number.isInteger(w) || w < 0 || w >= n || used.has(w)) {
        throw new RelaxError(op, "layer", `distinct integer wires in [0, ${n})`, `wire ${describe(w)} in comparator ${c}`);
      }
      used.add(w);
    }
  }
}

/**
 * A relaxed conditional swap applied to many disjoint wire pairs at once (one layer of a
 * differentiable sorting network; DSN, ICML 2021). For each comparator, with x = v_hi − v_lo and
 * α = f(x): `lo ← α·v_lo + (1−α)·v_hi` (relaxed min), `hi ← (1−α)·v_lo + α·v_hi` (relaxed max).
 * Runs the fused `RelaxSwapLayer` kernel when the backend has one, else a composition of tfjs ops.
 *
 * @param x `[rows, n]` values
 * @param layer the comparators of this layer
 * @param options relaxation (`distribution` default 'cauchy', `steepness` 10, `artLambda` 0.25)
 * @returns `{ y: [rows, n], alpha: [rows, k] }`
 * @example
 * const { y } = relaxedSwapLayer(tf.tensor2d([[3, 1]]), { lo: [0], hi: [1] }, { steepness: 5 });
 * // y ≈ [[1.06, 2.94]]
 */
export function relaxedSwapLayer(x: tf.Tensor2D | tf.TensorLike, layer: ComparatorLayer, options: ComparatorOptions = {}): SwapLayerResult {
  const op = "relaxedSwapLayer";
  const sig = comparatorSigmoid(op, assertOptions<ComparatorOptions>(op, options, COMPARATOR_OPTION_KEYS));
  // One tidy: the float32 copy of an array / non-float32 input is disposed, also when a check throws.
  return tf.tidy((): { y: tf.Tensor2D; alpha: tf.Tensor2D } => {
    const xt = checkedInput(op, x, layer);
    const attrs: RelaxSwapLayerAttrs = {
      lo: layer.lo,
      hi: layer.hi,
      distribution: sig.distribution,
      steepness: sig.steepness,
      artLambda: sig.artLambda,
    };
    if (!useFused(RelaxSwapLayer, attrs)) return reference(xt as tf.Tensor2D, layer, sig);
    const [y, alpha] = runFusedKernel<tf.Tensor[]>(RelaxSwapLayer, { x: xt }, attrs);
    return { y: y as tf.Tensor2D, alpha: alpha as tf.Tensor2D };
  });
}

/** x as a finite float32 `[rows, n]` tensor with `layer` valid for its n wires (call inside a tidy). */
function checkedInput(op: string, x: unknown, layer: ComparatorLayer): tf.Tensor {
  const xt = toFloatTensor(op, "x", x);
  assertRank(op, "x", xt, [2], "[rows, n]");
  validateLayer(op, layer, xt.shape[1] as number);
  assertFinite(op, "x", xt);
  return xt;
}

/**
 * Reference composition of {@link relaxedSwapLayer} from tfjs ops (slow; defines the numbers). Validates
 * like {@link relaxedSwapLayer} and is leak-free the same way; only the dispatch differs.
 *
 * @param x `[rows, n]` values
 * @param layer the comparators of this layer
 * @param options relaxation (`distribution` default 'cauchy', `steepness` 10, `artLambda` 0.25)
 * @returns `{ y: [rows, n], alpha: [rows, k] }`
 * @example
 * const { y } = swapLayerReference(tf.tensor2d([[3, 1]]), { lo: [0], hi: [1] }, { steepness: 5 });
 * // y ≈ [[1.06, 2.94]], the same numbers as relaxedSwapLayer
 */
export function swapLayerReference(
  x: tf.Tensor2D | tf.TensorLike,
  layer: ComparatorLayer,
  options: ComparatorOptions = {},
): SwapLayerResult {
  const op = "relaxedSwapLayer";
  const sig = comparatorSigmoid(op, assertOptions<ComparatorOptions>(op, options, COMPARATOR_OPTION_KEYS));
  return tf.tidy((): { y: tf.Tensor2D; alpha: tf.Tensor2D } => reference(checkedInput(op, x, layer) as tf.Tensor2D, layer, sig));
}

function reference(x: tf.Tensor2D, layer: ComparatorLayer, sig: ComparatorSigmoid): SwapLayerResult {
  return tf.tidy((): { y: tf.Tensor2D; alpha: tf.Tensor2D } => {
    const n = x.shape[1];
    const lo = tf.tensor1d(layer.lo, "int32");
    const hi = tf.tensor1d(layer.hi, "int32");
    const vLo = tf.gather(x, lo, 1);
    const vHi = tf.gather(x, hi, 1);
    const alpha = sig.fTensor(tf.sub(vHi, vLo));
    const newLo = tf.add(tf.mul(alpha, vLo), tf.mul(tf.sub(1, alpha), vHi));
    const newHi = tf.add(tf.mul(tf.sub(1, alpha), vLo), tf.mul(alpha, vHi));
    // Scatter back with one-hot selection matrices: y = x·keep + newLo·Slo + newHi·Shi.
    const keepMask = new Float32Array(n).fill(1);
    const sLo = new Float32Array(layer.lo.length * n);
    const sHi = new Float32Array(layer.hi.length * n);
    layer.lo.forEach((w, c) => {
      keepMask[w] = 0;
      sLo[c * n + w] = 1;
    });
    layer.hi.forEach((w, c) => {
      keepMask[w] = 0;
      sHi[c * n + w] = 1;
    });
    const k = layer.lo.length;
    const y = tf.addN([
      tf.mul(x, tf.tensor1d(keepMask)),
      tf.matMul(newLo, tf.tensor2d(sLo, [k, n])),
      tf.matMul(newHi, tf.tensor2d(sHi, [k, n])),
    ]) as tf.Tensor2D;
    return { y, alpha: alpha as tf.Tensor2D };
  });
}
