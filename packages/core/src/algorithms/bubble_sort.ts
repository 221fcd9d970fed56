import * as tf from "@tensorflow/tfjs-core";
import { RelaxError } from "../errors.js";
import { program, type Program } from "../program/program.js";
import type { ProgramSettings } from "../program/types.js";
import { validateSettings } from "../program/settings.js";
import { assertFinite, assertRank, toFloatTensor, type TensorInput } from "../validate.js";

/** Options of {@link bubbleSort}: the program settings (β default 10, ε 1e-5, maxIter 1024, hard, straightThrough, distribution, epsilonScope). */
export type BubbleSortOptions = ProgramSettings;

/** Result of {@link bubbleSort}. */
export interface BubbleSortResult {
  /** `[batch, n]` relaxed ascending values. */
  sorted: tf.Tensor2D;
  /** `[batch]` expected number of swaps (AlgoVision's `loss_sum`: 0 for an already sorted row). */
  swaps: tf.Tensor1D;
}

/**
 * The relaxed bubble-sort program of AlgoVision (`examples/bubble.py`): `while swapped: swapped = 0;
 * for i < n: if a[i] > a[i+1]: swap, swapped = 1, swaps += 1; n -= 1`, written with the DSL.
 * @internal exported for tests and benchmarks.
 */
export function bubbleSortProgram(): Program<"array", "array" | "swaps"> {
  return program()
    .input("array")
    .real("a", 0)
    .real("b", 0)
    .real("swapped", 1)
    .real("swaps", 0)
    .int("n", (_s, ctx) => (ctx.shape("array")[1] as number) - 1)
    .output("array", "swaps")
    .body(($) => [
      $.while($.isTrue("swapped"), [
        $.let("swapped", 0),
        $.for("i", "n", ($) => [
          $.read("a", "array", ["i"]),
          $.read("b", "array", [(s) => s.i + 1]),
          $.if($.gt("a", "b"), [
            $.write("array", [(s) => s.i + 1], "a"),
            $.write("array", ["i"], "b"),
            $.let("swapped", 1),
            $.let("swaps", (s) => tf.add(s.swaps, 1)),
          ]),
        ]),
        $.letInt("n", (s) => s.n - 1),
      ]),
    ]);
}

let cached: Program<"array", "array" | "swaps"> | null = null;

/**
 * Relaxed bubble sort (AlgoVision, Petersen et al., NeurIPS 2021, Sec. 4.1): every comparison
 * `a > b` is the probability σ(β(a − b)) under logistic noise, every conditional swap a
 * probability-weighted merge, and the outer `while swapped` the expectation over its stopping
 * time. `swaps` is the expected number of swaps, the paper's sorting-supervision loss.
 *
 * @param x `[batch, n]` values
 * @param options program settings; default β = 10, ε = 1e-5, `hard: false`
 * @returns `{ sorted: [batch, n], swaps: [batch] }`
 * @example
 * const { sorted, swaps } = bubbleSort(tf.tensor2d([[3, 1, 2]]), { steepness: 20 });
 * // sorted ≈ [[1, 2, 3]], swaps ≈ [2]
 */
export function bubbleSort(x: TensorInput, options: BubbleSortOptions = {}): BubbleSortResult {
  const op = "bubbleSort";
  validateSettings(op, "options", options);
  cached ??= bubbleSortProgram();
  const prog = cached;
  // One tidy: the float32 copy of an array / non-float32 input is disposed, also when a check throws.
  return tf.tidy(() => {
    const xt = toFloatTensor(op, "x", x);
    assertRank(op, "x", xt, [2], "[batch, n]");
    if ((xt.shape[1] as number) < 1) throw new RelaxError(op, "x", "[batch, n] with n ≥ 1", `[${xt.shape.join(", ")}]`);
    assertFinite(op, "x", xt);
    const out = prog.run({ array: xt }, options);
    return { sorted: out.array as tf.Tensor2D, swaps: out.swaps as tf.Tensor1D };
  });
}
