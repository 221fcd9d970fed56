/**
 * WGSL kernels of `RelaxSoftPermute` (other data carried through a relaxed sorting network, DSN, ICML 2021),
 * the same numbers as `@relax/sort`'s host kernels (kernels/soft_permute.ts):
 *
 * - forward: the values pass (`network_values.ts`) gives every α; then one invocation per (row, feature k)
 *   mixes the k-th entries of the wires' d-vectors by those α, comparator by comparator (network order for
 *   `P · y`, reverse order for `Pᵀ · y`), in O(C) — never an n×n matrix.
 * - backward: the same invocations replay the mix storing `Y_a − Y_b`, push dY back through the comparators
 *   (leaving dY for the inputs and the products (Y_a − Y_b)(G_a − G_b)), a reduction over k gives ∂L/∂α, and
 *   the values pass runs backward to x.
 *
 * Wire w is read from / written to row `pos(w) = desc ? n−1−w : w` on the sorted side (the output of `P · y`,
 * the input of `Pᵀ · y`) and row w on the input side. `hard` (straight-through) has no WGSL form here: such
 * calls run the reference on this backend (supports.ts).
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import { RelaxError, RelaxSoftPermute, RelaxSoftPermuteGrad, type RelaxSoftPermuteAttrs } from "@relax/core";
import { elementwiseProgram, i32, release, run, withFloatStorage } from "../program.js";
import { type GpuNetwork, NET_UNIFORMS, NET_WGSL, gpuNetwork, netUniforms } from "./network_tables.js";
import { valuesBackward, valuesForward } from "./network_values.js";

/** WGSL: the row of wire w on the sorted side / input side, and the comparator of step s. */
const ROWS_WGSL = `
fn sortedRow(w : i32) -> i32 { return select(w, uniforms.n - 1 - w, uniforms.desc != 0); }
fn outRow(w : i32) -> i32 { return select(sortedRow(w), w, uniforms.tr != 0); }
fn inRow(w : i32) -> i32 { return select(w, sortedRow(w), uniforms.tr != 0); }
fn step(s : i32) -> i32 { return select(s, uniforms.C - 1 - s, uniforms.tr != 0); }
`;
const PERMUTE_UNIFORMS = `${NET_UNIFORMS}d : i32, desc : i32, tr : i32, `;

/** Forward, one invocation per (row r, feature k): output `[rows, n, d]`, mixed in place at the output rows. */
function forwardProgram(rows: number, g: GpuNetwork, d: number) {
  return elementwiseProgram({
    key: "soft_permute",
    variableNames: ["y", "alpha", "net"],
    outputShape: [rows, g.net.n, d],
    count: rows * d,
    uniforms: PERMUTE_UNIFORMS,
    helpers: NET_WGSL + ROWS_WGSL,
    body: `
    let n = uniforms.n;
    let d = uniforms.d;
    let r = index / d;
    let k = index - r * d;
    let base = r * n * d + k;
    for (var w = 0; w < n; w++) { result[base + outRow(w) * d] = y[base + inRow(w) * d]; }
    for (var s = 0; s < uniforms.C; s++) {
      let c = step(s);
      let a = base + outRow(wireLo(c)) * d;
      let b = base + outRow(wireHi(c)) * d;
      let ya = result[a];
      let yb = result[b];
      let t = alpha[r * uniforms.C + c] * (ya - yb);
      result[a] = yb + t;
      result[b] = ya - t;
    }`,
  });
}

/**
 * Backward, one invocation per (row r, feature k). Output per row: `[Y (n·d) | G (n·d) | products (C·d)]`;
 * Y and G are addressed by input rows, so G ends as dY in the layout of y.
 */
function backwardProgram(rows: number, g: GpuNetwork, d: number) {
  const n = g.net.n;
  const C = g.net.size;
  return elementwiseProgram({
    key: "soft_permute_backward",
    variableNames: ["y", "dy", "alpha", "net"],
    outputShape: [rows, (2 * n + C) * d],
    count: rows * d,
    uniforms: PERMUTE_UNIFORMS,
    helpers: NET_WGSL + ROWS_WGSL,
    body: `
    let n = uniforms.n;
    let d = uniforms.d;
    let C = uniforms.C;
    let r = index / d;
    let k = index - r * d;
    let rb = r * (2 * n + C) * d + k;
    let gb = rb + n * d;
    let pb = rb + 2 * n * d;
    let io = r * n * d + k;
    for (var w = 0; w < n; w++) {
      result[rb + inRow(w) * d] = y[io + inRow(w) * d];
      result[gb + inRow(w) * d] = dy[io + outRow(w) * d];
    }
    for (var s = 0; s < C; s++) {
      let c = step(s);
      let a = rb + inRow(wireLo(c)) * d;
      let b = rb + inRow(wireHi(c)) * d;
      let ya = result[a];
      let yb = result[b];
      let dv = ya - yb;
      result[pb + c * d] = dv;
      let t = alpha[r * C + c] * dv;
      result[a] = yb + t;
      result[b] = ya - t;
    }
    for (var s = C - 1; s >= 0; s--) {
      let c = step(s);
      let a = gb + inRow(wireLo(c)) * d;
      let b = gb + inRow(wireHi(c)) * d;
      let ga = result[a];
      let gv = result[b];
      let dg = ga - gv;
      result[pb + c * d] = result[pb + c * d] * dg;
      let t = alpha[r * C + c] * dg;
      result[a] = gv + t;
      result[b] = ga - t;
    }`,
  });
}

/** ∂L/∂α[r, c] = Σ_k products[r, c, k], in k order. */
function reduceProgram(rows: number, g: GpuNetwork, d: number) {
  return elementwiseProgram({
    key: "soft_permute_reduce",
    variableNames: ["prod"],
    outputShape: [rows, g.net.size],
    uniforms: "n : i32, C : i32, d : i32, ",
    body: `
    let r = index / uniforms.C;
    let c = index - r * uniforms.C;
    let base = (r * (2 * uniforms.n + uniforms.C) + 2 * uniforms.n + c) * uniforms.d;
    var acc = 0.0;
    for (var k = 0; k < uniforms.d; k++) { acc += prod[base + k]; }
    result[index] = acc;`,
  });
}

/** Rows of `[rows, n·d]` blocks at `offset` within rows of `stride` entries, as `[rows, n, d]` (dY; a copy for n = 1). */
function copyProgram(rows: number, n: number, d: number) {
  return elementwiseProgram({
    key: "soft_permute_copy",
    variableNames: ["buf"],
    outputShape: [rows, n, d],
    uniforms: "nd : i32, stride : i32, offset : i32, ",
    body: `
    let r = index / uniforms.nd;
    let j = index - r * uniforms.nd;
    result[index] = buf[r * uniforms.stride + uniforms.offset + j];`,
  });
}

const copyUniforms = (nd: number, stride: number, offset: number) => [i32(nd), i32(stride), i32(offset)];

function check(at: RelaxSoftPermuteAttrs): void {
  if (at.hard) throw new RelaxError(RelaxSoftPermute, "hard", "false on webgpu (the op runs its reference for hard)", "true");
}

function uniformsOf(g: GpuNetwork, d: number, at: RelaxSoftPermuteAttrs) {
  return [...netUniforms(g), i32(d), i32(at.descending ? 1 : 0), i32(at.transpose ? 1 : 0)];
}

export const softPermuteConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxSoftPermute,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxSoftPermuteAttrs;
    check(at);
    const { x, y } = inputs as Record<string, TensorInfo>;
    const [rows, n] = x!.shape as [number, number];
    const d = y!.shape[2] as number;
    if (rows * n * d === 0) return gpu.makeTensorInfo([rows, n, d], "float32", new Float32Array(0));
    const g = gpuNetwork(gpu, at.network, n, at.k);
    // no comparator (n = 1): the identity
    if (g.net.size === 0) return run(gpu, copyProgram(rows, n, d), [y!], "float32", copyUniforms(n * d, n * d, 0));
    const [sorted, alpha] = valuesForward(gpu, g, at, x!, false);
    release(gpu, sorted);
    const out = run(gpu, forwardProgram(rows, g, d), [y!, alpha, g.table], "float32", uniformsOf(g, d, at));
    release(gpu, alpha);
    return out;
  },
});

export const softPermuteGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxSoftPermuteGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxSoftPermuteAttrs;
    const { x, y, dy } = inputs as Record<string, TensorInfo>;
    const [rows, n] = x!.shape as [number, number];
    const d = y!.shape[2] as number;
    if (rows * n * d === 0) {
      return [
        gpu.makeTensorInfo([rows, n], "float32", new Float32Array(0)),
        gpu.makeTensorInfo([rows, n, d], "float32", new Float32Array(0)),
      ];
    }
    const g = gpuNetwork(gpu, at.network, n, at.k);
    const C = g.net.size;
    if (C === 0) {
      const dx = gpu.makeTensorInfo([rows, n], "float32", new Float32Array(rows * n));
      return [dx, run(gpu, copyProgram(rows, n, d), [dy!], "float32", copyUniforms(n * d, n * d, 0))];
    }
    const [sorted, alpha] = valuesForward(gpu, g, at, x!, false);
    release(gpu, sorted);
    const buf = run(gpu, backwardProgram(rows, g, d), [y!, dy!, alpha, g.table], "float32", uniformsOf(g, d, at));
    const dAlpha = run(gpu, reduceProgram(rows, g, d), [buf], "float32", [i32(n), i32(C), i32(d)]);
    const dY = run(gpu, copyProgram(rows, n, d), [buf], "float32", copyUniforms(n * d, (2 * n + C) * d, n * d));
    release(gpu, buf);
    const dx = valuesBackward(gpu, g, at, x!, alpha, null, dAlpha, false);
    release(gpu, dAlpha, alpha);
    return [dx, dY];
  },
});
