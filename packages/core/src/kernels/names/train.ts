/**
 * Kernels of `@relax/train`: the fused layers of the experiments' CNN (bias + ReLU, the 2×2 max-pool gradient).
 * Grouped by op; each op's host kernel lives in `packages/train/src/kernels/<op>.ts`.
 */

/**
 * Bias plus ReLU of a conv or dense layer, one pass: inputs `{ x: [..., C], b: [C] }`, output
 * `y = max(x + b, 0)`, same shape as `x` (bit-identical to `tf.relu(tf.add(x, b))`).
 */
export const RelaxBiasRelu = "RelaxBiasRelu";
/**
 * Gradient of {@link RelaxBiasRelu}, one pass over `dy`: inputs `{ dy, y }` (same shape `[..., C]`), outputs
 * `[dx, db]` with `dx = dy · [y > 0]` (same shape) and `db = Σ_rows dx` (`[C]`, summed in float64).
 */
export const RelaxBiasReluGrad = "RelaxBiasReluGrad";
/**
 * Gradient of a 2×2 stride-2 max-pool (NHWC, 'valid'): inputs `{ x: [N,H,W,C], y: [N,⌊H/2⌋,⌊W/2⌋,C], dy }` (`y`
 * the pool's output), output `dx: [N,H,W,C]`, each `dy` routed to the first maximum of its window (row-major), as
 * tfjs's `MaxPoolGrad`; zero elsewhere.
 */
export const RelaxMaxPool2Grad = "RelaxMaxPool2Grad";
