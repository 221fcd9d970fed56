import * as tf from "@tensorflow/tfjs-core";
import { rankingLoss, type RankingLossOptions } from "@relax/sort";
import { RelaxError, assertInteger, assertOptions } from "@relax/core";
import type { Batch } from "../loop/train.js";

const RANKING_KEYS = ["network", "distribution", "steepness", "artLambda", "descending", "axis", "tau"] as const;

/**
 * Ranking supervision (Petersen et al., ICML 2021): per-set BCE between the relaxed permutation matrix of the
 * scores `y [sets, n]` and the true permutation of `batch.target [sets, n]` (via `@relax/sort`'s `rankingLoss`),
 * as a per-sample loss `[sets]` for {@link trainWithAlgorithm} and the Newton strategies. The mean over sets equals
 * the experiments' `BCELoss(P, Q)` (mean over sets·n·n).
 *
 * @param options sorting network ('odd_even'), distribution ('cauchy'), steepness (10), artLambda, tau (baselines)
 * @example
 * const loss = rankingSupervision({ network: "odd_even", distribution: "cauchy", steepness: 10 });
 * await trainWithAlgorithm({ model, data, steps, loss, forward: setScores(5) });
 */
export function rankingSupervision(options: Omit<RankingLossOptions, "reduction"> = {}): (y: tf.Tensor2D, batch: Batch) => tf.Tensor1D {
  const checked = assertOptions<Omit<RankingLossOptions, "reduction">>("rankingSupervision", options, RANKING_KEYS);
  const o = { network: "odd_even" as const, distribution: "cauchy" as const, steepness: 10, ...checked };
  return (y, batch) => rankingLoss(y, batch.target, { ...o, reduction: "none" }) as tf.Tensor1D;
}

/**
 * `forward` for sets: the model scores every image (`[sets·n, 1]`) and the scores are grouped into `[sets, n]`.
 *
 * @example
 * trainWithAlgorithm({ ..., forward: setScores(5) });
 */
export function setScores(n: number): (model: { apply(x: tf.Tensor): tf.Tensor2D }, batch: Batch) => tf.Tensor2D {
  assertInteger("setScores", "n", n, 1, 2 ** 24);
  return (model, batch) =>
    tf.tidy(() => {
      const scores = model.apply(batch.x);
      if (scores.size % n !== 0)
        throw new RelaxError("setScores", "model output", `a multiple of ${n} scores (sets of ${n})`, `[${scores.shape.join(", ")}]`);
      return tf.reshape(scores, [-1, n]) as tf.Tensor2D;
    });
}
