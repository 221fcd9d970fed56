/**
 * WGSL kernels of `RelaxDiffSort` (Petersen et al., "Differentiable Sorting Networks", ICML 2021), the same
 * numbers as `@relax/sort`'s CPU kernels (kernels/engine.ts):
 *
 * - `RelaxDiffSort`: the values pass (`network_values.ts`) writes sorted values and every α; the relaxed
 *   permutation matrix is formed column-parallel (each column of P evolves independently).
 * - `RelaxDiffSortGrad`: ∂L/∂α from the matrix gradient column-parallel (P forward storing P_a − P_b
 *   over each comparator's hull, then G backward), reduced per comparator, then one workgroup per row
 *   replays the values and runs the network backward.
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import { RelaxDiffSort, RelaxDiffSortGrad, type RelaxDiffSortAttrs } from "@relax/core";
import { bindable, elementwiseProgram, i32, release, run, withFloatStorage } from "../program.js";
import { type GpuNetwork, NET_UNIFORMS, NET_WGSL, gpuNetwork, netUniforms } from "./network_tables.js";
import { valuesBackward, valuesForward } from "./network_values.js";

/** Relaxed permutation matrix, one invocation per (row, column i): `[rows, n, n]`, row j = sorted position. */
function matrixProgram(rows: number, g: GpuNetwork) {
  return elementwiseProgram({
    key: "sortnet_matrix",
    variableNames: ["alpha", "net"],
    outputShape: [rows, g.net.n, g.net.n],
    count: rows * g.net.n,
    uniforms: `${NET_UNIFORMS}desc : i32, `,
    helpers: NET_WGSL,
    body: `
    let n = uniforms.n;
    let r = index / n;
    let i = index - r * n;
    let pb = r * n * n + i;
    let desc = uniforms.desc != 0;
    // stored row s holds wire (desc ? n−1−s : s); P starts as the identity on wires
    for (var s = 0; s < n; s++) { result[pb + s * n] = select(0.0, 1.0, select(s, n - 1 - s, desc) == i); }
    for (var c = 0; c < uniforms.C; c++) {
      if (i >= hullStart(c) && i < hullEnd(c)) {
        var wa = wireLo(c);
        var wb = wireHi(c);
        if (desc) { wa = n - 1 - wa; wb = n - 1 - wb; }
        let pa = result[pb + wa * n];
        let pbv = result[pb + wb * n];
        let t = alpha[r * uniforms.C + c] * (pa - pbv);
        result[pb + wa * n] = pbv + t;
        result[pb + wb * n] = pa - t;
      }
    }`,
  });
}

/** Hard (straight-through) forward: destination of every input under a stable ascending argsort. */
function hardRankProgram(rows: number, n: number) {
  return elementwiseProgram({
    key: "sortnet_hard_rank",
    variableNames: ["x"],
    outputShape: [rows, n],
    uniforms: "n : i32, desc : i32, ",
    body: `
    let n = uniforms.n;
    let r = index / n;
    let i = index - r * n;
    let xi = x[index];
    var pos = 0;
    for (var j = 0; j < n; j++) {
      let xj = x[r * n + j];
      if (xj < xi || (xj == xi && j < i)) { pos++; }
    }
    result[index] = select(pos, n - 1 - pos, uniforms.desc != 0);`,
  });
}

function hardSortedProgram(rows: number, n: number) {
  return elementwiseProgram({
    key: "sortnet_hard_sorted",
    variableNames: ["x", "dest"],
    outputShape: [rows, n],
    uniforms: "n : i32, ",
    body: `
    let r = index / uniforms.n;
    result[r * uniforms.n + dest[index]] = x[index];`,
  });
}

function hardMatrixProgram(rows: number, n: number) {
  return elementwiseProgram({
    key: "sortnet_hard_matrix",
    variableNames: ["dest"],
    outputShape: [rows, n, n],
    uniforms: "n : i32, ",
    body: `
    let n = uniforms.n;
    let r = index / (n * n);
    let rem = index - r * n * n;
    let j = rem / n;
    let i = rem - j * n;
    result[index] = select(0.0, 1.0, dest[r * n + i] == j);`,
  });
}

/**
 * Matrix part of the backward pass, one invocation per (row, column i): P forward storing P_a − P_b over
 * each hull, then G (= dPermutation, papers' convention) backward, leaving (P_a − P_b)·(G_a − G_b) per hull
 * entry. Output `[rows, n·n + hullTotal]` (the first n·n hold the P/G column scratch).
 */
function matrixBackwardProgram(rows: number, g: GpuNetwork) {
  const n = g.net.n;
  return elementwiseProgram({
    key: "sortnet_matrix_backward",
    variableNames: ["alpha", "dPermutation", "net"],
    outputShape: [rows, n * n + g.hullTotal],
    count: rows * n,
    uniforms: `${NET_UNIFORMS}desc : i32, hullTotal : i32, `,
    helpers: NET_WGSL,
    body: `
    let n = uniforms.n;
    let r = index / n;
    let i = index - r * n;
    let rb = r * (n * n + uniforms.hullTotal);
    let pb = rb + i;
    let db = rb + n * n;
    for (var j = 0; j < n; j++) { result[pb + j * n] = select(0.0, 1.0, j == i); }
    for (var c = 0; c < uniforms.C; c++) {
      let hs = hullStart(c);
      if (i >= hs && i < hullEnd(c)) {
        let a = pb + wireLo(c) * n;
        let b = pb + wireHi(c) * n;
        let pa = result[a];
        let pbv = result[b];
        let dp = pa - pbv;
        result[db + hullOffset(c) + i - hs] = dp;
        let t = alpha[r * uniforms.C + c] * dp;
        result[a] = pbv + t;
        result[b] = pa - t;
      }
    }
    let desc = uniforms.desc != 0;
    for (var j = 0; j < n; j++) {
      let jj = select(j, n - 1 - j, desc);
      result[pb + j * n] = dPermutation[r * n * n + jj * n + i];
    }
    for (var c = uniforms.C - 1; c >= 0; c--) {
      let hs = hullStart(c);
      if (i >= hs && i < hullEnd(c)) {
        let a = pb + wireLo(c) * n;
        let b = pb + wireHi(c) * n;
        let ga = result[a];
        let gb = result[b];
        let dg = ga - gb;
        let slot = db + hullOffset(c) + i - hs;
        result[slot] = result[slot] * dg;
        let t = alpha[r * uniforms.C + c] * dg;
        result[a] = gb + t;
        result[b] = ga - t;
      }
    }`,
  });
}

/** ∂L/∂α_c from the matrix part: the sum of comparator c's hull products, in column order. */
function hullReduceProgram(rows: number, g: GpuNetwork) {
  return elementwiseProgram({
    key: "sortnet_hull_reduce",
    variableNames: ["prod", "net"],
    outputShape: [rows, g.net.size],
    uniforms: `${NET_UNIFORMS}hullTotal : i32, `,
    helpers: NET_WGSL,
    body: `
    let r = index / uniforms.C;
    let c = index - r * uniforms.C;
    let base = r * (uniforms.n * uniforms.n + uniforms.hullTotal) + uniforms.n * uniforms.n + hullOffset(c);
    let w = hullEnd(c) - hullStart(c);
    var acc = 0.0;
    for (var t = 0; t < w; t++) { acc += prod[base + t]; }
    result[index] = acc;`,
  });
}

export const diffSortConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxDiffSort,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxDiffSortAttrs;
    const x = inputs.x as TensorInfo;
    const [rows, n] = x.shape as [number, number];
    const g = gpuNetwork(gpu, at.network, n);
    const [softSorted, alpha] = valuesForward(gpu, g, at, x, at.descending);
    const emptyP = (): TensorInfo => gpu.makeTensorInfo([rows, 0, 0], "float32", new Float32Array(0));
    // the third output is the host kernel's tape for its gradient; the GPU backward recomputes α instead
    const noTape = (): TensorInfo => gpu.makeTensorInfo([0], "float32", new Float32Array(0));
    if (at.hard) {
      release(gpu, softSorted);
      const dest = run(gpu, hardRankProgram(rows, n), [x], "int32", [i32(n), i32(at.descending ? 1 : 0)]);
      const sorted = run(gpu, hardSortedProgram(rows, n), [x, dest], "float32", [i32(n)]);
      const P = at.withMatrix ? run(gpu, hardMatrixProgram(rows, n), [dest], "float32", [i32(n)]) : emptyP();
      release(gpu, dest, alpha);
      return [sorted, P, noTape()];
    }
    const P = at.withMatrix
      ? run(gpu, matrixProgram(rows, g), [bindable(alpha, x), g.table], "float32", [...netUniforms(g), i32(at.descending ? 1 : 0)])
      : emptyP();
    release(gpu, alpha);
    return [softSorted, P, noTape()];
  },
});

export const diffSortGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxDiffSortGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxDiffSortAttrs;
    const { x, dSorted, dPermutation } = inputs as Record<string, TensorInfo>;
    const [rows, n] = x!.shape as [number, number];
    const g = gpuNetwork(gpu, at.network, n);
    // α is recomputed (the forward kernel does not save it)
    const [sortedAgain, alpha] = valuesForward(gpu, g, at, x!, false);
    release(gpu, sortedAgain);
    const useP = at.withMatrix && dPermutation!.shape.length === 3 && dPermutation!.shape[1] === n && dPermutation!.shape[2] === n;
    let dAlpha: TensorInfo | null = null;
    if (useP && g.net.size > 0) {
      const prod = run(gpu, matrixBackwardProgram(rows, g), [alpha!, dPermutation!, g.table], "float32", [
        ...netUniforms(g),
        i32(at.descending ? 1 : 0),
        i32(g.hullTotal),
      ]);
      dAlpha = run(gpu, hullReduceProgram(rows, g), [prod, g.table], "float32", [...netUniforms(g), i32(g.hullTotal)]);
      release(gpu, prod);
    }
    const dx = valuesBackward(gpu, g, at, x!, alpha!, dSorted!, dAlpha, at.descending);
    if (dAlpha) release(gpu, dAlpha);
    release(gpu, alpha!);
    return dx;
  },
});
