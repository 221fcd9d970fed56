/**
 * Fused host kernels of LapSum (Struski et al., ICML 2025) for the `cpu` and `wasm` backends: forward
 * O(n log n) per row (one sort, two sweeps, closed-form inverse), backward recomputes the row in float64
 * and applies the implicit-function-theorem VJP in O(n) after the sort. Nothing is saved but `x`.
 */
import type * as tf from "@tensorflow/tfjs-core";
import {
  type HostTensor,
  RelaxLapSum,
  type RelaxLapSumAttrs,
  RelaxLapSumGrad,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
} from "@relax/core";
import { membership, prepareRow, rankVjpSorted, ranksSorted, sortVjpSorted, sortedValues, topKThreshold, topKVjp } from "./lap_sum_math.js";

/** Forward of one call: `[rows, n]` ranks / sorted values / memberships. */
export function lapSumForward(x: HostTensor, attrs: RelaxLapSumAttrs): Float32Array {
  const [rows, n] = x.shape as [number, number];
  const out = new Float32Array(rows * n);
  const tmp = new Float64Array(n);
  const { alpha, descending } = attrs;
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    const row = prepareRow(x.values, off, n, alpha);
    if (attrs.op === "rank") {
      ranksSorted(row, tmp);
      for (let m = 0; m < n; m++) {
        const v = tmp[m] as number;
        out[off + (row.order[m] as number)] = descending ? n - 1 - v : v;
      }
    } else if (attrs.op === "sort") {
      sortedValues(row, tmp);
      for (let j = 0; j < n; j++) out[off + (descending ? n - 1 - j : j)] = tmp[j] as number;
    } else {
      const b = topKThreshold(row, attrs.k, attrs.largest);
      for (let i = 0; i < n; i++) out[off + i] = membership(x.values[off + i] as number, b, alpha, attrs.largest);
    }
  }
  return out;
}

/** Backward of one call: `dx: [rows, n]` for the output gradient `dy`. */
export function lapSumBackward(x: HostTensor, dy: HostTensor, attrs: RelaxLapSumAttrs): Float32Array {
  const [rows, n] = x.shape as [number, number];
  const dx = new Float32Array(rows * n);
  const v = new Float64Array(n);
  const g = new Float64Array(n);
  const t = new Float64Array(n);
  const { alpha, descending } = attrs;
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    const row = prepareRow(x.values, off, n, alpha);
    if (attrs.op === "topk") {
      const b = topKThreshold(row, attrs.k, attrs.largest);
      topKVjp(x.values, off, n, b, alpha, attrs.largest, dy.values, g);
      for (let i = 0; i < n; i++) dx[off + i] = g[i] as number;
      continue;
    }
    if (attrs.op === "rank") {
      // descending ranks are n − 1 − ascending ranks
      for (let m = 0; m < n; m++) {
        const d = dy.values[off + (row.order[m] as number)] as number;
        v[m] = descending ? -d : d;
      }
      rankVjpSorted(row, v, g);
    } else {
      sortedValues(row, t);
      for (let j = 0; j < n; j++) v[j] = dy.values[off + (descending ? n - 1 - j : j)] as number;
      sortVjpSorted(row, t, v, g);
    }
    for (let m = 0; m < n; m++) dx[off + (row.order[m] as number)] = g[m] as number;
  }
  return dx;
}

registerHostKernel<RelaxLapSumAttrs>(RelaxLapSum, ({ x }, attrs) => ({ values: lapSumForward(x!, attrs), shape: x!.shape }));

registerHostKernel<RelaxLapSumAttrs>(RelaxLapSumGrad, ({ x, dy }, attrs) => ({ values: lapSumBackward(x!, dy!, attrs), shape: x!.shape }));

registerFusedGradient<RelaxLapSumAttrs>({
  kernelName: RelaxLapSum,
  inputsToSave: ["x"],
  gradFunc: ([dy], [x], attrs) => ({ x: () => runFusedKernel<tf.Tensor>(RelaxLapSumGrad, { x: x!, dy: dy! }, attrs) }),
});
