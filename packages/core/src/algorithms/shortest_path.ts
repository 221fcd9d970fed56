import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { MAX_ITERATIONS } from "../relaxed/limits.js";
import { runFusedKernel, useFused } from "../kernels/fused.js";
import { RelaxShortestPath, type RelaxShortestPathAttrs } from "../kernels/kernel_names.js";
import { softArgMin } from "../relaxed/soft_min_max.js";
import { getTConorm, TCONORM_NAMES } from "../tnorms/index.js";
import {
  assertFinite,
  assertInRange,
  assertInteger,
  assertOneOf,
  assertOptions,
  assertPositive,
  assertRank,
  hostValues,
  toFloatTensor,
  type TensorInput,
} from "../validate.js";
import { resolveSteepness, type SteepnessOption } from "../relaxed/steepness.js";

/** Options of {@link shortestPath}. */
export interface ShortestPathOptions extends SteepnessOption {
  /** Inverse temperature β of the soft-min over neighbours (default 10). */
  steepness?: number;
  /**
   * Maximum Bellman-Ford iterations (default H·W, enough for any grid; at most `MAX_ITERATIONS` (100,000, exported by `@relax/core`)).
   * For the gradient the fused kernel keeps one H·W grid per iteration that changed the distances.
   */
  iterations?: number;
  /** Bellman-Ford stops early once max|Δd| ≤ tolerance·max(1, max d) (default 1e-6; 0 runs all iterations). */
  tolerance?: number;
  /** Maximum traceback steps (default H·W; at most `MAX_ITERATIONS` (100,000, exported by `@relax/core`)). */
  traceSteps?: number;
  /** The traceback stops once the mass still travelling is ≤ epsilon (default 1e-6). */
  epsilon?: number;
  /** t-conorm accumulating the visited mass per cell (default `'probabilistic'`; AlgoVision's example also uses `'hamacher'`, `'yager'` with p = 1). */
  tconorm?: string;
  /** Parameter p of the t-conorm (default: the family's default). */
  p?: number;
}

/** Distance of unreached cells (finite, so no Inf/NaN reaches a gradient). */
/** @internal Distance of a vertex not reached yet (shared with the host kernel). */
export const UNREACHED = 1e9;
/** Value of the out-of-grid padding in the reference: its soft-min weight is exactly 0. */
const OUTSIDE = 1e30;
/** The 8 neighbour offsets `[dRow, dCol]` of a cell on an 8-connected grid (Warcraft shortest-path benchmark). */
export const GRID8_DIRECTIONS: readonly (readonly [number, number])[] = [
  [-1, -1],
  [-1, 0],
  [-1, 1],
  [0, -1],
  [0, 1],
  [1, -1],
  [1, 0],
  [1, 1],
];
const DIRS = GRID8_DIRECTIONS;

const KEYS = ["steepness", "beta", "iterations", "tolerance", "traceSteps", "epsilon", "tconorm", "p"] as const;

/**
 * Validates the options against a grid of H·W cells (before any tensor is made). `nanP` accepts p = NaN
 * as "the family's default" (the kernel attributes' convention); a user's p must be a finite number.
 */
function resolve(op: string, H: number, W: number, options: ShortestPathOptions, nanP: boolean): RelaxShortestPathAttrs {
  const o = assertOptions<ShortestPathOptions>(op, options, KEYS);
  const tconorm = assertOneOf(op, "tconorm", o.tconorm === undefined ? "probabilistic" : o.tconorm, TCONORM_NAMES);
  const p = o.p === undefined ? NaN : o.p;
  if (o.p !== undefined && !(typeof p === "number" && (Number.isFinite(p) || (nanP && Number.isNaN(p))))) {
    throw new RelaxError(op, "p", "a finite number (the t-conorm's parameter)", describe(o.p));
  }
  getTConorm(tconorm, Number.isNaN(p) ? undefined : p, op); // validates p
  const cells = Math.min(H * W, MAX_ITERATIONS);
  return {
    beta: resolveSteepness(op, o, 10),
    iterations: assertInteger(op, "iterations", o.iterations === undefined ? cells : o.iterations, 1, MAX_ITERATIONS),
    tolerance: assertInRange(op, "tolerance", o.tolerance === undefined ? 1e-6 : o.tolerance, 0, 1),
    traceSteps: assertInteger(op, "traceSteps", o.traceSteps === undefined ? cells : o.traceSteps, 1, MAX_ITERATIONS),
    epsilon: assertInRange(op, "epsilon", o.epsilon === undefined ? 1e-6 : o.epsilon, 0, 1),
    tconorm,
    p,
  };
}

/** costs as a finite, non-negative, non-empty float32 `[batch, H, W]` tensor (call inside a tidy). */
function checkedCosts(op: string, costs: unknown): tf.Tensor3D {
  const c = toFloatTensor(op, "costs", costs);
  assertRank(op, "costs", c, [3], "[batch, H, W]");
  if (c.size === 0) throw new RelaxError(op, "costs", "a non-empty [batch, H, W] tensor", `[${c.shape.join(", ")}]`);
  assertFinite(op, "costs", c, costs);
  const v = hostValues(c, costs);
  for (let i = 0; v !== null && i < v.length; i++) {
    if ((v[i] as number) < 0) throw new RelaxError(op, "costs", "non-negative vertex costs", `${v[i]} at flat index ${i}`);
  }
  return c as tf.Tensor3D;
}

/**
 * Relaxed shortest path on a vertex-weighted 8-connected grid (AlgoVision, Petersen et al., NeurIPS
 * 2021, Sec. 4.2; the Warcraft terrain benchmark of Vlastelica et al.): from the top-left cell to the
 * bottom-right cell. A relaxed Bellman-Ford computes `d(v) = c(v) + Σ_j softmin_β(d(N_v))_j·d(N_v)_j`
 * (the source keeps d = c(source)); a traceback then starts unit mass at the target and moves it
 * along the soft predecessor weights until it is absorbed at the source, and each cell's path value
 * is the t-conorm of the masses that visited it. As β → ∞ this is the indicator of the shortest
 * path. Runs a fused CPU kernel (forward and gradient) when the backend has it.
 *
 * @param costs `[batch, H, W]` non-negative vertex costs
 * @param options `steepness` β 10 (`beta` deprecated), `iterations` H·W, `tolerance` 1e-6, `traceSteps` H·W, `epsilon` 1e-6, `tconorm` 'probabilistic', `p`
 * @returns `[batch, H, W]` relaxed path indicator in [0, 1]
 * @example
 * const costs = tf.tensor3d([[[1, 9, 9], [9, 1, 9], [9, 9, 1]]]);
 * const path = shortestPath(costs, { steepness: 20 });
 * // ≈ [[[1, 0, 0], [0, 1, 0], [0, 0, 1]]]
 */
export function shortestPath(costs: TensorInput, options: ShortestPathOptions = {}): tf.Tensor3D {
  const op = "shortestPath";
  // One tidy: the float32 copy of an array / non-float32 input is disposed, also when a check throws.
  return tf.tidy(() => {
    const c = checkedCosts(op, costs);
    const attrs = resolve(op, c.shape[1], c.shape[2], options, false);
    // the kernel's second output is the forward tape, saved for the gradient; tidy frees it here
    if (useFused(RelaxShortestPath, attrs)) return runFusedKernel<tf.Tensor[]>(RelaxShortestPath, { costs: c }, attrs)[0] as tf.Tensor3D;
    return reference(c, attrs);
  });
}

/** Shifts `x: [B, H, W]` by (dy, dx) — out[y, x] = in[y − dy, x − dx] — filling with `fill`. */
function shift(x: tf.Tensor, dy: number, dx: number, fill: number): tf.Tensor {
  const [, H, W] = x.shape as [number, number, number];
  const padded = tf.pad(
    x,
    [
      [0, 0],
      [1, 1],
      [1, 1],
    ],
    fill,
  );
  return tf.slice(padded, [0, 1 - dy, 1 - dx], [-1, H, W]);
}

/**
 * Reference composition of {@link shortestPath} from tfjs ops (defines the numbers; slow). Same
 * semantics as the fused kernel, per-row stopping included, and the same validation (here `p: NaN`
 * means the t-conorm's default, as in the kernel attributes).
 *
 * @param costs `[batch, H, W]` non-negative vertex costs
 * @param attrs the options of {@link shortestPath}, or resolved kernel attributes
 * @returns `[batch, H, W]` relaxed path indicator in [0, 1]
 * @example
 * const costs = tf.tensor3d([[[1, 9], [9, 1]]]);
 * const path = shortestPathReference(costs, { steepness: 20 }); // the numbers of shortestPath(costs, { steepness: 20 })
 * path.print();
 */
export function shortestPathReference(costs: TensorInput, attrs: ShortestPathOptions | RelaxShortestPathAttrs = {}): tf.Tensor3D {
  const op = "shortestPathReference";
  return tf.tidy(() => {
    const c = checkedCosts(op, costs);
    return reference(c, resolve(op, c.shape[1], c.shape[2], attrs, true));
  });
}

function reference(costs: tf.Tensor3D, attrs: RelaxShortestPathAttrs): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, H, W] = costs.shape;
    const N = H * W;
    const sourceMask = tf.tensor(
      Array.from({ length: N }, (_, i) => (i === 0 ? 1 : 0)),
      [1, H, W],
    );
    const notSource = tf.sub(1, sourceMask);
    const sourceCost = tf.mul(costs, sourceMask);
    // neighbour values of every cell along a new last axis; out-of-grid cells get weight 0.
    const neighbours = (d: tf.Tensor): tf.Tensor =>
      tf.stack(
        DIRS.map(([dy, dx]) => shift(d, -dy, -dx, OUTSIDE)),
        -1,
      );
    let d: tf.Tensor = tf.add(tf.mul(notSource, UNREACHED), sourceCost);
    const active = new Float32Array(B).fill(1);
    for (let t = 0; t < attrs.iterations && active.some((a) => a === 1); t++) {
      // one tidy per iteration and the previous iterate released: constant memory per iteration
      const prevD = d;
      const next = tf.tidy(() => {
        const nb = neighbours(prevD);
        const w = softArgMin(nb, { steepness: attrs.beta });
        const relaxed = tf.add(tf.sum(tf.mul(w, nb), -1), costs);
        const n = tf.add(tf.mul(relaxed, notSource), sourceCost);
        // rows that converged keep their distances (each row stops on its own, as in the kernel)
        const act = tf.reshape(tf.tensor1d(Float32Array.from(active)), [B, 1, 1]);
        return tf.add(tf.mul(act, n), tf.mul(tf.sub(1, act), prevD));
      });
      const nv = next.dataSync();
      const ov = d.dataSync();
      for (let b = 0; b < B; b++) {
        if (active[b] !== 1) continue;
        if (converged(nv, ov, b * N, N, attrs.tolerance)) active[b] = 0;
      }
      d = next;
      prevD.dispose(); // safe under tf.grad: the tape keeps its own copies
    }
    const weights = softArgMin(neighbours(d), { steepness: attrs.beta }); // [B, H, W, 8]
    const S = getTConorm(attrs.tconorm, Number.isNaN(attrs.p) ? undefined : attrs.p);
    const target = Array.from({ length: N }, (_, i) => (i === N - 1 ? 1 : 0));
    let m: tf.Tensor = tf.tile(tf.tensor(target, [1, H, W]), [B, 1, 1]);
    let path: tf.Tensor = tf.zeros([B, H, W]);
    const moving = new Float32Array(B).fill(1);
    for (let k = 0; k < attrs.traceSteps; k++) {
      const [prevPath, prevM] = [path, m];
      path = tf.tidy(() => S.sTensor(prevPath, prevM));
      const mv = tf.mul(prevM, notSource); // mass at the source is absorbed
      const massT = tf.sum(mv, [1, 2]);
      const mass = massT.dataSync();
      massT.dispose();
      for (let b = 0; b < B; b++) if (!((mass[b] as number) > attrs.epsilon)) moving[b] = 0;
      const done = !moving.some((a) => a === 1) || k + 1 >= attrs.traceSteps;
      if (!done) {
        m = tf.tidy(() => {
          const mov = tf.reshape(tf.tensor1d(Float32Array.from(moving)), [B, 1, 1]);
          const transport = tf.mul(tf.expandDims(tf.mul(mv, mov), -1), weights);
          const parts = tf
            .unstack(transport, -1)
            .map((tj, j) => shift(tj, (DIRS[j] as [number, number])[0], (DIRS[j] as [number, number])[1], 0));
          return tf.addN(parts);
        });
      }
      // constant memory per step: release the previous step's tensors
      mv.dispose();
      if (prevPath !== path) prevPath.dispose();
      if (!done && prevM !== m) prevM.dispose();
      if (done) break;
    }
    return path as tf.Tensor3D;
  });
}

/** @internal Whether a row's distances moved by at most `tol` (relative); shared with the host kernel. */
export function converged(next: ArrayLike<number>, prev: ArrayLike<number>, off: number, N: number, tol: number): boolean {
  if (tol <= 0) return false;
  let maxAbs = 1;
  let maxDelta = 0;
  for (let i = 0; i < N; i++) {
    const v = next[off + i] as number;
    if (!(v < UNREACHED / 2)) return false;
    maxAbs = Math.max(maxAbs, Math.abs(v));
    maxDelta = Math.max(maxDelta, Math.abs(v - (prev[off + i] as number)));
  }
  return maxDelta <= tol * maxAbs;
}
