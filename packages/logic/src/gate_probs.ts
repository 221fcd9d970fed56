import { RelaxError, assertInteger, assertOneOf, describe } from "@relax/core";
import { MAX_WIDTH } from "./check.js";
import { NUM_GATES } from "./gates.js";
import { gateProbabilities as probsUnchecked, neuronCoefficients as coeffsUnchecked } from "./kernels/logic_layer.js";
import { LOGIC_MODES } from "./logic_layer.js";

/**
 * Per-neuron gate distribution of a layer's logits `[outDim, 16]` (flat): softmax (train) or the one-hot
 * argmax with first-max tie-break (eval), as float64. NaN/±Inf logits are a `RelaxError`.
 *
 * @example
 * const p = gateProbabilities(Float32Array.from(layer.logits.dataSync()), layer.outDim, "train");
 */
export function gateProbabilities(logits: Float32Array, outDim: number, mode: "train" | "eval"): Float64Array {
  const op = "gateProbabilities";
  assertInteger(op, "outDim", outDim, 0, MAX_WIDTH);
  assertOneOf(op, "mode", mode, LOGIC_MODES);
  if (!(logits instanceof Float32Array) || logits.length !== outDim * NUM_GATES)
    throw new RelaxError(
      op,
      "logits",
      `a Float32Array of ${outDim}·16 = ${outDim * NUM_GATES} values`,
      logits instanceof Float32Array ? `${logits.length} values` : describe(logits),
    );
  for (let i = 0; i < logits.length; i++)
    if (!Number.isFinite(logits[i] as number)) throw new RelaxError(op, "logits", "finite numbers", `${logits[i]} at flat index ${i}`);
  return probsUnchecked(logits, outDim, mode);
}

/**
 * Four coefficients `[C0, C1, C2, C3]` per neuron (`y = C0 + C1·A + C2·B + C3·A·B`) from gate probabilities
 * `[outDim, 16]` (flat, each row a distribution).
 *
 * @example
 * const c = neuronCoefficients(gateProbabilities(z, outDim, "train"), outDim); // [outDim, 4]
 */
export function neuronCoefficients(p: Float64Array, outDim: number): Float64Array {
  const op = "neuronCoefficients";
  assertInteger(op, "outDim", outDim, 0, MAX_WIDTH);
  if (!(p instanceof Float64Array) || p.length !== outDim * NUM_GATES)
    throw new RelaxError(
      op,
      "p",
      `a Float64Array of ${outDim}·16 = ${outDim * NUM_GATES} values`,
      p instanceof Float64Array ? `${p.length} values` : describe(p),
    );
  for (let i = 0; i < p.length; i++) {
    const v = p[i] as number;
    if (!(v >= 0 && v <= 1)) throw new RelaxError(op, "p", "probabilities in [0, 1]", `${describe(v)} at flat index ${i}`);
  }
  return coeffsUnchecked(p, outDim);
}
