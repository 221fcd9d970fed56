/**
 * WGSL kernels of `RelaxSortNetSelect(+Grad)` (Petersen et al., "Differentiable Top-k Classification Learning",
 * ICML 2022), the same numbers as `@relax/sort`'s CPU kernels (kernels/engine.ts): the values pass
 * (`network_values.ts`) gives every α, then `U0·P` is pushed right-to-left, one invocation per selected row
 * (or layer by layer in workgroup memory where the vector fits).
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { env, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs-core";
import { RelaxSortNetSelect, RelaxSortNetSelectGrad, type RelaxSortNetSelectAttrs } from "@relax/core";
import { RELAX_WEBGPU_SELECT_FORCE_GLOBAL } from "../flags.js";
import { bindable, elementwiseProgram, i32, perUnitProgram, release, run, withFloatStorage } from "../program.js";
import { type GpuNetwork, NET_UNIFORMS, NET_WGSL, gpuNetwork, netUniforms } from "./network_tables.js";
import { valuesBackward, valuesForward } from "./network_values.js";

/** WGSL expression of entry w of the selection's initial vector for selected row j (`topk`, `rank`, `rank_desc`). */
function selectInitWgsl(init: string): string {
  if (init === "topk") return "select(0.0, 1.0, w == n - 1 - j)";
  if (init === "rank") return "select(0.0, f32(w), j == 0)";
  return "select(0.0, f32(n - 1 - w), j == 0)";
}

/**
 * WGSL loop over the network's layers (in order, or reversed), each invocation taking every `threads`-th
 * comparator c of a layer with its wires `a`, `b` in scope for `body`; a workgroup barrier after each layer.
 */
function overLayers(threads: number, reversed: boolean, body: string): string {
  return `for (var l = ${reversed ? "uniforms.depth - 1; l >= 0; l--" : "0; l < uniforms.depth; l++"}) {
    if (valid) {
      let e = layerStart(l + 1);
      for (var c = layerStart(l) + lid; c < e; c += ${threads}) {
        let a = wireLo(c);
        let b = wireHi(c);
${body}
      }
    }
    workgroupBarrier();
  }`;
}

/** Top-k / rank selection forward, one invocation per (row, selected row j): `y[r, j, :] = (U0·P)_j`. */
function selectProgram(rows: number, k: number, g: GpuNetwork, init: string, withDiff: boolean) {
  const n = g.net.n;
  const stride = withDiff ? n + g.net.size : n;
  const initExpr = selectInitWgsl(init);
  return elementwiseProgram({
    key: `sortnet_select_${init}_${withDiff ? "grad" : "fwd"}`,
    variableNames: withDiff ? ["alpha", "dy", "net"] : ["alpha", "net"],
    outputShape: [rows, k, stride],
    count: rows * k,
    uniforms: `${NET_UNIFORMS}k : i32, `,
    helpers: NET_WGSL,
    body: `
    let n = uniforms.n;
    let C = uniforms.C;
    let r = index / uniforms.k;
    let j = index - r * uniforms.k;
    let ub = index * ${withDiff ? "(n + C)" : "n"};
    for (var w = 0; w < n; w++) { result[ub + w] = ${initExpr}; }
    for (var c = C - 1; c >= 0; c--) {
      let a = ub + wireLo(c);
      let b = ub + wireHi(c);
      let ua = result[a];
      let ubv = result[b];
      let du = ua - ubv;
      ${withDiff ? "result[ub + n + c] = du;" : ""}
      let t = alpha[r * C + c] * du;
      result[a] = ubv + t;
      result[b] = ua - t;
    }
    ${
      withDiff
        ? `for (var w = 0; w < n; w++) { result[ub + w] = dy[index * n + w]; }
    for (var c = 0; c < C; c++) {
      let a = ub + wireLo(c);
      let b = ub + wireHi(c);
      let ha = result[a];
      let hb = result[b];
      let dh = ha - hb;
      result[ub + n + c] = result[ub + n + c] * dh;
      let t = alpha[r * C + c] * dh;
      result[a] = hb + t;
      result[b] = ha - t;
    }`
        : ""
    }`,
  });
}

/**
 * The same selection with one workgroup per (row, selected row j): the vector `u` lives in workgroup
 * memory and the comparators of a layer (disjoint wires) run in parallel, layer by layer with a barrier
 * between, instead of one invocation walking all C comparators through global memory (which left the GPU
 * nearly idle: rows·k invocations). For n ≤ {@link sharedSelectMaxN}. Same outputs as {@link selectProgram}.
 */
function selectLayeredProgram(rows: number, k: number, g: GpuNetwork, init: string, withDiff: boolean) {
  const n = g.net.n;
  const T = g.threads;
  const stride = withDiff ? n + g.net.size : n;
  const initExpr = selectInitWgsl(init);
  return perUnitProgram({
    key: `sortnet_select_layered_${init}_${withDiff ? "grad" : "fwd"}_n${n}`,
    variableNames: withDiff ? ["alpha", "dy", "net"] : ["alpha", "net"],
    outputShape: [rows, k, stride],
    units: rows * k,
    threads: T,
    uniforms: `${NET_UNIFORMS}k : i32, `,
    helpers: `${NET_WGSL}
var<workgroup> u : array<f32, ${n}>;`,
    body: `
  let n = uniforms.n;
  let r = unit / uniforms.k;
  let j = unit - r * uniforms.k;
  let ub = unit * ${withDiff ? "(n + uniforms.C)" : "n"};
  for (var w = lid; w < n; w += ${T}) { u[w] = ${initExpr}; }
  workgroupBarrier();
  ${overLayers(
    T,
    true,
    `        let ua = u[a];
        let ubv = u[b];
        let du = ua - ubv;
        ${withDiff ? "result[ub + n + c] = du;" : ""}
        let t = alpha[r * uniforms.C + c] * du;
        u[a] = ubv + t;
        u[b] = ua - t;`,
  )}
  ${
    withDiff
      ? `if (valid) { for (var w = lid; w < n; w += ${T}) { u[w] = dy[unit * n + w]; } }
  workgroupBarrier();
  ${overLayers(
    T,
    false,
    `        let ha = u[a];
        let hb = u[b];
        let dh = ha - hb;
        result[ub + n + c] = result[ub + n + c] * dh;
        let t = alpha[r * uniforms.C + c] * dh;
        u[a] = hb + t;
        u[b] = ha - t;`,
  )}`
      : ""
  }
  if (valid) { for (var w = lid; w < n; w += ${T}) { result[ub + w] = u[w]; } }`,
  });
}

/**
 * Options for tests: force the one-invocation-per-(row, j) selection even where the layered one fits.
 *
 * @deprecated Use the flag: `tf.env().set("RELAX_WEBGPU_SELECT_FORCE_GLOBAL", true)`; this object reads and
 * writes it and goes away in the next minor release.
 */
export const selectOptions = {
  get forceGlobal(): boolean {
    return env().getBool(RELAX_WEBGPU_SELECT_FORCE_GLOBAL);
  },
  set forceGlobal(value: boolean) {
    env().set(RELAX_WEBGPU_SELECT_FORCE_GLOBAL, value);
  },
};

/** Largest n whose vector fits the device's workgroup memory (the layered selection's condition). */
function sharedSelectMaxN(gpu: WebGPUBackend): number {
  return Math.floor(gpu.device.limits.maxComputeWorkgroupStorageSize / 4);
}

/** The selection program for this device and size (layered in workgroup memory where `u` fits). */
function selectFor(gpu: WebGPUBackend, rows: number, k: number, g: GpuNetwork, init: string, withDiff: boolean) {
  return !env().getBool(RELAX_WEBGPU_SELECT_FORCE_GLOBAL) && g.net.n <= sharedSelectMaxN(gpu)
    ? selectLayeredProgram(rows, k, g, init, withDiff)
    : selectProgram(rows, k, g, init, withDiff);
}

/** Σ_j of the selection backward products: ∂L/∂α `[rows, C]`. */
function selectReduceProgram(rows: number, _k: number, g: GpuNetwork) {
  return elementwiseProgram({
    key: "sortnet_select_reduce",
    variableNames: ["prod"],
    outputShape: [rows, g.net.size],
    uniforms: "n : i32, C : i32, k : i32, ",
    body: `
    let r = index / uniforms.C;
    let c = index - r * uniforms.C;
    var acc = 0.0;
    for (var j = 0; j < uniforms.k; j++) { acc += prod[(r * uniforms.k + j) * (uniforms.n + uniforms.C) + uniforms.n + c]; }
    result[index] = acc;`,
  });
}

export const sortNetSelectConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxSortNetSelect,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxSortNetSelectAttrs;
    const x = inputs.x as TensorInfo;
    const [rows, n] = x.shape as [number, number];
    const g = gpuNetwork(gpu, at.network, n, at.k);
    const [sorted, alpha] = valuesForward(gpu, g, at, x, false);
    release(gpu, sorted);
    const y = run(gpu, selectFor(gpu, rows, at.k, g, at.init, false), [bindable(alpha, x), g.table], "float32", [
      ...netUniforms(g),
      i32(at.k),
    ]);
    release(gpu, alpha);
    return y;
  },
});

export const sortNetSelectGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxSortNetSelectGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxSortNetSelectAttrs;
    const { x, dy } = inputs as Record<string, TensorInfo>;
    const [rows, n] = x!.shape as [number, number];
    const g = gpuNetwork(gpu, at.network, n, at.k);
    const [sorted, alpha] = valuesForward(gpu, g, at, x!, false);
    release(gpu, sorted);
    if (g.net.size === 0) {
      const dx0 = valuesBackward(gpu, g, at, x!, alpha, null, null, false);
      release(gpu, alpha);
      return dx0;
    }
    const prod = run(gpu, selectFor(gpu, rows, at.k, g, at.init, true), [alpha!, dy!, g.table], "float32", [...netUniforms(g), i32(at.k)]);
    const dAlpha = run(gpu, selectReduceProgram(rows, at.k, g), [prod], "float32", [i32(n), i32(g.net.size), i32(at.k)]);
    release(gpu, prod);
    const dx = valuesBackward(gpu, g, at, x!, alpha, null, dAlpha, false);
    release(gpu, dAlpha, alpha);
    return dx;
  },
});
