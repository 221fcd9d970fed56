import * as tf from "@tensorflow/tfjs-core";
import {
  assertOneOf,
  stopGradient,
  comparatorSigmoid,
  runFusedKernel,
  useFused,
  RelaxDiffSort,
  type ComparatorDistribution,
  type RelaxDiffSortAttrs,
  type RelaxSoftPermuteAttrs,
  type TensorInput,
  optionalBoolean,
} from "@relax/core";
import "./kernels/register.js";
import { argsortOneHot, permuteRows } from "./hard_permutation.js";
import { getNetwork, SORTING_NETWORKS, type SortingNetworkType } from "./networks.js";
import { checkOptions, COMPARATOR_KEYS, optionKeys } from "./options.js";
import { diffSortReferenceUnchecked } from "./reference.js";
import { toRows, assertNetworkSize } from "./rows.js";
import { carryView, softPermuteRows } from "./carry.js";

/** The soft-permute kernel's attributes of a diffSort call (internal). */
export function permuteAttrs(a: RelaxDiffSortAttrs, transpose: boolean): RelaxSoftPermuteAttrs {
  return {
    network: a.network,
    k: 1,
    distribution: a.distribution,
    steepness: a.steepness,
    artLambda: a.artLambda,
    descending: a.descending,
    transpose,
    hard: a.hard,
  };
}
import { resolveAutoSteepness, sortedLength, type WithSteepness } from "./auto_steepness.js";

/** Options of {@link diffSort}. */
export interface DiffSortOptions {
  /** Sorting network: `'odd_even'` (n layers) or `'bitonic'` (log2N(log2N+1)/2 layers, any n). Default `'odd_even'`. */
  network?: SortingNetworkType;
  /** Relaxation of each comparator (default `'cauchy'`, as diffsort); cauchy/reciprocal/optimal are monotonic. */
  distribution?: ComparatorDistribution;
  /** Inverse temperature β (default 10). Larger: sharper but harder to train. `'auto'`: {@link autoSteepness} for n and the network. */
  steepness?: number | "auto";
  /** ART λ, used by `'logistic_phi'` only (default 0.25). */
  artLambda?: number;
  /** Sort in descending order (default false): position j of the result is position n−1−j of the ascending one. */
  descending?: boolean;
  /** Straight-through: exact sorted values / permutation forward, relaxed gradient backward (default false). */
  hard?: boolean;
  /** Sorted axis (default −1, the last). All other axes are batch axes. */
  axis?: number;
  /** Return only the sorted values; costs O(depth·n) per row instead of O(depth·n²) (default false). */
  valuesOnly?: boolean;
  /**
   * Other data to sort by the same relaxed permutation, without forming it: the shape of x (one value per
   * entry) or `[...shape of x, d]` (one d-vector per entry); returned as `carried = permutation · carry`
   * (O(depth·n·d) per row). Gradients flow to x and to carry.
   */
  carry?: TensorInput;
}

/** Result of {@link diffSort}. */
export interface DiffSortResult<P extends tf.Tensor | null = tf.Tensor> {
  /** Relaxed sorted values, same shape as x. */
  sorted: tf.Tensor;
  /**
   * Relaxed permutation matrix `[...batch, n, n]`, papers' convention: `permutation[..., j, i]` is the
   * weight of input i at sorted position j, so `sorted = permutation · x`. Doubly stochastic.
   * (The diffsort code and the golden files use the transpose.) `null` with `valuesOnly`.
   */
  permutation: P;
  /**
   * With the `carry` option: `permutation · carry`, the carried data in relaxed sorted order, shaped as
   * `carry` (row j along the sorted axis = sorted position j). Absent without `carry`.
   */
  carried?: tf.Tensor;
}

/** The exact option keys of {@link diffSort} (internal). */
export const DIFF_SORT_KEYS = optionKeys<DiffSortOptions>({
  ...COMPARATOR_KEYS,
  network: true,
  descending: true,
  hard: true,
  axis: true,
  valuesOnly: true,
  carry: true,
});

/** Resolved and validated diffSort options (internal; the keys are checked by the caller). */
export function resolveSortOptions(op: string, options: WithSteepness<DiffSortOptions>): RelaxDiffSortAttrs {
  const network = assertOneOf(op, "network", options.network ?? "odd_even", SORTING_NETWORKS);
  const sig = comparatorSigmoid(op, options);
  return {
    network,
    distribution: sig.distribution,
    steepness: sig.steepness,
    artLambda: sig.artLambda,
    withMatrix: !optionalBoolean(op, "valuesOnly", options.valuesOnly, false),
    descending: optionalBoolean(op, "descending", options.descending, false),
    hard: optionalBoolean(op, "hard", options.hard, false),
  };
}

/**
 * Sorts `x2: [rows, n]` with the resolved attributes (fused kernel or reference). Returns `[rows, n]`
 * sorted values and `[rows, n, n]` permutation (papers' convention) or null.
 */
export function diffSortRows(x2: tf.Tensor2D, attrs: RelaxDiffSortAttrs): { sorted: tf.Tensor2D; permutation: tf.Tensor3D | null } {
  if (useFused(RelaxDiffSort, attrs)) {
    // the third output is the forward's tape, saved for the gradient (the tape keeps its own copy)
    const [sorted, permutation, tape] = runFusedKernel<tf.Tensor[]>(RelaxDiffSort, { x: x2 }, attrs);
    tape!.dispose();
    return { sorted: sorted as tf.Tensor2D, permutation: attrs.withMatrix ? (permutation as tf.Tensor3D) : null };
  }
  const n = x2.shape[1];
  const layers = getNetwork(attrs.network, n).layers;
  let { sorted, permutation } = diffSortReferenceUnchecked(x2, layers, attrs, attrs.withMatrix);
  if (attrs.descending) {
    sorted = tf.reverse(sorted, 1);
    if (permutation) permutation = tf.reverse(permutation, 1);
  }
  if (attrs.hard) {
    // Straight-through: hard + (relaxed − stop_gradient(relaxed)) is exactly `hard` forward.
    const hp = argsortOneHot(x2, attrs.descending);
    const hs = permuteRows(hp, stopGradient(x2) as tf.Tensor2D);
    const straight = <T extends tf.Tensor>(relaxed: T, hard: tf.Tensor): T => tf.add(hard, tf.sub(relaxed, stopGradient(relaxed))) as T;
    sorted = straight(sorted, hs);
    if (permutation) permutation = straight(permutation, hp);
  }
  return { sorted, permutation };
}

/**
 * Differentiable sorting network (Petersen et al., "Differentiable Sorting Networks", ICML 2021;
 * "Monotonic Differentiable Sorting Networks", ICLR 2022): every comparator of an odd-even or bitonic
 * network is relaxed with a sigmoid, giving relaxed sorted values and a doubly stochastic relaxed
 * permutation matrix. Runs as one fused kernel per pass (O(depth·n²) per row for the matrix, O(depth·n)
 * for values only), never forming a per-layer n×n matrix.
 *
 * @param x `[batch, n]`, `[n]` or any leading batch dims (sorted along `axis`, default last); finite
 *   with |x| ≤ 1e30 (NaN, ±∞ or larger magnitudes are a `RelaxError`: the output would be meaningless)
 * @param options an object with only these keys (an unknown key, or `null`, is a `RelaxError`): network (`'odd_even'`), distribution (`'cauchy'`), steepness (10, or `'auto'`), artLambda (0.25),
 *   descending (false), hard (false), axis (−1), valuesOnly (false)
 * @returns `{ sorted: shape of x, permutation: [...batch, n, n] }` with `permutation[..., j, i]` the
 *   weight of input i at sorted position j (papers' convention; the golden files use the transpose)
 * @example
 * const { sorted, permutation } = diffSort(tf.tensor2d([[3, 1, 2]]), { steepness: 20 });
 * // sorted ≈ [[1.02, 2, 2.98]]; permutation[0] ≈ [[0, 1, 0], [0, 0, 1], [1, 0, 0]] (softly)
 * const loss = tf.sum(tf.mul(permutation, target));
 */
export function diffSort(
  x: TensorInput,
  options: DiffSortOptions & { valuesOnly: true; carry: TensorInput },
): DiffSortResult<null> & { carried: tf.Tensor };
export function diffSort(
  x: TensorInput,
  options: DiffSortOptions & { carry: TensorInput },
): DiffSortResult<tf.Tensor> & { carried: tf.Tensor };
export function diffSort(x: TensorInput, options: DiffSortOptions & { valuesOnly: true }): DiffSortResult<null>;
export function diffSort(x: TensorInput, options?: DiffSortOptions): DiffSortResult<tf.Tensor>;
export function diffSort(x: TensorInput, options: DiffSortOptions = {}): DiffSortResult<tf.Tensor | null> {
  const op = "diffSort";
  const checked = checkOptions<DiffSortOptions>(op, options, DIFF_SORT_KEYS);
  const o = resolveAutoSteepness(checked, sortedLength(x, checked.axis), "odd_even");
  const attrs = resolveSortOptions(op, o);
  const out = tf.tidy(() => {
    const view = toRows(op, x, o.axis);
    assertNetworkSize(op, "x", view.n);
    const carry = o.carry === undefined ? null : carryView(op, "carry", o.carry, o.axis ?? -1, view);
    const { sorted, permutation } = diffSortRows(view.x2, attrs);
    const res: tf.Tensor[] = [view.toInput(sorted)];
    if (permutation) res.push(view.toBatch(permutation, [view.n, view.n]));
    if (carry) res.push(carry.toOutput(softPermuteRows(view.x2, carry.y3, permuteAttrs(attrs, false))));
    return res;
  });
  const result: DiffSortResult<tf.Tensor | null> = {
    sorted: out[0] as tf.Tensor,
    permutation: attrs.withMatrix ? (out[1] as tf.Tensor) : null,
  };
  if (o.carry !== undefined) result.carried = out[attrs.withMatrix ? 2 : 1] as tf.Tensor;
  return result;
}
