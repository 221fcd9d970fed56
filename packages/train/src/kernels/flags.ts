import { isBoolean, registerRelaxFlag } from "@relax/core";

/**
 * tf.env() flag: the CNN layers (`createCnn`'s bias + ReLU, `maxPool2`'s gradient) run Relax's fused host kernels
 * on `cpu` / `wasm` (default true). False runs what ran before those kernels existed (tfjs's Add + Relu with a
 * matrix-product bias gradient; a read-back host loop for the pool gradient) — for benchmarks and comparisons.
 */
export const RELAX_FUSED_CNN = "RELAX_FUSED_CNN";
registerRelaxFlag(RELAX_FUSED_CNN, () => true, "a boolean", isBoolean);
