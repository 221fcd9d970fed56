import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  assertInteger,
  assertOneOf,
  assertPositive,
  comparatorSigmoid,
  describe,
  toFloatTensor,
  type ComparatorDistribution,
  type TensorInput,
} from "@relax/core";
import { neuralSortRows } from "./neural_sort.js";
import { softSortRows } from "./soft_sort.js";
import { selectRows } from "./select.js";
import { constantOp } from "./hard_permutation.js";
import { checkOptions, COMPARATOR_KEYS, optionKeys } from "./options.js";
import { toRows } from "./rows.js";

/** Methods of {@link topKCrossEntropy}: a top-k network or a full-sort baseline. */
export type TopKMethod = "odd_even" | "bitonic" | "splitter_selection" | "neuralsort" | "softsort";

/** Options of {@link topKCrossEntropy}. */
export interface TopKCrossEntropyOptions {
  /** P_K: weight of top-1 … top-K accuracy (length K, sums to 1), e.g. `[0.5, 0, 0, 0, 0.5]`. Required. */
  pK: number[];
  /** Relaxation: a top-k network or a baseline (default `'splitter_selection'`). */
  method?: TopKMethod;
  /** Sort only the true class and the m−1 largest other logits (hard pre-selection, K < m < n). Default: all. */
  m?: number;
  /** Top-1 term: `'sm'` softmax (default), `'smce'` separate softmax cross-entropy, `'sort'` from the network. */
  mode?: "sm" | "smce" | "sort";
  /** Inverse temperature β of the network (default 1); the baselines use τ = 1/β. */
  steepness?: number;
  /** Comparator relaxation (default `'cauchy'`). */
  distribution?: ComparatorDistribution;
  /** ART λ for `'logistic_phi'` (default 0.25; the paper uses 0.5). */
  artLambda?: number;
  /** `'mean'` (default) over the batch or `'none'` for `[batch]`. */
  reduction?: "mean" | "none";
}

const TOPK_CE_KEYS = optionKeys<TopKCrossEntropyOptions>({
  ...COMPARATOR_KEYS,
  pK: true,
  method: true,
  m: true,
  mode: true,
  reduction: true,
});

/** Validates P_K: a non-empty array of finite weights ≥ 0 that sum to 1 (±1e-4); returns the sum. */
function checkPK(op: string, pK: unknown): number {
  if (!Array.isArray(pK) || pK.length < 1 || pK.some((p) => typeof p !== "number" || !Number.isFinite(p) || p < 0)) {
    throw new RelaxError(op, "pK", "a non-empty array of finite weights ≥ 0 (P_K)", describe(pK));
  }
  const total = (pK as number[]).reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-4) throw new RelaxError(op, "pK", "weights that sum to 1", `sum ${total}`);
  return total;
}

/** Validates the labels (a flat number array or a rank-1 tensor) against the batch size B and n classes. */
function checkLabels(op: string, labels: unknown, B: number, n: number): number[] {
  const expected = `[${B}] integer labels in [0, ${n})`;
  let lab: number[];
  if (labels instanceof tf.Tensor) {
    if (labels.rank !== 1 || labels.dtype === "string" || labels.dtype === "complex64")
      throw new RelaxError(op, "labels", expected, describe(labels));
    lab = Array.from(labels.dataSync());
  } else if (Array.isArray(labels) || ArrayBuffer.isView(labels)) {
    lab = Array.from(labels as ArrayLike<unknown>) as number[];
  } else {
    throw new RelaxError(op, "labels", expected, describe(labels));
  }
  const bad = lab.findIndex((l) => typeof l !== "number" || !Number.isInteger(l) || l < 0 || l >= n);
  if (lab.length !== B || bad >= 0) {
    const got = lab.length !== B ? `${lab.length} labels` : `${describe(lab[bad])} at index ${bad}`;
    throw new RelaxError(op, "labels", expected, got);
  }
  return lab;
}

/**
 * Hard pre-selection of difftopk's `m` option: per row `[true logit, the m−1 largest other logits
 * (descending; ties: lower index first)]`, `[B, m]`. The choice is taken on the logits' backend with
 * `topk` (off the tape, no read-back); the selected logits keep their gradient (a one-hot matMul, as
 * tfjs's gather gradient is quadratic on the cpu backend).
 */
function preselect(z: tf.Tensor2D, labels: number[], m: number): tf.Tensor2D {
  const [B, n] = z.shape;
  const labelHot = tf.oneHot(tf.tensor1d(labels, "int32"), n);
  const selection = constantOp((v) => {
    const others = tf.where(tf.cast(labelHot, "bool"), tf.fill([B, n], Number.NEGATIVE_INFINITY), v);
    const { indices } = tf.topk(others, m - 1, true);
    return tf.concat([tf.reshape(tf.cast(labelHot, "float32"), [B, 1, n]), tf.cast(tf.oneHot(indices, n), "float32")], 1);
  })(z) as tf.Tensor3D;
  return tf.reshape(tf.matMul(selection, tf.reshape(z, [B, n, 1])), [B, m]);
}

/**
 * Top-k cross-entropy (Petersen et al., "Differentiable Top-k Classification Learning", ICML 2022): with
 * C_k(i) = Σ_{j<k} P_topk[j, i] the relaxed "class i is in the top k", the predicted distribution is
 * `p = P_1·softmax(logits) + Σ_{k≥2} P_k·C_k` (mode 'sm'), and the loss is
 * `NLL(log(p·(1−2e−7) + 1e−7), label)`, exactly as the reference `TopKCrossEntropyLoss`.
 *
 * @param logits `[batch, n]` class scores. −∞ is accepted for a masked class (it ranks below every finite
 *   logit, gets softmax weight 0 and gradient 0; internally −∞ → −1e30); NaN and +∞ are a `RelaxError`.
 * @param labels `[batch]` integer class labels in [0, n) (a number array or a rank-1 tensor)
 * @param options an object with only these keys (unknown keys or `null` are a `RelaxError`): pK (required:
 *   K finite weights ≥ 0 summing to 1, K ≤ n, or K < m with `m`), method ('splitter_selection'), m, mode ('sm'), steepness (1),
 *   distribution ('cauchy'), artLambda (0.25), reduction ('mean')
 * @returns scalar (or `[batch]` with reduction 'none')
 * @example
 * const loss = topKCrossEntropy(logits, labels, { pK: [0.5, 0, 0, 0, 0.5], m: 16, steepness: 1 });
 * const grads = tf.grad((z) => topKCrossEntropy(z, labels, { pK: [0.2, 0.2, 0.2, 0.2, 0.2] }))(logits);
 */
export function topKCrossEntropy(logits: TensorInput, labels: TensorInput | number[], options: TopKCrossEntropyOptions): tf.Tensor {
  const op = "topKCrossEntropy";
  if (options === undefined) throw new RelaxError(op, "options", "an options object with pK (required)", "undefined");
  const o = checkOptions<TopKCrossEntropyOptions>(op, options, TOPK_CE_KEYS);
  const total = checkPK(op, o.pK);
  const pK = o.pK;
  const K = pK.length;
  const method = assertOneOf(op, "method", o.method ?? "splitter_selection", [
    "odd_even",
    "bitonic",
    "splitter_selection",
    "neuralsort",
    "softsort",
  ] as const);
  const mode = assertOneOf(op, "mode", o.mode ?? "sm", ["sm", "smce", "sort"] as const);
  const reduction = assertOneOf(op, "reduction", o.reduction ?? "mean", ["mean", "none"] as const);
  const beta = assertPositive(op, "steepness", o.steepness ?? 1);
  const sig = comparatorSigmoid(op, { distribution: o.distribution, steepness: beta, artLambda: o.artLambda });
  return tf.tidy(() => {
    const zt = toFloatTensor(op, "logits", logits);
    if (zt.rank !== 2) throw new RelaxError(op, "logits", "[batch, n]", `[${zt.shape.join(", ")}]`);
    const [B, n] = zt.shape as [number, number];
    if (n < 2) throw new RelaxError(op, "logits", "at least two classes (n ≥ 2)", `[${zt.shape.join(", ")}]`);
    const lab = checkLabels(op, labels, B, n);
    const view = toRows(op, zt, -1, "logits", true);
    // Every check before the first op (under tf.grad a throw after a recorded op leaves its saved tensors).
    const m = o.m === undefined ? undefined : assertInteger(op, "m", o.m, K + 1, n - 1);
    if (K > (m ?? n)) throw new RelaxError(op, "pK", `at most n = ${m ?? n} entries`, `${K}`);
    let z: tf.Tensor = view.x2;
    let y = lab;
    let width = n;
    if (m !== undefined) {
      // Hard pre-selection: [true logit, m−1 largest other logits (descending)]; the label becomes 0.
      z = preselect(z as tf.Tensor2D, lab, m);
      y = new Array<number>(B).fill(0);
      width = m;
    }
    // Ptop[b, j, i]: soft one-hot of the (j+1)-th largest.
    let Ptop: tf.Tensor3D;
    if (method === "neuralsort" || method === "softsort") {
      const P =
        method === "neuralsort" ? neuralSortRows(op, z as tf.Tensor2D, 1 / beta, true) : softSortRows(op, z as tf.Tensor2D, 1 / beta, true);
      Ptop = tf.slice(P, [0, 0, 0], [B, K, width]);
    } else {
      Ptop = selectRows(z as tf.Tensor2D, {
        network: method,
        k: K,
        init: "topk",
        distribution: sig.distribution,
        steepness: sig.steepness,
        artLambda: sig.artLambda,
      });
    }
    // Σ_k w_k·C_k with C_k = Σ_{j<k} Ptop[j] equals Σ_j (Σ_{k≥j} w_k)·Ptop[j].
    const weights = pK.map((p, k) => (mode === "sort" || k > 0 ? p : 0));
    const tail = weights.map((_, j) => weights.slice(j).reduce((a, b) => a + b, 0));
    let p = tf.squeeze(tf.matMul(tf.tile(tf.tensor3d(tail, [1, 1, K]), [B, 1, 1]), Ptop), [1]); // [B, width]
    if (mode === "sm") p = tf.add(p, tf.mul(pK[0] as number, tf.softmax(z)));
    const onehot = tf.oneHot(tf.tensor1d(y, "int32"), width);
    const nll = (q: tf.Tensor): tf.Tensor => tf.neg(tf.sum(tf.mul(tf.log(tf.add(tf.mul(q, 1 - 2e-7), 1e-7)), onehot), 1));
    let losses = nll(p);
    if (mode === "smce") {
      const ce = tf.neg(tf.sum(tf.mul(tf.logSoftmax(z), onehot), 1));
      losses = tf.add(tf.mul(pK[0] as number, ce), tf.mul(total - (pK[0] as number), losses));
    }
    return reduction === "mean" ? tf.mean(losses) : losses;
  });
}
