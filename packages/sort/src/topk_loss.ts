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
 * @param logits `[batch, n]` class scores
 * @param labels `[batch]` integer class labels in [0, n)
 * @param options pK (required), method ('splitter_selection'), m, mode ('sm'), steepness (1),
 *   distribution ('cauchy'), artLambda (0.25), reduction ('mean')
 * @returns scalar (or `[batch]` with reduction 'none')
 * @example
 * const loss = topKCrossEntropy(logits, labels, { pK: [0.5, 0, 0, 0, 0.5], m: 16, steepness: 1 });
 * const grads = tf.grad((z) => topKCrossEntropy(z, labels, { pK: [0.2, 0.2, 0.2, 0.2, 0.2] }))(logits);
 */
export function topKCrossEntropy(logits: TensorInput, labels: TensorInput | number[], options: TopKCrossEntropyOptions): tf.Tensor {
  const op = "topKCrossEntropy";
  if (!options || !Array.isArray(options.pK) || options.pK.length < 1 || options.pK.some((p) => typeof p !== "number" || !(p >= 0))) {
    throw new RelaxError(op, "pK", "a non-empty array of probabilities", describe(options?.pK));
  }
  const pK = options.pK;
  const total = pK.reduce((a, b) => a + b, 0);
  if (Math.abs(total - 1) > 1e-4) throw new RelaxError(op, "pK", "weights that sum to 1", `sum ${total}`);
  const K = pK.length;
  const method = assertOneOf(op, "method", options.method ?? "splitter_selection", [
    "odd_even",
    "bitonic",
    "splitter_selection",
    "neuralsort",
    "softsort",
  ] as const);
  const mode = assertOneOf(op, "mode", options.mode ?? "sm", ["sm", "smce", "sort"] as const);
  const reduction = assertOneOf(op, "reduction", options.reduction ?? "mean", ["mean", "none"] as const);
  const beta = assertPositive(op, "steepness", options.steepness ?? 1);
  const sig = comparatorSigmoid(op, { distribution: options.distribution, steepness: beta, artLambda: options.artLambda });
  return tf.tidy(() => {
    let z = toFloatTensor(op, "logits", logits);
    if (z.rank !== 2) throw new RelaxError(op, "logits", "[batch, n]", `[${z.shape.join(", ")}]`);
    const [B, n] = z.shape as [number, number];
    const lab = Array.from(labels instanceof tf.Tensor ? labels.dataSync() : tf.tensor(labels as number[]).dataSync());
    if (lab.length !== B || lab.some((l) => !Number.isInteger(l) || l < 0 || l >= n)) {
      throw new RelaxError(op, "labels", `[${B}] integer labels in [0, ${n})`, describe(labels));
    }
    let y = lab;
    let width = n;
    if (options.m !== undefined) {
      const m = assertInteger(op, "m", options.m, K + 1, n - 1);
      // Hard pre-selection: [true logit, m−1 largest other logits (descending)]; the label becomes 0.
      z = preselect(z as tf.Tensor2D, lab, m);
      y = new Array<number>(B).fill(0);
      width = m;
    }
    if (K > width) throw new RelaxError(op, "pK", `at most n = ${width} entries`, `${K}`);
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
