import * as tf from "@tensorflow/tfjs-core";
import { runFusedKernel, useFused } from "../kernels/fused.js";
import { RelaxDistributionCdf, RelaxDistributionPdf, type RelaxDistributionAttrs } from "../kernels/kernel_names.js";
import type { FamilySpec, ResolvedParams } from "./family.js";
import { ensureDistributionKernels } from "./fused_kernels.js";
import type { Distribution } from "./types.js";

function asFloat(z: tf.Tensor): tf.Tensor {
  return z.dtype === "float32" ? z : tf.cast(z, "float32");
}

/**
 * @internal Wraps a family into a {@link Distribution}. Tensor forms dispatch like every hot op:
 * the fused host kernels `RelaxDistributionCdf`/`RelaxDistributionPdf` (float64 scalar math over the
 * typed array, gradient `dy · pdf`) when the active backend has them, else the reference composition
 * of tfjs ops, whose CDF gets a custom gradient `dy · pdfTensor(z)` (GenDR's backward; also what makes
 * piecewise, clipped and series forms differentiable with the exact density). Every tensor op runs
 * inside `tf.tidy`.
 */
export function makeDistribution(spec: FamilySpec, params: ResolvedParams): Distribution {
  ensureDistributionKernels();
  const attrs: RelaxDistributionAttrs = { distribution: spec.name, shape: params.shape, shift: params.shift };
  const cdfWithGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const z = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([z]);
    return {
      value: tf.tidy(() => spec.cdfTensor(z)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => tf.mul(dy, spec.pdfTensor(saved[0] as tf.Tensor))),
    };
  });
  return Object.freeze({
    name: spec.name,
    shape: params.shape,
    shift: params.shift,
    symmetric: spec.symmetric,
    monotonic: spec.monotonic,
    cdf: spec.cdf,
    pdf: spec.pdf,
    cdfTensor: (z: tf.Tensor) =>
      tf.tidy(() =>
        useFused(RelaxDistributionCdf)
          ? runFusedKernel<tf.Tensor>(RelaxDistributionCdf, { z: asFloat(z) }, attrs)
          : cdfWithGrad(asFloat(z)),
      ),
    pdfTensor: (z: tf.Tensor) =>
      tf.tidy(() =>
        useFused(RelaxDistributionPdf)
          ? runFusedKernel<tf.Tensor>(RelaxDistributionPdf, { z: asFloat(z) }, attrs)
          : spec.pdfTensor(asFloat(z)),
      ),
  });
}
