import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "../errors.js";
import { catProbEq } from "../relaxed/conditions.js";
import { softMin } from "../relaxed/soft_min_max.js";
import { assertFinite, assertOneOf, assertPositive, assertRank, toFloatTensor, type TensorInput } from "../validate.js";

/** Options of {@link editDistance}. */
export interface EditDistanceOptions {
  /** Inverse temperature β of the soft minimum (AlgoVision `Min(β)`; default 10). */
  beta?: number;
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
 * @param options `beta` 10, `substitution` 'probability', `insertCost` 1, `deleteCost` 1
 * @returns `[batch]` relaxed distances
 * @example
 * const a = tf.oneHot([[0, 1, 2]], 3).toFloat();   // "abc"
 * const b = tf.oneHot([[0, 2]], 3).toFloat();      // "ac"
 * editDistance(a, b, { beta: 20 });                // ≈ [1]
 */
export function editDistance(a: TensorInput, b: TensorInput, options: EditDistanceOptions = {}): tf.Tensor1D {
  const op = "editDistance";
  const beta = assertPositive(op, "beta", options.beta ?? 10);
  const substitution = assertOneOf(op, "substitution", options.substitution ?? "probability", ["probability", "catProbEq"] as const);
  const ins = options.insertCost ?? 1;
  const del = options.deleteCost ?? 1;
  for (const [name, v] of [
    ["insertCost", ins],
    ["deleteCost", del],
  ] as const) {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new RelaxError(op, name, "a finite number ≥ 0", String(v));
  }
  const at = toFloatTensor(op, "a", a);
  const bt = toFloatTensor(op, "b", b);
  assertRank(op, "a", at, [3], "[batch, La, alphabet]");
  assertRank(op, "b", bt, [3], "[batch, Lb, alphabet]");
  if (at.shape[0] !== bt.shape[0] || at.shape[2] !== bt.shape[2]) {
    throw new RelaxError(op, "b", `[${at.shape[0]}, Lb, ${at.shape[2]}] (same batch and alphabet as a)`, `[${bt.shape.join(", ")}]`);
  }
  assertFinite(op, "a", at);
  assertFinite(op, "b", bt);
  const [B, La, A] = at.shape as [number, number, number];
  const Lb = bt.shape[1] as number;
  return tf.tidy(() => {
    // sub[:, i, j]: substitution cost of a_i by b_j
    let sub: tf.Tensor;
    if (substitution === "probability") sub = tf.sub(1, tf.matMul(at, bt, false, true));
    else {
      const u = tf.reshape(tf.tile(tf.expandDims(at, 2), [1, 1, Lb, 1]), [B * La * Lb, A]);
      const v = tf.reshape(tf.tile(tf.expandDims(bt, 1), [1, La, 1, 1]), [B * La * Lb, A]);
      sub = tf.reshape(tf.sub(1, catProbEq(u, v, { beta })), [B, La, Lb]);
    }
    const subCols = tf.unstack(sub, 1).map((row) => [...tf.unstack(row, 1)]); // [i][j] → [B]
    const softmin = (c: tf.Tensor[]): tf.Tensor => softMin(tf.stack(c, -1), { beta });
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
  });
}
