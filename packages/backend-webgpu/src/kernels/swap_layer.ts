/**
 * WGSL `RelaxSwapLayer` (forward: y and α) and `RelaxSwapLayerGrad` (dx), the same numbers as
 * `@relax/core`'s CPU kernels (relaxed/swap_layer.ts): for comparator c with x = v_hi − v_lo and
 * α = f(x), `y_lo = α·v_lo + (1−α)·v_hi`, `y_hi = (1−α)·v_lo + α·v_hi`; backward with g = α + x·f'(x).
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { RelaxSwapLayer, RelaxSwapLayerGrad, type RelaxSwapLayerAttrs } from "@relax/core";
import { COMPARATOR_UNIFORMS, comparatorWgsl } from "../wgsl/comparator.js";
import { bindable, elementwiseProgram, f32, i32, intTable, release, run, withFloatStorage } from "../program.js";

/**
 * Wire table of one layer on n wires: `[code_0..code_{n−1}, lo_0..lo_{k−1}, hi_0..hi_{k−1}]` with
 * `code_w = 2c` (w is comparator c's lo wire), `2c+1` (its hi wire) or −1 (untouched).
 */
export function layerTable(lo: ArrayLike<number>, hi: ArrayLike<number>, n: number): Int32Array {
  const k = lo.length;
  const t = new Int32Array(n + 2 * k).fill(-1);
  for (let c = 0; c < k; c++) {
    t[lo[c] as number] = 2 * c;
    t[hi[c] as number] = 2 * c + 1;
    t[n + c] = lo[c] as number;
    t[n + k + c] = hi[c] as number;
  }
  return t;
}

const LAYER_UNIFORMS = `${COMPARATOR_UNIFORMS}n : i32, k : i32, `;

function alphaProgram(distribution: string, rows: number, k: number) {
  return elementwiseProgram({
    key: `swap_alpha_${distribution}`,
    variableNames: ["x", "table"],
    outputShape: [rows, k],
    uniforms: LAYER_UNIFORMS,
    helpers: comparatorWgsl(distribution),
    body: `
    let r = index / uniforms.k;
    let c = index - r * uniforms.k;
    let lo = table[uniforms.n + c];
    let hi = table[uniforms.n + uniforms.k + c];
    result[index] = relax_cmp_f(x[r * uniforms.n + hi] - x[r * uniforms.n + lo]);`,
  });
}

function yProgram(rows: number, n: number) {
  return elementwiseProgram({
    key: "swap_y",
    variableNames: ["x", "alpha", "table"],
    outputShape: [rows, n],
    uniforms: "n : i32, k : i32, ",
    body: `
    let r = index / uniforms.n;
    let w = index - r * uniforms.n;
    let code = table[w];
    if (code < 0) {
      result[index] = x[index];
    } else {
      let c = code / 2;
      let a = alpha[r * uniforms.k + c];
      let vLo = x[r * uniforms.n + table[uniforms.n + c]];
      let vHi = x[r * uniforms.n + table[uniforms.n + uniforms.k + c]];
      if ((code & 1) == 0) {
        result[index] = a * vLo + (1.0 - a) * vHi;
      } else {
        result[index] = (1.0 - a) * vLo + a * vHi;
      }
    }`,
  });
}

function gradProgram(distribution: string, rows: number, n: number) {
  return elementwiseProgram({
    key: `swap_grad_${distribution}`,
    variableNames: ["x", "alpha", "dy", "dalpha", "table"],
    outputShape: [rows, n],
    uniforms: LAYER_UNIFORMS,
    helpers: comparatorWgsl(distribution),
    body: `
    let r = index / uniforms.n;
    let w = index - r * uniforms.n;
    let code = table[w];
    if (code < 0) {
      result[index] = dy[index];
    } else {
      let c = code / 2;
      let lo = r * uniforms.n + table[uniforms.n + c];
      let hi = r * uniforms.n + table[uniforms.n + uniforms.k + c];
      let d = x[hi] - x[lo];
      let fp = relax_cmp_df(d);
      let g = alpha[r * uniforms.k + c] + d * fp;
      let gAl = dalpha[r * uniforms.k + c] * fp;
      if ((code & 1) == 0) {
        result[index] = dy[lo] * g + dy[hi] * (1.0 - g) - gAl;
      } else {
        result[index] = dy[lo] * (1.0 - g) + dy[hi] * g + gAl;
      }
    }`,
  });
}

function uniformsOf(attrs: RelaxSwapLayerAttrs, n: number, k: number) {
  return [f32(attrs.steepness), f32(attrs.artLambda), i32(n), i32(k)];
}

export const swapLayerConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxSwapLayer,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const a = attrs as unknown as RelaxSwapLayerAttrs;
    const x = inputs.x as TensorInfo;
    const [rows, n] = x.shape as [number, number];
    const k = a.lo.length;
    const table = intTable(gpu, layerTable(a.lo, a.hi, n));
    const alpha = run(gpu, alphaProgram(a.distribution, rows, k), [x, table], "float32", uniformsOf(a, n, k));
    const y = run(gpu, yProgram(rows, n), [x, bindable(alpha, x), table], "float32", [i32(n), i32(k)]);
    release(gpu, table);
    return [y, alpha];
  },
});

export const swapLayerGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxSwapLayerGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const a = attrs as unknown as RelaxSwapLayerAttrs;
    const { x, alpha, dy, dalpha } = inputs as Record<string, TensorInfo>;
    const [rows, n] = x!.shape as [number, number];
    const k = a.lo.length;
    const table = intTable(gpu, layerTable(a.lo, a.hi, n));
    const dx = run(
      gpu,
      gradProgram(a.distribution, rows, n),
      [x!, bindable(alpha!, x!), dy!, bindable(dalpha!, x!), table],
      "float32",
      uniformsOf(a, n, k),
    );
    release(gpu, table);
    return dx;
  },
});
