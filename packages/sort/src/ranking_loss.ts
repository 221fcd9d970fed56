import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  assertFinite,
  assertOneOf,
  assertPositive,
  describe,
  toFloatTensor,
  type TensorInput,
  optionalBoolean,
} from "@relax/core";
import { resolveAutoSteepness, sortedLength } from "./auto_steepness.js";
import { diffSortRows, resolveSortOptions, type DiffSortOptions } from "./diff_sort.js";
import { checkOptions, COMPARATOR_KEYS, optionKeys } from "./options.js";
import { neuralSortRows } from "./neural_sort.js";
import { softSortRows } from "./soft_sort.js";
import { argsortOneHot } from "./hard_permutation.js";
import { toRows, assertNetworkSize } from "./rows.js";

/** Options of {@link rankingLoss}. */
export interface RankingLossOptions extends Omit<DiffSortOptions, "valuesOnly" | "hard" | "network" | "carry"> {
  /** `'odd_even'` (default) or `'bitonic'` sorting network, or a baseline: `'neuralsort'`, `'softsort'`. */
  network?: "odd_even" | "bitonic" | "neuralsort" | "softsort";
  /** Temperature τ of the `'neuralsort'` / `'softsort'` baselines (default 1). */
  tau?: number;
  /** `'mean'` (default): one scalar, the mean over batch·n·n entries; `'none'`: per-sample losses `[...batch]`. */
  reduction?: "mean" | "none";
}

const RANKING_LOSS_KEYS = optionKeys<RankingLossOptions>({
  ...COMPARATOR_KEYS,
  network: true,
  descending: true,
  axis: true,
  tau: true,
  reduction: true,
});

/**
 * Binary cross-entropy as torch's `BCELoss` computes it: log clamped at −100, and the backward
 * `(p − y) / max(p(1 − p), 1e-12)`.
 */
function bce(p: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [pp, yy, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([pp, yy]);
    const logP = tf.maximum(tf.log(pp), -100);
    const log1mP = tf.maximum(tf.log(tf.sub(1, pp)), -100);
    const value = tf.neg(tf.add(tf.mul(yy, logP), tf.mul(tf.sub(1, yy), log1mP)));
    return {
      value,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [ps, ys] = saved as [tf.Tensor, tf.Tensor];
        const denom = tf.maximum(tf.mul(ps, tf.sub(1, ps)), 1e-12);
        return [tf.mul(dy as tf.Tensor, tf.div(tf.sub(ps, ys), denom)), tf.zerosLike(ys)];
      },
    };
  });
  return f(p, y);
}

/**
 * The true permutation matrix used by ranking supervision (DSN, ICML 2021): for `targets: [rows, n]`,
 * `Q[r, j, i] = 1` iff input i has ascending rank j (ties keep input order), i.e. the one-hot of
 * argsort(targets) in the papers' convention. Not differentiable (a label).
 *
 * @param targets `[rows, n]` (a tensor or a nested array), finite, n ≥ 1 (else a `RelaxError`)
 * @param descending rank from the largest (default false)
 * @returns `[rows, n, n]`
 * @example
 * truePermutation(tf.tensor2d([[30, 10, 20]])); // [[[0, 1, 0], [0, 0, 1], [1, 0, 0]]]
 */
export function truePermutation(targets: TensorInput, descending = false): tf.Tensor3D {
  const op = "truePermutation";
  const desc = optionalBoolean(op, "descending", descending, false);
  return tf.tidy(() => {
    const t = toFloatTensor(op, "targets", targets);
    if (t.rank !== 2) throw new RelaxError(op, "targets", "[rows, n]", `[${t.shape.join(", ")}]`);
    if ((t.shape[1] as number) < 1) throw new RelaxError(op, "targets", "at least one column (n ≥ 1)", `[${t.shape.join(", ")}]`);
    assertFinite(op, "targets", t);
    return argsortOneHot(t as tf.Tensor2D, desc);
  });
}

/**
 * Ranking supervision loss of differentiable sorting networks (Petersen et al., ICML 2021, §4): the binary
 * cross-entropy between the relaxed permutation matrix of `scores` and the true permutation matrix of
 * `targets` (only their order matters), averaged over all batch·n·n entries exactly as the reference
 * experiments (`BCELoss(P, Q)`), or per sample with `reduction: 'none'`.
 *
 * @param scores `[batch, n]` (or `[n]`, or leading batch dims) predicted scores, e.g. one per image; finite
 * @param targets same shape: the values whose order is the label (e.g. the 4-digit numbers); finite
 * @param options an object with only these keys (unknown keys or `null` are a `RelaxError`): network ('odd_even' | 'bitonic' | 'neuralsort' | 'softsort'), distribution ('cauchy'),
 *   steepness (10), artLambda (0.25), tau (1, baselines), descending (false), axis (−1), reduction ('mean')
 * @returns a scalar (`'mean'`) or `[...batch]` per-sample losses (`'none'`)
 * @example
 * const loss = rankingLoss(model(images), tf.tensor2d([[3, 1, 2]]), { steepness: 10 });
 * const perSample = rankingLoss(scores, targets, { reduction: "none" }); // [batch]
 */
export function rankingLoss(scores: TensorInput, targets: TensorInput, options: RankingLossOptions = {}): tf.Tensor {
  const op = "rankingLoss";
  const checked = checkOptions<RankingLossOptions>(op, options, RANKING_LOSS_KEYS);
  const o = resolveAutoSteepness(checked, sortedLength(scores, checked.axis), checked.network === "bitonic" ? "bitonic" : "odd_even");
  const network = assertOneOf(op, "network", o.network ?? "odd_even", ["odd_even", "bitonic", "neuralsort", "softsort"] as const);
  const reduction = assertOneOf(op, "reduction", o.reduction ?? "mean", ["mean", "none"] as const);
  const descending = optionalBoolean(op, "descending", o.descending, false);
  const tau = assertPositive(op, "tau", o.tau ?? 1);
  const attrs =
    network === "odd_even" || network === "bitonic" ? resolveSortOptions(op, { ...o, network, valuesOnly: false, hard: false }) : null;
  return tf.tidy(() => {
    const sx = toFloatTensor(op, "scores", scores);
    const tt = toFloatTensor(op, "targets", targets);
    if (tt.shape.length !== sx.shape.length || tt.shape.some((d, i) => d !== sx.shape[i])) {
      throw new RelaxError(op, "targets", `the shape of scores [${sx.shape.join(", ")}]`, describe(tt));
    }
    const view = toRows(op, sx, o.axis, "scores");
    const tv = toRows(op, tt, o.axis, "targets");
    let P: tf.Tensor3D;
    if (attrs) {
      assertNetworkSize(op, "scores", view.n);
      P = diffSortRows(view.x2, attrs).permutation as tf.Tensor3D;
    } else {
      P = network === "neuralsort" ? neuralSortRows(op, view.x2, tau, descending) : softSortRows(op, view.x2, tau, descending);
    }
    const Q = truePermutation(tv.x2, descending);
    const losses = bce(P, Q);
    if (reduction === "mean") return tf.mean(losses);
    return view.toBatch(tf.mean(losses, [1, 2]), []);
  });
}
