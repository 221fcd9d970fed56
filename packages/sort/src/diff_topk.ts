import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  assertInteger,
  assertOneOf,
  comparatorSigmoid,
  describe,
  optionalBoolean,
  stopGradient,
  type ComparatorDistribution,
  type TensorInput,
} from "@relax/core";
import { TOPK_NETWORKS, type TopKNetworkType } from "./networks.js";
import { checkOptions, COMPARATOR_KEYS, optionKeys } from "./options.js";
import { toRows, assertNetworkSize } from "./rows.js";
import { selectRows } from "./select.js";
import { carryView, softPermuteRows } from "./carry.js";
import { argsortOneHot } from "./hard_permutation.js";
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
  /**
   * `true` (default): the k largest, largest first. `false`: the k smallest, smallest first (the k largest
   * of −x, through the same network).
   */
  descending?: boolean;
  /** Straight-through: the exact top k (stable argsort) forward, the relaxed gradient backward (default false). */
  hard?: boolean;
  /** Return only the soft top-k values `[..., k]` (O(depth·n) per row, no `[k, n]` matrix; default false). */
  valuesOnly?: boolean;
  /**
   * Other data to select by the same relaxed top-k, without forming the `[k, n]` matrix: the shape of x or
   * `[...shape of x, d]`; the result is then the soft top-k rows of it, `[..., k]` or `[..., k, d]`
   * (O(depth·n·d) per row). Gradients flow to x and to carry.
   */
  carry?: TensorInput;
}

const DIFF_TOPK_KEYS = optionKeys<DiffTopKOptions>({
  ...COMPARATOR_KEYS,
  network: true,
  axis: true,
  descending: true,
  hard: true,
  valuesOnly: true,
  carry: true,
});

/**
 * Differentiable top-k (Petersen et al., "Differentiable Top-k Classification Learning", ICML 2022):
 * the k rows of the relaxed permutation matrix that belong to the k largest positions, built right-to-left
 * through the network so only k rows are ever formed (O(depth·n·k) per row).
 *
 * @param x `[batch, n]` scores (or `[n]`, leading batch dims, `axis`). −∞ entries are accepted as
 *   padding (e.g. rows of different lengths padded to n): they rank below every finite score, never enter
 *   the top k while enough finite entries exist, and get gradient 0 (internally −∞ → −1e30; with
 *   `descending: false` they are the smallest, so they are selected first). Other entries
 *   must be finite with |x| ≤ 1e30; NaN, +∞ or larger magnitudes are a `RelaxError`.
 * @param k number of top elements, an integer 1 ≤ k ≤ n
 * @param options an object with only these keys (unknown keys or `null` are a `RelaxError`): network ('bitonic'),
 *   distribution ('cauchy'), steepness (10, or 'auto'), artLambda (0.25), axis (−1), descending (true: the k largest),
 *   hard (false), valuesOnly (false), carry (none; not with valuesOnly)
 * @returns `[...batch, k, n]`: row j is the soft one-hot of the (j+1)-th largest input (the (j+1)-th smallest
 *   with `descending: false`; the difftopk code/golden files use `[batch, n, k]` with ascending columns:
 *   `ours[b, j, i] = theirs[b][i][k−1−j]`). With `valuesOnly`: `[...batch, k]`, the soft top-k values. With
 *   `carry`: the soft top-k rows of carry, `[...batch, k]` or `[...batch, k, d]`.
 * @example
 * const top = diffTopK(tf.tensor2d([[0.1, 3, 2]]), 2, { network: "splitter_selection" });
 * // top[0] ≈ [[0, 1, 0], [0, 0, 1]]
 * const best = diffTopK(scores, 2, { valuesOnly: true, hard: true }); // exact top-2 values, soft gradient
 * const picked = diffTopK(scores, 2, { carry: embeddings }); // [batch, 2, d]: embeddings of the soft top 2
 */
export function diffTopK(x: TensorInput, k: number, options: DiffTopKOptions = {}): tf.Tensor {
  const op = "diffTopK";
  const checked = checkOptions<DiffTopKOptions>(op, options, DIFF_TOPK_KEYS);
  const o = resolveAutoSteepness(checked, sortedLength(x, checked.axis), "bitonic");
  const network = assertOneOf(op, "network", o.network ?? "bitonic", TOPK_NETWORKS);
  const sig = comparatorSigmoid(op, o);
  assertInteger(op, "k", k, 1);
  const comparator = { distribution: sig.distribution, steepness: sig.steepness, artLambda: sig.artLambda };
  const largest = optionalBoolean(op, "descending", o.descending, true);
  const hard = optionalBoolean(op, "hard", o.hard, false);
  const valuesOnly = optionalBoolean(op, "valuesOnly", o.valuesOnly, false);
  if (valuesOnly && o.carry !== undefined)
    throw new RelaxError(op, "valuesOnly", "left out with carry (carry returns the selected rows of carry)", "true");
  return tf.tidy(() => {
    const view = toRows(op, x, o.axis, "x", true);
    assertNetworkSize(op, "x", view.n);
    if (k > view.n) throw new RelaxError(op, "k", `an integer in [1, n = ${view.n}]`, describe(k));
    const carry = o.carry === undefined ? null : carryView(op, "carry", o.carry, o.axis ?? -1, view);
    const { rows, n } = view;
    // the k smallest are the k largest of −x
    const s2 = largest ? view.x2 : tf.neg(view.x2);
    if (valuesOnly || carry) {
      const attrs = { network, k, ...comparator, descending: true, transpose: false, hard };
      const y3 = carry ? carry.y3 : (tf.reshape(s2, [rows, n, 1]) as tf.Tensor3D);
      const top = tf.slice(softPermuteRows(s2, y3, attrs), [0, 0, 0], [rows, k, carry ? carry.d : 1]);
      if (carry) return carry.toOutput(top);
      const values = tf.reshape(top, [rows, k]);
      return view.toBatch(largest ? values : tf.neg(values), [k]);
    }
    let y: tf.Tensor = selectRows(s2, { network, k, init: "topk", ...comparator });
    if (hard) {
      const exact = tf.slice(argsortOneHot(s2, true), [0, 0, 0], [rows, k, n]);
      y = tf.add(exact, tf.sub(y, stopGradient(y)));
    }
    return view.toBatch(y, [k, n]);
  });
}
