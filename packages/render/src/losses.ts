import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertFinite, assertInRange, toFloatTensor, type TensorInput, assertValuesIn } from "@relax/core";
import { shapeText } from "./checks.js";

/** Soft images may exceed [0, 1] by float32 rounding; more than this is a RelaxError. */
const UNIT_SLACK = 1e-5;

/** Two same-shape, non-empty, finite images (in [0, 1] when `unit`); call inside a tidy. */
function pair(op: string, pred: TensorInput, target: TensorInput, unit: boolean): [tf.Tensor, tf.Tensor] {
  const p = toFloatTensor(op, "pred", pred);
  const t = toFloatTensor(op, "target", target);
  if (p.rank < 2 || p.rank > 4) throw new RelaxError(op, "pred", "an image [S, S], [B, S, S] or [B, S, S, C]", shapeText(p));
  if (p.shape.length !== t.shape.length || p.shape.some((d, i) => d !== t.shape[i])) {
    throw new RelaxError(op, "target", `the shape of pred ${shapeText(p)}`, shapeText(t));
  }
  if (p.size === 0) throw new RelaxError(op, "pred", "a non-empty image", shapeText(p));
  for (const [name, x] of [
    ["pred", p],
    ["target", t],
  ] as const) {
    if (unit) assertValuesIn(op, name, x, -UNIT_SLACK, 1 + UNIT_SLACK);
    else assertFinite(op, name, x);
  }
  return [p, t];
}

/**
 * Soft IoU loss of SoftRas/GenDR silhouette supervision: `1 − Σ p·t / Σ (p + t − p·t)` per image, averaged
 * over the batch (`[S, S]` is one image; `[B, S, S]` or `[B, S, S, C]` is a batch). Both must be non-empty,
 * of equal shape, with values in [0, 1] (else a `RelaxError`).
 *
 * @example
 * const alpha = rasterizeSilhouette(faces, { imageSize: 64 });
 * const loss = softIoULoss(alpha, targetAlpha); // scalar in [0, 1]
 * loss.dataSync()[0];
 */
export function softIoULoss(pred: TensorInput, target: TensorInput): tf.Scalar {
  return tf.tidy(() => {
    const [p, t] = pair("softIoULoss", pred, target, true);
    const p3 = p.rank === 2 ? tf.expandDims(p, 0) : p;
    const t3 = t.rank === 2 ? tf.expandDims(t, 0) : t;
    const axes = p3.shape.slice(1).map((_, i) => i + 1);
    const inter = tf.sum(tf.mul(p3, t3), axes);
    const union = tf.sum(tf.sub(tf.add(p3, t3), tf.mul(p3, t3)), axes);
    return tf.mean(tf.sub(1, tf.div(inter, tf.maximum(union, 1e-6)))) as tf.Scalar;
  });
}

/**
 * Mean squared error between images (alpha or rgb), averaged over all elements. Both must be non-empty,
 * finite and of equal shape.
 *
 * @example
 * const loss = mseLoss(alpha, targetAlpha);
 * loss.dataSync()[0] >= 0; // true
 * const grad = tf.grad((v) => mseLoss(renderAlpha(v), target))(vertices);
 */
export function mseLoss(pred: TensorInput, target: TensorInput): tf.Scalar {
  return tf.tidy(() => {
    const [p, t] = pair("mseLoss", pred, target, false);
    return tf.mean(tf.squaredDifference(p, t)) as tf.Scalar;
  });
}

/**
 * Hard IoU (a metric, not differentiable) of two silhouettes thresholded at `threshold` (default 0.5),
 * averaged over the batch; 1 when both silhouettes are empty (no pixel above the threshold). Images must be
 * non-empty, finite, of equal shape; `threshold` in [0, 1].
 *
 * @example
 * const score = iou(alpha, target); // number in [0, 1]
 * console.log(`IoU ${score.toFixed(3)}`);
 * score >= 0.9;
 */
export function iou(pred: TensorInput, target: TensorInput, threshold = 0.5): number {
  assertInRange("iou", "threshold", threshold, 0, 1);
  let rank = 0,
    batch = 1;
  const [pv, tv] = tf.tidy(() => {
    const [p, t] = pair("iou", pred, target, false);
    rank = p.rank;
    batch = p.shape[0] as number;
    return [p.dataSync().slice(), t.dataSync().slice()];
  });
  const per = rank === 2 ? pv.length : pv.length / batch;
  let total = 0;
  const B = pv.length / per;
  for (let b = 0; b < B; b++) {
    let inter = 0,
      union = 0;
    for (let i = b * per; i < (b + 1) * per; i++) {
      const a = (pv[i] as number) > threshold,
        c = (tv[i] as number) > threshold;
      if (a && c) inter++;
      if (a || c) union++;
    }
    total += union === 0 ? 1 : inter / union;
  }
  return total / B;
}
