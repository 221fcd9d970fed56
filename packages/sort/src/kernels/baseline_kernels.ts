/**
 * Registration of the NeuralSort (Grover et al., ICLR 2019) and SoftSort (Prillo & Eisenschlos, ICML 2020)
 * baseline kernels: outputs `[sorted, permutation, relaxed]`, backward from the saved outputs. Their row math
 * lives in `neural_sort.ts` and `soft_sort.ts`.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  RelaxNeuralSort,
  RelaxNeuralSortGrad,
  RelaxSoftSort,
  RelaxSoftSortGrad,
  type RelaxNeuralSortAttrs,
  type RelaxSoftSortAttrs,
} from "@relax/core";
import type { BaselineForward } from "./baseline_rows.js";
import { neuralSortBackward, neuralSortForward } from "./neural_sort.js";
import { softSortBackward, softSortForward } from "./soft_sort.js";

function baselineOutputs(o: BaselineForward, rows: number, n: number, hard: boolean) {
  return [
    { values: o.sorted, shape: [rows, n] },
    { values: o.permutation, shape: [rows, n, n] },
    { values: o.relaxed, shape: hard ? [rows, n, n] : [rows, 0, 0] },
  ];
}

registerHostKernel<RelaxNeuralSortAttrs>(RelaxNeuralSort, ({ x }, attrs) => {
  const [rows, n] = x!.shape as [number, number];
  return baselineOutputs(neuralSortForward(x!.values, rows, n, attrs), rows, n, attrs.hard);
});

registerHostKernel<RelaxSoftSortAttrs>(RelaxSoftSort, ({ x }, attrs) => {
  const [rows, n] = x!.shape as [number, number];
  return baselineOutputs(softSortForward(x!.values, rows, n, attrs), rows, n, attrs.hard);
});

for (const [gradName, backward] of [
  [RelaxNeuralSortGrad, neuralSortBackward],
  [RelaxSoftSortGrad, softSortBackward],
] as const) {
  registerHostKernel<RelaxSoftSortAttrs>(gradName, (inp, attrs) => {
    const [rows, n] = inp.x!.shape as [number, number];
    const grads = {
      x: inp.x!.values,
      permutation: inp.permutation!.values,
      relaxed: inp.relaxed!.values,
      dSorted: inp.dSorted!.values,
      dPermutation: inp.dPermutation!.values,
    };
    return { values: backward(grads, rows, n, attrs), shape: [rows, n] };
  });
}

for (const [kernelName, gradName] of [
  [RelaxNeuralSort, RelaxNeuralSortGrad],
  [RelaxSoftSort, RelaxSoftSortGrad],
] as const) {
  registerFusedGradient<RelaxNeuralSortAttrs>({
    kernelName,
    inputsToSave: ["x"],
    outputsToSave: [false, true, true],
    gradFunc: ([dSorted, dPermutation], [x, permutation, relaxed], attrs) => ({
      x: () => {
        const rows = x!.shape[0] as number;
        const n = x!.shape[1] as number;
        const ds = dSorted ?? tf.zeros([rows, n]);
        const dp = dPermutation ?? tf.zeros([rows, n, n]);
        return runFusedKernel<tf.Tensor>(
          gradName,
          { x: x!, permutation: permutation!, relaxed: relaxed!, dSorted: ds, dPermutation: dp },
          attrs,
        );
      },
    }),
  });
}
