import type * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertOptions, describe, type TensorInput } from "@relax/core";
import { topKCrossEntropy, type TopKCrossEntropyOptions } from "@relax/sort";
import type { Batch } from "../loop/train.js";

/** Options of {@link topKLoss}: `@relax/sort`'s top-k cross-entropy options without the reduction. */
export type TopKLossOptions = Omit<TopKCrossEntropyOptions, "reduction">;

const TOPK_KEYS = ["pK", "method", "m", "mode", "steepness", "distribution", "artLambda"] as const;

/**
 * Top-k cross-entropy per sample (Petersen et al., "Differentiable Top-k Classification Learning", ICML 2022):
 * `p = P_1·softmax(s) + Σ_{k≥2} P_k·Σ_{r≤k} P_topk[:, r]` from a differentiable top-k network, NLL of `p` at the true
 * class — `@relax/sort`'s `topKCrossEntropy` with `reduction: 'none'`, so that Newton strategies can wrap it.
 *
 * @param logits `[N, C]` class scores (finite; −∞ masks a class, as in `topKCrossEntropy`)
 * @param labels `[N]` integer labels in [0, C)
 * @param options `pK` (required, e.g. `[0.5, 0, 0, 0, 0.5]`), method 'splitter_selection', m (all), mode 'sm', steepness 1, distribution 'cauchy'
 * @returns `[N]` per-sample losses
 * @example
 * const l = topKLoss(logits, labels, { pK: [0.5, 0, 0, 0, 0.5], steepness: 10 });   // [N]
 * const g = tf.grad((z) => tf.mean(topKLoss(z, labels, { pK: [0.2, 0.2, 0.2, 0.2, 0.2] })))(logits);
 */
export function topKLoss(logits: TensorInput, labels: TensorInput | number[], options: TopKLossOptions): tf.Tensor1D {
  const op = "topKLoss";
  if (options === undefined) throw new RelaxError(op, "options", "{pK, ...}", describe(options));
  const o = assertOptions<TopKLossOptions>(op, options, TOPK_KEYS);
  // topKCrossEntropy validates the logits: NaN and +∞ are errors, −∞ masks a class (it ranks last, gradient 0)
  return topKCrossEntropy(logits, labels, { ...o, reduction: "none" }) as tf.Tensor1D;
}

/**
 * Top-k supervision as a per-sample loss for {@link trainWithAlgorithm}: `y [N, C]` logits against integer
 * labels `batch.target [N]`, through {@link topKLoss}.
 *
 * @example
 * await trainWithAlgorithm({ model, data, steps, loss: topKSupervision({ pK: [0.5, 0, 0, 0, 0.5], m: 16 }) });
 */
export function topKSupervision(options: TopKLossOptions): (y: tf.Tensor2D, batch: Batch) => tf.Tensor1D {
  if (options === undefined) throw new RelaxError("topKSupervision", "options", "{pK, ...}", describe(options));
  assertOptions<TopKLossOptions>("topKSupervision", options, TOPK_KEYS);
  return (y, batch) => topKLoss(y, batch.target, options);
}
