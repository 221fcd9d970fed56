/**
 * The values pass of a sorting network on the GPU, shared by `RelaxDiffSort` (`diff_sort.ts`) and
 * `RelaxSortNetSelect` (`sort_net_select.ts`): one workgroup per row runs the whole network, layer by layer
 * (comparators of a layer in parallel, `storageBarrier()` between layers), writing sorted values and every α;
 * backward, it replays the values with the saved α and runs the network in reverse.
 */
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import type { TensorInfo } from "@tensorflow/tfjs-core";
import { bindable, elementwiseProgram, f32, i32, perUnitProgram, release, run } from "../program.js";
import { COMPARATOR_UNIFORMS, comparatorWgsl } from "../wgsl/comparator.js";
import { type GpuNetwork, NET_UNIFORMS, NET_WGSL, netUniforms } from "./network_tables.js";

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

/** ∂L/∂x of every row through the network (from dSorted and/or an extra ∂L/∂α), α saved by the forward. */
export function valuesBackward(
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
export function valuesForward(
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
