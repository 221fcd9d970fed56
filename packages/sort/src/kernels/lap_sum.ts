/**
 * Fused host kernels of LapSum (Struski et al., ICML 2025) for the `cpu` and `wasm` backends: forward
 * O(n log n) per row (one sort, two sweeps, closed-form inverse); the backward takes the forward's argsort
 * (saved as a second, int32 output), recomputes the sweeps in float64 and applies the implicit-function-theorem
 * VJP, O(n) per row. Saved: `x` and the argsort.
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

/** Forward of one call: `[rows, n]` ranks / sorted values / memberships, and each row's ascending argsort. */
export function lapSumForward(x: HostTensor, attrs: RelaxLapSumAttrs): { y: Float32Array; order: Int32Array } {
  const [rows, n] = x.shape as [number, number];
  const out = new Float32Array(rows * n);
  const orders = new Int32Array(rows * n);
  const tmp = new Float64Array(n);
  const { alpha, descending } = attrs;
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    const row = prepareRow(x.values, off, n, alpha);
    orders.set(row.order, off);
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
  return { y: out, order: orders };
}

/**
 * Backward of one call: `dx: [rows, n]` for the output gradient `dy`; with the forward's `order` (`[rows, n]`)
 * no row is sorted again, so it is O(n) per row.
 */
export function lapSumBackward(x: HostTensor, dy: HostTensor, attrs: RelaxLapSumAttrs, order?: HostTensor): Float32Array {
  const [rows, n] = x.shape as [number, number];
  const dx = new Float32Array(rows * n);
  const v = new Float64Array(n);
  const g = new Float64Array(n);
  const t = new Float64Array(n);
  const { alpha, descending } = attrs;
  const saved = order !== undefined && order.shape[1] === n && order.shape[0] === rows ? order.values : null;
  for (let r = 0; r < rows; r++) {
    const off = r * n;
    const row = prepareRow(x.values, off, n, alpha, saved ? Int32Array.from(saved.subarray(off, off + n)) : undefined);
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

registerHostKernel<RelaxLapSumAttrs>(RelaxLapSum, ({ x }, attrs) => {
  const { y, order } = lapSumForward(x!, attrs);
  return [
    { values: y, shape: x!.shape },
    { values: order, shape: x!.shape, dtype: "int32" },
  ];
});

registerHostKernel<RelaxLapSumAttrs>(RelaxLapSumGrad, ({ x, order, dy }, attrs) => ({
  values: lapSumBackward(x!, dy!, attrs, order),
  shape: x!.shape,
}));

registerFusedGradient<RelaxLapSumAttrs>({
  kernelName: RelaxLapSum,
  inputsToSave: ["x"],
  outputsToSave: [false, true],
  gradFunc: ([dy], [x, order], attrs) => ({
    x: () => runFusedKernel<tf.Tensor>(RelaxLapSumGrad, { x: x!, order: order!, dy: dy! }, attrs),
  }),
});
