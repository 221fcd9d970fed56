/**
 * WGSL erf/erfc in f32: W. J. Cody's rational approximations (Math. Comp. 1969), the same
 * coefficients as `@relax/core`'s float64 `erf`, so both agree to float32 rounding.
 */
export const ERF_WGSL = /* wgsl */ `
fn relax_erfc_pos(ax : f32) -> f32 {
  // erfc(ax) for ax >= 0.5
  if (ax < 4.0) {
    let p = (((((((2.15311535474403846e-8 * ax + 0.564188496988670089) * ax + 8.88314979438837594) * ax + 66.1191906371416295) * ax + 298.635138197400131) * ax + 881.95222124176909) * ax + 1712.04761263407058) * ax + 2051.07837782607147) * ax + 1230.33935479799725;
    let q = (((((((ax + 15.7449261107098347) * ax + 117.693950891312499) * ax + 537.181101862009858) * ax + 1621.38957456669019) * ax + 3290.79923573345963) * ax + 4362.61909014324716) * ax + 3439.36767414372164) * ax + 1230.33935480374942;
    return exp(-ax * ax) * (p / q);
  }
  if (ax > 10.0) { return 0.0; }
  let z = 1.0 / (ax * ax);
  let p = ((((0.0163153871373020978 * z + 0.305326634961232344) * z + 0.360344899949804439) * z + 0.125781726111229246) * z + 0.0160837851487422766) * z + 6.58749161529837803e-4;
  let q = ((((z + 2.56852019228982242) * z + 1.87295284992346725) * z + 0.527905102951428412) * z + 0.0605183413124413191) * z + 0.00233520497626869185;
  return (exp(-ax * ax) / ax) * (0.564189583547756287 - (z * p) / q);
}
fn relax_erf_small(x : f32) -> f32 {
  // erf(x) for |x| < 0.5
  let t = x * x;
  let p = (((0.185777706184603153 * t + 3.16112374387056560) * t + 113.864154151050156) * t + 377.485237685302021) * t + 3209.37758913846947;
  let q = (((t + 23.6012909523441209) * t + 244.024637934444173) * t + 1282.61652607737228) * t + 2844.23683343917062;
  return (x * p) / q;
}
/** erfc(x) for any x, accurate in the tail. */
fn relax_erfc(x : f32) -> f32 {
  let ax = abs(x);
  if (ax < 0.5) { return 1.0 - relax_erf_small(x); }
  let r = relax_erfc_pos(ax);
  return select(r, 2.0 - r, x < 0.0);
}
fn relax_erf(x : f32) -> f32 {
  let ax = abs(x);
  if (ax < 0.5) { return relax_erf_small(x); }
  let r = 1.0 - relax_erfc_pos(ax);
  return select(r, -r, x < 0.0);
}
`;
