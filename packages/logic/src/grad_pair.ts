/**
 * Gradient closures of an op with inputs `{ x, logits }` whose ∂x and ∂logits come from one backward pass.
 * A backend that computes both in one pass registers the two-output kernel: it runs once, when the tape
 * reaches the op, and each closure hands out one of its outputs (state of this op call only; an output
 * the tape does not take is released with the backward pass's other temporaries). A backend that computes
 * them apart (WGSL programs) registers the single-output kernels, each run only when its input needs it.
 */
import type * as tf from "@tensorflow/tfjs-core";
import { hasFusedKernel, runFusedKernel } from "@relax/core";

/** Kernel names of one op's gradients: both outputs, ∂x alone, ∂logits alone. */
export interface GradKernels {
  both: string;
  x: string;
  logits: string;
}

/** The `{ x, logits }` gradient closures of one op call (see the module comment). */
export function xLogitsGradient(names: GradKernels, inputs: Record<string, tf.Tensor>, attrs: object): Record<string, () => tf.Tensor> {
  if (hasFusedKernel(names.both)) {
    const [dx, dlogits] = runFusedKernel<tf.Tensor[]>(names.both, inputs, attrs);
    return { x: () => dx!, logits: () => dlogits! };
  }
  return {
    x: () => runFusedKernel<tf.Tensor>(names.x, inputs, attrs),
    logits: () => runFusedKernel<tf.Tensor>(names.logits, inputs, attrs),
  };
}
