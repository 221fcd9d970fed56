/**
 * Kernels of `@relax/sort`: sorting networks (DSN, ICML 2021; difftopk, ICML 2022), soft permutation of other data, fast soft sort, the NeuralSort/SoftSort baselines and LapSum (ICML 2025).
 * Grouped by op; each op's host kernel lives in `packages/sort/src/kernels/<op>.ts`.
 */
import type { ComparatorDistribution } from "../../relaxed/comparator_sigmoid.js";

// ---- sorting networks (`diffSort`, `diffTopK`) ----
/** Sorting networks of @relax/sort (DSN, ICML 2021; difftopk, ICML 2022). */
export type RelaxSortNetworkName = "odd_even" | "bitonic" | "splitter_selection";

/**
 * A whole relaxed sorting network applied to rows of `x: [rows, n]` in one pass (DSN, ICML 2021).
 * Inputs `{ x }`; outputs `[sorted: [rows, n], permutation: [rows, n, n] (or [rows, 0, 0] when
 * `withMatrix` is false), tape: [m]]` with `permutation[r, j, i]` the weight of input i at sorted position j
 * (papers' convention). `tape` holds what the backward needs (the host kernel's float64 comparator weights and
 * differences, as bytes); it is saved for the gradient, and a kernel may leave it empty (`[0]`), in which case
 * the gradient recomputes the weights.
 */
export const RelaxDiffSort = "RelaxDiffSort";
export interface RelaxDiffSortAttrs {
  network: "odd_even" | "bitonic";
  distribution: ComparatorDistribution;
  steepness: number;
  artLambda: number;
  /** Also form the n×n relaxed permutation matrix (O(depth·n²)); else values only (O(depth·n)). */
  withMatrix: boolean;
  /** Sorted positions in descending order (row j of the ascending result read as row n−1−j). */
  descending: boolean;
  /** Straight-through: exact permutation / sorted values forward, relaxed gradient backward. */
  hard: boolean;
}
/** Gradient of {@link RelaxDiffSort}: inputs `{ x, dSorted, dPermutation, tape }`, output `dx: [rows, n]`. */
export const RelaxDiffSortGrad = "RelaxDiffSortGrad";

/**
 * Selected rows of the relaxed permutation matrix, pushed right-to-left through the network
 * (difftopk, ICML 2022): `y = U0 · P(x)` for a fixed `[k, n]` matrix U0, in O(depth·n·k).
 * Inputs `{ x }`; output `y: [rows, k, n]`. `init` picks U0: `'topk'` (row j =
 * e_{n−1−j}: soft one-hot of the (j+1)-th largest), `'rank'` (U0 = [0..n−1]: soft ascending ranks),
 * `'rank_desc'` (U0 = [n−1..0]).
 */
export const RelaxSortNetSelect = "RelaxSortNetSelect";
export interface RelaxSortNetSelectAttrs {
  network: RelaxSortNetworkName;
  /** Rows of U0 (k of 'topk'; 1 for ranks). */
  k: number;
  init: "topk" | "rank" | "rank_desc";
  distribution: ComparatorDistribution;
  steepness: number;
  artLambda: number;
}
/** Gradient of {@link RelaxSortNetSelect}: inputs `{ x, dy }`, output `dx: [rows, n]`. */
export const RelaxSortNetSelectGrad = "RelaxSortNetSelectGrad";

/**
 * Other data carried through a relaxed sorting network (DSN, ICML 2021) without forming P: rows of
 * `x: [rows, n]` set the comparator weights α, and `y: [rows, n, d]` (d features per wire) is mixed by
 * exactly those α, in O(depth·n·d) per row. Output `[rows, n, d]`: `P · y` (sorted order, row j = sorted
 * position j; reversed when `descending`), or `Pᵀ · y` with `transpose` (y given per sorted position, sent
 * back to the inputs, as soft ranks are `Pᵀ · [0..n−1]`).
 */
export const RelaxSoftPermute = "RelaxSoftPermute";
export interface RelaxSoftPermuteAttrs {
  network: RelaxSortNetworkName;
  /** k of `'splitter_selection'` (its top k wires are the k largest); ignored by the full sorting networks. */
  k: number;
  distribution: ComparatorDistribution;
  steepness: number;
  artLambda: number;
  /** Sorted positions in descending order (position j of the ascending result read as n−1−j). */
  descending: boolean;
  /** Apply `Pᵀ` (sorted positions → inputs) instead of `P` (inputs → sorted positions). */
  transpose: boolean;
  /** Straight-through: the exact permutation (stable argsort) forward, the relaxed gradient backward. */
  hard: boolean;
}
/** Gradient of {@link RelaxSoftPermute}: inputs `{ x, y, dy }`, outputs `[dx: [rows, n], dY: [rows, n, d]]`. */
export const RelaxSoftPermuteGrad = "RelaxSoftPermuteGrad";

// ---- fast soft sort, NeuralSort, SoftSort ----
/**
 * Fast soft sort / soft rank by projection onto the permutahedron (Blondel et al., "Fast Differentiable
 * Sorting and Ranking", ICML 2020), per row of `x: [rows, n]`. Inputs `{ x }`; output `[rows, n]`:
 * soft sorted values (in sorted order) or 1-based soft ranks (in input order).
 */
export const RelaxFastSoftSort = "RelaxFastSoftSort";
export interface RelaxFastSoftSortAttrs {
  op: "sort" | "rank";
  descending: boolean;
  regularizationStrength: number;
  regularization: "l2" | "kl";
}
/** Gradient of {@link RelaxFastSoftSort}: inputs `{ x, dy }`, output `dx: [rows, n]`. */
export const RelaxFastSoftSortGrad = "RelaxFastSoftSortGrad";

/** Attributes shared by the NeuralSort and SoftSort baseline kernels of @relax/sort. */
export interface RelaxBaselineSortAttrs {
  /** Temperature τ > 0. */
  tau: number;
  /** Sorted positions in descending order (row j of the ascending result read as row n−1−j). */
  descending: boolean;
  /** Straight-through: one-hot of each row's argmax forward, relaxed gradient backward. */
  hard: boolean;
}

/**
 * NeuralSort (Grover et al., ICLR 2019) on rows of `x: [rows, n]`: `P[r, j, i] = softmax_i(((n+1−2(j+1))·s_i
 * − Σ_k |s_i − s_k|)/τ)` with `s = x` (descending) or `s = −x` (ascending). Inputs `{ x }`; outputs
 * `[sorted: [rows, n] = P·x, permutation: [rows, n, n], relaxed: [rows, n, n] (the soft P when `hard`,
 * else [rows, 0, 0])]`, papers' convention `permutation[r, j, i]` = weight of input i at position j.
 */
export const RelaxNeuralSort = "RelaxNeuralSort";
export type RelaxNeuralSortAttrs = RelaxBaselineSortAttrs;
/**
 * Gradient of {@link RelaxNeuralSort}: inputs `{ x, permutation, relaxed, dSorted, dPermutation }` (the
 * forward's outputs), output `dx: [rows, n]`.
 */
export const RelaxNeuralSortGrad = "RelaxNeuralSortGrad";

/**
 * SoftSort (Prillo & Eisenschlos, ICML 2020) on rows of `x: [rows, n]`: `P[r, j, i] = softmax_i(−|x_i −
 * sort(x)_j|^pow / τ)`; gradients also flow through sort(x). Inputs `{ x }`; outputs as {@link RelaxNeuralSort}.
 */
export const RelaxSoftSort = "RelaxSoftSort";
export interface RelaxSoftSortAttrs extends RelaxBaselineSortAttrs {
  /** Exponent of the distance |x_i − sort(x)_j| (> 0). */
  pow: number;
}
/** Gradient of {@link RelaxSoftSort}: inputs as {@link RelaxNeuralSortGrad}, output `dx: [rows, n]`. */
export const RelaxSoftSortGrad = "RelaxSoftSortGrad";

// ---- LapSum (`lapSumRank`, `lapSumSort`, `lapSumTopK`) ----
/**
 * LapSum (Struski, Bednarczyk, Podolak & Tabor, "LapSum – One Method to Differentiate Them All: Ranking,
 * Sorting and Top-k Selection", ICML 2025) per row of `x: [rows, n]`, from the sum of Laplace CDFs
 * `F(t) = Σ_i Lap((t − x_i)/α)` and its closed-form inverse. Inputs `{ x }`; outputs
 * `[y: [rows, n], order: [rows, n] int32]`: y holds the 0-based soft ranks `F(x_i) − ½` (input order), the soft
 * sorted values `F⁻¹(j + ½)` (sorted order), or the soft top-k memberships `Lap((x_i − b)/α)` with `F(b) = n − k`
 * (input order, summing to k); `order` is each row's ascending argsort (ties by index), saved so that the
 * gradient skips the sort, or `[rows, 0]` from a kernel that does not sort (the WGSL one).
 */
export const RelaxLapSum = "RelaxLapSum";
export interface RelaxLapSumAttrs {
  op: "rank" | "sort" | "topk";
  /** Laplace scale α > 0 (the paper's |α|; the paper's sign is `descending` / `largest` here). */
  alpha: number;
  /** rank / sort: descending order (rank 0 = the largest; sorted values largest first). */
  descending: boolean;
  /** topk: select the k largest (true) or the k smallest (false). */
  largest: boolean;
  /** topk only: the (real) number of selected entries, 0 < k ≤ n (0 for rank / sort). */
  k: number;
}
/**
 * Gradient of {@link RelaxLapSum} (implicit function theorem): inputs `{ x, order, dy }` (`order` from the
 * forward, `[rows, 0]` if it did not sort), output `dx: [rows, n]`.
 */
export const RelaxLapSumGrad = "RelaxLapSumGrad";
