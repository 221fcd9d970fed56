/**
 * `@relax/core` — the relaxation every Relax package shares: a hard decision `a < b` becomes the
 * probability `F((b − a)·β)` under noise with CDF F, in closed form, so gradients flow through
 * algorithms (F. Petersen, *Learning with Differentiable Algorithms*, 2022).
 *
 * Importing this module registers tfjs-core's gradients (also in plain Node) and Relax's fused CPU kernels.
 */
import "#register-gradients";
// Fused-kernel registrations (side effects), imported explicitly so that bundlers keep them.
import "./kernels/register.js";

export { RelaxError, describe } from "./errors.js";
export {
  toFloatTensor,
  assertRank,
  assertPositive,
  assertInRange,
  assertInteger,
  assertOneOf,
  optionalBoolean,
  assertFinite,
  assertValuesIn,
  hostValues,
  assertOptions,
  nearestName,
  setInputChecks,
  inputChecksEnabled,
} from "./validate.js";
export type { TensorInput } from "./validate.js";

export * from "./kernels/kernel_names.js";
export {
  registerHostKernel,
  registerFusedGradient,
  hasFusedKernel,
  useFused,
  runFusedKernel,
  setForceReference,
  registerKernelSupport,
} from "./kernels/fused.js";
export type { HostTensor, HostOutput, KernelSupports } from "./kernels/fused.js";
export { RELAX_FORCE_REFERENCE, RELAX_INPUT_CHECKS, registerRelaxFlag, withFlags, isBoolean, isPositiveNumber } from "./flags.js";
export type { RelaxFlagValue } from "./flags.js";

export { erf, erfc } from "./special/erf.js";
export type { Distribution, DistributionParams } from "./distributions/types.js";

export {
  comparatorSigmoid,
  COMPARATOR_MAP,
  COMPARATOR_DISTRIBUTIONS,
  MONOTONIC_COMPARATORS,
} from "./relaxed/comparator_sigmoid.js";
export type { ComparatorDistribution, ComparatorOptions, ComparatorSigmoid } from "./relaxed/comparator_sigmoid.js";
export { relaxedSwapLayer, validateLayer } from "./relaxed/swap_layer.js";
export type { ComparatorLayer, SwapLayerResult } from "./relaxed/swap_layer.js";

// t-norms and relaxed primitives
export { TCONORM_NAMES, getTConorm, TCONORM_DEFAULT_P, tconorm, tnorm, reduceTConorm, reduceTNorm } from "./tnorms/index.js";
export type { TConorm, TConormName, TConormOptions, TConormReduceOptions } from "./tnorms/index.js";
export {
  relaxedLess,
  relaxedGreater,
  relaxedLessEqual,
  relaxedGreaterEqual,
  relaxedEqual,
  relaxedNotEqual,
} from "./relaxed/compare.js";
export type { RelaxedCompareOptions, RelaxedEqualOptions } from "./relaxed/compare.js";
export { catProbEq, cosineSimilarity } from "./relaxed/conditions.js";
export type { CatProbEqOptions, CosineSimilarityOptions } from "./relaxed/conditions.js";
export { ifElse } from "./relaxed/if_else.js";
export { relaxedSwap } from "./relaxed/swap.js";
export type { SteepnessOption } from "./relaxed/steepness.js";
export type { RelaxedSwapResult } from "./relaxed/swap.js";
export { softMin, softMax, softArgMin, softArgMax } from "./relaxed/soft_min_max.js";
export type { SoftMinMaxOptions } from "./relaxed/soft_min_max.js";

// distributions
export {
  getDistribution,
  isDistributionName,
  DISTRIBUTION_NAMES,
  DISTRIBUTION_ALIASES,
  SHAPED_DISTRIBUTIONS,
} from "./distributions/index.js";
export type { DistributionName, CanonicalDistributionName, DistributionErrorContext } from "./distributions/index.js";
export { erfTensor, erfcTensor } from "./special/erf_tensor.js";
export { lgamma, digamma, gammaP, gammaQ, gammaPdf } from "./special/gamma.js";
export { lgammaTensor, gammaPTensor } from "./special/gamma_tensor.js";

// programs and algorithms
export * from "./program/index.js";
export * from "./algorithms/index.js";

// utilities
export { stopGradient } from "./stop_gradient.js";
export { createRng } from "./util/random.js";
export type { Rng, RngAlgorithm, RngOptions } from "./util/random.js";

// comparator networks (odd-even, bitonic, splitter selection)
export {
  SORTING_NETWORKS,
  TOPK_NETWORKS,
  oddEvenNetwork,
  bitonicNetwork,
  splitterSelectionNetwork,
  getNetwork,
} from "./networks/sorting_networks.js";
export type { SortingNetworkType, TopKNetworkType, FlatNetwork } from "./networks/sorting_networks.js";
export { crc32, withChecksum, verifyChecksum } from "./files/checksum.js";
export { MAX_ITERATIONS, MAX_NETWORK_WIRES, MAX_NETWORK_COMPARATORS } from "./relaxed/limits.js";
export { COMPARATOR_OPTION_KEYS } from "./relaxed/comparator_sigmoid.js";
