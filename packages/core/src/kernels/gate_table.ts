/**
 * The 16 two-input logic gates (Petersen et al., *Deep Differentiable Logic Gate Networks*, NeurIPS 2022,
 * Table 1 order) in their four-coefficient form, defined once for every kernel: `@relax/logic` (gates, host
 * kernels) and `@relax/backend-webgpu` (the WGSL constant is generated from this table).
 *
 * Gate id `i` is its truth table read as a 4-bit number, (A=0, B=0) entry as MSB: `i = 8·T00 + 4·T01 + 2·T10 + T11`;
 * `f_i(a, b) = c0 + c1·a + c2·b + c3·a·b` is the bilinear interpolation of the table: c0 = T00, c1 = T10 − T00,
 * c2 = T01 − T00, c3 = T00 − T01 − T10 + T11. `GATE_COEFFS[i] = [c0, c1, c2, c3]`.
 *
 * @example
 * GATE_COEFFS[6]; // xor → [0, 1, 1, -2]
 */
export const GATE_COEFFS: readonly (readonly [number, number, number, number])[] = Array.from({ length: 16 }, (_, id) => {
  const [t00, t01, t10, t11] = [(id >> 3) & 1, (id >> 2) & 1, (id >> 1) & 1, id & 1];
  return Object.freeze([t00, t10 - t00, t01 - t00, t00 - t01 - t10 + t11] as const);
});
