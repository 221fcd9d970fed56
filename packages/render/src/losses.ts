import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, toFloatTensor, type TensorInput } from "@relax/core";

function pair(op: string, pred: TensorInput, target: TensorInput): [tf.Tensor, tf.Tensor] {
  const p = toFloatTensor(op, "pred", pred);
  const t = toFloatTensor(op, "target", target);
  if (p.shape.length !== t.shape.length || p.shape.some((d, i) => d !== t.shape[i])) {
    throw new RelaxError(op, "target", `the shape of pred [${p.shape.join(", ")}]`, `[${t.shape.join(", ")}]`);
  }
  if (p.rank < 2) throw new RelaxError(op, "pred", "an image [S, S], [B, S, S] or [B, S, S, C]", `[${p.shape.join(", ")}]`);
  return [p, t];
}

/**
 * Soft IoU loss of SoftRas/GenDR silhouette supervision: `1 − Σ p·t / Σ (p + t − p·t)` per image, averaged
 * over the batch (`[S, S]` is one image; `[B, S, S]` or `[B, S, S, C]` is a batch).
 *
 * @example
 * const alpha = rasterizeSilhouette(faces, { imageSize: 64 });
 * const loss = softIoULoss(alpha, targetAlpha); // scalar in [0, 1]
 * loss.dataSync()[0];
 */
export function softIoULoss(pred: TensorInput, target: TensorInput): tf.Scalar {
  const [p, t] = pair("softIoULoss", pred, target);
  return tf.tidy(() => {
    const p3 = p.rank === 2 ? tf.expandDims(p, 0) : p;
    const t3 = t.rank === 2 ? tf.expandDims(t, 0) : t;
    const axes = p3.shape.slice(1).map((_, i) => i + 1);
    const inter = tf.sum(tf.mul(p3, t3), axes);
    const union = tf.sum(tf.sub(tf.add(p3, t3), tf.mul(p3, t3)), axes);
    return tf.mean(tf.sub(1, tf.div(inter, tf.maximum(union, 1e-6)))) as tf.Scalar;
  });
}

/**
 * Mean squared error between images (alpha or rgb), averaged over all elements.
 *
 * @example
 * const loss = mseLoss(alpha, targetAlpha);
 * loss.dataSync()[0] >= 0; // true
 * const grad = tf.grad((v) => mseLoss(renderAlpha(v), target))(vertices);
 */
export function mseLoss(pred: TensorInput, target: TensorInput): tf.Scalar {
  const [p, t] = pair("mseLoss", pred, target);
  return tf.tidy(() => tf.mean(tf.squaredDifference(p, t)) as tf.Scalar);
}

/**
 * Hard IoU (a metric, not differentiable) of two silhouettes thresholded at `threshold` (default 0.5),
 * averaged over the batch; 1 when both are empty.
 *
 * @example
 * const score = iou(alpha, target); // number in [0, 1]
 * console.log(`IoU ${score.toFixed(3)}`);
 * score >= 0.9;
 */
export function iou(pred: TensorInput, target: TensorInput, threshold = 0.5): number {
  const [p, t] = pair("iou", pred, target);
  const pv = p.dataSync(),
    tv = t.dataSync();
  if (p !== pred) p.dispose();
  if (t !== target) t.dispose();
  const per = p.rank === 2 ? pv.length : pv.length / (p.shape[0] as number);
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
