/**
 * `@relax/logic`'s `tf.env()` flags (registered on import; see the flag table in `@relax/core`'s README).
 */
import { isBoolean, registerRelaxFlag } from "@relax/core";

/**
 * The WASM SIMD training kernels of the fused logic layers (softmax + coefficients, forward, backward),
 * where WebAssembly SIMD exists; off = the float64 JS loops. Default `true`.
 */
export const RELAX_LOGIC_WASM = "RELAX_LOGIC_WASM";

registerRelaxFlag(RELAX_LOGIC_WASM, () => true, "a boolean", isBoolean);
