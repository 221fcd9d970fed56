/**
 * Kernels of `@relax/core`: the relaxed comparator layer, distributions, t-conorms and the relaxed shortest path.
 * Grouped by op; each op's host kernel lives in `packages/core/src/kernels/<op>.ts`.
 */
import type { ComparatorDistribution } from "../../relaxed/comparator_sigmoid.js";

// ---- relaxed comparator layer (`relaxedSwapLayer`) ----
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

// ---- distributions (`getDistribution(...).cdfTensor`) ----
/**
 * Elementwise CDF F(z) of a named distribution in standard form (see `getDistribution`).
 * Inputs `{ z }` (any shape, float32); output F(z), same shape.
 */
export const RelaxDistributionCdf = "RelaxDistributionCdf";
/** Elementwise density F'(z) (the backward's multiplier). Inputs `{ z }`; output F'(z), same shape. */
export const RelaxDistributionPdf = "RelaxDistributionPdf";
export interface RelaxDistributionAttrs {
  /** Canonical distribution id (`DISTRIBUTION_NAMES`). */
  distribution: string;
  /** Gamma's shape p (0 for the other families). */
  shape: number;
  /** Shift k. */
  shift: number;
}

// ---- t-norms and t-conorms (`tconorm`, `tnorm`) ----
/**
 * Elementwise t-conorm S(a, b) of a family (or, with `dual`, its t-norm T(a, b) = 1 − S(1 − a, 1 − b)).
 * Inputs `{ a, b }` of one shape (the op broadcasts first), float32 in [0, 1]; output of that shape.
 */
export const RelaxTConorm = "RelaxTConorm";
/**
 * Gradient of {@link RelaxTConorm} with respect to one input: inputs `{ a, b, dy }` and the attribute `wrt`
 * (`"a"` or `"b"`); output `dy · ∂S/∂wrt`, the shape of a.
 */
export const RelaxTConormGrad = "RelaxTConormGrad";
export interface RelaxTConormAttrs {
  /** Family name (`TCONORM_NAMES`). */
  name: string;
  /** Family parameter p (NaN for the parameter-free families). */
  p: number;
  /** The dual t-norm instead of the t-conorm. */
  dual: boolean;
}
/** Attributes of {@link RelaxTConormGrad}. */
export interface RelaxTConormGradAttrs extends RelaxTConormAttrs {
  /** The input the partial is taken with respect to. */
  wrt: "a" | "b";
}

// ---- shortest path (`shortestPath`, AlgoVision) ----
/**
 * Relaxed shortest path on vertex-weighted 8-connected grids (AlgoVision, NeurIPS 2021, Warcraft
 * benchmark). Inputs `{ costs: [B, H, W] }`; output `path: [B, H, W]`. Relaxed Bellman-Ford
 * `d(v) = c(v) + Σ_j softmin(β·d(N_v))_j·d(N_v)_j` from the top-left source, then a traceback that moves
 * probability mass from the bottom-right target along the soft predecessor weights, accumulating the
 * visited mass per cell with a t-conorm. Each row stops on its own (no batch coupling). A second output
 * `tape: [L]` carries what the backward needs (saved for the gradient; a backend may return a 1-element
 * placeholder, and its gradient kernel then recomputes the forward).
 */
export const RelaxShortestPath = "RelaxShortestPath";
export interface RelaxShortestPathAttrs {
  beta: number;
  /** Maximum Bellman-Ford iterations. */
  iterations: number;
  /** Bellman-Ford stops once max|Δd| ≤ tolerance·max(1, max|d|) (0: never early). */
  tolerance: number;
  /** Maximum traceback steps. */
  traceSteps: number;
  /** Traceback stops once the mass still travelling is ≤ epsilon. */
  epsilon: number;
  /** t-conorm name (see `getTConorm`) and its parameter p (NaN: default). */
  tconorm: string;
  p: number;
}
/** Gradient of {@link RelaxShortestPath}: inputs `{ costs, dy, tape }`, output `dcosts: [B, H, W]`. */
export const RelaxShortestPathGrad = "RelaxShortestPathGrad";
