import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertInteger, assertOptions, describe } from "@relax/core";
import { dijkstraPath } from "../data/terrain.js";

/** Result of {@link shortestPathMetrics}. */
export interface ShortestPathMetrics {
  /** Perfect match: fraction of maps whose path on the predicted costs equals the label path cell by cell (`pathPerfectMatch`). */
  exact: number;
  /** Fraction of maps whose path on the predicted costs is optimal under the true costs (cost ratio ≤ 1 + 1e-5); with tied shortest paths this is the fair "perfect path" rate. */
  optimal: number;
  /** Mean ratio (true cost of the path on the predicted costs) / (true shortest path cost); 1 is optimal. */
  costRatio: number;
}

function hostValues(op: string, arg: string, x: tf.Tensor | ArrayLike<number>): ArrayLike<number> {
  if (x instanceof tf.Tensor) return x.dataSync();
  if (x && typeof (x as ArrayLike<number>).length === "number") return x;
  throw new RelaxError(op, arg, "a tensor or an array of numbers", describe(x));
}

/**
 * Shortest-path supervision metrics (Warcraft benchmark, Vlastelica et al., ICLR 2020; AlgoVision, NeurIPS 2021):
 * the exact shortest path (Dijkstra) on the network's predicted costs is compared with the label path — exact perfect
 * match (identical cells), optimality under the true costs (a tied shortest path counts), and the mean cost ratio. Negative predicted costs are clamped to 0.
 *
 * @param predictedCosts `[N, H, W]` (tensor or flat array) predicted vertex costs
 * @param trueCosts `[N, H, W]` true vertex costs
 * @param truePaths `[N, H, W]` true path indicators (> 0.5 on the path)
 * @param shape `{height, width}` when flat arrays are passed (taken from a tensor's shape otherwise)
 * @returns {@link ShortestPathMetrics}
 * @example
 * const m = shortestPathMetrics(predicted, costs, paths);
 * console.log(m.exact, m.optimal, m.costRatio);
 */
export function shortestPathMetrics(
  predictedCosts: tf.Tensor | ArrayLike<number>,
  trueCosts: tf.Tensor | ArrayLike<number>,
  truePaths: tf.Tensor | ArrayLike<number>,
  shape?: { height: number; width: number },
): ShortestPathMetrics {
  const op = "shortestPathMetrics";
  let H: number;
  let W: number;
  if (shape !== undefined) {
    assertOptions<{ height: number; width: number }>(op, shape, ["height", "width"], "shape");
    H = assertInteger(op, "shape.height", shape.height, 1);
    W = assertInteger(op, "shape.width", shape.width, 1);
  } else if (predictedCosts instanceof tf.Tensor && predictedCosts.rank === 3) {
    [, H, W] = predictedCosts.shape as [number, number, number];
  } else {
    throw new RelaxError(op, "shape", "{height, width} (or predictedCosts as a [N, H, W] tensor)", describe(shape));
  }
  const p = hostValues(op, "predictedCosts", predictedCosts);
  const c = hostValues(op, "trueCosts", trueCosts);
  const t = hostValues(op, "truePaths", truePaths);
  const M = H * W;
  if (p.length % M !== 0) throw new RelaxError(op, "predictedCosts", `a multiple of ${M} values ([N, ${H}, ${W}])`, `${p.length} values`);
  const N = p.length / M;
  if (c.length !== p.length) throw new RelaxError(op, "trueCosts", `${p.length} values ([${N}, ${H}, ${W}])`, `${c.length} values`);
  if (t.length !== p.length) throw new RelaxError(op, "truePaths", `${p.length} values ([${N}, ${H}, ${W}])`, `${t.length} values`);
  for (let i = 0; i < t.length; i++) {
    if (!Number.isFinite(t[i] as number))
      throw new RelaxError(op, "truePaths", "finite path indicators", `${describe(t[i])} at flat index ${i}`);
  }
  const clamped = new Float64Array(M);
  let exact = 0;
  let optimal = 0;
  let ratio = 0;
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < M; i++) {
      const v = p[n * M + i] as number;
      if (Number.isNaN(v)) throw new RelaxError(op, "predictedCosts", "no NaN values", `NaN at map ${n}, cell ${i}`);
      clamped[i] = Math.max(0, v);
    }
    const pred = dijkstraPath(clamped, H, W);
    const best = dijkstraPath(c, H, W, n * M).cost;
    let same = true;
    let cost = 0;
    for (let i = 0; i < M; i++) {
      if ((pred.path[i] === 1) !== (t[n * M + i] as number) > 0.5) same = false;
      if (pred.path[i] === 1) cost += c[n * M + i] as number;
    }
    const r = best > 0 ? cost / best : cost === 0 ? 1 : Infinity;
    if (same) exact++;
    if (r <= 1 + 1e-5) optimal++;
    ratio += r;
  }
  const d = Math.max(1, N);
  return { exact: exact / d, optimal: optimal / d, costRatio: N > 0 ? ratio / N : 1 };
}
