import type * as tf from "@tensorflow/tfjs-core";
import { registerFusedGradient, registerHostKernel, runFusedKernel } from "./fused.js";
import { RelaxTConorm, RelaxTConormGrad, type RelaxTConormAttrs, type RelaxTConormGradAttrs } from "./kernel_names.js";
import { getTConorm } from "../tnorms/tconorms.js";

/**
 * Host kernels of the elementwise t-conorm / t-norm (`cpu`, `wasm`): the family's float64 scalar forms `s` and
 * `dsda` mapped over typed arrays. ∂S/∂b = dsda(b, a) by symmetry; for the dual t-norm
 * T(a, b) = 1 − S(1 − a, 1 − b), ∂T/∂a = dsda(1 − a, 1 − b). Each partial is its own kernel call (the engine asks
 * for the partials one at a time, only for the inputs on the gradient's path), so no state is shared.
 */
const family = (attrs: RelaxTConormAttrs) => getTConorm(attrs.name, Number.isNaN(attrs.p) ? undefined : attrs.p);

registerHostKernel<RelaxTConormAttrs>(RelaxTConorm, ({ a, b }, attrs) => {
  const S = family(attrs);
  const av = a!.values;
  const bv = b!.values;
  const out = new Float32Array(av.length);
  if (attrs.dual) for (let i = 0; i < av.length; i++) out[i] = 1 - S.s(1 - (av[i] as number), 1 - (bv[i] as number));
  else for (let i = 0; i < av.length; i++) out[i] = S.s(av[i] as number, bv[i] as number);
  return { values: out, shape: a!.shape };
});

registerHostKernel<RelaxTConormGradAttrs>(RelaxTConormGrad, ({ a, b, dy }, attrs) => {
  const S = family(attrs);
  // the partial with respect to `wrt` is dsda(wrt's value, the other value), at 1 − value for the t-norm
  const [u, v] = attrs.wrt === "a" ? [a!.values, b!.values] : [b!.values, a!.values];
  const g = dy!.values;
  const out = new Float32Array(u.length);
  for (let i = 0; i < u.length; i++) {
    const x = u[i] as number;
    const y = v[i] as number;
    out[i] = (g[i] as number) * (attrs.dual ? S.dsda(1 - x, 1 - y) : S.dsda(x, y));
  }
  return { values: out, shape: a!.shape };
});

registerFusedGradient<RelaxTConormAttrs>({
  kernelName: RelaxTConorm,
  inputsToSave: ["a", "b"],
  gradFunc: ([dy], [a, b], attrs) => {
    const partial = (wrt: "a" | "b") => () => runFusedKernel<tf.Tensor>(RelaxTConormGrad, { a: a!, b: b!, dy: dy! }, { ...attrs, wrt });
    return { a: partial("a"), b: partial("b") };
  },
});
