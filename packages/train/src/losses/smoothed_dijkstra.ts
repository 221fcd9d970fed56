import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertInteger, assertOneOf, assertOptions, toFloatTensor, type TensorInput } from "@relax/core";
import { dijkstraPath } from "../data/terrain.js";
import type { Batch } from "../loop/train.js";
import { SMOOTHING_KEYS, smooth, type SmoothingOptions } from "../smoothing/smooth.js";
import { comparePaths, gridOf, pathTarget, type PathNorm } from "./shortest_path.js";

/** Defaults of the smoothed Dijkstra (Gaussian, σ = 1, 32 randomised-Latin samples, leave-one-out covariate). */
const DEFAULTS: SmoothingOptions = { noise: "gaussian", scale: 1, samples: 32, sampler: "rqmc-latin", covariate: "loo" };

/** Options of {@link smoothedDijkstra}: the smoothing options and the grid. */
export interface SmoothedDijkstraOptions extends SmoothingOptions {
  height: number;
  width: number;
}

/** Options of {@link smoothedDijkstraLoss}. */
export interface SmoothedDijkstraLossOptions extends SmoothingOptions {
  /** Per-cell comparison with the true path (default `'l2sq'`, the SS paper's MSE to the hard path). */
  norm?: PathNorm;
  /** Reduction over cells: `'mean'` (default) or `'sum'`. */
  cells?: "mean" | "sum";
}

/**
 * The black box: the hard shortest-path indicator of a cost grid (Dijkstra, 8-neighbourhood, vertex costs, top-left to
 * bottom-right). Perturbed costs can be negative; they are clamped at 0 (the black box decides, smoothing does not care).
 *
 * @example
 * const f = dijkstraBlackBox(12, 12);
 * const path = f(Float64Array.from(costs));   // [144] 0/1
 */
export function dijkstraBlackBox(height: number, width: number): (costs: Float64Array) => Float64Array {
  const H = assertInteger("dijkstraBlackBox", "height", height, 1);
  const W = assertInteger("dijkstraBlackBox", "width", width, 1);
  const c = new Float64Array(H * W);
  return (x) => {
    for (let i = 0; i < c.length; i++) {
      const v = x[i] as number;
      c[i] = Math.max(v, 0);
    }
    return Float64Array.from(dijkstraPath(c, H, W).path);
  };
}

/**
 * A stochastically smoothed Dijkstra (generalized stochastic smoothing, Petersen et al., arXiv 2410.08125, "smoothing
 * of the algorithm" on Warcraft): `E[path(c + σu)]` per map with a score-function gradient, built from the plain-TS
 * {@link dijkstraBlackBox} and `smooth`. Each call draws fresh samples from the seeded stream of this smoother, so build
 * one per training run.
 *
 * @param options `height`, `width` (required); smoothing: noise 'gaussian', scale 1, samples 32, sampler 'rqmc-latin', covariate 'loo', seed 0
 * @returns `(costs [N, H, W]) → [N, H, W]` expected path indicator, differentiable
 * @example
 * const sp = smoothedDijkstra({ height: 12, width: 12, samples: 64, scale: 0.5 });
 * const p = sp(costs);                                  // [N, 12, 12] in [0, 1]
 * const g = tf.grad((c) => tf.sum(tf.mul(sp(c), w)))(costs);
 */
export function smoothedDijkstra(options: SmoothedDijkstraOptions): (costs: tf.Tensor3D) => tf.Tensor3D {
  const op = "smoothedDijkstra";
  if (options === undefined) throw new RelaxError(op, "options", "{height, width, ...smoothing}", "undefined");
  assertOptions<SmoothedDijkstraOptions>(op, options, [...SMOOTHING_KEYS, "height", "width"]);
  const H = assertInteger(op, "height", options.height, 1);
  const W = assertInteger(op, "width", options.width, 1);
  const { height: _h, width: _w, ...rest } = options;
  void _h;
  void _w;
  const f = smooth(dijkstraBlackBox(H, W), { ...DEFAULTS, ...rest, n: H * W, m: H * W });
  return (costs) => {
    const c = toFloatTensor(op, "costs", costs);
    try {
      if (c.rank !== 3 || c.shape[1] !== H || c.shape[2] !== W)
        throw new RelaxError(op, "costs", `[N, ${H}, ${W}]`, `[${c.shape.join(", ")}]`);
      return tf.tidy(() => tf.reshape(f(tf.reshape(c, [-1, H * W]) as tf.Tensor2D), [-1, H, W]) as tf.Tensor3D);
    } finally {
      if (c !== costs) c.dispose();
    }
  };
}

function lossOptions(op: string, options: SmoothedDijkstraLossOptions) {
  const { norm, cells, ...smoothing } = assertOptions<SmoothedDijkstraLossOptions>(op, options, [...SMOOTHING_KEYS, "norm", "cells"]);
  return {
    norm: assertOneOf(op, "norm", norm ?? "l2sq", ["l1", "l2sq", "bce"] as const),
    cells: assertOneOf(op, "cells", cells ?? "mean", ["mean", "sum"] as const),
    smoothing,
  };
}

/**
 * Shortest-path supervision through a stochastically smoothed black-box Dijkstra (arXiv 2410.08125; one of the
 * Newton-losses paper's Warcraft baselines): the smoothed path `E[path(c + σu)]` is compared with the true path (MSE
 * by default). One-shot form (a fresh smoother seeded with `seed` per call); for training use
 * {@link smoothedPathSupervision}, which keeps one sample stream.
 *
 * @param predictedCosts `[N, H, W]` predicted vertex costs
 * @param truePath `[N, H, W]` true path indicator
 * @param options smoothing (noise 'gaussian', scale 1, samples 32, sampler 'rqmc-latin', covariate 'loo', seed 0), norm 'l2sq', cells 'mean'
 * @returns `[N]` per-map losses
 * @example
 * const l = smoothedDijkstraLoss(costs, paths, { samples: 64, scale: 0.5, seed: step });
 * const g = tf.grad((c) => tf.sum(smoothedDijkstraLoss(c, paths)))(costs);
 */
export function smoothedDijkstraLoss(
  predictedCosts: TensorInput,
  truePath: TensorInput,
  options: SmoothedDijkstraLossOptions = {},
): tf.Tensor1D {
  const op = "smoothedDijkstraLoss";
  const { norm, cells, smoothing } = lossOptions(op, options);
  const c = toFloatTensor(op, "predictedCosts", predictedCosts);
  try {
    if (c.rank !== 3) throw new RelaxError(op, "predictedCosts", "[N, H, W]", `[${c.shape.join(", ")}]`);
    return tf.tidy(() => {
      const t = pathTarget(op, truePath, c.shape);
      const sp = smoothedDijkstra({ ...smoothing, height: c.shape[1] as number, width: c.shape[2] as number });
      return comparePaths(sp(c as tf.Tensor3D), t, norm, cells);
    });
  } finally {
    if (c !== predictedCosts) c.dispose();
  }
}

/**
 * Smoothed-Dijkstra shortest-path supervision as a per-map loss for {@link trainWithAlgorithm}: `y [N, H·W]` predicted
 * costs against `batch.target [N, H, W]` true paths. Keeps one smoother per grid size, so every step draws fresh samples
 * from one seeded stream.
 *
 * @param options as {@link smoothedDijkstraLoss}
 * @example
 * await trainWithAlgorithm({ model, data, steps, forward, loss: smoothedPathSupervision({ samples: 32, scale: 0.5 }) });
 */
export function smoothedPathSupervision(options: SmoothedDijkstraLossOptions = {}): (y: tf.Tensor2D, batch: Batch) => tf.Tensor1D {
  const op = "smoothedPathSupervision";
  const { norm, cells, smoothing } = lossOptions(op, options);
  const smoothers = new Map<string, (c: tf.Tensor3D) => tf.Tensor3D>();
  return (y, batch) =>
    tf.tidy(() => {
      const costs = gridOf(op, y, batch.target);
      const [, H, W] = costs.shape;
      const key = `${H}x${W}`;
      let sp = smoothers.get(key);
      if (!sp) {
        sp = smoothedDijkstra({ ...smoothing, height: H, width: W });
        smoothers.set(key, sp);
      }
      const t = pathTarget(op, tf.reshape(batch.target, costs.shape), costs.shape);
      return comparePaths(sp(costs), t, norm, cells);
    });
}
