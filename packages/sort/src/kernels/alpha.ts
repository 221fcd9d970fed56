import { cauchyCdfFast } from "./fast_math.js";

/**
 * α = f(d) for the sorting-network kernels: the default cauchy relaxation inlined ({@link cauchyCdfFast}
 * at βd), else core's scalar f (internal).
 */
export function alphaFn(attrs: { distribution: string; steepness: number }, f: (d: number) => number): (d: number) => number {
  if (attrs.distribution !== "cauchy") return f;
  const beta = attrs.steepness;
  return (d) => cauchyCdfFast(beta * d);
}
