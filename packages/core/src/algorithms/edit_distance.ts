import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "../errors.js";
import { catProbEq } from "../relaxed/conditions.js";
import { softMin } from "../relaxed/soft_min_max.js";
import { resolveSteepness, type SteepnessOption } from "../relaxed/steepness.js";
import { assertFinite, assertInRange, assertOneOf, assertOptions, assertRank, toFloatTensor, type TensorInput } from "../validate.js";

/** Largest insertion / deletion cost (1e9): a distance is at most (La + Lb)·cost and must stay finite in float32. */
const MAX_EDIT_COST = 1e9;

/** Options of {@link editDistance}. */
export interface EditDistanceOptions extends SteepnessOption {
  /**
   * Substitution cost of symbols u, v: `'probability'` (default) 1 − ⟨u, v⟩, the probability that two
   * independent categorical symbols differ; `'catProbEq'` 1 − CatProbEq_β(u, v) (AlgoVision).
   */
  substitution?: "probability" | "catProbEq";
  /** Cost of an insertion (default 1). */
  insertCost?: number;
  /** Cost of a deletion (default 1). */
  deleteCost?: number;
}

/**
 * Relaxed Levenshtein distance between sequences of soft symbols (AlgoVision, Petersen et al.,
 * NeurIPS 2021, Sec. 4.4, Levenshtein supervision): the dynamic program
 * `D[i][j] = min(D[i−1][j] + del, D[i][j−1] + ins, D[i−1][j−1] + sub(a_i, b_j))` with AlgoVision's
 * `Min(β)` (Σ softmin(β·c)·c) for every min. With one-hot symbols and β → ∞ it is the exact edit
 * distance.
 *
 * @param a `[batch, La, alphabet]` symbol probabilities (rows sum to 1)
 * @param b `[batch, Lb, alphabet]`
 * @param options `steepness` β 10 (the soft minimum's, AlgoVision `Min(β)`; `beta` is its deprecated name), `substitution` 'probability', `insertCost` 1, `deleteCost` 1 (costs in [0, 1e9];
 *   unknown keys, NaN/±Inf symbols and mismatched shapes throw a `RelaxError`)
 * @returns `[batch]` relaxed distances
 * @example
 * const a = tf.oneHot([[0, 1, 2]], 3).toFloat();   // "abc"
 * const b = tf.oneHot([[0, 2]], 3).toFloat();      // "ac"
 * editDistance(a, b, { steepness: 20 });                // ≈ [1]
 */
export function editDistance(a: TensorInput, b: TensorInput, options: EditDistanceOptions = {}): tf.Tensor1D {
  const op = "editDistance";
  const opts = assertOptions<EditDistanceOptions>(op, options, ["steepness", "beta", "substitution", "insertCost", "deleteCost"]);
  const beta = resolveSteepness(op, opts, 10);
  const substitution = assertOneOf(op, "substitution", opts.substitution === undefined ? "probability" : opts.substitution, [
    "probability",
    "catProbEq",
  ] as const);
  const ins = assertInRange(op, "insertCost", opts.insertCost === undefined ? 1 : opts.insertCost, 0, MAX_EDIT_COST);
  const del = assertInRange(op, "deleteCost", opts.deleteCost === undefined ? 1 : opts.deleteCost, 0, MAX_EDIT_COST);
  // One tidy: the float32 copies of array / non-float32 inputs are disposed, also when a check throws.
  return tf.tidy(() => {
    const at = toFloatTensor(op, "a", a);
    const bt = toFloatTensor(op, "b", b);
    assertRank(op, "a", at, [3], "[batch, La, alphabet]");
    assertRank(op, "b", bt, [3], "[batch, Lb, alphabet]");
    if (at.shape[0] !== bt.shape[0] || at.shape[2] !== bt.shape[2]) {
      throw new RelaxError(op, "b", `[${at.shape[0]}, Lb, ${at.shape[2]}] (same batch and alphabet as a)`, `[${bt.shape.join(", ")}]`);
    }
    assertFinite(op, "a", at);
    assertFinite(op, "b", bt);
    return distance(at, bt, beta, substitution, ins, del);
  });
}

/**
 * `tf.unstack` as a fresh array, except along an axis of length 1, where tfjs's Unpack gradient receives
 * a lone tensor instead of a list and throws: there a squeeze gives the same value and a working gradient.
 */
function unstack(x: tf.Tensor, axis: number): tf.Tensor[] {
  return x.shape[axis] === 1 ? [tf.squeeze(x, [axis])] : [...tf.unstack(x, axis)];
}

/** The soft dynamic program on validated float32 inputs (inside the caller's tidy). */
function distance(at: tf.Tensor, bt: tf.Tensor, beta: number, substitution: string, ins: number, del: number): tf.Tensor1D {
  const [B, La, A] = at.shape as [number, number, number];
  const Lb = bt.shape[1] as number;
  // sub[:, i, j]: substitution cost of a_i by b_j
  let sub: tf.Tensor;
  if (substitution === "probability") sub = tf.sub(1, tf.matMul(at, bt, false, true));
  else {
    const u = tf.reshape(tf.tile(tf.expandDims(at, 2), [1, 1, Lb, 1]), [B * La * Lb, A]);
    const v = tf.reshape(tf.tile(tf.expandDims(bt, 1), [1, La, 1, 1]), [B * La * Lb, A]);
    sub = tf.reshape(tf.sub(1, catProbEq(u, v, { steepness: beta })), [B, La, Lb]);
  }
  const subCols = unstack(sub, 1).map((row) => unstack(row, 1)); // [i][j] → [B]
  const softmin = (c: tf.Tensor[]): tf.Tensor => softMin(tf.stack(c, -1), { steepness: beta });
  let prev: tf.Tensor[] = Array.from({ length: Lb + 1 }, (_, j) => tf.fill([B], j * ins));
  for (let i = 1; i <= La; i++) {
    const row: tf.Tensor[] = [tf.fill([B], i * del)];
    for (let j = 1; j <= Lb; j++) {
      row.push(
        softmin([
          tf.add(prev[j] as tf.Tensor, del),
          tf.add(row[j - 1] as tf.Tensor, ins),
          tf.add(prev[j - 1] as tf.Tensor, (subCols[i - 1] as tf.Tensor[])[j - 1] as tf.Tensor),
        ]),
      );
    }
    prev = row;
  }
  return prev[Lb] as tf.Tensor1D;
}
