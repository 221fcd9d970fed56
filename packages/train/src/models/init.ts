import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertInRange, assertInteger, assertOneOf, describe } from "@relax/core";
import { createRng, type Rng } from "@relax/core";

/** Weight initialisers (deterministic given the generator). */
export type Initializer = "torchDefault" | "heNormal" | "glorotUniform" | "zeros";

/**
 * Fills a new tensor of `shape` with an initialiser, given fan-in / fan-out:
 * - `torchDefault`: U(±1/√fanIn), PyTorch's default for Linear/Conv weights and biases (Kaiming-uniform, a = √5);
 * - `heNormal`: N(0, 2/fanIn) (He et al. 2015), for ReLU layers;
 * - `glorotUniform`: U(±√(6/(fanIn+fanOut))) (Glorot & Bengio 2010);
 * - `zeros`.
 *
 * @example
 * const w = initTensor([784, 64], "heNormal", 784, 64, createRng(0));
 */
export function initTensor(shape: number[], init: Initializer, fanIn: number, fanOut: number, rng: Rng = createRng(0)): tf.Tensor {
  const op = "initTensor";
  if (!Array.isArray(shape)) throw new RelaxError(op, "shape", "an array of sizes", describe(shape));
  shape.forEach((d, i) => assertInteger(op, `shape[${i}]`, d, 0, 1 << 28));
  assertOneOf(op, "init", init, ["torchDefault", "heNormal", "glorotUniform", "zeros"] as const);
  // fan-in / fan-out count inputs and outputs: at least 1 (a smaller one would overflow float32 weights)
  if (init !== "zeros") assertInRange(op, "fanIn", fanIn, 1, 2 ** 40);
  if (init === "glorotUniform") assertInRange(op, "fanOut", fanOut, 1, 2 ** 40);
  if (!rng || typeof rng.next !== "function") throw new RelaxError(op, "rng", "an Rng (createRng)", describe(rng));
  const size = shape.reduce((a, b) => a * b, 1);
  if (size > 1 << 28) throw new RelaxError(op, "shape", "at most 2^28 values", `[${shape.join(", ")}]`);
  const v = new Float32Array(size);
  if (init === "torchDefault" || init === "glorotUniform") {
    const bound = init === "torchDefault" ? 1 / Math.sqrt(fanIn) : Math.sqrt(6 / (fanIn + fanOut));
    if (!Number.isFinite(bound)) throw new RelaxError(op, "fanIn", "a fan-in giving a finite bound", String(fanIn));
    for (let i = 0; i < size; i++) v[i] = (2 * rng.next() - 1) * bound;
  } else if (init === "heNormal") {
    const std = Math.sqrt(2 / fanIn);
    if (!Number.isFinite(std)) throw new RelaxError(op, "fanIn", "a fan-in giving a finite deviation", String(fanIn));
    for (let i = 0; i < size; i++) v[i] = rng.normal() * std;
  }
  return tf.tensor(v, shape);
}
