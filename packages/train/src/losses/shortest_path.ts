import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  assertOneOf,
  assertOptions,
  shortestPath,
  toFloatTensor,
  type ShortestPathOptions,
  type TensorInput,
} from "@relax/core";
import type { Batch } from "../loop/train.js";

/** How a relaxed path is compared with the true path, per cell. */
export type PathNorm = "l1" | "l2sq" | "bce";

/** Option keys of {@link shortestPathLoss}. */
export const SHORTEST_PATH_LOSS_KEYS = [
  "steepness",
  "beta",
  "iterations",
  "tolerance",
  "traceSteps",
  "epsilon",
  "tconorm",
  "p",
  "norm",
  "cells",
] as const;

/** Options of {@link shortestPathLoss}: core's `shortestPath` options plus the comparison. */
export interface ShortestPathLossOptions extends ShortestPathOptions {
  /** Per-cell comparison: `'l1'` |p − t| (default), `'l2sq'` (p − t)², `'bce'` binary cross-entropy. */
  norm?: PathNorm;
  /** Reduction over the cells of a map: `'mean'` (default) or `'sum'`. */
  cells?: "mean" | "sum";
}

/** Per-cell comparison of a path `p` in [0, 1] with a 0/1 path `t`, reduced over the last two axes → `[N]`. */
export function comparePaths(p: tf.Tensor, t: tf.Tensor, norm: PathNorm, cells: "mean" | "sum"): tf.Tensor1D {
  return tf.tidy(() => {
    let e: tf.Tensor;
    if (norm === "l1") e = tf.abs(tf.sub(p, t));
    else if (norm === "l2sq") e = tf.square(tf.sub(p, t));
    else {
      const q = tf.clipByValue(p, 1e-7, 1 - 1e-7);
      e = tf.neg(tf.add(tf.mul(t, tf.log(q)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, q)))));
    }
    return (cells === "mean" ? tf.mean(e, [1, 2]) : tf.sum(e, [1, 2])) as tf.Tensor1D;
  });
}

/** Validates a `[N, H, W]` 0/1 target against the costs' shape. */
export function pathTarget(op: string, truePath: TensorInput, shape: readonly number[]): tf.Tensor {
  const t = toFloatTensor(op, "truePath", truePath);
  if (t.rank !== 3 || t.shape.some((d, i) => d !== shape[i])) {
    throw new RelaxError(op, "truePath", `[${shape.join(", ")}] (the shape of the costs)`, `[${t.shape.join(", ")}]`);
  }
  const v = t.dataSync();
  for (let i = 0; i < v.length; i++) {
    const x = v[i] as number;
    if (!(x >= 0 && x <= 1)) throw new RelaxError(op, "truePath", "path indicators in [0, 1]", `${x} at flat index ${i}`);
  }
  return t;
}

/**
 * Shortest-path supervision through the relaxed Bellman-Ford of AlgoVision (Petersen et al., NeurIPS 2021, Sec. 4.2;
 * Warcraft terrain benchmark): the network's non-negative vertex costs go through `@relax/core`'s `shortestPath`
 * (soft-min Bellman-Ford + t-conorm traceback, fused kernel and gradient), and the relaxed path indicator is compared
 * with the true path cell by cell (L1 by default, as AlgoVision's `{L1, L2²}` losses). Per map, so Newton strategies
 * can wrap it.
 *
 * @param predictedCosts `[N, H, W]` non-negative predicted vertex costs (e.g. a softplus of the network output)
 * @param truePath `[N, H, W]` true path indicator (0/1)
 * @param options `steepness` β 10 (`beta` deprecated) and the other `shortestPath` options; `norm` 'l1'; `cells` 'mean'
 * @returns `[N]` per-map losses
 * @example
 * const costs = tf.softplus(tf.reshape(model.apply(x), [n, 12, 12]));
 * const loss = tf.mean(shortestPathLoss(costs, paths, { steepness: 10 }));
 * const g = tf.grad((c) => tf.sum(shortestPathLoss(c, paths)))(costs);
 */
export function shortestPathLoss(predictedCosts: TensorInput, truePath: TensorInput, options: ShortestPathLossOptions = {}): tf.Tensor1D {
  const op = "shortestPathLoss";
  const { norm: normOpt, cells: cellsOpt, ...spOptions } = assertOptions<ShortestPathLossOptions>(op, options, SHORTEST_PATH_LOSS_KEYS);
  const norm = assertOneOf(op, "norm", normOpt ?? "l1", ["l1", "l2sq", "bce"] as const);
  const cells = assertOneOf(op, "cells", cellsOpt ?? "mean", ["mean", "sum"] as const);
  const c = toFloatTensor(op, "predictedCosts", predictedCosts);
  try {
    if (c.rank !== 3) throw new RelaxError(op, "predictedCosts", "[N, H, W]", `[${c.shape.join(", ")}]`);
    return tf.tidy(() => {
      const t = pathTarget(op, truePath, c.shape);
      const p = shortestPath(c, spOptions); // steepness (or the deprecated beta) defaults to 10 there;
      return comparePaths(p, t, norm, cells);
    });
  } finally {
    if (c !== predictedCosts) c.dispose(); // the float32 copy of an array or non-float32 input
  }
}

/** Resolves `[N, H·W]` network outputs into `[N, H, W]` costs using the target's shape. */
export function gridOf(op: string, y: tf.Tensor2D, target: tf.Tensor): tf.Tensor3D {
  const [N, m] = y.shape;
  let H: number;
  let W: number;
  if (target.rank === 3) [, H, W] = target.shape as [number, number, number];
  else {
    H = Math.round(Math.sqrt(m));
    W = H;
  }
  if (H * W !== m || target.shape[0] !== N || target.size !== N * m) {
    throw new RelaxError(op, "batch.target", `[${N}, H, W] paths with H·W = ${m}`, `[${target.shape.join(", ")}]`);
  }
  return tf.reshape(y, [N, H, W]);
}

/**
 * Shortest-path supervision as a per-map loss for {@link trainWithAlgorithm}: `y [N, H·W]` (the predicted costs,
 * non-negative; `forward` usually ends with a softplus) against `batch.target [N, H, W]` true paths (a `[N, H·W]`
 * target is read as square maps), through {@link shortestPathLoss}.
 *
 * @param options `shortestPathLoss` options (steepness 10, norm 'l1', cells 'mean', …)
 * @example
 * await trainWithAlgorithm({ model, data, steps: 500, loss: pathSupervision({ steepness: 10 }),
 *   forward: (m, b) => tf.softplus(tf.reshape(m.apply(tf.reshape(b.x, [-1, 3])), [-1, 144])) as tf.Tensor2D });
 */
export function pathSupervision(options: ShortestPathLossOptions = {}): (y: tf.Tensor2D, batch: Batch) => tf.Tensor1D {
  assertOptions<ShortestPathLossOptions>("pathSupervision", options, SHORTEST_PATH_LOSS_KEYS);
  return (y, batch) =>
    tf.tidy(() => {
      const costs = gridOf("pathSupervision", y, batch.target);
      return shortestPathLoss(costs, tf.reshape(batch.target, costs.shape), options);
    });
}
