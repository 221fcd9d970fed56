import * as tf from "@tensorflow/tfjs-core";
import { registerFusedGradient, registerHostKernel, runFusedKernel } from "../kernels/fused.js";
import { RelaxDistributionCdf, RelaxDistributionPdf, type RelaxDistributionAttrs } from "../kernels/kernel_names.js";
import type { FamilySpec } from "./family.js";
import { FAMILIES, type CanonicalDistributionName } from "./registry.js";

const specCache = new Map<string, FamilySpec>();

/** Family spec for kernel attributes (validated by `getDistribution` before any kernel runs), cached. */
function specFor(attrs: RelaxDistributionAttrs): FamilySpec {
  const key = `${attrs.distribution}|${attrs.shape}|${attrs.shift}`;
  let spec = specCache.get(key);
  if (spec === undefined) {
    spec = FAMILIES[attrs.distribution as CanonicalDistributionName]({ shape: attrs.shape, shift: attrs.shift });
    specCache.set(key, spec);
  }
  return spec;
}

function mapValues(values: Float32Array, f: (z: number) => number): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    out[i] = Number.isNaN(v) ? NaN : f(v); // NaN in, NaN out
  }
  return out;
}

let registered = false;

/**
 * @internal Registers the fused host kernels of the distributions (once): `RelaxDistributionCdf` and
 * `RelaxDistributionPdf` map the float64 scalar `cdf`/`pdf` over a typed array on the `cpu`/`wasm`
 * backends, and the gradient of the CDF kernel is `dy · RelaxDistributionPdf(z)`.
 */
export function ensureDistributionKernels(): void {
  if (registered) return;
  registered = true;
  registerHostKernel<RelaxDistributionAttrs>(RelaxDistributionCdf, ({ z }, attrs) => ({
    values: mapValues(z!.values, specFor(attrs).cdf),
    shape: z!.shape,
  }));
  registerHostKernel<RelaxDistributionAttrs>(RelaxDistributionPdf, ({ z }, attrs) => ({
    values: mapValues(z!.values, specFor(attrs).pdf),
    shape: z!.shape,
  }));
  registerFusedGradient<RelaxDistributionAttrs>({
    kernelName: RelaxDistributionCdf,
    inputsToSave: ["z"],
    gradFunc: ([dy], [z], attrs) => ({
      z: () => tf.mul(dy!, runFusedKernel<tf.Tensor>(RelaxDistributionPdf, { z: z! }, { ...attrs })),
    }),
  });
}
