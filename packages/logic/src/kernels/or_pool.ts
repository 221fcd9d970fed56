/**
 * Fused typed-array kernel of max OR pooling ({@link orPool} with `method: 'max'`, Petersen et al.,
 * *Convolutional Differentiable Logic Gate Networks*, NeurIPS 2024 §3.2) for tfjs's host backends. The
 * forward is the window maximum; the backward routes each window's gradient to its first maximum in
 * row-major window order — the same rule as tfjs's `maxPool` gradient — in one pass over the windows
 * (tfjs-cpu's `maxPoolGrad` visits every input position for every window that may cover it).
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  RelaxOrPoolMax,
  RelaxOrPoolMaxGrad,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  type RelaxOrPoolMaxAttrs,
} from "@relax/core";

/**
 * Visits every window of `x: [B, H, W, C]` and calls `emit(o, t)` with the flat output index `o` and the
 * flat input index `t` of the window's first maximum.
 */
function forEachWindowMax(x: Float32Array, shape: number[], size: number, stride: number, emit: (o: number, t: number) => void): number[] {
  const [batch, h, w, c] = shape as [number, number, number, number];
  const ho = Math.floor((h - size) / stride) + 1;
  const wo = Math.floor((w - size) / stride) + 1;
  let o = 0;
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++) {
        const corner = ((b * h + i * stride) * w + j * stride) * c;
        for (let ch = 0; ch < c; ch++, o++) {
          let best = corner + ch;
          let max = x[best] as number;
          for (let u = 0; u < size; u++)
            for (let v = 0; v < size; v++) {
              const t = corner + (u * w + v) * c + ch;
              const val = x[t] as number;
              if (val > max) {
                max = val;
                best = t;
              }
            }
          emit(o, best);
        }
      }
  return [batch, ho, wo, c];
}

/** Max pooling `[B, H, W, C] → [B, H', W', C]` on host arrays. */
export function orPoolMaxForwardHost(
  x: Float32Array,
  shape: number[],
  attrs: RelaxOrPoolMaxAttrs,
): { values: Float32Array; shape: number[] } {
  const [batch, h, w, c] = shape as [number, number, number, number];
  const ho = Math.floor((h - attrs.size) / attrs.stride) + 1;
  const wo = Math.floor((w - attrs.size) / attrs.stride) + 1;
  const y = new Float32Array(batch * ho * wo * c);
  const out = forEachWindowMax(x, shape, attrs.size, attrs.stride, (o, t) => {
    y[o] = x[t] as number;
  });
  return { values: y, shape: out };
}

/** Gradient of max pooling on host arrays: `dx[argmax of window] += dy[window]`. */
export function orPoolMaxBackwardHost(x: Float32Array, shape: number[], dy: Float32Array, attrs: RelaxOrPoolMaxAttrs): Float32Array {
  const dx = new Float32Array(x.length);
  forEachWindowMax(x, shape, attrs.size, attrs.stride, (o, t) => {
    dx[t] = (dx[t] as number) + (dy[o] as number);
  });
  return dx;
}

registerHostKernel<RelaxOrPoolMaxAttrs>(RelaxOrPoolMax, ({ x }, attrs) => orPoolMaxForwardHost(x!.values, x!.shape, attrs));

registerHostKernel<RelaxOrPoolMaxAttrs>(RelaxOrPoolMaxGrad, ({ x, dy }, attrs) => ({
  values: orPoolMaxBackwardHost(x!.values, x!.shape, dy!.values, attrs),
  shape: x!.shape,
}));

registerFusedGradient<RelaxOrPoolMaxAttrs>({
  kernelName: RelaxOrPoolMax,
  inputsToSave: ["x"],
  gradFunc: ([dy], [x], attrs) => ({
    x: () => runFusedKernel<tf.Tensor>(RelaxOrPoolMaxGrad, { x: x!, dy: dy! }, attrs),
  }),
});
