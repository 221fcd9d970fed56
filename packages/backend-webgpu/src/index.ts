/**
 * `@relax/backend-webgpu` — WGSL implementations of Relax's fused kernels for tfjs's `webgpu`
 * backend. Importing this module registers them (same kernel names and attributes as the CPU
 * kernels in `@relax/core`'s kernel_names.ts), so every Relax op runs on the GPU after
 * `await tf.setBackend("webgpu")` without a change to user code.
 */
import "@tensorflow/tfjs-backend-webgpu";
import { registerKernel, getKernel, type KernelConfig } from "@tensorflow/tfjs-core";
import { swapLayerConfig, swapLayerGradConfig } from "./kernels/swap_layer.js";
import { diffSortConfig, diffSortGradConfig } from "./kernels/diff_sort.js";
import { sortNetSelectConfig, sortNetSelectGradConfig } from "./kernels/sort_net_select.js";
import { rasterizeSilhouetteConfig, rasterizeSilhouetteGradConfig } from "./kernels/silhouette.js";
import { rasterizeRgbConfig, rasterizeRgbGradConfig } from "./kernels/rgb.js";
import { logicLayerConfig, logicLayerGradLogitsConfig, logicLayerGradXConfig } from "./kernels/logic_layer.js";
import {
  logicConvTreeConfig,
  logicConvTreeGradLogitsConfig,
  logicConvTreeGradXConfig,
  orPoolMaxConfig,
  orPoolMaxGradConfig,
} from "./kernels/conv_logic.js";
import { fastSoftSortConfig, fastSoftSortGradConfig } from "./kernels/fast_soft_sort.js";
import { groupSumConfig, groupSumGradConfig } from "./kernels/group_sum.js";
import { shortestPathConfig, shortestPathGradConfig } from "./kernels/shortest_path.js";
import { softPermuteConfig, softPermuteGradConfig } from "./kernels/soft_permute.js";
import { lapSumConfig, lapSumGradConfig } from "./kernels/lap_sum.js";
import { logicLayerLearnedConfig, logicLayerLearnedGradConfig } from "./kernels/logic_layer_learned.js";
import { logicLeafGatherConfig, logicLeafGatherGradWiringConfig, logicLeafGatherGradXConfig } from "./kernels/leaf_gather.js";
import { registerWebGPUKernelSupports } from "./supports.js";

const CONFIGS: KernelConfig[] = [
  swapLayerConfig,
  swapLayerGradConfig,
  diffSortConfig,
  diffSortGradConfig,
  sortNetSelectConfig,
  sortNetSelectGradConfig,
  logicLayerConfig,
  logicLayerGradXConfig,
  logicLayerGradLogitsConfig,
  groupSumConfig,
  groupSumGradConfig,
  logicConvTreeConfig,
  logicConvTreeGradXConfig,
  logicConvTreeGradLogitsConfig,
  orPoolMaxConfig,
  orPoolMaxGradConfig,
  rasterizeSilhouetteConfig,
  rasterizeSilhouetteGradConfig,
  rasterizeRgbConfig,
  rasterizeRgbGradConfig,
  fastSoftSortConfig,
  fastSoftSortGradConfig,
  shortestPathConfig,
  shortestPathGradConfig,
  softPermuteConfig,
  softPermuteGradConfig,
  lapSumConfig,
  lapSumGradConfig,
  logicLayerLearnedConfig,
  logicLayerLearnedGradConfig,
  logicLeafGatherConfig,
  logicLeafGatherGradXConfig,
  logicLeafGatherGradWiringConfig,
];

/** Names of the Relax kernels this package implements for the `webgpu` backend. */
export const WEBGPU_KERNEL_NAMES: readonly string[] = CONFIGS.map((c) => c.kernelName);

/**
 * Registers every WGSL kernel for the `webgpu` backend, with the attributes each declines (the op then
 * runs its reference on `webgpu`; see supports.ts). Idempotent; runs on import.
 * @example
 * import "@relax/backend-webgpu";
 * await tf.setBackend("webgpu");
 * // relaxedSwapLayer, diffSort, LogicLayer, LogicConvTree (learned leaves too), orPool, rasterizeSilhouette, rasterizeRgb,
 * // fastSoftSort, fastSoftRank, lapSumRank, lapSumSort, lapSumTopK now run in WGSL
 */
export function registerWebGPUKernels(): void {
  for (const config of CONFIGS) {
    if (getKernel(config.kernelName, "webgpu") === undefined) registerKernel(config);
  }
  registerWebGPUKernelSupports();
}

registerWebGPUKernels();

export { comparatorWgsl, WGSL_COMPARATORS } from "./wgsl/comparator.js";
export { WGSL_RENDER_DISTRIBUTIONS, WGSL_RENDER_TCONORMS } from "./kernels/raster_support.js";
export {
  RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET,
  RELAX_WEBGPU_LEAF_GRAD_BUDGET,
  RELAX_WEBGPU_SELECT_FORCE_GLOBAL,
  RELAX_WEBGPU_BIN_MAX_CAP,
  RELAX_WEBGPU_PATH_SLICE_BYTES,
} from "./flags.js";
