/**
 * `@relax/sort/layers` — differentiable sorting inside `tf.layers` models: `diffSortLayer` (soft ranks or relaxed
 * sorted values along the last axis, registered for `model.save` / `tf.loadLayersModel`). Needs the optional peer
 * dependency `@tensorflow/tfjs-layers` (or `@tensorflow/tfjs`); the main entry `@relax/sort` never loads it.
 * Ranking losses for `model.compile` are in `@relax/train/layers`.
 */
export { DiffSortLayer, diffSortLayer } from "./soft_rank_layer.js";
export type { DiffSortLayerArgs, DiffSortOutput } from "./soft_rank_layer.js";
