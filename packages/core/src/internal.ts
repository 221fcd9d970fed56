/**
 * `@relax/core/internal` — shared pieces the Relax packages build on, not part of the modelling API: the
 * base64 codec of saved files and embedded WebAssembly, the logic-gate coefficient table and the seeded straight-through noise of the logic kernels
 * (TS and WGSL), the backends host kernels register on, a fast finiteness check of typed arrays, and numeric constants of the distributions' series.
 * Stable within a minor release only.
 */
export { bytesToBase64, base64ToBytes } from "./util/base64.js";
export { GATE_COEFFS } from "./kernels/gate_table.js";
export { HOST_BACKENDS } from "./kernels/fused.js";
export { allFiniteValues } from "./validate.js";
export { GAMMA_SERIES_TERMS, GAMMA_THRESHOLD } from "./distributions/gamma.js";
export { LEVY_MONOTONIC_MAX_NEG_SHIFT } from "./distributions/levy.js";
export {
  GATE_STREAM,
  WIRING_STREAM,
  noiseHash,
  noiseUniform,
  gumbelNoise,
  logisticNoise,
  logFloat32,
  drawNoise,
  registerNoiseFill,
  type NoiseKind,
  type NoiseFill,
} from "./kernels/logic_noise.js";
