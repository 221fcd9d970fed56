/**
 * Host kernels of `diffTopK`'s selection networks (Petersen et al., "Differentiable Top-k Classification
 * Learning", ICML 2022): the k selected rows of the relaxed permutation pushed right-to-left through the
 * network per row, and the fused backward.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  comparatorSigmoid,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  RelaxSortNetSelect,
  RelaxSortNetSelectGrad,
  type RelaxSortNetSelectAttrs,
} from "@relax/core";
import { getNetwork } from "../networks.js";
import { alphaFn } from "./alpha.js";
import { backwardRow, forwardValues, initSelect, selectBackwardAlpha, selectRow } from "./engine.js";

registerHostKernel<RelaxSortNetSelectAttrs>(RelaxSortNetSelect, ({ x }, attrs) => {
  const [rows, n] = x!.shape as [number, number];
  const k = attrs.k;
  const xv = x!.values;
  const net = getNetwork(attrs.network, n, k);
  const sig = comparatorSigmoid("diffTopK", attrs);
  const fa = alphaFn(attrs, sig.f);
  const C = net.size;
  const alpha = new Float64Array(C);
  const y = new Float32Array(rows * k * n);
  const v = new Float64Array(n);
  const U = new Float64Array(n * k);
  for (let r = 0; r < rows; r++) {
    forwardValues(net, fa, xv, r * n, v, alpha, null);
    initSelect(U, n, k, attrs.init);
    selectRow(net, alpha, U, k, null);
    const off = r * k * n;
    for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) y[off + j * n + i] = U[i * k + j] as number;
  }
  return { values: y, shape: [rows, k, n] };
});

registerHostKernel<RelaxSortNetSelectAttrs>(RelaxSortNetSelectGrad, ({ x, dy }, attrs) => {
  const [rows, n] = x!.shape as [number, number];
  const k = attrs.k;
  const xv = x!.values;
  const gy = dy!.values;
  const net = getNetwork(attrs.network, n, k);
  const sig = comparatorSigmoid("diffTopK", attrs);
  const fa = alphaFn(attrs, sig.f);
  const C = net.size;
  const v = new Float64Array(n);
  const dStore = new Float64Array(C);
  const al = new Float64Array(C);
  const U = new Float64Array(n * k);
  const H = new Float64Array(n * k);
  const diffStore = new Float64Array(C * k);
  const dAlpha = new Float64Array(C);
  const gV = new Float64Array(n);
  const dx = new Float32Array(rows * n);
  for (let r = 0; r < rows; r++) {
    forwardValues(net, fa, xv, r * n, v, al, dStore);
    initSelect(U, n, k, attrs.init);
    selectRow(net, al, U, k, diffStore);
    const off = r * k * n;
    for (let j = 0; j < k; j++) for (let i = 0; i < n; i++) H[i * k + j] = gy[off + j * n + i] as number;
    selectBackwardAlpha(net, al, H, k, diffStore, dAlpha);
    gV.fill(0);
    backwardRow(net, sig.df, al, dStore, gV, null, null, dAlpha);
    for (let i = 0; i < n; i++) dx[r * n + i] = gV[i] as number;
  }
  return { values: dx, shape: [rows, n] };
});

registerFusedGradient<RelaxSortNetSelectAttrs>({
  kernelName: RelaxSortNetSelect,
  inputsToSave: ["x"],
  gradFunc: ([dy], [x], attrs) => ({
    x: () => {
      const rows = x!.shape[0] as number;
      const n = x!.shape[1] as number;
      const g = dy ?? tf.zeros([rows, attrs.k, n]);
      return runFusedKernel<tf.Tensor>(RelaxSortNetSelectGrad, { x: x!, dy: g }, attrs);
    },
  }),
});
