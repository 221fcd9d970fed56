/**
 * Names and attribute types of every fused kernel in Relax (like tfjs-core's `kernel_names.ts`).
 * A backend package (e.g. `@relax/backend-webgpu`) implements a kernel by registering the same
 * name with `tf.registerKernel`; public ops dispatch to it when the active backend has it.
 */
import type { ComparatorDistribution } from "../relaxed/comparator_sigmoid.js";

/**
 * One layer of relaxed comparators applied to rows of `x: [rows, n]`.
 * Inputs `{ x }`; outputs `[y: [rows, n], alpha: [rows, k]]` with `alpha[r, c] = f(x[r, hi_c] − x[r, lo_c])`,
 * `y[lo] = α·x[lo] + (1−α)·x[hi]` (relaxed min) and `y[hi] = (1−α)·x[lo] + α·x[hi]` (relaxed max).
 */
export const RelaxSwapLayer = "RelaxSwapLayer";
export interface RelaxSwapLayerAttrs {
  /** Wires that receive the relaxed min, one per comparator. */
  lo: number[];
  /** Wires that receive the relaxed max, one per comparator. */
  hi: number[];
  distribution: ComparatorDistribution;
  steepness: number;
  artLambda: number;
}
/** Gradient of {@link RelaxSwapLayer}: inputs `{ x, alpha, dy, dalpha }`, output `dx: [rows, n]`. */
export const RelaxSwapLayerGrad = "RelaxSwapLayerGrad";
