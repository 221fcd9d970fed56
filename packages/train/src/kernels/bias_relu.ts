import * as tf from "@tensorflow/tfjs-core";
import { RelaxBiasRelu, RelaxBiasReluGrad, RelaxError, toFloatTensor, useFused } from "@relax/core";
import { hostKernel } from "./host.js";

/**
 * `relu(x + b)` of a conv or dense layer (`x [..., C]`, `b [C]` → same shape as `x`). On the host backends
 * (`cpu`, `wasm`) one fused kernel computes it in one pass, and its gradient computes `dx = dy · [y > 0]` and
 * `db = Σ dx` in one more pass over `dy` (in place of tfjs's Add, Relu, Step, Multiply and a bias reduction,
 * five passes over the activations). Values are bit-identical to `tf.relu(tf.add(x, b))`; `db` is summed in
 * float64. Other backends, and `RELAX_FORCE_REFERENCE`, run that composition.
 *
 * @example
 * const y = biasRelu(conv, b);   // [160, 28, 112, 32] + [32] -> [160, 28, 112, 32]
 */
export function biasRelu(x: tf.Tensor, b: tf.Tensor1D): tf.Tensor {
  const op = "biasRelu";
  const xt = toFloatTensor(op, "x", x);
  const bt = toFloatTensor(op, "b", b);
  try {
    const C = xt.shape[xt.rank - 1];
    if (xt.rank < 1 || bt.rank !== 1 || bt.shape[0] !== C)
      throw new RelaxError(op, "b", `[${C ?? "C"}] (the last axis of x)`, `[${bt.shape.join(", ")}]`);
    if (useFused(RelaxBiasRelu)) return tf.engine().runKernel(RelaxBiasRelu, { x: xt, b: bt }) as tf.Tensor;
    return tf.relu(tf.add(xt, bt));
  } finally {
    if (xt !== x) xt.dispose();
    if (bt !== b) bt.dispose();
  }
}

/**
 * `y = max(x + b, 0)` over rows of C channels. Branch-free (activations' signs are random, a branch mispredicts
 * half the time): the sum is stored, then its bits are cleared where the sign bit is set (−x and −0 → +0, as max).
 */
function forward(x: Float32Array, b: Float32Array, y: Float32Array): void {
  const C = b.length;
  const yi = new Int32Array(y.buffer, y.byteOffset, y.length);
  for (let o = 0; o < x.length; o += C) {
    for (let c = 0; c < C; c++) {
      const i = o + c;
      y[i] = (x[i] as number) + (b[c] as number); // float32 + float32 is exact in float64, rounded on store
      const k = yi[i] as number;
      yi[i] = k & ~(k >> 31);
    }
  }
}

/**
 * `dx = dy · [y > 0]`, `db = Σ_rows dx` (float64 accumulators), branch-free: `y ≥ 0`, so `(−bits(y)) >> 31` is
 * all ones exactly where `y > 0`, and masks the bits of `dy`.
 */
function backward(dy: Float32Array, y: Float32Array, dx: Float32Array, db: Float32Array): void {
  const C = db.length;
  const acc = new Float64Array(C);
  const dyi = new Int32Array(dy.buffer, dy.byteOffset, dy.length);
  const yi = new Int32Array(y.buffer, y.byteOffset, y.length);
  const dxi = new Int32Array(dx.buffer, dx.byteOffset, dx.length);
  for (let o = 0; o < dy.length; o += C) {
    for (let c = 0; c < C; c++) {
      const i = o + c;
      dxi[i] = (dyi[i] as number) & (-(yi[i] as number) >> 31);
      acc[c] = (acc[c] as number) + (dx[i] as number);
    }
  }
  db.set(acc);
}

/** Registers the two kernels for `cpu` and `wasm` (once; called on import of the ops that use them). */
export function registerBiasReluKernels(): void {
  hostKernel(RelaxBiasRelu, ["x", "b"], (inputs, alloc) => {
    const [x, b] = inputs as [tf.TensorInfo, tf.TensorInfo];
    const y = alloc(x.shape);
    return { outputs: [y], run: (read, write) => forward(read(x), read(b), write(y)) };
  });
  hostKernel(RelaxBiasReluGrad, ["dy", "y"], (inputs, alloc) => {
    const [dy, y] = inputs as [tf.TensorInfo, tf.TensorInfo];
    const C = y.shape[y.shape.length - 1] as number;
    const dx = alloc(dy.shape);
    const db = alloc([C]);
    return { outputs: [dx, db], run: (read, write) => backward(read(dy), read(y), write(dx), write(db)) };
  });
  if (tf.getGradient(RelaxBiasRelu) === undefined)
    tf.registerGradient({
      kernelName: RelaxBiasRelu,
      outputsToSave: [true],
      gradFunc: (dy, saved) => {
        const [y] = saved as [tf.Tensor];
        const [dx, db] = tf.engine().runKernel(RelaxBiasReluGrad, { dy: dy as tf.Tensor, y }) as tf.Tensor[];
        return { x: () => dx as tf.Tensor, b: () => db as tf.Tensor };
      },
    });
}
registerBiasReluKernels();
