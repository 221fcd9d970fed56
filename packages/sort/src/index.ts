/**
 * `@relax/sort` — differentiable sorting networks (Petersen et al., ICML 2021; ICLR 2022), soft ranks,
 * differentiable top-k (ICML 2022), ranking / top-k losses and the NeuralSort / SoftSort baselines, on
 * tfjs-core. Importing this module registers the fused CPU/WASM kernels.
 */
import "./kernels/register.js";

export { diffSort } from "./diff_sort.js";
export type { DiffSortOptions, DiffSortResult } from "./diff_sort.js";
export { rankingLoss, truePermutation } from "./ranking_loss.js";
export type { RankingLossOptions } from "./ranking_loss.js";
export { neuralSort } from "./neural_sort.js";
export type { BaselineSortOptions } from "./neural_sort.js";
export { softSort } from "./soft_sort.js";
export type { SoftSortOptions } from "./soft_sort.js";
export { oddEvenNetwork, bitonicNetwork, splitterSelectionNetwork, getNetwork, SORTING_NETWORKS, TOPK_NETWORKS } from "./networks.js";
export type { SortingNetworkType, TopKNetworkType, FlatNetwork } from "./networks.js";
export { setSortWasm, sortWasmActive } from "./kernels/wasm.js";
export { RELAX_SORT_WASM, RELAX_SORT_WASM_LANES, RELAX_SORT_WASM_VALUES, RELAX_FAST_BROADCAST } from "./flags.js";
export type { SortWasmPrecision } from "./kernels/wasm.js";
export { diffTopK } from "./diff_topk.js";
export type { DiffTopKOptions } from "./diff_topk.js";
export { softRank } from "./soft_rank.js";
export type { SoftRankOptions } from "./soft_rank.js";
export { topKCrossEntropy } from "./topk_loss.js";
export type { TopKCrossEntropyOptions, TopKMethod } from "./topk_loss.js";
export { softSpearman } from "./spearman.js";
export type { SoftSpearmanOptions } from "./spearman.js";
export { fastSoftSort, fastSoftRank } from "./fast_soft_sort.js";
export type { FastSoftSortOptions } from "./fast_soft_sort.js";
export { diffUnsort } from "./diff_unsort.js";
export type { DiffUnsortOptions } from "./diff_unsort.js";
export { lapSumRank, lapSumSort, lapSumTopK } from "./lap_sum.js";
export type { LapSumOptions, LapSumRankOptions, LapSumTopKOptions } from "./lap_sum.js";
export { autoSteepness } from "./auto_steepness.js";
export type { AutoSteepnessOptions } from "./auto_steepness.js";
export { checkSteepness } from "./steepness_check.js";
export type { CheckSteepnessOptions, SteepnessCheck } from "./steepness_check.js";
