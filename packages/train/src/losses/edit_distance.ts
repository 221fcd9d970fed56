import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  assertInteger,
  assertOneOf,
  assertOptions,
  editDistance,
  toFloatTensor,
  type EditDistanceOptions,
  type TensorInput,
} from "@relax/core";
import type { Batch } from "../loop/train.js";

const LOSS_KEYS = ["steepness", "beta", "substitution", "insertCost", "deleteCost", "norm", "inputs"] as const;

/** Options of {@link editDistanceLoss}. */
export interface EditDistanceLossOptions extends EditDistanceOptions {
  /** Comparison of the relaxed distance with the true one: `'l1'` |d̂ − d| (default) or `'l2sq'` (d̂ − d)². */
  norm?: "l1" | "l2sq";
  /** `'probabilities'` (default: rows already sum to 1) or `'logits'` (a softmax over the alphabet is applied). */
  inputs?: "probabilities" | "logits";
}

/**
 * Edit-distance (Levenshtein) supervision (AlgoVision, Petersen et al., NeurIPS 2021, Sec. 4.4): the relaxed edit
 * distance between two sequences of predicted symbol distributions (`@relax/core`'s `editDistance`, soft-min dynamic
 * program) is compared with the true distance. Only the distance supervises, never the symbols. With `b` one-hot and
 * `distance` 0 it pulls `a` towards a known sequence.
 *
 * @param a `[N, La, A]` symbol probabilities (or logits with `inputs: 'logits'`)
 * @param b `[N, Lb, A]` symbol probabilities (or logits)
 * @param distance `[N]` true edit distances (or one number for all)
 * @param options `steepness` β 10 (`beta` deprecated), `substitution` 'probability', `insertCost` 1, `deleteCost` 1, `norm` 'l1', `inputs` 'probabilities'
 * @returns `[N]` per-pair losses
 * @example
 * const l = editDistanceLoss(tf.softmax(za), tf.softmax(zb), trueDistances, { steepness: 10 });   // [N]
 * const g = tf.grad((z) => tf.sum(editDistanceLoss(z, b, d, { inputs: "logits" })))(za);
 */
export function editDistanceLoss(
  a: TensorInput,
  b: TensorInput,
  distance: TensorInput | number,
  options: EditDistanceLossOptions = {},
): tf.Tensor1D {
  const op = "editDistanceLoss";
  const { norm: normOpt, inputs: inputsOpt, ...edOptions } = assertOptions<EditDistanceLossOptions>(op, options, LOSS_KEYS);
  const norm = assertOneOf(op, "norm", normOpt ?? "l1", ["l1", "l2sq"] as const);
  const inputs = assertOneOf(op, "inputs", inputsOpt ?? "probabilities", ["probabilities", "logits"] as const);
  if (typeof distance === "number" && !(Number.isFinite(distance) && distance >= 0)) {
    throw new RelaxError(op, "distance", "finite distances ≥ 0", String(distance));
  }
  const at = toFloatTensor(op, "a", a);
  let bt: tf.Tensor | undefined;
  try {
    bt = toFloatTensor(op, "b", b);
    return lossOf(op, at, bt, distance, norm, inputs, edOptions);
  } finally {
    // the float32 copies of array or non-float32 inputs
    if (at !== a) at.dispose();
    if (bt && bt !== b) bt.dispose();
  }
}

function lossOf(
  op: string,
  at: tf.Tensor,
  bt: tf.Tensor,
  distance: TensorInput | number,
  norm: "l1" | "l2sq",
  inputs: "probabilities" | "logits",
  edOptions: EditDistanceOptions,
): tf.Tensor1D {
  if (at.rank !== 3) throw new RelaxError(op, "a", "[N, La, alphabet]", `[${at.shape.join(", ")}]`);
  const N = at.shape[0] as number;
  return tf.tidy(() => {
    const d = typeof distance === "number" ? tf.fill([N], distance) : toFloatTensor(op, "distance", distance);
    if (d.rank !== 1 || d.shape[0] !== N) throw new RelaxError(op, "distance", `[${N}] (one distance per pair)`, `[${d.shape.join(", ")}]`);
    const dv = d.dataSync();
    for (let i = 0; i < dv.length; i++) {
      if (!((dv[i] as number) >= 0) || !Number.isFinite(dv[i] as number))
        throw new RelaxError(op, "distance", "finite distances ≥ 0", `${dv[i]} at ${i}`);
    }
    const pa = inputs === "logits" ? tf.softmax(at) : at;
    const pb = inputs === "logits" && bt.rank === 3 ? tf.softmax(bt) : bt;
    // steepness (or the deprecated beta) defaults to 10 in editDistance
    const e = tf.sub(editDistance(pa, pb, edOptions), d);
    return (norm === "l1" ? tf.abs(e) : tf.square(e)) as tf.Tensor1D;
  });
}

/** Options of {@link editDistanceSupervision}. */
export interface EditDistanceSupervisionOptions extends EditDistanceLossOptions {
  /** Length of each of the two sequences. */
  length: number;
  /** Alphabet size. */
  alphabet: number;
}

/**
 * Edit-distance supervision as a per-pair loss for {@link trainWithAlgorithm}: `y [N, 2·length·alphabet]` holds the
 * logits of two sequences (first half: sequence a, second half: b), `batch.target [N]` their true edit distance.
 *
 * @example
 * await trainWithAlgorithm({ model, data, steps, loss: editDistanceSupervision({ length: 4, alphabet: 10, steepness: 10 }) });
 */
export function editDistanceSupervision(options: EditDistanceSupervisionOptions): (y: tf.Tensor2D, batch: Batch) => tf.Tensor1D {
  const op = "editDistanceSupervision";
  if (options === undefined) throw new RelaxError(op, "options", "{length, alphabet, ...}", "undefined");
  assertOptions<EditDistanceSupervisionOptions>(op, options, [...LOSS_KEYS, "length", "alphabet"]);
  const { length, alphabet, ...rest } = options;
  const L = assertInteger(op, "length", length, 1);
  const A = assertInteger(op, "alphabet", alphabet, 1);
  return (y, batch) =>
    tf.tidy(() => {
      if (y.rank !== 2 || y.shape[1] !== 2 * L * A)
        throw new RelaxError(op, "y", `[N, ${2 * L * A}] (two sequences of ${L}×${A} logits)`, `[${y.shape.join(", ")}]`);
      const z = tf.reshape(y, [-1, 2, L, A]);
      const [za, zb] = tf.unstack(z, 1) as [tf.Tensor, tf.Tensor];
      return editDistanceLoss(za, zb, tf.reshape(batch.target, [-1]), { ...rest, inputs: rest.inputs ?? "logits" });
    });
}
