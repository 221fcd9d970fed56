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
import { checkOptions, COMPARATOR_KEYS, optionKeys } from "./options.js";
import { toRows, assertNetworkSize } from "./rows.js";
import { selectRows } from "./select.js";
import { resolveAutoSteepness, sortedLength } from "./auto_steepness.js";

/** Options of {@link diffTopK}. */
export interface DiffTopKOptions {
  /** `'odd_even'`, `'bitonic'` or `'splitter_selection'` (default `'bitonic'`; splitter needs the fewest layers for small k). */
  network?: TopKNetworkType;
  /** Comparator relaxation (default `'cauchy'`). */
  distribution?: ComparatorDistribution;
  /** Inverse temperature β (default 10); `'auto'`: {@link autoSteepness} for n and the network. */
  steepness?: number | "auto";
  /** ART λ for `'logistic_phi'` (default 0.25; the top-k paper uses 0.5). */
  artLambda?: number;
  /** Axis holding the n scores (default −1). */
  axis?: number;
}

const DIFF_TOPK_KEYS = optionKeys<DiffTopKOptions>({ ...COMPARATOR_KEYS, network: true, axis: true });

/**
 * Differentiable top-k (Petersen et al., "Differentiable Top-k Classification Learning", ICML 2022):
 * the k rows of the relaxed permutation matrix that belong to the k largest positions, built right-to-left
 * through the network so only k rows are ever formed (O(depth·n·k) per row).
 *
 * @param x `[batch, n]` scores (or `[n]`, leading batch dims, `axis`). −∞ entries are accepted as
 *   padding (e.g. rows of different lengths padded to n): they rank below every finite score, never enter
 *   the top k while enough finite entries exist, and get gradient 0 (internally −∞ → −1e30). Other entries
 *   must be finite with |x| ≤ 1e30; NaN, +∞ or larger magnitudes are a `RelaxError`.
 * @param k number of top elements, an integer 1 ≤ k ≤ n
 * @param options an object with only these keys (unknown keys or `null` are a `RelaxError`): network ('bitonic'), distribution ('cauchy'), steepness (10, or 'auto'), artLambda (0.25), axis (−1)
 * @returns `[...batch, k, n]`: row j is the soft one-hot of the (j+1)-th largest input
 *   (the difftopk code/golden files use `[batch, n, k]` with ascending columns: `ours[b, j, i] = theirs[b][i][k−1−j]`)
 * @example
 * const top = diffTopK(tf.tensor2d([[0.1, 3, 2]]), 2, { network: "splitter_selection" });
 * // top[0] ≈ [[0, 1, 0], [0, 0, 1]]
 */
export function diffTopK(x: TensorInput, k: number, options: DiffTopKOptions = {}): tf.Tensor {
  const op = "diffTopK";
  const checked = checkOptions<DiffTopKOptions>(op, options, DIFF_TOPK_KEYS);
  const o = resolveAutoSteepness(checked, sortedLength(x, checked.axis), "bitonic");
  const network = assertOneOf(op, "network", o.network ?? "bitonic", TOPK_NETWORKS);
  const sig = comparatorSigmoid(op, o);
  assertInteger(op, "k", k, 1);
  return tf.tidy(() => {
    const view = toRows(op, x, o.axis, "x", true);
    assertNetworkSize(op, "x", view.n);
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
