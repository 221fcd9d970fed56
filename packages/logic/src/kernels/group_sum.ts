/**
 * Host kernels of `GroupSum` (Petersen et al., NeurIPS 2022): per class, the sum of its block of neurons over
 * τ, batch-major or feature-major (`[n, batch]`, what the per-layer path hands over; its sums in WASM SIMD where
 * available, the same numbers), and the broadcast backward.
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  RelaxGroupSum,
  RelaxGroupSumGrad,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  type RelaxGroupSumAttrs,
  type RelaxGroupSumGradAttrs,
} from "@relax/core";
import { groupSumWasm } from "../wasm_layer.js";

registerHostKernel<RelaxGroupSumAttrs>(RelaxGroupSum, ({ x }, { k, tau, featureMajor }) => {
  const xv = x!.values;
  if (featureMajor) {
    const [n, batch] = x!.shape as [number, number];
    const fast = groupSumWasm(xv as Float32Array, n, batch, k, tau);
    if (fast) return { values: fast, shape: [batch, k] };
    const g = n / k;
    // Per class: contiguous rows of the class summed into one batch-long accumulator.
    const acc = new Float64Array(batch);
    const values = new Float32Array(batch * k);
    for (let c = 0; c < k; c++) {
      acc.fill(0);
      for (let i = c * g; i < (c + 1) * g; i++) {
        const o = i * batch;
        for (let r = 0; r < batch; r++) acc[r] += xv[o + r] as number;
      }
      for (let r = 0; r < batch; r++) values[r * k + c] = (acc[r] as number) / tau;
    }
    return { values, shape: [batch, k] };
  }
  const [batch, n] = x!.shape as [number, number];
  const g = n / k;
  const out = new Float32Array(batch * k);
  for (let r = 0; r < batch; r++) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      const o = r * n + c * g;
      for (let i = 0; i < g; i++) s += xv[o + i] as number;
      out[r * k + c] = s / tau;
    }
  }
  return { values: out, shape: [batch, k] };
});

registerHostKernel<RelaxGroupSumGradAttrs>(RelaxGroupSumGrad, ({ dy }, { k, tau, n, featureMajor }) => {
  const batch = dy!.shape[0] as number;
  const g = n / k;
  const dv = dy!.values;
  const dx = new Float32Array(batch * n);
  if (featureMajor) {
    const col = new Float32Array(batch);
    for (let c = 0; c < k; c++) {
      for (let r = 0; r < batch; r++) col[r] = (dv[r * k + c] as number) / tau;
      for (let i = c * g; i < (c + 1) * g; i++) dx.set(col, i * batch);
    }
    return { values: dx, shape: [n, batch] };
  }
  for (let r = 0; r < batch; r++) {
    for (let c = 0; c < k; c++) dx.fill((dv[r * k + c] as number) / tau, r * n + c * g, r * n + (c + 1) * g);
  }
  return { values: dx, shape: [batch, n] };
});

registerFusedGradient<RelaxGroupSumAttrs>({
  kernelName: RelaxGroupSum,
  inputsToSave: ["x"],
  gradFunc: ([dy], [x], attrs) => ({
    x: () =>
      runFusedKernel<tf.Tensor>(
        RelaxGroupSumGrad,
        { dy: dy! },
        {
          k: attrs.k,
          tau: attrs.tau,
          featureMajor: attrs.featureMajor ?? false,
          n: (attrs.featureMajor ? x!.shape[0] : x!.shape[1]) as number,
        },
      ),
  }),
});
