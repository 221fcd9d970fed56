/**
 * WGSL sorting-network kernels (Petersen et al., "Differentiable Sorting Networks", ICML 2021;
 * "Differentiable Top-k Classification Learning", ICML 2022), the same numbers as `@relax/sort`'s CPU
 * kernels (kernels/engine.ts):
 *
 * - `RelaxDiffSort`: one workgroup per row runs the whole network, layer by layer (comparators of a
 *   layer in parallel, `storageBarrier()` between layers), writing sorted values and every α; the
 *   relaxed permutation matrix is formed column-parallel (each column of P evolves independently).
 * - `RelaxDiffSortGrad`: ∂L/∂α from the matrix gradient column-parallel (P forward storing P_a − P_b
 *   over each comparator's hull, then G backward), reduced per comparator, then one workgroup per row
 *   replays the values and runs the network backward.
 * - `RelaxSortNetSelect(+Grad)`: `U0·P` pushed right-to-left, one invocation per selected row.
 */
import { env, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs-core";
import { RELAX_WEBGPU_SELECT_FORCE_GLOBAL } from "../flags.js";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import {
  RelaxDiffSort,
  RelaxDiffSortGrad,
  RelaxSortNetSelect,
  RelaxSortNetSelectGrad,
  type RelaxDiffSortAttrs,
  type RelaxSortNetSelectAttrs,
} from "@relax/core";
import { COMPARATOR_UNIFORMS, comparatorWgsl } from "../wgsl/comparator.js";
import { bindable, elementwiseProgram, f32, i32, perUnitProgram, release, run, type Uniform, withFloatStorage } from "../program.js";
import { getNetwork, type FlatNetwork, type TopKNetworkType } from "@relax/core";

/** Network table on the GPU: `[layerStart (depth+1) | lo (C) | hi (C) | hullStart (C) | hullEnd (C) | hullOffset (C+1)]`. */
interface GpuNetwork {
  net: FlatNetwork;
  table: TensorInfo;
  threads: number;
  hullTotal: number;
}

const networkCache = new WeakMap<WebGPUBackend, Map<string, GpuNetwork>>();
/** Most network tables kept on the GPU per backend; the least recently used one is freed beyond it. */
export const MAX_CACHED_NETWORKS = 32;

/**
 * Uploads a network's table once per backend (networks are immutable and cached by `@relax/sort` too). The cache
 * is bounded (LRU, {@link MAX_CACHED_NETWORKS}), so sorting rows of ever new lengths does not grow GPU memory.
 */
function gpuNetwork(gpu: WebGPUBackend, type: TopKNetworkType, n: number, k = 1): GpuNetwork {
  let cache = networkCache.get(gpu);
  if (cache === undefined) networkCache.set(gpu, (cache = new Map()));
  const key = type === "splitter_selection" ? `${type}:${n}:${k}` : `${type}:${n}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key); // most recently used last
    cache.set(key, hit);
    return hit;
  }
  if (cache.size >= MAX_CACHED_NETWORKS) {
    const [oldest, entry] = cache.entries().next().value as [string, GpuNetwork];
    cache.delete(oldest);
    release(gpu, entry.table); // deferred by the backend until commands already queued with it are done
  }
  const net = getNetwork(type, n, k);
  const C = net.size;
  const d = net.depth;
  const t = new Int32Array(d + 1 + 5 * C + 1);
  t.set(net.layerStart, 0);
  t.set(net.lo, d + 1);
  t.set(net.hi, d + 1 + C);
  t.set(net.hullStart, d + 1 + 2 * C);
  t.set(net.hullEnd, d + 1 + 3 * C);
  t.set(net.hullOffset, d + 1 + 4 * C);
  let widest = 1;
  for (let l = 0; l < d; l++) widest = Math.max(widest, (net.layerStart[l + 1] as number) - (net.layerStart[l] as number));
  const threads = Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(widest))));
  const entry: GpuNetwork = { net, table: gpu.makeTensorInfo([t.length], "int32", t), threads, hullTotal: net.hullOffset[C] as number };
  cache.set(key, entry);
  return entry;
}

/** WGSL accessors of the network table (offsets from uniforms n, C, depth). */
const NET_WGSL = `
fn layerStart(l : i32) -> i32 { return net[l]; }
fn wireLo(c : i32) -> i32 { return net[uniforms.depth + 1 + c]; }
fn wireHi(c : i32) -> i32 { return net[uniforms.depth + 1 + uniforms.C + c]; }
fn hullStart(c : i32) -> i32 { return net[uniforms.depth + 1 + 2 * uniforms.C + c]; }
fn hullEnd(c : i32) -> i32 { return net[uniforms.depth + 1 + 3 * uniforms.C + c]; }
fn hullOffset(c : i32) -> i32 { return net[uniforms.depth + 1 + 4 * uniforms.C + c]; }
`;
const NET_UNIFORMS = "n : i32, C : i32, depth : i32, ";
const netUniforms = (g: GpuNetwork): Uniform[] => [i32(g.net.n), i32(g.net.size), i32(g.net.depth)];

/** Forward of the values, one workgroup per row: output `[rows, n + C]` = sorted values (ascending) then α. */
function valuesForwardProgram(distribution: string, rows: number, g: GpuNetwork) {
  const T = g.threads;
  return perUnitProgram({
    key: `sortnet_values_${distribution}`,
    variableNames: ["x", "net"],
    outputShape: [rows, g.net.n + g.net.size],
    units: rows,
    threads: T,
    uniforms: NET_UNIFORMS + COMPARATOR_UNIFORMS,
    helpers: NET_WGSL + comparatorWgsl(distribution),
    body: `
  let n = uniforms.n;
  let base = unit * (n + uniforms.C);
  if (valid) {
    for (var i = lid; i < n; i += ${T}) { result[base + i] = x[unit * n + i]; }
  }
  storageBarrier();
  for (var l = 0; l < uniforms.depth; l++) {
    if (valid) {
      let e = layerStart(l + 1);
      for (var c = layerStart(l) + lid; c < e; c += ${T}) {
        let a = base + wireLo(c);
        let b = base + wireHi(c);
        let va = result[a];
        let vb = result[b];
        let al = relax_cmp_f(vb - va);
        result[base + n + c] = al;
        let t = al * (va - vb);
        result[a] = vb + t;
        result[b] = va - t;
      }
    }
    storageBarrier();
  }`,
  });
}

/** Copies `src[r, offset + j']` to `[rows, width]` with j' = j or (width−1−j) when `flip`. */
function sliceProgram(rows: number, width: number, _stride: number) {
  return elementwiseProgram({
    key: "sortnet_slice",
    variableNames: ["src"],
    outputShape: [rows, width],
    uniforms: "width : i32, stride : i32, offset : i32, flip : i32, ",
    body: `
    let r = index / uniforms.width;
    let j = index - r * uniforms.width;
    let jj = select(j, uniforms.width - 1 - j, uniforms.flip != 0);
    result[index] = src[r * uniforms.stride + uniforms.offset + jj];`,
  });
}

function slice(
  gpu: WebGPUBackend,
  src: TensorInfo,
  rows: number,
  width: number,
  stride: number,
  offset: number,
  flip: boolean,
): TensorInfo {
  return run(gpu, sliceProgram(rows, width, stride), [src], "float32", [i32(width), i32(stride), i32(offset), i32(flip ? 1 : 0)]);
}

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

/**
 * Values backward, one workgroup per row: replays the values with the saved α (recording d_c), then runs
 * the network in reverse. `flags`: 1 = has dSorted, 2 = has extra ∂L/∂α (`dAlpha`), 4 = descending.
 * Output `[rows, 2n + C]` = replayed values, ∂L/∂x, d.
 */
function valuesBackwardProgram(distribution: string, rows: number, g: GpuNetwork) {
  const T = g.threads;
  return perUnitProgram({
    key: `sortnet_values_backward_${distribution}`,
    variableNames: ["x", "alpha", "dSorted", "dAlpha", "net"],
    outputShape: [rows, 2 * g.net.n + g.net.size],
    units: rows,
    threads: T,
    uniforms: `${NET_UNIFORMS + COMPARATOR_UNIFORMS}flags : i32, `,
    helpers: NET_WGSL + comparatorWgsl(distribution),
    body: `
  let n = uniforms.n;
  let C = uniforms.C;
  let base = unit * (2 * n + C);
  let gbase = base + n;
  let dbase = base + 2 * n;
  let hasSorted = (uniforms.flags & 1) != 0;
  let hasExtra = (uniforms.flags & 2) != 0;
  let desc = (uniforms.flags & 4) != 0;
  if (valid) {
    for (var i = lid; i < n; i += ${T}) {
      result[base + i] = x[unit * n + i];
      let ii = select(i, n - 1 - i, desc);
      result[gbase + i] = select(0.0, dSorted[unit * n + ii], hasSorted);
    }
  }
  storageBarrier();
  for (var l = 0; l < uniforms.depth; l++) {
    if (valid) {
      let e = layerStart(l + 1);
      for (var c = layerStart(l) + lid; c < e; c += ${T}) {
        let a = base + wireLo(c);
        let b = base + wireHi(c);
        let va = result[a];
        let vb = result[b];
        result[dbase + c] = vb - va;
        let t = alpha[unit * C + c] * (va - vb);
        result[a] = vb + t;
        result[b] = va - t;
      }
    }
    storageBarrier();
  }
  for (var l = uniforms.depth - 1; l >= 0; l--) {
    if (valid) {
      let e = layerStart(l + 1);
      for (var c = layerStart(l) + lid; c < e; c += ${T}) {
        let a = gbase + wireLo(c);
        let b = gbase + wireHi(c);
        let ga = result[a];
        let gb = result[b];
        let dg = ga - gb;
        let d = result[dbase + c];
        var dAl = select(0.0, dAlpha[unit * C + c], hasExtra);
        dAl -= d * dg;
        var fd = 0.0;
        if (dAl != 0.0) { fd = relax_cmp_df(d) * dAl; }
        let t = alpha[unit * C + c] * dg;
        result[a] = gb + t - fd;
        result[b] = ga - t + fd;
      }
    }
    storageBarrier();
  }`,
  });
}

function valuesBackward(
  gpu: WebGPUBackend,
  g: GpuNetwork,
  attrs: { distribution: string; steepness: number; artLambda: number },
  x: TensorInfo,
  alpha: TensorInfo,
  dSorted: TensorInfo | null,
  dAlpha: TensorInfo | null,
  descending: boolean,
): TensorInfo {
  const [rows, n] = x.shape as [number, number];
  const flags = (dSorted ? 1 : 0) | (dAlpha ? 2 : 0) | (descending ? 4 : 0);
  const al = bindable(alpha, x);
  const buf = run(
    gpu,
    valuesBackwardProgram(attrs.distribution, rows, g),
    [x, al, dSorted ?? x, dAlpha ? bindable(dAlpha, x) : al, g.table],
    "float32",
    [...netUniforms(g), f32(attrs.steepness), f32(attrs.artLambda), i32(flags)],
  );
  const dx = slice(gpu, buf, rows, n, 2 * n + g.net.size, n, false);
  release(gpu, buf);
  return dx;
}

/** Sorted values and α of every row: `[sorted (ascending, flipped if descending), alpha]`. */
function valuesForward(
  gpu: WebGPUBackend,
  g: GpuNetwork,
  attrs: { distribution: string; steepness: number; artLambda: number },
  x: TensorInfo,
  descending: boolean,
): [TensorInfo, TensorInfo] {
  const [rows, n] = x.shape as [number, number];
  const C = g.net.size;
  const buf = run(gpu, valuesForwardProgram(attrs.distribution, rows, g), [x, g.table], "float32", [
    ...netUniforms(g),
    f32(attrs.steepness),
    f32(attrs.artLambda),
  ]);
  const sorted = slice(gpu, buf, rows, n, n + C, 0, descending);
  const alpha = slice(gpu, buf, rows, C, n + C, n, false);
  release(gpu, buf);
  return [sorted, alpha];
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
    if (at.hard) {
      release(gpu, softSorted);
      const dest = run(gpu, hardRankProgram(rows, n), [x], "int32", [i32(n), i32(at.descending ? 1 : 0)]);
      const sorted = run(gpu, hardSortedProgram(rows, n), [x, dest], "float32", [i32(n)]);
      const P = at.withMatrix ? run(gpu, hardMatrixProgram(rows, n), [dest], "float32", [i32(n)]) : emptyP();
      release(gpu, dest, alpha);
      return [sorted, P];
    }
    const P = at.withMatrix
      ? run(gpu, matrixProgram(rows, g), [bindable(alpha, x), g.table], "float32", [...netUniforms(g), i32(at.descending ? 1 : 0)])
      : emptyP();
    release(gpu, alpha);
    return [softSorted, P];
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
