/**
 * `@relax/core` — the relaxation every Relax package shares: a hard decision `a < b` becomes the
 * probability `F((b − a)·β)` under noise with CDF F, in closed form, so gradients flow through
 * algorithms (F. Petersen, *Learning with Differentiable Algorithms*, 2022).
 *
 * Importing this module registers tfjs-core's gradients (also in plain Node) and Relax's fused CPU kernels.
 */
import "#register-gradients";

export { RelaxError, describe } from "./errors.js";
export {
  toFloatTensor,
  assertRank,
  assertPositive,
  assertInRange,
  assertInteger,
  assertOneOf,
  assertFinite,
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
  HOST_BACKENDS,
} from "./kernels/fused.js";
export type { HostTensor, HostOutput } from "./kernels/fused.js";

export { erf, erfc } from "./special/erf.js";
export type { Distribution, DistributionParams } from "./distributions/types.js";

export {
  comparatorSigmoid,
  COMPARATOR_DISTRIBUTIONS,
  MONOTONIC_COMPARATORS,
} from "./relaxed/comparator_sigmoid.js";
export type { ComparatorDistribution, ComparatorOptions, ComparatorSigmoid } from "./relaxed/comparator_sigmoid.js";
export { relaxedSwapLayer, swapLayerReference, validateLayer } from "./relaxed/swap_layer.js";
export type { ComparatorLayer, SwapLayerResult } from "./relaxed/swap_layer.js";
