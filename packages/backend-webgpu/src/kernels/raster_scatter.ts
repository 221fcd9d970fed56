/** The atomic accumulation of the rasterizer gradients: a zero-filled buffer and the WGSL that adds into it. */
import { elementwiseProgram } from "../program.js";

/** Fills a float32 output of `shape` with zeros (the accumulation buffer of the atomic backward passes). */
export function zeroProgram(shape: number[]) {
  return elementwiseProgram({ key: "silhouette_zero", variableNames: [], outputShape: shape, body: `result[index] = 0.0;` });
}

/**
 * Backward helpers of the atomic rasterizer gradients (after {@link fragmentWgsl}, in a program with
 * `atomic: true`): `atomicAddF(i, v)` adds to `result[i]` with a compare-exchange loop,
 * `scatter(bi, f, fr, coef)` adds coef·(c − p) to face f's nearest-edge endpoints (x, y) and
 * `slope(fr)` is ∂s/∂x of the fragment as the CPU kernel's `fragmentSlope`.
 */
export const SCATTER_WGSL = /* wgsl */ `
fn atomicAddF(i : i32, v : f32) {
  var old = atomicLoad(&result[i]);
  loop {
    let nv = bitcast<i32>(bitcast<f32>(old) + v);
    let r = atomicCompareExchangeWeak(&result[i], old, nv);
    if (r.exchanged) { break; }
    old = r.old_value;
  }
}
fn scatter(bi : i32, f : i32, fr : Frag, coef : f32) {
  let base = (bi * uniforms.F + f) * 9;
  let ia = base + fr.edge * 3;
  let ib = base + ((fr.edge + 1) % 3) * 3;
  let gx = coef * fr.vx;
  let gy = coef * fr.vy;
  atomicAddF(ia, (1.0 - fr.t) * gx);
  atomicAddF(ia + 1, (1.0 - fr.t) * gy);
  atomicAddF(ib, fr.t * gx);
  atomicAddF(ib + 1, fr.t * gy);
}
fn slope(fr : Frag) -> f32 {
  let ds = fr.sign * pdf(fr.z) / uniforms.tau;
  if (uniforms.squared != 0) { return 2.0 * ds; }
  let d = sqrt(fr.d2);
  return select(0.0, ds / d, d > 1e-12);
}
`;
