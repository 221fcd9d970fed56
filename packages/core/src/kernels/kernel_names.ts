/**
 * Names and attribute types of every fused kernel in Relax (like tfjs-core's `kernel_names.ts`).
 * A backend package (e.g. `@relax/backend-webgpu`) implements a kernel by registering the same
 * name with `tf.registerKernel`; public ops dispatch to it when the active backend has it.
 */
import type { Tensor } from "@tensorflow/tfjs-core";
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

// @relax/render
/**
 * GenDR soft silhouette rasterizer (Petersen et al., CVPR 2022). Inputs `{ faces: [B, F, 3, 3] }`
 * (x_ndc, y_ndc, depth per corner); output `alpha: [B, S, S]` (row 0 = top, pixel centre
 * x = (2c+1−S)/S, y = (S−1−2r)/S). Per pixel and face (in index order): barycentric inside test,
 * signed distance x to the triangle boundary (or its square), fragment s = F(sign·x/τ) with the
 * named distribution, culled where s ≤ 1e-6, aggregated over faces with the named t-conorm.
 */
export const RelaxRasterizeSilhouette = "RelaxRasterizeSilhouette";
export interface RelaxRasterizeSilhouetteAttrs {
  imageSize: number;
  /** GenDR `dist_func` name, incl. `'hard'`. */
  distribution: string;
  /** τ (`dist_scale`). */
  scale: number;
  /** Use the squared distance (`dist_squared`). */
  squared: boolean;
  /** `dist_shape`. */
  shape: number;
  /** `dist_shift`. */
  shift: number;
  /** GenDR `aggr_alpha_func` name, incl. `'hard'`. */
  tconorm: string;
  /** `aggr_alpha_t_conorm_p`. */
  p: number;
  /** Culling: faces with outside squared distance ≥ distEps·τ are skipped (`dist_eps`). */
  distEps: number;
  /** Gradient at exact `max` ties: `'split'` (autograd of the fold, 50/50) or `'all'` (GenDR: full gradient to every tied face). */
  maxTies: string;
  /** Pixel convention: `'gendr'` (+x right) or `'pytorch3d'` (column 0 at x = +1 − 1/S). */
  pixelConvention: string;
}
/** Gradient of {@link RelaxRasterizeSilhouette}: inputs `{ faces, dy }`, output `dfaces: [B, F, 3, 3]`. */
export const RelaxRasterizeSilhouetteGrad = "RelaxRasterizeSilhouetteGrad";

// @relax/logic
/**
 * One differentiable logic gate layer (Petersen et al., NeurIPS 2022) in the four-coefficient form.
 * Inputs `{ x: [batch, inDim], logits: [outDim, 16] }`; output `y: [batch, outDim]` with
 * `y[n, j] = C0 + C1·A + C2·B + C3·A·B`, `A = x[n, a_j]`, `B = x[n, b_j]`, `C_j = Mᵀ·p_j`,
 * `p_j = softmax(logits_j)` (mode 'train') or `one_hot(argmax(logits_j))` (mode 'eval').
 */
export const RelaxLogicLayer = "RelaxLogicLayer";
export interface RelaxLogicLayerAttrs {
  /** First input index of every neuron (length outDim). */
  a: ArrayLike<number>;
  /** Second input index of every neuron (length outDim). */
  b: ArrayLike<number>;
  mode: "train" | "eval";
  /** Multiplies the gradient flowing into the layer input (GradFactor of the reference). */
  gradFactor: number;
  /** `x` (and `dx`) is feature-major `[inDim, batch]` instead of `[batch, inDim]` (default false). */
  featureMajorIn?: boolean;
  /** `y` (and `dy`) is feature-major `[outDim, batch]` instead of `[batch, outDim]` (default false). */
  featureMajorOut?: boolean;
}
/**
 * Both gradients of {@link RelaxLogicLayer} from one backward pass: inputs `{ x, logits, dy }`, outputs
 * `[dx (x's shape and layout), dlogits: [outDim, 16]]` (dlogits zero in mode 'eval'). A backend whose two
 * gradients share work registers this, and the gradient runs it once per op call; otherwise the gradient runs
 * {@link RelaxLogicLayerGradX} and {@link RelaxLogicLayerGradLogits}, each only when its output is needed.
 */
export const RelaxLogicLayerGrad = "RelaxLogicLayerGrad";
/** Input gradient of {@link RelaxLogicLayer}: inputs `{ x, logits, dy }`, output `dx: [batch, inDim]`. */
export const RelaxLogicLayerGradX = "RelaxLogicLayerGradX";
/** Logit gradient of {@link RelaxLogicLayer}: inputs `{ x, logits, dy }`, output `dlogits: [outDim, 16]`. */
export const RelaxLogicLayerGradLogits = "RelaxLogicLayerGradLogits";
/**
 * A logic gate layer with a learned gate parametrisation and wiring (`LogicLayer` with `parametrization`,
 * `gateChoice`, `connections: 'learned'`). Inputs `{ x: [batch, inDim], weights: [outDim, P], wiring: [outDim, 2, K] }`
 * (P = 16 gate logits for 'softmax16', 4 truth-table logits for 'bilinear4'; K candidate wires per gate input,
 * K = 1 for fixed wiring); output `y: [batch, outDim]`, `y = C0 + C1·A + C2·B + C3·A·B` with
 * `A = Σ_k q_k·x[candA_k]` (q: softmax, or straight-through one-hot of the Gumbel argmax, or argmax in eval).
 * Outputs `[y, c: [outDim, 4], s: [outDim, P], q: [outDim, 2, K], qs: [outDim, 2, K]]`: the output, then the call's
 * choices (forward coefficients, relaxed gate distribution, forward and relaxed wiring weights), which the
 * gradient takes as saved outputs instead of redrawing the noise.
 */
export const RelaxLogicLayerLearned = "RelaxLogicLayerLearned";
/** Attributes of {@link RelaxLogicLayerLearned}. */
export interface RelaxLogicLayerLearnedAttrs {
  /** Candidate inputs of A, `[outDim, K]` row-major. */
  candA: Int32Array;
  /** Candidate inputs of B, `[outDim, K]` row-major. */
  candB: Int32Array;
  /** Candidates per gate input. */
  K: number;
  parametrization: "softmax16" | "bilinear4";
  gateChoice: "soft" | "gumbel-st" | "hard-st";
  wiringChoice: "soft" | "gumbel-st" | "hard-st";
  /** Temperature τ of the straight-through relaxations. */
  temperature: number;
  /** Seed of this call's Gumbel / logistic noise (uint32; ignored without 'gumbel-st' and in mode 'eval'). */
  noiseSeed: number;
  mode: "train" | "eval";
  gradFactor: number;
  featureMajorIn?: boolean;
  featureMajorOut?: boolean;
}
/**
 * All gradients of {@link RelaxLogicLayerLearned} from one backward pass: inputs `{ x, weights, wiring, dy, c, s, q, qs }`
 * (the forward's saved choices),
 * outputs `[dx, dweights: [outDim, P], dwiring: [outDim, 2, K]]` (zero parameter gradients in mode 'eval').
 */
export const RelaxLogicLayerLearnedGrad = "RelaxLogicLayerLearnedGrad";
/**
 * A whole logic gate network (all LogicLayers + GroupSum) in one host kernel, so activations stay in
 * WebAssembly memory between forward and backward. Inputs `{ x: [batch, inDim], z0 … z{L−1}: logits }`,
 * outputs `[out: [batch, k], c0 … c{L−1}: [outDim_l, 4], p0 … p{L−1}: [outDim_l, 16]]`: the class scores, then
 * each layer's gate coefficients and (train mode; `[0]` in eval) gate probabilities, which the gradient takes
 * as saved outputs instead of recomputing them. Host backends only: the attributes carry the logits tensors,
 * which the gradient reads.
 */
export const RelaxLogicNet = "RelaxLogicNet";
/**
 * Gradient of {@link RelaxLogicNet} w.r.t. `x` and every layer's logits, from one backward pass: inputs
 * `{ x, out, dy, z0 … z{L−1}, c0 … c{L−1}, p0 … p{L−1} }` (the forward's coefficients and probabilities),
 * outputs `[dx: [batch, inDim], dz0, …, dz{L−1}]`.
 */
export const RelaxLogicNetGrad = "RelaxLogicNetGrad";
/** Attributes of {@link RelaxLogicNet}: per layer connections + gradFactor, the logits variables, mode, GroupSum. */
export interface RelaxLogicNetAttrs {
  layers: { a: Int32Array; b: Int32Array; gradFactor: number }[];
  /** The layers' logits tensors (inputs `z0 … z{L−1}`), read again by the gradient. */
  logits: Tensor[];
  mode: "train" | "eval";
  k: number;
  tau: number;
}
/**
 * Convolutional logic tree kernels (Petersen et al., NeurIPS 2024): inputs `{ x: [batch, H, W, C],
 * logits: [K, 2^depth − 1, 16] }`, output `y: [batch, H', W', K]`. Each kernel k is a complete binary tree of
 * relaxed gates in the four-coefficient form over 2^depth leaves `x[b, i + leafY, j + leafX, leafC]` (zero
 * outside the image for `'same'`); node order level 0 left to right, …, root last; level t pairs nodes
 * `(2m, 2m+1)` of level t − 1. Stride 1.
 */
export const RelaxLogicConvTree = "RelaxLogicConvTree";
export interface RelaxLogicConvTreeAttrs {
  /** Leaf row offsets in the window `[K · 2^depth]` (kernel-major). */
  leafY: Int32Array;
  /** Leaf column offsets, same layout. */
  leafX: Int32Array;
  /** Leaf input channels, same layout. */
  leafC: Int32Array;
  receptiveField: number;
  depth: number;
  /** `'valid'` (H' = H − rf + 1) or `'same'` (zero padding ⌊(rf−1)/2⌋ before, the rest after). */
  padding: "valid" | "same";
  mode: "train" | "eval";
}
/**
 * Both gradients of {@link RelaxLogicConvTree} from one backward pass: inputs `{ x, logits, dy }`, outputs
 * `[dx: [batch, H, W, C], dlogits: [K, 2^depth − 1, 16]]` (dlogits zero in mode 'eval'); run by the gradient
 * where registered, else the two single-output kernels below (as {@link RelaxLogicLayerGrad}).
 */
export const RelaxLogicConvTreeGrad = "RelaxLogicConvTreeGrad";
/** Input gradient of {@link RelaxLogicConvTree}: inputs `{ x, logits, dy }`, output `dx: [batch, H, W, C]`. */
export const RelaxLogicConvTreeGradX = "RelaxLogicConvTreeGradX";
/** Logit gradient of {@link RelaxLogicConvTree}: inputs `{ x, logits, dy }`, output `dlogits: [K, 2^depth − 1, 16]`. */
export const RelaxLogicConvTreeGradLogits = "RelaxLogicConvTreeGradLogits";
/**
 * Max OR pooling of conv logic nets (NeurIPS 2024 §3.2): inputs `{ x: [batch, H, W, C] }`, output
 * `[batch, H', W', C]`, `H' = ⌊(H − size)/stride⌋ + 1`, the maximum of each `size × size` window ('valid').
 */
export const RelaxOrPoolMax = "RelaxOrPoolMax";
export interface RelaxOrPoolMaxAttrs {
  size: number;
  stride: number;
}
/** Gradient of {@link RelaxOrPoolMax}: inputs `{ x, dy }`, output `dx` (dy routed to the first maximum of each window, row-major). */
export const RelaxOrPoolMaxGrad = "RelaxOrPoolMaxGrad";

// @relax/sort ------------------------------------------------------------------------------------

/** Sorting networks of @relax/sort (DSN, ICML 2021; difftopk, ICML 2022). */
export type RelaxSortNetworkName = "odd_even" | "bitonic" | "splitter_selection";

/**
 * A whole relaxed sorting network applied to rows of `x: [rows, n]` in one pass (DSN, ICML 2021).
 * Inputs `{ x }`; outputs `[sorted: [rows, n], permutation: [rows, n, n] (or [rows, 0, 0] when
 * `withMatrix` is false)]` with `permutation[r, j, i]` the weight of input i at sorted position j
 * (papers' convention). Backward saves only x and recomputes the comparator weights in float64.
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
  /**
   * Left by the host forward kernel for the gradient kernel of the same op call (tfjs hands one attributes
   * object to the forward kernel and, through the tape, to the gradient): the float64 comparator weights, so
   * backward skips the values pass. Used only when the input's values match; other backends ignore it.
   */
  forwardState?: object;
}
/** Gradient of {@link RelaxDiffSort}: inputs `{ x, dSorted, dPermutation }`, output `dx: [rows, n]`. */
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
 * GenDR soft colour image (`aggr_rgb_func='softmax'`, vertex colours). Inputs `{ faces: [B, F, 3, 3],
 * colors: [B, F, 3, 3] }` (per-corner RGB); output `rgb: [B, S, S, 3]`. Same fragments and culling as
 * {@link RelaxRasterizeSilhouette}, softmax over depth with temperature γ and a background logit ε/γ.
 */
export const RelaxRasterizeRgb = "RelaxRasterizeRgb";
export interface RelaxRasterizeRgbAttrs extends RelaxRasterizeSilhouetteAttrs {
  /** Softmax temperature γ (`aggr_rgb_gamma`). */
  gamma: number;
  /** Background logit ε (`aggr_rgb_eps`). */
  eps: number;
  near: number;
  far: number;
  doubleSide: boolean;
  background: number[];
}
/** Gradient of {@link RelaxRasterizeRgb}: inputs `{ faces, colors, dy }`, outputs `[dfaces, dcolors]`. */
export const RelaxRasterizeRgbGrad = "RelaxRasterizeRgbGrad";

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

// @relax/core programs and algorithms ------------------------------------------------------------

/**
 * Relaxed shortest path on vertex-weighted 8-connected grids (AlgoVision, NeurIPS 2021, Warcraft
 * benchmark). Inputs `{ costs: [B, H, W] }`; output `path: [B, H, W]`. Relaxed Bellman-Ford
 * `d(v) = c(v) + Σ_j softmin(β·d(N_v))_j·d(N_v)_j` from the top-left source, then a traceback that moves
 * probability mass from the bottom-right target along the soft predecessor weights, accumulating the
 * visited mass per cell with a t-conorm. Each row stops on its own (no batch coupling).
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
/** Gradient of {@link RelaxShortestPath}: inputs `{ costs, dy }`, output `dcosts: [B, H, W]`. */
export const RelaxShortestPathGrad = "RelaxShortestPathGrad";

// @relax/core t-norms and t-conorms
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

// @relax/core distributions
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
/**
 * GroupSum of a logic gate network: inputs `{ x: [batch, n] }`, output `[batch, k]` with
 * `out[:, c] = Σ_{i in [c·n/k, (c+1)·n/k)} x[:, i] / tau`.
 */
export const RelaxGroupSum = "RelaxGroupSum";
export interface RelaxGroupSumAttrs {
  k: number;
  tau: number;
  /** `x` is feature-major `[n, batch]` (default false); the output is always `[batch, k]`. */
  featureMajor?: boolean;
}
/** Gradient of {@link RelaxGroupSum}: inputs `{ dy: [batch, k] }`, output `dx: [batch, n]` (attrs add `n`). */
export const RelaxGroupSumGrad = "RelaxGroupSumGrad";
export interface RelaxGroupSumGradAttrs extends RelaxGroupSumAttrs {
  n: number;
}
