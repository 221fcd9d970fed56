/**
 * WGSL `expm1` / `log1p` in f32 (WGSL has neither). Near 0 both use short series built from plain
 * arithmetic only — WGSL's `log` has only an absolute error bound (2⁻²¹) on [0.5, 2], so the usual
 * `log(1 + x)` / Kahan tricks would lose the relative accuracy exactly where it matters.
 * Used by the GenDR distributions and t-conorms of the silhouette rasterizer.
 */
export const SPECIAL_WGSL = /* wgsl */ `
/** e^x − 1, relative error ~1e-7 everywhere (Taylor to degree 10 on |x| < 0.5). */
fn relax_expm1(x : f32) -> f32 {
  if (abs(x) < 0.5) {
    var r = 1.0 + x / 10.0;
    r = 1.0 + x / 9.0 * r;
    r = 1.0 + x / 8.0 * r;
    r = 1.0 + x / 7.0 * r;
    r = 1.0 + x / 6.0 * r;
    r = 1.0 + x / 5.0 * r;
    r = 1.0 + x / 4.0 * r;
    r = 1.0 + x / 3.0 * r;
    r = 1.0 + x / 2.0 * r;
    return x * r;
  }
  return exp(x) - 1.0;
}
/** ln(1 + x) for x > −1; |x| < 0.25 via 2·atanh(t), t = x/(2 + x) (|t| < 0.143, series to t¹⁵). */
fn relax_log1p(x : f32) -> f32 {
  if (abs(x) < 0.25) {
    let t = x / (2.0 + x);
    let t2 = t * t;
    let s = 1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 * (1.0 / 9.0 + t2 * (1.0 / 11.0 + t2 * (1.0 / 13.0 + t2 / 15.0))))));
    return 2.0 * t * s;
  }
  return log(1.0 + x);
}
`;
