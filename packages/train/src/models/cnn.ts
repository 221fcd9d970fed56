import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertFinite, assertInteger, assertOneOf, assertOptions, describe, toFloatTensor } from "@relax/core";
import { createRng } from "@relax/core";
import { conv2dSame } from "./conv.js";
import { maxPool2 } from "./pool.js";
import { biasAdd, dense as denseOp } from "./dense.js";
import { biasRelu } from "../kernels/bias_relu.js";
import { RELAX_FUSED_CNN } from "../kernels/flags.js";
import { initTensor, type Initializer } from "./init.js";
import { makeVariable, variableName, type Model } from "./model.js";

/** Options of {@link createCnn}. */
export interface CnnOptions {
  /** Input height (default 28). */
  height?: number;
  /** Input width (default 112: four 28×28 digits side by side). */
  width?: number;
  /** Input channels (default 1). */
  inChannels?: number;
  /** Channels of the conv blocks (each: conv K×K 'same', ReLU, max-pool 2); default [32, 64]. */
  channels?: number[];
  /** Kernel size (odd, default 5). */
  kernel?: number;
  /** Hidden units of the dense layer (default 64). */
  hidden?: number;
  /** Outputs (default 1: a score per image). */
  outputs?: number;
  /** Weight initialiser (default `torchDefault`, as the PyTorch reference). */
  init?: Initializer;
  /** Seed of the initialiser (default 0). */
  seed?: number;
}

/**
 * The CNN of the ranking-supervision experiments (Petersen et al., ICML 2021 / ICLR 2022, diffsort `main.py`):
 * conv 5×5 1→32 (pad 2), ReLU, max-pool 2; conv 5×5 32→64, ReLU, max-pool 2; dense →64, ReLU; dense →1.
 * With the defaults (28×112 input) it has 855,041 parameters, like the reference. Input `[N, H, W, C]` → `[N, outputs]`.
 *
 * @example
 * const model = createCnn({ seed: 0 });                       // the reference CNN
 * const fast = createCnn({ height: 14, width: 56, channels: [16, 32] });
 * const scores = model.apply(x);                              // x [N, 28, 112, 1] -> [N, 1]
 */
export function createCnn(options: CnnOptions = {}): Model {
  const op = "createCnn";
  assertOptions<CnnOptions>(op, options, ["height", "width", "inChannels", "channels", "kernel", "hidden", "outputs", "init", "seed"]);
  const height = assertInteger(op, "height", options.height ?? 28, 1);
  const width = assertInteger(op, "width", options.width ?? 112, 1);
  const inChannels = assertInteger(op, "inChannels", options.inChannels ?? 1, 1);
  const channels = options.channels ?? [32, 64];
  if (!Array.isArray(channels)) throw new RelaxError(op, "channels", "an array of channel counts", describe(channels));
  channels.forEach((c, i) => assertInteger(op, `channels[${i}]`, c, 1, 1 << 16));
  const kernel = assertInteger(op, "kernel", options.kernel ?? 5, 1);
  if (kernel % 2 !== 1) throw new RelaxError(op, "kernel", "an odd size", String(kernel));
  const hidden = assertInteger(op, "hidden", options.hidden ?? 64, 1);
  const outputs = assertInteger(op, "outputs", options.outputs ?? 1, 1);
  const init = assertOneOf(op, "init", options.init ?? "torchDefault", ["torchDefault", "heNormal", "glorotUniform", "zeros"] as const);
  const rng = createRng(assertInteger(op, "seed", options.seed ?? 0));
  if (height * width * inChannels > 1 << 26)
    throw new RelaxError(op, "height", "an input of at most 2^26 values", `${height}×${width}×${inChannels}`);
  const params: tf.Variable[] = [];
  const convs: { w: tf.Variable; b: tf.Variable }[] = [];
  let cin = inChannels;
  let h = height;
  let w = width;
  channels.forEach((cout, i) => {
    assertInteger(op, `channels[${i}]`, cout, 1);
    const fanIn = cin * kernel * kernel;
    const wv = makeVariable(
      initTensor([kernel, kernel, cin, cout], init, fanIn, cout * kernel * kernel, rng),
      variableName("cnn", `conv${i}_w`),
    );
    const bv = makeVariable(
      initTensor([cout], init === "torchDefault" ? "torchDefault" : "zeros", fanIn, cout, rng),
      variableName("cnn", `conv${i}_b`),
    );
    convs.push({ w: wv, b: bv });
    params.push(wv, bv);
    cin = cout;
    h = Math.floor(h / 2);
    w = Math.floor(w / 2);
  });
  if (h < 1 || w < 1)
    throw new RelaxError(
      op,
      "channels",
      `at most ${Math.floor(Math.log2(Math.min(height, width)))} conv blocks for a ${height}×${width} input`,
      `${channels.length}`,
    );
  const flat = h * w * cin;
  const dense = (name: string, fin: number, fout: number): { w: tf.Variable; b: tf.Variable } => {
    const wv = makeVariable(initTensor([fin, fout], init, fin, fout, rng), variableName("cnn", `${name}_w`));
    const bv = makeVariable(
      initTensor([fout], init === "torchDefault" ? "torchDefault" : "zeros", fin, fout, rng),
      variableName("cnn", `${name}_b`),
    );
    params.push(wv, bv);
    return { w: wv, b: bv };
  };
  const fc1 = dense("fc1", flat, hidden);
  const fc2 = dense("fc2", hidden, outputs);
  return {
    name: `cnn(${height}x${width}, conv ${channels.join("-")}, fc ${hidden}, out ${outputs})`,
    params,
    apply(x: tf.Tensor): tf.Tensor2D {
      return tf.tidy(() => {
        x = toFloatTensor("cnn.apply", "x", x); // arrays and non-float32 tensors: a copy this tidy disposes
        if (x.rank !== 4 || x.shape[1] !== height || x.shape[2] !== width || x.shape[3] !== inChannels) {
          throw new RelaxError("cnn.apply", "x", `[N, ${height}, ${width}, ${inChannels}]`, `[${x.shape.join(", ")}]`);
        }
        assertFinite("cnn.apply", "x", x);
        let a = x as tf.Tensor4D;
        const fused = tf.env().getBool(RELAX_FUSED_CNN);
        convs.forEach((c, i) => {
          // bias + ReLU in one fused pass (forward and backward) on the host backends
          a = biasRelu(
            conv2dSame(a, c.w as tf.Tensor as tf.Tensor4D, { inputGrad: i > 0 }),
            c.b as tf.Tensor as tf.Tensor1D,
          ) as tf.Tensor4D;
          a = maxPool2(a);
        });
        const f = tf.reshape(a, [a.shape[0], flat]);
        const z = tf.relu(denseOp(f as tf.Tensor2D, fc1.w as tf.Tensor as tf.Tensor2D, fc1.b as tf.Tensor as tf.Tensor1D));
        return denseOp(z, fc2.w as tf.Tensor as tf.Tensor2D, fc2.b as tf.Tensor as tf.Tensor1D);
      });
    },
  };
}
