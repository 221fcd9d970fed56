/**
 * Reference composition of a learned logic layer from tfjs ops (defines the numbers the fused kernel must
 * match, and runs on backends without the kernel). Straight-through choices are built as
 * `hard + soft − stopGradient(soft)`: the forward value is the discrete choice, the gradient the relaxed one's.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { RelaxLogicLayerLearnedAttrs } from "@relax/core";
import { drawNoise } from "@relax/core/internal";
import { GATE_COEFF_MATRIX, NUM_GATES, relaxedGatesTensor } from "./gates.js";
import { GATE_STREAM, WIRING_STREAM, paramsPerGate, type Choice, type Parametrization } from "./learned_choice.js";

/** Identity forward of `hard`, gradient passed to `soft` (the straight-through estimator). */
function straightThrough(hard: tf.Tensor, soft: tf.Tensor): tf.Tensor {
  const f = tf.customGrad(((s: tf.Tensor) => ({
    value: tf.add(hard, tf.mul(s, 0)),
    gradFunc: (dy: tf.Tensor) => dy,
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(soft) as tf.Tensor;
}

/** Noise tensor `[rows, cols]` of a stream (Gumbel or logistic), as the kernel draws it. */
function noiseTensor(rows: number, cols: number, seed: number, stream: number, kind: "gumbel" | "logistic"): tf.Tensor2D {
  return tf.tensor2d(drawNoise(kind, seed, stream, 0, rows * cols), [rows, cols]);
}

/** One-hot of the row argmax (first maximum; argMax and oneHot pass zero gradients), on the tensors' backend. */
function oneHotArgmax(v: tf.Tensor2D): tf.Tensor2D {
  return tf.oneHot(tf.argMax(v, 1), v.shape[1], 1, 0, "float32") as tf.Tensor2D;
}

/** `[v > 0]` elementwise (`step`, zero gradient), on the tensors' backend (no read-back). */
function positive(v: tf.Tensor): tf.Tensor {
  return tf.step(v, 0);
}

/** A categorical choice over the last axis of `u: [rows, n]`: softmax, straight-through Gumbel, or argmax. */
export function categorical(
  u: tf.Tensor2D,
  choice: Choice,
  tau: number,
  seed: number,
  stream: number,
  mode: "train" | "eval",
): tf.Tensor2D {
  const [rows, n] = u.shape;
  if (n === 1) return tf.onesLike(u);
  if (mode === "eval") return oneHotArgmax(u);
  if (choice === "soft") return tf.softmax(u, -1);
  const z = (choice === "gumbel-st" ? tf.add(u, noiseTensor(rows, n, seed, stream, "gumbel")) : u) as tf.Tensor2D;
  return straightThrough(oneHotArgmax(z), tf.softmax(tf.div(z, tau), -1)) as tf.Tensor2D;
}

/**
 * Layer output `[batch, outDim]` of `x: [batch, inDim]` (batch-major) from the weights `[outDim, P]` and
 * wiring logits `[outDim, 2, K]`, by the attributes of {@link RelaxLogicLayerLearned} (layout flags ignored).
 */
export function learnedReference(
  x: tf.Tensor2D,
  weights: tf.Tensor2D,
  wiring: tf.Tensor3D,
  attrs: RelaxLogicLayerLearnedAttrs,
): tf.Tensor2D {
  return tf.tidy(() => {
    const { K, mode } = attrs;
    const outDim = attrs.candA.length / K;
    const batch = x.shape[0];
    const tau = attrs.temperature;
    const gf = attrs.gradFactor;
    const xs =
      gf === 1
        ? x
        : (tf.customGrad(((xi: tf.Tensor) => ({
            value: tf.clone(xi),
            gradFunc: (dy: tf.Tensor) => tf.mul(dy, gf),
          })) as unknown as Parameters<typeof tf.customGrad>[0])(x) as tf.Tensor2D);
    const u = tf.reshape(wiring, [outDim * 2, K]) as tf.Tensor2D;
    const q = tf.reshape(categorical(u, attrs.wiringChoice, tau, attrs.noiseSeed, WIRING_STREAM, mode), [outDim, 2, K]);
    const pick = (cand: Int32Array, side: number): tf.Tensor2D => {
      const g = tf.reshape(tf.gather(xs, tf.tensor1d(cand, "int32"), 1), [batch, outDim, K]);
      const qs = tf.squeeze(tf.slice(q, [0, side, 0], [outDim, 1, K]), [1]);
      return tf.sum(tf.mul(g, tf.expandDims(qs, 0)), 2) as tf.Tensor2D;
    };
    const A = pick(attrs.candA, 0);
    const B = pick(attrs.candB, 1);
    const st = attrs.gateChoice !== "soft" && mode === "train";
    if (attrs.parametrization === "softmax16") {
      const p = categorical(weights, attrs.gateChoice, tau, attrs.noiseSeed, GATE_STREAM, mode);
      const gates = tf.stack(relaxedGatesTensor(A, B), 2);
      return tf.sum(tf.mul(gates, tf.expandDims(p, 0)), 2) as tf.Tensor2D;
    }
    // bilinear4: truth-table entries t = [t00, t01, t10, t11] ∈ [0, 1], y = Σ t_ab · [A = a]·[B = b] (relaxed)
    let t: tf.Tensor2D;
    if (mode === "eval") t = positive(weights) as tf.Tensor2D;
    else if (!st) t = tf.sigmoid(weights);
    else {
      const z =
        attrs.gateChoice === "gumbel-st"
          ? tf.add(weights, noiseTensor(outDim, paramsPerGate("bilinear4"), attrs.noiseSeed, GATE_STREAM, "logistic"))
          : weights;
      t = straightThrough(positive(z), tf.sigmoid(tf.div(z, tau))) as tf.Tensor2D;
    }
    const col = (k: number) => tf.expandDims(tf.squeeze(tf.slice(t, [0, k], [outDim, 1]), [1]), 0);
    const nA = tf.sub(1, A);
    const nB = tf.sub(1, B);
    return tf.addN([
      tf.mul(col(0), tf.mul(nA, nB)),
      tf.mul(col(1), tf.mul(nA, B)),
      tf.mul(col(2), tf.mul(A, nB)),
      tf.mul(col(3), tf.mul(A, B)),
    ]) as tf.Tensor2D;
  });
}

/**
 * Gate coefficients `[rows, 4]` (`y = c0 + c1·A + c2·B + c3·A·B`) of the gate parameters `weights: [rows, P]` from
 * tfjs ops, by the same choice as {@link learnedReference} (straight-through as `hard + soft − stopGradient(soft)`,
 * the noise of `seed` on `GATE_STREAM`): softmax16 `c = p·M`, bilinear4 `c = [t00, t10 − t00, t01 − t00,
 * t11 − t10 − t01 + t00]`. Used by the conv trees' reference, whose nodes take their coefficients per tree node.
 */
export function gateCoefficientsTensor(
  weights: tf.Tensor2D,
  parametrization: Parametrization,
  choice: Choice,
  tau: number,
  seed: number,
  mode: "train" | "eval",
): tf.Tensor2D {
  return tf.tidy(() => {
    const rows = weights.shape[0];
    if (parametrization === "softmax16") {
      const p = categorical(weights, choice, tau, seed, GATE_STREAM, mode);
      return tf.matMul(p, tf.tensor2d(Float32Array.from(GATE_COEFF_MATRIX), [NUM_GATES, 4]));
    }
    let t: tf.Tensor2D;
    if (mode === "eval") t = positive(weights) as tf.Tensor2D;
    else if (choice === "soft") t = tf.sigmoid(weights);
    else {
      const z = choice === "gumbel-st" ? tf.add(weights, noiseTensor(rows, 4, seed, GATE_STREAM, "logistic")) : weights;
      t = straightThrough(positive(z), tf.sigmoid(tf.div(z, tau))) as tf.Tensor2D;
    }
    // rows of the map t → c: t00 → [1, −1, −1, 1], t01 → [0, 0, 1, −1], t10 → [0, 1, 0, −1], t11 → [0, 0, 0, 1]
    const T = tf.tensor2d([1, -1, -1, 1, 0, 0, 1, -1, 0, 1, 0, -1, 0, 0, 0, 1], [4, 4]);
    return tf.matMul(t, T);
  });
}
