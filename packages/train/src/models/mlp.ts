import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertFinite, assertInteger, assertOneOf, assertOptions, describe, toFloatTensor } from "@relax/core";
import { createRng } from "@relax/core";
import { initTensor, type Initializer } from "./init.js";
import { makeVariable, variableName, type Model } from "./model.js";

/** Options of {@link createMlp}. */
export interface MlpOptions {
  /** Input features (inputs of any shape `[N, ...]` are flattened). */
  inputSize: number;
  /** Hidden layer widths (default [128]). */
  hidden?: number[];
  /** Outputs (default 1). */
  outputs?: number;
  /** Hidden activation (default `relu`). */
  activation?: "relu" | "tanh";
  /** Weight initialiser (default `heNormal` for ReLU, `glorotUniform` for tanh). */
  init?: Initializer;
  /** Seed (default 0). */
  seed?: number;
}

/**
 * A multi-layer perceptron from tfjs-core ops: dense → activation → … → dense (linear output).
 * Input `[N, ...]` (flattened to `[N, inputSize]`) → `[N, outputs]`.
 *
 * @example
 * const mlp = createMlp({ inputSize: 784, hidden: [128], outputs: 1, seed: 0 });
 * const y = mlp.apply(x);    // x [N, 28, 28] -> [N, 1]
 */
export function createMlp(options: MlpOptions): Model {
  const op = "createMlp";
  if (options === undefined) throw new RelaxError(op, "options", "{ inputSize, ... }", "undefined");
  assertOptions<MlpOptions>(op, options, ["inputSize", "hidden", "outputs", "activation", "init", "seed"]);
  const inputSize = assertInteger(op, "inputSize", options.inputSize, 1, 1 << 24);
  const hidden = options.hidden ?? [128];
  if (!Array.isArray(hidden)) throw new RelaxError(op, "hidden", "an array of layer widths", describe(hidden));
  const outputs = assertInteger(op, "outputs", options.outputs ?? 1, 1, 1 << 24);
  const act = assertOneOf(op, "activation", options.activation ?? "relu", ["relu", "tanh"] as const);
  const init = assertOneOf(op, "init", options.init ?? (act === "relu" ? "heNormal" : "glorotUniform"), [
    "torchDefault",
    "heNormal",
    "glorotUniform",
    "zeros",
  ] as const);
  const rng = createRng(assertInteger(op, "seed", options.seed ?? 0));
  const sizes0 = [inputSize, ...hidden, outputs];
  for (let i = 0; i + 1 < sizes0.length; i++) {
    const fout = assertInteger(op, `hidden[${i}]`, sizes0[i + 1], 1, 1 << 24);
    if ((sizes0[i] as number) * fout > 1 << 28)
      throw new RelaxError(op, `hidden[${i}]`, "a layer of at most 2^28 weights", `${sizes0[i]}×${fout}`);
  }
  const layers: { w: tf.Variable; b: tf.Variable }[] = [];
  const sizes = [inputSize, ...hidden, outputs];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const fin = sizes[i] as number;
    const fout = assertInteger(op, `hidden[${i}]`, sizes[i + 1], 1);
    const w = makeVariable(initTensor([fin, fout], init, fin, fout, rng), variableName("mlp", `fc${i}_w`));
    const b = makeVariable(
      init === "torchDefault" ? initTensor([fout], init, fin, fout, rng) : tf.zeros([fout]),
      variableName("mlp", `fc${i}_b`),
    );
    layers.push({ w, b });
  }
  return {
    name: `mlp(${sizes.join("-")}, ${act})`,
    params: layers.flatMap((l) => [l.w, l.b]),
    apply(x: tf.Tensor): tf.Tensor2D {
      return tf.tidy(() => {
        x = toFloatTensor("mlp.apply", "x", x); // arrays and non-float32 tensors: a copy this tidy disposes
        assertFinite("mlp.apply", "x", x);
        const n = x.shape[0] ?? 0;
        if (x.size !== n * inputSize)
          throw new RelaxError("mlp.apply", "x", `[N, ...] with ${inputSize} features per row`, `[${x.shape.join(", ")}]`);
        let a: tf.Tensor = tf.reshape(x, [n, inputSize]);
        layers.forEach((l, i) => {
          a = tf.add(tf.matMul(a as tf.Tensor2D, l.w), l.b);
          if (i + 1 < layers.length) a = act === "relu" ? tf.relu(a) : tf.tanh(a);
        });
        return a as tf.Tensor2D;
      });
    },
  };
}
