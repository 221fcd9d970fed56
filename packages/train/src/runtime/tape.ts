import * as tf from "@tensorflow/tfjs-core";

/**
 * After an error inside `tf.grad` / `tf.variableGrads` (a loss or strategy that throws), tfjs leaves the gradient tape of the
 * failed forward pass with the tensors it saved for backprop (kept, so no tidy frees them). Free them as tfjs
 * itself does after a successful backward pass.
 */
export function releaseTape(): void {
  const state = tf.engine().state;
  if (state.gradientDepth !== 0 || !state.activeTape) return;
  for (const node of state.activeTape) for (const t of node.saved ?? []) if (!t.isDisposed) t.dispose();
  state.activeTape = null as unknown as typeof state.activeTape;
}
