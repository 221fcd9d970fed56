import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "../errors.js";
import { program, type Program } from "../program/program.js";
import { validateSettings } from "../program/settings.js";
import type { ProgramSettings } from "../program/types.js";
import { assertFinite, assertRank, toFloatTensor, type TensorInput } from "../validate.js";

/** Options of {@link argminSearch} / {@link top1}: program settings (β default 10, `hard`, `straightThrough`, `distribution`, ...). */
export type SearchOptions = ProgramSettings;

/** Result of {@link argminSearch} / {@link top1}. */
export interface SearchResult {
  /** `[batch]` relaxed best value. */
  value: tf.Tensor1D;
  /** `[batch, n]` relaxed one-hot of the best position (sums to 1). */
  weights: tf.Tensor2D;
}

type SearchProgram = Program<"x", "best" | "onehot">;

/** The linear-scan program: `best = x[0]; for i in 1..n−1: if x[i] < best (resp. >): best = x[i], idx = i`. */
function searchProgram(kind: "min" | "max"): SearchProgram {
  return program()
    .input("x")
    .real("best", 0)
    .real("cand", 0)
    .real("onehot", (ctx) => {
      // one-hot of position 0 (built directly: tf.oneHot rejects a depth of 1, i.e. n = 1)
      const first = new Float32Array(ctx.shape("x")[1] as number);
      first[0] = 1;
      return tf.tensor1d(first);
    })
    .int("n", (_s, ctx) => ctx.shape("x")[1] as number)
    .output("best", "onehot")
    .body(($) => [
      $.read("best", "x", [0]),
      $.for(
        "i",
        (s) => Array.from({ length: s.n - 1 }, (_, k) => k + 1),
        ($) => [
          $.read("cand", "x", ["i"]),
          $.if(kind === "min" ? $.lt("cand", "best") : $.gt("cand", "best"), [
            $.let("best", "cand"),
            $.let("onehot", (s) =>
              tf.cast(tf.oneHot(tf.fill([s.onehot.shape[0] as number], s.i, "int32"), s.onehot.shape[1] as number), "float32"),
            ),
          ]),
        ],
      ),
    ]);
}

const programs: Partial<Record<"min" | "max", SearchProgram>> = {};

function search(op: string, kind: "min" | "max", x: TensorInput, options: SearchOptions): SearchResult {
  validateSettings(op, "options", options);
  const prog = (programs[kind] ??= searchProgram(kind));
  // One tidy: the float32 copy of an array / non-float32 input is disposed, also when a check throws.
  return tf.tidy(() => {
    const xt = toFloatTensor(op, "x", x);
    assertRank(op, "x", xt, [2], "[batch, n]");
    if ((xt.shape[1] as number) < 1) throw new RelaxError(op, "x", "[batch, n] with n ≥ 1", `[${xt.shape.join(", ")}]`);
    assertFinite(op, "x", xt);
    const out = prog.run({ x: xt }, options);
    return { value: out.best as tf.Tensor1D, weights: out.onehot as tf.Tensor2D };
  });
}

/**
 * Relaxed argmin by linear search (AlgoVision, NeurIPS 2021): `best = x[0]; for i: if x[i] < best:
 * best = x[i], idx = i`, each `if` relaxed into a probability-weighted merge. Unlike a softmin over
 * all n values at once, the sequential scan's weights reflect the order of the comparisons (the
 * algorithm a user would actually write). As β → ∞ it is the exact argmin (first on ties).
 *
 * @param x `[batch, n]` values
 * @param options program settings (β default 10, `hard`, `straightThrough`, `distribution`)
 * @returns `{ value: [batch], weights: [batch, n] }`
 * @example
 * const { value, weights } = argminSearch(tf.tensor2d([[3, 1, 2]]), { steepness: 20 });
 * // value ≈ [1], weights ≈ [[0, 1, 0]]
 */
export function argminSearch(x: TensorInput, options: SearchOptions = {}): SearchResult {
  return search("argminSearch", "min", x, options);
}

/**
 * Relaxed top-1 (argmax) by linear search: as {@link argminSearch} with `x[i] > best`.
 *
 * @param x `[batch, n]` scores
 * @param options program settings (β default 10, ...)
 * @returns `{ value: [batch], weights: [batch, n] }`
 * @example
 * const { weights } = top1(tf.tensor2d([[0.1, 0.7, 0.2]]), { steepness: 50 });
 * // weights ≈ [[0, 1, 0]]
 */
export function top1(x: TensorInput, options: SearchOptions = {}): SearchResult {
  return search("top1", "max", x, options);
}
