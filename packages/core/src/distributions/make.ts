import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { runFusedKernel, useFused } from "../kernels/fused.js";
import { assertNoNaN } from "../special/check.js";
import { toFloatTensor, type TensorInput } from "../validate.js";
import { RelaxDistributionCdf, RelaxDistributionPdf, type RelaxDistributionAttrs } from "../kernels/kernel_names.js";
import type { FamilySpec, ResolvedParams } from "./family.js";
import { ensureDistributionKernels } from "../kernels/distribution.js";
import type { Distribution } from "./types.js";

/** A number that is not NaN (±∞ allowed), else a RelaxError naming `op` and `z`. */
function checkScalar(op: string, z: unknown): number {
  if (typeof z !== "number" || Number.isNaN(z)) {
    throw new RelaxError(op, "z", "a number, not NaN (±Infinity gives the limits)", describe(z));
  }
  return z;
}

/** `value` where z is finite, the limit `lo` at −∞ and `hi` at +∞ (reference path; 2–3 elementwise ops). */
function withLimits(z: tf.Tensor, value: tf.Tensor, lo: number, hi: number): tf.Tensor {
  // masks from greaterEqual only (the comparison with a registered zero gradient), so tf.grad can pass
  const limit = tf.where(tf.greaterEqual(z, 0), tf.fill(z.shape, hi), tf.fill(z.shape, lo));
  return tf.where(tf.greaterEqual(tf.abs(z), Number.POSITIVE_INFINITY), limit, value);
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
      value: tf.tidy(() => withLimits(z, spec.cdfTensor(z), 0, 1)),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const zs = saved[0] as tf.Tensor;
          return tf.mul(dy, withLimits(zs, spec.pdfTensor(zs), 0, 0));
        }),
    };
  });
  const name = spec.name;
  const { cdf, pdf } = spec;
  return Object.freeze({
    name,
    shape: params.shape,
    shift: params.shift,
    symmetric: spec.symmetric,
    monotonic: spec.monotonic,
    cdf: (z: number) => {
      const v = checkScalar(`${name}.cdf`, z);
      return v === Number.POSITIVE_INFINITY ? 1 : v === Number.NEGATIVE_INFINITY ? 0 : cdf(v);
    },
    pdf: (z: number) => {
      const v = checkScalar(`${name}.pdf`, z);
      return v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY ? 0 : pdf(v);
    },
    cdfTensor: (z: TensorInput) =>
      tf.tidy(() => {
        const op = `${name}.cdfTensor`;
        const zf = toFloatTensor(op, "z", z);
        if (useFused(RelaxDistributionCdf)) return runFusedKernel<tf.Tensor>(RelaxDistributionCdf, { z: zf }, attrs);
        assertNoNaN(op, "z", zf);
        return cdfWithGrad(zf);
      }),
    pdfTensor: (z: TensorInput) =>
      tf.tidy(() => {
        const op = `${name}.pdfTensor`;
        const zf = toFloatTensor(op, "z", z);
        if (useFused(RelaxDistributionPdf)) return runFusedKernel<tf.Tensor>(RelaxDistributionPdf, { z: zf }, attrs);
        assertNoNaN(op, "z", zf);
        return withLimits(zf, spec.pdfTensor(zf), 0, 0);
      }),
  });
}
