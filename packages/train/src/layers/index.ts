/**
 * `@relax/train/layers` — algorithmic supervision for `tf.layers` models: Keras-style losses
 * (`(yTrue, yPred) => Tensor`, for `model.compile({ loss })` and `optimizer.minimize`) for ranking, top-k,
 * shortest-path and edit-distance supervision, a Newton-loss wrapper, and the `tf.LayersModel` → `Model` view that
 * `trainWithAlgorithm` and the checkpoints apply by themselves. Loads no tfjs-layers code itself; use it with
 * `@tensorflow/tfjs-layers` (an optional peer dependency) or `@tensorflow/tfjs`.
 */
export {
  rankingLossFn,
  topKLossFn,
  shortestPathLossFn,
  editDistanceLossFn,
  editDistanceTargets,
  newtonLossFn,
} from "./losses.js";
export type { KerasLoss } from "./losses.js";
export { fromLayersModel, isLayersModel } from "../models/layers_model.js";
export type { LayersModelLike, LayersModelAdapter } from "../models/layers_model.js";
