import * as tf from "@tensorflow/tfjs-core";
import { describe, RelaxError } from "../errors.js";
import { unaryOp } from "./check.js";
import { digamma, gammaP, gammaPdf, lgamma } from "./gamma.js";
import { mapOnHost } from "./host_map.js";

const lgammaGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  (args[1] as tf.GradSaveFunc)([x]);
  return {
    value: mapOnHost(x, lgamma),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => tf.mul(dy, mapOnHost(saved[0] as tf.Tensor, digamma))),
  };
});

/**
 * ln|Γ(x)| elementwise (tfjs-core has no lgamma), float32 output, gradient ψ(x)·dy (digamma).
 * **Computed on the host**: the values are read with `dataSync` and mapped with the float64 scalar
 * {@link lgamma}; fine on the CPU/wasm backends, a GPU→CPU sync on GPU backends. Any shape.
 *
 * @example
 * const y = lgammaTensor(tf.tensor1d([0.5, 1, 10]));  // [0.5724, 0, 12.8018]
 * const g = tf.grad((x) => tf.sum(lgammaTensor(x)))(tf.tensor1d([1])); // [-0.5772]
 */
export function lgammaTensor(x: tf.Tensor | tf.TensorLike): tf.Tensor {
  return unaryOp("lgammaTensor", x, (t) => lgammaGrad(t));
}

/**
 * Regularized lower incomplete gamma P(a, x) elementwise in x, for a fixed shape `a > 0` — the
 * Gamma(a, 1) CDF. Gradient w.r.t. x is the density x^{a−1}e^{−x}/Γ(a) (no gradient w.r.t. a).
 * **Computed on the host** (`dataSync` + the float64 scalar {@link gammaP}); float32 output, same shape as x.
 *
 * @throws RelaxError when `a` is not a finite number > 0.
 * @example
 * const p = gammaPTensor(tf.tensor1d([0, 1, 2]), 1);  // [0, 0.6321, 0.8647]
 * const g = tf.grad((x) => tf.sum(gammaPTensor(x, 2)))(tf.tensor1d([1])); // [0.3679]
 */
export function gammaPTensor(x: tf.Tensor | tf.TensorLike, a: number): tf.Tensor {
  if (typeof a !== "number" || !Number.isFinite(a) || a <= 0) throw new RelaxError("gammaPTensor", "a", "a finite number > 0", describe(a));
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([t]);
    return {
      value: mapOnHost(t, (v) => gammaP(a, v)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() =>
          tf.mul(
            dy,
            mapOnHost(saved[0] as tf.Tensor, (v) => gammaPdf(a, v)),
          ),
        ),
    };
  });
  return unaryOp("gammaPTensor", x, (t) => f(t));
}
