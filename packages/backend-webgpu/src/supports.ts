/**
 * Which attributes each WGSL kernel declines. `useFused(name, attrs)` in `@relax/core` asks these
 * predicates, so a public op whose attributes a kernel here has no WGSL form for runs its reference
 * composition on the `webgpu` backend (same numbers, slower) instead of throwing. Called directly with
 * such attributes (`runFusedKernel`), the kernels still throw.
 */
import {
  RelaxDiffSort,
  RelaxRasterizeRgb,
  RelaxRasterizeSilhouette,
  RelaxShortestPath,
  RelaxSortNetSelect,
  RelaxSwapLayer,
  RelaxSoftPermute,
  RelaxLogicConvTree,
  RelaxLogicLayerLearned,
  RelaxLogicLeafGather,
  registerKernelSupport,
  type KernelSupports,
  type RelaxRasterizeSilhouetteAttrs,
  type RelaxShortestPathAttrs,
  type RelaxLogicLayerLearnedAttrs,
  type RelaxLogicConvTreeAttrs,
  type RelaxLogicLeafGatherAttrs,
} from "@relax/core";
import { WGSL_COMPARATORS } from "./wgsl/comparator.js";
import { TCONORMS } from "./wgsl/tconorm.js";
import { WGSL_RENDER_DISTRIBUTIONS, WGSL_RENDER_TCONORMS } from "./kernels/raster_support.js";
import { WGSL_LOGIC_CHOICES, WGSL_LOGIC_PARAMETRIZATIONS } from "./kernels/logic_layer_learned.js";

/** Render distributions' aliases, as the rasterizers resolve them. */
const RENDER_ALIASES: Record<string, string> = { heaviside: "hard", hyperbolic_secant: "gudermannian" };

/** Comparator kernels: a WGSL form of the distribution. */
const comparator: KernelSupports<{ distribution: string }> = (at) => WGSL_COMPARATORS.includes(at.distribution);

/** Rasterizers: WGSL forms of the distribution and of the t-conorm. */
const raster: KernelSupports<RelaxRasterizeSilhouetteAttrs> = (at) =>
  WGSL_RENDER_DISTRIBUTIONS.includes(RENDER_ALIASES[at.distribution] ?? at.distribution) && WGSL_RENDER_TCONORMS.includes(at.tconorm);

/** Shortest path: a WGSL form of the t-conorm (not the hard one). */
const path: KernelSupports<RelaxShortestPathAttrs> = (at) => at.tconorm !== "hard" && Object.hasOwn(TCONORMS, at.tconorm);

/**
 * Learned logic layer: a WGSL form of the parametrisation and of both choices (every option of today's
 * `LogicLayer`: softmax16 / bilinear4, soft / gumbel-st / hard-st, any K); a newer option runs the reference.
 */
const learnedLogic: KernelSupports<Pick<RelaxLogicLayerLearnedAttrs, "parametrization" | "gateChoice" | "wiringChoice">> = (at) =>
  WGSL_LOGIC_PARAMETRIZATIONS.includes(at.parametrization) &&
  WGSL_LOGIC_CHOICES.includes(at.gateChoice) &&
  WGSL_LOGIC_CHOICES.includes(at.wiringChoice);

/**
 * Conv logic trees: the WGSL kernel (`conv_logic.ts`) has every node option of the learned layer (softmax16 /
 * bilinear4, soft / gumbel-st / hard-st); a newer option runs the reference.
 */
const convTree: KernelSupports<Pick<RelaxLogicConvTreeAttrs, "parametrization" | "gateChoice">> = (at) =>
  WGSL_LOGIC_PARAMETRIZATIONS.includes(at.parametrization ?? "softmax16") && WGSL_LOGIC_CHOICES.includes(at.gateChoice ?? "soft");

/** Learned leaves of conv logic trees: a WGSL form of the wiring choice (soft / gumbel-st / hard-st). */
const leafGather: KernelSupports<Pick<RelaxLogicLeafGatherAttrs, "wiringChoice">> = (at) => WGSL_LOGIC_CHOICES.includes(at.wiringChoice);

/** The predicates, by kernel name (forward kernels: the ops dispatch on these). */
export const WEBGPU_KERNEL_SUPPORTS: Readonly<Record<string, KernelSupports<never>>> = {
  [RelaxSwapLayer]: comparator,
  [RelaxDiffSort]: comparator,
  [RelaxSortNetSelect]: comparator,
  [RelaxRasterizeSilhouette]: raster,
  [RelaxRasterizeRgb]: raster,
  [RelaxShortestPath]: path,
  // soft permute: a WGSL form of the distribution; `hard` (straight-through) runs the reference
  [RelaxSoftPermute]: (at: { distribution: string; hard: boolean }) => comparator(at) && !at.hard,
  [RelaxLogicLayerLearned]: learnedLogic,
  [RelaxLogicConvTree]: convTree,
  [RelaxLogicLeafGather]: leafGather,
};

/**
 * Registers the predicates for the `webgpu` backend (idempotent; {@link registerWebGPUKernels} calls it).
 *
 * @example
 * registerWebGPUKernelSupports();
 * useFused(RelaxShortestPath, { ...attrs, tconorm: "hard" }); // false on webgpu: the reference runs
 */
export function registerWebGPUKernelSupports(): void {
  for (const [name, supports] of Object.entries(WEBGPU_KERNEL_SUPPORTS)) registerKernelSupport(name, "webgpu", supports as KernelSupports);
}
