/**
 * `@relax/sort`'s `tf.env()` flags (registered on import; see the flag table in `@relax/core`'s README).
 */
import { isBoolean, registerRelaxFlag } from "@relax/core";

/** The WebAssembly SIMD loops of the fused sorting-network and NeuralSort/SoftSort kernels (where SIMD exists). Default `true`. */
export const RELAX_SORT_WASM = "RELAX_SORT_WASM";
/** Lane type of the sorting-network wasm loops: `'f32'` (f32x4, fastest) or `'f64'` (f64x2). Default `'f32'`. */
export const RELAX_SORT_WASM_LANES = "RELAX_SORT_WASM_LANES";

registerRelaxFlag(RELAX_SORT_WASM, () => true, "a boolean", isBoolean);
registerRelaxFlag(
  RELAX_SORT_WASM_LANES,
  () => "f32",
  "'f32' or 'f64'",
  (v) => v === "f32" || v === "f64",
);

/**
 * The broadcast fast path of the cpu backend's `Multiply` that @relax/sort installs (tfjs-core's `Sum` gradient
 * is a broadcast multiply, ≈ 120 ns per element on the cpu backend; same numbers, ≈ 100× faster). Default `true`.
 */
export const RELAX_FAST_BROADCAST = "RELAX_FAST_BROADCAST";
registerRelaxFlag(RELAX_FAST_BROADCAST, () => true, "a boolean", isBoolean);

/**
 * The values pass of the default cauchy comparator in wasm, two rows per f64x2 (bit-identical to the JS loop;
 * needs `RELAX_SORT_WASM`). Default `true`; off runs the per-row JS loop (for benchmarks).
 */
export const RELAX_SORT_WASM_VALUES = "RELAX_SORT_WASM_VALUES";
registerRelaxFlag(RELAX_SORT_WASM_VALUES, () => true, "a boolean", isBoolean);
