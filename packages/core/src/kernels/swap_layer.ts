import * as tf from "@tensorflow/tfjs-core";
import { registerFusedGradient, registerHostKernel, runFusedKernel } from "./fused.js";
import { RelaxSwapLayer, RelaxSwapLayerGrad, type RelaxSwapLayerAttrs } from "./kernel_names.js";
import { comparatorSigmoid } from "../relaxed/comparator_sigmoid.js";

/**
 * Host kernels of `relaxedSwapLayer` (`cpu`, `wasm`): the forward mixes each comparator's pair in place
 * and returns `[y, alpha]`; the backward (`RelaxSwapLayerGrad`) takes the saved `x` and `alpha` and returns `dx`.
 * The reference op lives in `relaxed/swap_layer.ts`.
 */
registerHostKernel<RelaxSwapLayerAttrs>(RelaxSwapLayer, ({ x }, attrs) => {
  const sig = comparatorSigmoid("RelaxSwapLayer", attrs);
  const [rows, n] = x!.shape as [number, number];
  const k = attrs.lo.length;
  const xv = x!.values;
  const y = new Float32Array(xv);
  const alpha = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    for (let c = 0; c < k; c++) {
      const a = off + (attrs.lo[c] as number);
      const b = off + (attrs.hi[c] as number);
      const va = xv[a] as number;
      const vb = xv[b] as number;
      const al = sig.f(vb - va);
      alpha[r * k + c] = al;
      y[a] = al * va + (1 - al) * vb;
      y[b] = (1 - al) * va + al * vb;
    }
  }
  return [
    { values: y, shape: [rows, n] },
    { values: alpha, shape: [rows, k] },
  ];
});

registerHostKernel<RelaxSwapLayerAttrs>(RelaxSwapLayerGrad, ({ x, alpha, dy, dalpha }, attrs) => {
  const sig = comparatorSigmoid("RelaxSwapLayer", attrs);
  const [rows, n] = x!.shape as [number, number];
  const k = attrs.lo.length;
  const xv = x!.values;
  const gy = dy!.values;
  const ga = dalpha!.values;
  const al = alpha!.values;
  const dx = new Float32Array(gy);
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    for (let c = 0; c < k; c++) {
      const a = off + (attrs.lo[c] as number);
      const b = off + (attrs.hi[c] as number);
      const d = (xv[b] as number) - (xv[a] as number);
      const aC = al[r * k + c] as number;
      const fp = sig.df(d);
      // ∂y_lo/∂x_lo = ∂y_hi/∂x_hi = g, the cross terms are 1 − g, with g = α + d·f'(d).
      const g = aC + d * fp;
      const gLo = gy[a] as number;
      const gHi = gy[b] as number;
      const gAl = (ga[r * k + c] as number) * fp;
      dx[a] = gLo * g + gHi * (1 - g) - gAl;
      dx[b] = gLo * (1 - g) + gHi * g + gAl;
    }
  }
  return { values: dx, shape: [rows, n] };
});

registerFusedGradient<RelaxSwapLayerAttrs>({
  kernelName: RelaxSwapLayer,
  inputsToSave: ["x"],
  outputsToSave: [false, true],
  gradFunc: ([dy, dalpha], [x, alpha], attrs) => ({
    x: () =>
      runFusedKernel<tf.Tensor>(RelaxSwapLayerGrad, { x: x!, alpha: alpha!, dy: dy!, dalpha: dalpha ?? tf.zerosLike(alpha!) }, attrs),
  }),
});
