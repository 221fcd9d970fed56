/**
 * Kernels of `@relax/logic`: differentiable logic gate networks (difflogic, NeurIPS 2022).
 * Grouped by op; each op's host kernel lives in `packages/logic/src/kernels/<op>.ts`.
 */
import type { Tensor } from "@tensorflow/tfjs-core";

// ---- logic layer, whole net, conv tree, or-pool ----
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
 * A whole logic gate network (all LogicLayers + GroupSum) in one host kernel, so activations stay in
 * WebAssembly memory between forward and backward. Inputs `{ x: [batch, inDim], z0 … z{L−1}: logits }`,
 * outputs `[out: [batch, k], c0 … c{L−1}: [outDim_l, 4], p0 … p{L−1}: [outDim_l, P_l], record: int32 [m]]`: the
 * class scores, then each layer's gate coefficients and (train mode; `[0]` in eval) gate probabilities (P_l = 16,
 * or 4 for bilinear4 gates, see {@link RelaxLogicNetGates}), and the
 * record of where the forward left its activations in the WASM memory (empty on the JS path), which the gradient
 * takes as saved outputs instead of recomputing them. Host backends only: the attributes carry the logits
 * tensors, which the gradient reads.
 */
export const RelaxLogicNet = "RelaxLogicNet";
/**
 * Gradient of {@link RelaxLogicNet} w.r.t. `x` and every layer's logits, from one backward pass: inputs
 * `{ x, dy, record, z0 … z{L−1}, c0 … c{L−1}, p0 … p{L−1} }` (the forward's record, coefficients and probabilities),
 * outputs `[dx: [batch, inDim], dz0, …, dz{L−1}]`.
 */
export const RelaxLogicNetGrad = "RelaxLogicNetGrad";
/**
 * Attributes of {@link RelaxLogicNet}: per layer connections + gradFactor (and the gates of a layer that is not
 * difflogic's), the logits variables, mode, GroupSum.
 */
export interface RelaxLogicNetAttrs {
  layers: { a: Int32Array; b: Int32Array; gradFactor: number; gates?: RelaxLogicNetGates; wiring?: RelaxLogicNetWiring }[];
  /** The layers' logits tensors (inputs `z0 … z{L−1}`), read again by the gradient. */
  logits: Tensor[];
  /** The wiring logits of the layers with learned wiring (inputs `u{i}`; null for the others), read by the gradient. */
  wirings?: (Tensor | null)[];
  mode: "train" | "eval";
  k: number;
  tau: number;
  /**
   * false: the input is data, whose gradient nobody asks for; the gradient kernel then leaves `dx` out (an empty
   * output), and x's gradient, asked for all the same, runs it again with `inputGrad` true. Default true.
   */
  inputGrad?: boolean;
}
/**
 * The gates of a fixed-wiring layer in {@link RelaxLogicNet} other than difflogic's softmax16 soft gates (absent for
 * those), as {@link RelaxLogicLayerLearnedAttrs}: then logits `z{i}: [outDim, P]` (P = 16 or 4), saved outputs
 * `c{i}` the forward's coefficients and `p{i}: [outDim, P]` the relaxed distribution the gradient flows through,
 * and `dz{i}: [outDim, P]`.
 */
export interface RelaxLogicNetGates {
  parametrization: "softmax16" | "bilinear4";
  gateChoice: "soft" | "gumbel-st" | "hard-st";
  /** Temperature τ of the straight-through choices. */
  temperature: number;
  /** Seed of this call's Gumbel / logistic noise (`'gumbel-st'` in train mode). */
  noiseSeed: number;
}
/**
 * Learned wiring of a layer in {@link RelaxLogicNet} (as {@link RelaxLogicLayerLearnedAttrs}; `a`, `b` of the layer
 * are then unused): input `u{i}: [outDim, 2, K]` (the wiring logits), extra outputs `q{i}`, `qs{i}` (the forward's
 * weights and relaxed weights, after the record), and the gradient's extra outputs `du{i}` (after `dz0 … dz{L−1}`;
 * `[0]` for layers without learned wiring).
 */
export interface RelaxLogicNetWiring {
  /** Candidate inputs of A and B, `[outDim · K]` each. */
  candA: Int32Array;
  candB: Int32Array;
  K: number;
  wiringChoice: "soft" | "gumbel-st" | "hard-st";
  /** Temperature τ of the straight-through choices. */
  temperature: number;
  /** Seed of this call's Gumbel noise (`'gumbel-st'` in train mode). */
  noiseSeed: number;
}
/**
 * Convolutional logic tree kernels (Petersen et al., NeurIPS 2024): inputs `{ x: [batch, H, W, C],
 * logits: [K, 2^depth − 1, 16] }`, output `y: [batch, H', W', K]`. Each kernel k is a complete binary tree of
 * relaxed gates in the four-coefficient form over 2^depth leaves `x[b, s·i + leafY, s·j + leafX, leafC]` (zero
 * outside the image for `'same'`, stride s = `attrs.stride`, default 1); node order level 0 left to right, …,
 * root last; level t pairs nodes `(2m, 2m+1)` of level t − 1.
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
  /**
   * Stride s (default 1): the output keeps rows and columns 0, s, 2s, … of the stride-1 output, so
   * `H' = ⌊(H − rf) / s⌋ + 1` (`'valid'`) or `⌈H / s⌉` (`'same'`).
   */
  stride?: number;
  mode: "train" | "eval";
  /**
   * Node parametrisation (default `'softmax16'`: `logits: [K, 2^depth − 1, 16]`; `'bilinear4'`: `[K, 2^depth − 1, 4]`
   * truth-table logits), as {@link RelaxLogicLayerLearnedAttrs.parametrization}.
   */
  parametrization?: "softmax16" | "bilinear4";
  /** Node gate choice in train mode (default `'soft'`), as {@link RelaxLogicLayerLearnedAttrs.gateChoice}. */
  gateChoice?: "soft" | "gumbel-st" | "hard-st";
  /** Temperature τ of the straight-through choices (default 1). */
  temperature?: number;
  /** Seed of this call's Gumbel / logistic noise (`'gumbel-st'` in train mode; default 0). */
  noiseSeed?: number;
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
 * Learned leaves of a conv logic tree (the conv form of learned wiring, LILogicNet arXiv 2511.12340 /
 * Mommen et al. arXiv 2507.06173 applied to the tree leaves of Petersen et al., NeurIPS 2024): inputs
 * `{ x: [batch, H, W, C], wiring: [K, 2^depth, M] }` (M candidate window positions per leaf), output the leaf map
 * `[batch, H', W', K · 2^depth]`, leaf `(k, l)` at output `(i, j)` = `Σ_m q_m · x[b, s·i + candY, s·j + candX, candC]`
 * (zero outside the image for `'same'`), `q` the choice over the M candidates (softmax; straight-through one-hot of
 * the (Gumbel) argmax; the argmax in eval). A tree over the leaf map (`RelaxLogicConvTree` with receptive field 1)
 * completes the conv tree.
 */
export const RelaxLogicLeafGather = "RelaxLogicLeafGather";
export interface RelaxLogicLeafGatherAttrs {
  /** Candidate row offsets in the window `[K · 2^depth · M]` (leaf-major). */
  candY: Int32Array;
  /** Candidate column offsets, same layout. */
  candX: Int32Array;
  /** Candidate input channels, same layout. */
  candC: Int32Array;
  receptiveField: number;
  padding: "valid" | "same";
  stride: number;
  mode: "train" | "eval";
  /** Choice over the candidates in train mode. */
  wiringChoice: "soft" | "gumbel-st" | "hard-st";
  /** Temperature τ of the straight-through choices. */
  temperature: number;
  /** Seed of this call's Gumbel noise (`'gumbel-st'` in train mode). */
  noiseSeed: number;
}
/**
 * Input gradient of {@link RelaxLogicLeafGather}: inputs `{ x, wiring, dy }`, output `dx: [batch, H, W, C]`. The two
 * gradients are separate kernels: the leaves of a net's first layer read the data, whose gradient nobody takes.
 */
export const RelaxLogicLeafGatherGradX = "RelaxLogicLeafGatherGradX";
/** Wiring gradient of {@link RelaxLogicLeafGather}: inputs `{ x, wiring, dy }`, output `dwiring: [K, 2^depth, M]` (zero in mode 'eval'). */
export const RelaxLogicLeafGatherGradWiring = "RelaxLogicLeafGatherGradWiring";
/**
 * A depth-1 conv logic tree with learned leaves in one kernel ({@link RelaxLogicLeafGather}, then
 * {@link RelaxLogicConvTree} with receptive field 1 over the leaf map, fused): inputs `{ x: [batch, H, W, C],
 * logits: [K, 1, P], wiring: [K, 2, M] }`, output `y: [batch, H', W', K]`, tree k at output (i, j) the gate
 * `c0 + c1·A + c2·B + c3·A·B` of its two leaves `A`, `B` (each `Σ_m q_m · x` at its candidate window positions).
 * Host backends run it as one learned logic layer over the positions (shared gate and wiring parameters); a backend
 * without it runs the two kernels.
 */
export const RelaxLogicLeafTree = "RelaxLogicLeafTree";
export interface RelaxLogicLeafTreeAttrs extends RelaxLogicLeafGatherAttrs {
  /** Node parametrisation (default `'softmax16'`), as {@link RelaxLogicConvTreeAttrs.parametrization}. */
  parametrization?: "softmax16" | "bilinear4";
  /** Node gate choice in train mode (default `'soft'`). */
  gateChoice?: "soft" | "gumbel-st" | "hard-st";
  /** Seed of this call's node noise (`'gumbel-st'` nodes in train mode); `noiseSeed` is the leaves'. */
  gateNoiseSeed?: number;
}
/**
 * Gradients of {@link RelaxLogicLeafTree} from one backward pass: inputs `{ x, logits, wiring, dy }`, outputs
 * `[dx: [batch, H, W, C], dlogits: [K, 1, P], dwiring: [K, 2, M]]` (dlogits and dwiring zero in mode 'eval').
 */
export const RelaxLogicLeafTreeGrad = "RelaxLogicLeafTreeGrad";
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

// ---- learned logic layer (`LogicLayer` with parametrization / gateChoice / learned connections) ----
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

// ---- GroupSum ----
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
