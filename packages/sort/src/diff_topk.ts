import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  assertInteger,
  assertOneOf,
  comparatorSigmoid,
  describe,
  type ComparatorDistribution,
  type TensorInput,
} from "@relax/core";
import { TOPK_NETWORKS, type TopKNetworkType } from "./networks.js";
import { toRows, rejectNull } from "./rows.js";
import { selectRows } from "./select.js";

/** Options of {@link diffTopK}. */
export interface DiffTopKOptions {
  /** `'odd_even'`, `'bitonic'` or `'splitter_selection'` (default `'bitonic'`; splitter needs the fewest layers for small k). */
  network?: TopKNetworkType;
  /** Comparator relaxation (default `'cauchy'`). */
  distribution?: ComparatorDistribution;
  /** Inverse temperature β (default 10). */
  steepness?: number;
  /** ART λ for `'logistic_phi'` (default 0.25; the top-k paper uses 0.5). */
  artLambda?: number;
  /** Axis holding the n scores (default −1). */
  axis?: number;
}

/**
 * Differentiable top-k (Petersen et al., "Differentiable Top-k Classification Learning", ICML 2022):
 * the k rows of the relaxed permutation matrix that belong to the k largest positions, built right-to-left
 * through the network so only k rows are ever formed (O(depth·n·k) per row).
 *
 * @param x `[batch, n]` scores (or `[n]`, leading batch dims, `axis`)
 * @param k number of top elements, 1 ≤ k ≤ n
 * @param options network ('bitonic'), distribution ('cauchy'), steepness (10), artLambda (0.25), axis (−1)
 * @returns `[...batch, k, n]`: row j is the soft one-hot of the (j+1)-th largest input
 *   (the difftopk code/golden files use `[batch, n, k]` with ascending columns: `ours[b, j, i] = theirs[b][i][k−1−j]`)
 * @example
 * const top = diffTopK(tf.tensor2d([[0.1, 3, 2]]), 2, { network: "splitter_selection" });
 * // top[0] ≈ [[0, 1, 0], [0, 0, 1]]
 */
export function diffTopK(x: TensorInput, k: number, options: DiffTopKOptions = {}): tf.Tensor {
  const op = "diffTopK";
  const network = assertOneOf(op, "network", options.network ?? "bitonic", TOPK_NETWORKS);
  rejectNull(op, options, ["steepness", "artLambda"]);
  const sig = comparatorSigmoid(op, options);
  return tf.tidy(() => {
    const view = toRows(op, x, options.axis);
    assertInteger(op, "k", k, 1);
    if (k > view.n) throw new RelaxError(op, "k", `an integer in [1, n = ${view.n}]`, describe(k));
    const y = selectRows(view.x2, {
      network,
      k,
      init: "topk",
      distribution: sig.distribution,
      steepness: sig.steepness,
      artLambda: sig.artLambda,
    });
    return view.toBatch(y, [k, view.n]);
  });
}
