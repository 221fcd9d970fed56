import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertInteger, describe } from "@relax/core";
import type { RankingLossOptions } from "@relax/sort";
import type { Batch } from "../loop/train.js";
import { type EditDistanceSupervisionOptions, editDistanceSupervision } from "../losses/edit_distance.js";
import { rankingSupervision } from "../losses/ranking.js";
import { type ShortestPathLossOptions, pathSupervision } from "../losses/shortest_path.js";
import { type TopKLossOptions, topKSupervision } from "../losses/topk.js";
import { type NewtonOptions, newtonLoss } from "../newton/newton_loss.js";

/**
 * A Keras-style loss: `(yTrue, yPred) → [batch]` per-sample losses (tfjs-layers averages them), usable as
 * `model.compile({ loss })` and, averaged, in an `optimizer.minimize` loop.
 */
export type KerasLoss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

function check(op: string, yTrue: unknown, yPred: unknown): void {
  for (const [name, t] of [
    ["yTrue", yTrue],
    ["yPred", yPred],
  ] as const) {
    if (!(t instanceof tf.Tensor) || t.isDisposed) throw new RelaxError(op, name, "a live tensor", describe(t));
  }
}

/** A 2-D view `[batch, rest]` of `t` (a `[batch, n, 1]` output of a layers model is read as `[batch, n]`). */
function rows(t: tf.Tensor): tf.Tensor2D {
  return tf.reshape(t, [t.shape[0] as number, -1]) as tf.Tensor2D;
}

/** Runs a `trainWithAlgorithm` supervision (reads only `batch.target`) as a Keras loss. */
function viaSupervision(sup: (y: tf.Tensor2D, batch: Batch) => tf.Tensor1D, y: tf.Tensor2D, target: tf.Tensor): tf.Tensor1D {
  return sup(y, { x: y, target });
}

/**
 * Ranking supervision (Petersen et al., ICML 2021) as a Keras loss. Layout: `yPred [batch, n]` (or `[batch, n, 1]`)
 * scores of the n items of each set; `yTrue` the same shape, the values whose order is the label (e.g. the 4-digit
 * numbers shown in the images). Per set: BCE between the relaxed permutation matrix of `yPred` and the true
 * permutation, the same numbers as `rankingSupervision(options)` / `@relax/sort`'s `rankingLoss(…, {reduction: 'none'})`.
 *
 * @param options sorting network ('odd_even'), distribution ('cauchy'), steepness (10), … as `rankingSupervision`
 * @example
 * model.compile({ optimizer: tf.train.adam(1e-3), loss: rankingLossFn({ steepness: 10 }) }); // model: [batch, n, ...] → [batch, n]
 */
export function rankingLossFn(options: Omit<RankingLossOptions, "reduction"> = {}): KerasLoss {
  const sup = rankingSupervision(options);
  return (yTrue, yPred) => {
    check("rankingLossFn", yTrue, yPred);
    return tf.tidy(() => viaSupervision(sup, rows(yPred), rows(yTrue)));
  };
}

/**
 * Top-k cross-entropy (Petersen et al., ICML 2022) as a Keras loss. Layout: `yPred [batch, C]` class logits; `yTrue`
 * `[batch, C]` one-hot labels (the layout `model.fit` needs: the same shape as the output), or `[batch]` / `[batch, 1]`
 * integer labels in a custom `optimizer.minimize` loop. The same numbers as `topKLoss(yPred, labels, options)`.
 *
 * @param options `pK` (required, e.g. `[0.5, 0, 0, 0, 0.5]`) and the other `topKLoss` options
 * @example
 * model.compile({ optimizer: "adam", loss: topKLossFn({ pK: [0.5, 0, 0, 0, 0.5], m: 16 }) });
 */
export function topKLossFn(options: TopKLossOptions): KerasLoss {
  const sup = topKSupervision(options);
  return (yTrue, yPred) => {
    check("topKLossFn", yTrue, yPred);
    return tf.tidy(() => {
      const y = rows(yPred);
      const oneHot = yTrue.rank === 2 && yTrue.shape[1] === y.shape[1] && y.shape[1] !== 1;
      const labels = oneHot ? tf.argMax(yTrue, 1) : tf.cast(tf.reshape(yTrue, [-1]), "int32");
      return viaSupervision(sup, y, labels);
    });
  };
}

/**
 * Shortest-path supervision (AlgoVision, NeurIPS 2021) as a Keras loss. Layout: `yPred [batch, H·W]` (or
 * `[batch, H, W]`, `[batch, H, W, 1]`) non-negative vertex costs (end the model with a softplus); `yTrue` the true
 * path indicator (0/1) of the same shape (a `[batch, H·W]` layout is read as square maps). The same numbers as
 * `pathSupervision(options)` / `shortestPathLoss`.
 *
 * @example
 * model.compile({ optimizer: "adam", loss: shortestPathLossFn({ steepness: 10 }) });
 */
export function shortestPathLossFn(options: ShortestPathLossOptions = {}): KerasLoss {
  const sup = pathSupervision(options);
  return (yTrue, yPred) => {
    check("shortestPathLossFn", yTrue, yPred);
    return tf.tidy(() => {
      const y = rows(yPred);
      const target =
        yTrue.rank >= 3 ? tf.reshape(yTrue, [yTrue.shape[0] as number, yTrue.shape[1] as number, yTrue.shape[2] as number]) : yTrue;
      return viaSupervision(sup, y, target);
    });
  };
}

/**
 * Edit-distance supervision (AlgoVision, NeurIPS 2021) as a Keras loss. Layout: `yPred [batch, 2·length·alphabet]`
 * logits of two sequences (first half: a, second half: b); `yTrue [batch, 2·length·alphabet]` built by
 * {@link editDistanceTargets} (the true distance in column 0, the rest ignored: `model.fit` needs the output's
 * shape), or `[batch]` / `[batch, 1]` distances in a custom loop. The same numbers as `editDistanceSupervision(options)`.
 *
 * @example
 * model.compile({ optimizer: "adam", loss: editDistanceLossFn({ length: 4, alphabet: 10, steepness: 10 }) });
 * await model.fit(x, editDistanceTargets(distances, 4 * 10 * 2), { epochs: 5 });
 */
export function editDistanceLossFn(options: EditDistanceSupervisionOptions): KerasLoss {
  const sup = editDistanceSupervision(options);
  return (yTrue, yPred) => {
    check("editDistanceLossFn", yTrue, yPred);
    return tf.tidy(() => {
      const y = rows(yPred);
      const d = yTrue.rank === 2 && yTrue.shape[1] !== 1 ? tf.slice(yTrue, [0, 0], [-1, 1]) : yTrue;
      return viaSupervision(sup, y, tf.reshape(d, [-1]));
    });
  };
}

/**
 * The `yTrue` layout of {@link editDistanceLossFn} for `model.fit`: `[N, width]` with the distances in column 0.
 *
 * @param distances `[N]` true edit distances
 * @param width the model's output width `2·length·alphabet`
 * @example
 * const yTrue = editDistanceTargets([3, 0, 2], 80); // [3, 80]
 */
export function editDistanceTargets(distances: tf.Tensor | number[], width: number): tf.Tensor2D {
  assertInteger("editDistanceTargets", "width", width, 1);
  return tf.tidy(() => {
    const d = tf.reshape(distances instanceof tf.Tensor ? tf.cast(distances, "float32") : tf.tensor1d(distances), [-1, 1]);
    return tf.pad(d, [
      [0, 0],
      [0, width - 1],
    ]) as tf.Tensor2D;
  });
}

/**
 * A Newton loss (Newton Losses, NeurIPS 2024) around any Keras loss: `(yTrue, yPred) → scalar` whose gradient with
 * respect to `yPred` is a regularised Newton step of `loss` (see `newtonLoss`); `yPred` must be `[batch, m]`.
 *
 * @example
 * model.compile({ optimizer: "adam", loss: newtonLossFn(rankingLossFn({ steepness: 10 }), { variant: "fisher", lambda: 1 }) });
 */
export function newtonLossFn(loss: KerasLoss, options: NewtonOptions = {}): KerasLoss {
  if (typeof loss !== "function") throw new RelaxError("newtonLossFn", "loss", "a Keras loss (yTrue, yPred) => Tensor", describe(loss));
  return (yTrue, yPred) => {
    check("newtonLossFn", yTrue, yPred);
    return newtonLoss(rows(yPred), (y) => loss(yTrue, y) as tf.Tensor1D, options);
  };
}
