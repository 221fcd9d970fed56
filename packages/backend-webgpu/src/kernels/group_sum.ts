/**
 * WGSL GroupSum of a logic gate network (Petersen et al., NeurIPS 2022): class c's score is the sum of
 * its `n/k` contiguous output neurons divided by τ, `out[s, c] = Σ_{i ∈ [c·g, (c+1)·g)} x[s, i] / τ`,
 * for batch-major `x: [batch, n]` or feature-major `x: [n, batch]` (how `LogicNet` chains its layers).
 * Same numbers as `@relax/logic`'s CPU kernels (group_sum.ts); the sum is compensated (Kahan) so long
 * groups stay within float32 rounding of the CPU's float64 accumulator.
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { RelaxGroupSum, RelaxGroupSumGrad, type RelaxGroupSumAttrs, type RelaxGroupSumGradAttrs } from "@relax/core";
import { elementwiseProgram, f32, i32, run, zeros, withFloatStorage } from "../program.js";

/** One invocation per (class, sample), samples fastest so feature-major reads coalesce; writes `[batch, k]`. */
function groupSumProgram(batch: number, k: number, featureMajor: boolean) {
  return elementwiseProgram({
    key: `group_sum_${featureMajor ? "fm" : "bm"}`,
    variableNames: ["x"],
    outputShape: [batch, k],
    uniforms: "batch : i32, n : i32, k : i32, tau : f32, ",
    body: `
    let c = index / uniforms.batch;
    let s = index - c * uniforms.batch;
    let g = uniforms.n / uniforms.k;
    var sum = 0.0;
    var comp = 0.0;
    for (var i = c * g; i < (c + 1) * g; i++) {
      let v = x[${featureMajor ? "i * uniforms.batch + s" : "s * uniforms.n + i"}] - comp;
      let t = sum + v;
      comp = (t - sum) - v;
      sum = t;
    }
    result[s * uniforms.k + c] = sum / uniforms.tau;`,
  });
}

/** ∂x in x's layout: every neuron of class c receives `dy[s, c] / τ`. */
function groupSumGradProgram(batch: number, n: number, featureMajor: boolean) {
  return elementwiseProgram({
    key: `group_sum_grad_${featureMajor ? "fm" : "bm"}`,
    variableNames: ["dy"],
    outputShape: featureMajor ? [n, batch] : [batch, n],
    uniforms: "batch : i32, n : i32, k : i32, tau : f32, ",
    body: `
    ${featureMajor ? "let i = index / uniforms.batch; let s = index - i * uniforms.batch;" : "let s = index / uniforms.n; let i = index - s * uniforms.n;"}
    result[index] = dy[s * uniforms.k + i / (uniforms.n / uniforms.k)] / uniforms.tau;`,
  });
}

export const groupSumConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxGroupSum,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const { k, tau, featureMajor = false } = attrs as unknown as RelaxGroupSumAttrs;
    const x = (inputs as Record<string, TensorInfo>).x!;
    const [batch, n] = (featureMajor ? [x.shape[1], x.shape[0]] : x.shape) as [number, number];
    if (batch === 0 || n === 0) return zeros(gpu, [batch, k]);
    return run(gpu, groupSumProgram(batch, k, featureMajor), [x], "float32", [i32(batch), i32(n), i32(k), f32(tau)]);
  },
});

export const groupSumGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxGroupSumGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const { k, tau, n, featureMajor = false } = attrs as unknown as RelaxGroupSumGradAttrs;
    const dy = (inputs as Record<string, TensorInfo>).dy!;
    const batch = dy.shape[0] as number;
    const shape = featureMajor ? [n, batch] : [batch, n];
    if (batch === 0 || n === 0) return zeros(gpu, shape);
    return run(gpu, groupSumGradProgram(batch, n, featureMajor), [dy], "float32", [i32(batch), i32(n), i32(k), f32(tau)]);
  },
});
