import * as tf from "@tensorflow/tfjs-core";
import { registerFusedGradient, registerHostKernel, runFusedKernel } from "./fused.js";
import { RelaxDistributionCdf, RelaxDistributionPdf, type RelaxDistributionAttrs } from "./kernel_names.js";
import { RelaxError } from "../errors.js";
import { inputChecksEnabled } from "../validate.js";
import type { FamilySpec } from "../distributions/family.js";
import { FAMILIES, type CanonicalDistributionName } from "../distributions/registry.js";

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

/**
 * Maps `f` over the values; ±∞ give the limits `atMinusInf` / `atPlusInf`. A NaN throws a RelaxError naming
 * `op` (the scan is free here: the values are already on the host) unless input checks are off (then NaN out).
 */
function mapValues(values: Float32Array, f: (z: number) => number, limits: [number, number], op: string): Float32Array {
  const out = new Float32Array(values.length);
  const check = inputChecksEnabled();
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v === Number.NEGATIVE_INFINITY) out[i] = limits[0];
    else if (v === Number.POSITIVE_INFINITY) out[i] = limits[1];
    else if (Number.isNaN(v)) {
      if (check) throw new RelaxError(op, "z", "free of NaN (±Infinity gives the limits)", `NaN at flat index ${i}`);
      out[i] = NaN;
    } else out[i] = f(v);
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
    values: mapValues(z!.values, specFor(attrs).cdf, [0, 1], `${attrs.distribution}.cdfTensor`),
    shape: z!.shape,
  }));
  registerHostKernel<RelaxDistributionAttrs>(RelaxDistributionPdf, ({ z }, attrs) => ({
    values: mapValues(z!.values, specFor(attrs).pdf, [0, 0], `${attrs.distribution}.pdfTensor`),
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
