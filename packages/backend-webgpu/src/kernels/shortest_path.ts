/**
 * WGSL relaxed shortest path on a vertex-weighted 8-connected grid (AlgoVision, Petersen et al., NeurIPS
 * 2021, Sec. 4.2; the Warcraft terrain benchmark), forward and backward, the same algorithm as
 * `@relax/core`'s host kernel (algorithms/shortest_path.ts): a relaxed Bellman-Ford
 * `d(v) = c(v) + Σ_j softmin_β(d(N_v))_j·d(N_v)_j` (the source keeps its cost) until
 * max|Δd| ≤ tolerance·max(1, max|d|) per row, then a traceback that moves unit mass from the target
 * along the soft predecessor weights, each cell's path value the t-conorm of the masses that visited it.
 *
 * One workgroup per row (map), its cells spread over the invocations; the iterations run in lockstep
 * with barriers, and each row stops on its own (a reduction decides, every invocation keeps the same
 * flag). Everything a row needs lives in its slice of one scratch buffer: the Bellman-Ford iterates
 * (the tape of the backward), the final weights, the traceback masses and path values, and the
 * gradient buffers. The backward replays the forward, then walks the traceback and the Bellman-Ford
 * iterations in reverse; every scatter of the host kernel is written as a gather over the 8 neighbours
 * (no atomics). Rows run in slices so that a slice's scratch stays within 96 MiB.
 */
import { env, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs-core";
import { RELAX_WEBGPU_PATH_SLICE_BYTES } from "../flags.js";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { RelaxError, RelaxShortestPath, RelaxShortestPathGrad, describe, type RelaxShortestPathAttrs } from "@relax/core";
import { elementwiseProgram, f32, i32, perUnitProgram, release, type Uniform, withFloatStorage } from "../program.js";
import { TCONORMS, tconormParameters } from "../wgsl/tconorm.js";

/** Distance of unreached cells (as the host kernel). */
const UNREACHED = 1e9;
/**
 * Bytes of scratch per slice of rows (an option so tests can force several slices).
 *
 * @deprecated Use the flag: `tf.env().set("RELAX_WEBGPU_PATH_SLICE_BYTES", bytes)`; this object reads and
 * writes it and goes away in the next minor release.
 */
export const pathOptions = {
  get sliceBytes(): number {
    return env().getNumber(RELAX_WEBGPU_PATH_SLICE_BYTES);
  },
  set sliceBytes(value: number) {
    env().set(RELAX_WEBGPU_PATH_SLICE_BYTES, value);
  },
};

/** Offsets (in floats) of the regions of a row's scratch, and its length. */
interface Layout {
  d: number; // Bellman-Ford iterates d_0..d_I, N each
  w: number; // final predecessor weights, 8N
  m: number; // traceback masses m_0..m_{K−1}
  p: number; // path values path_0..path_{K−1} (before each update)
  s: number; // scratch: per-iteration weights (8N) and means (N)
  g: number; // gP, gm, gmNext, gPrev, gD (N each)
  gw: number; // gradient of the final weights, 8N
  gc: number; // gradient of the costs, N
  out: number; // the path (output of the forward)
  row: number;
}

function layout(N: number, I: number, K: number): Layout {
  const d = 0;
  const w = d + (I + 1) * N;
  const m = w + 8 * N;
  const p = m + K * N;
  const s = p + K * N;
  const g = s + 9 * N;
  const gw = g + 5 * N;
  const gc = gw + 8 * N;
  const out = gc + N;
  return { d, w, m, p, s, g, gw, gc, out, row: out + N };
}

const UNIFORMS =
  "H : i32, W : i32, N : i32, I : i32, K : i32, beta : f32, tol : f32, eps : f32, tp : f32, lnp : f32, rowOffset : i32, " +
  "oD : i32, oW : i32, oM : i32, oP : i32, oS : i32, oG : i32, oGW : i32, oC : i32, oOut : i32, rowStride : i32, ";

/** `combine(a, b)` and `dsda(a, b)` of the t-conorm (max: ½ at ties, as core's scalar form). */
function tconormWgsl(name: string): string {
  const t = TCONORMS[name]!;
  const dsda = name === "max" ? "return select(select(0.0, 0.5, a == b), 1.0, a > b);" : t.dsda;
  return `${[...new Set(t.helpers ?? [])].join("\n")}
fn combine(a : f32, b : f32) -> f32 { ${t.s} }
fn dsda(a : f32, b : f32) -> f32 { ${dsda} }`;
}

function pathProgram(rows: number, N: number, tconorm: string, withGrad: boolean) {
  const T = Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(N))));
  const cells = (body: string, from = 0) => `for (var v = ${from === 0 ? "lid" : `lid + ${from}`}; v < N; v += ${T}) {\n${body}\n}`;
  return perUnitProgram({
    key: `shortest_path_${tconorm}_${withGrad ? "grad" : "fwd"}_t${T}`,
    variableNames: withGrad ? ["costs", "dy"] : ["costs"],
    outputShape: [rows],
    units: rows,
    threads: T,
    uniforms: UNIFORMS,
    helpers: `
const DY = array<i32, 8>(-1, -1, -1, 0, 0, 1, 1, 1);
const DX = array<i32, 8>(-1, 0, 1, -1, 1, -1, 0, 1);
var<workgroup> redA : array<f32, ${T}>;
var<workgroup> redB : array<f32, ${T}>;
var<workgroup> redC : array<f32, ${T}>;
${tconormWgsl(tconorm)}
/** The j-th neighbour of cell v, or −1 outside the grid. */
fn nbr(v : i32, j : i32) -> i32 {
  let y = v / uniforms.W + DY[j];
  let x = v % uniforms.W + DX[j];
  if (y < 0 || y >= uniforms.H || x < 0 || x >= uniforms.W) { return -1; }
  return y * uniforms.W + x;
}
/** The cell whose j-th neighbour is u, or −1 outside the grid. */
fn back(u : i32, j : i32) -> i32 {
  let y = u / uniforms.W - DY[j];
  let x = u % uniforms.W - DX[j];
  if (y < 0 || y >= uniforms.H || x < 0 || x >= uniforms.W) { return -1; }
  return y * uniforms.W + x;
}
/** Soft-min weights of v's neighbours in the iterate at dOff, written to result[wOff..wOff+7]; returns Σ w·d. */
fn softminAt(dOff : i32, v : i32, wOff : i32) -> f32 {
  var mn = 3.4e38;
  for (var j = 0; j < 8; j++) {
    let u = nbr(v, j);
    if (u >= 0) { mn = min(mn, result[dOff + u]); }
  }
  var e : array<f32, 8>;
  var sum = 0.0;
  for (var j = 0; j < 8; j++) {
    let u = nbr(v, j);
    e[j] = 0.0;
    if (u >= 0) { e[j] = exp(-uniforms.beta * (result[dOff + u] - mn)); }
    sum += e[j];
  }
  var mean = 0.0;
  for (var j = 0; j < 8; j++) {
    let wj = e[j] / sum;
    result[wOff + j] = wj;
    let u = nbr(v, j);
    if (u >= 0) { mean += wj * result[dOff + u]; }
  }
  return mean;
}
/** Reduces redA (max or sum), redB (max), redC (max) over the workgroup into element 0. */
fn reduce3(lid : i32, sumA : bool) {
  for (var k = ${T / 2}; k > 0; k = k / 2) {
    if (lid < k) {
      redA[lid] = select(max(redA[lid], redA[lid + k]), redA[lid] + redA[lid + k], sumA);
      redB[lid] = max(redB[lid], redB[lid + k]);
      redC[lid] = max(redC[lid], redC[lid + k]);
    }
    workgroupBarrier();
  }
}`,
    body: `
  let N = uniforms.N;
  let rb = unit * uniforms.rowStride;
  let cb = (uniforms.rowOffset + unit) * N;
  var c0 = 0.0;
  if (valid) { c0 = costs[cb]; }
  if (valid) {
    ${cells(`result[rb + uniforms.oD + v] = select(${UNREACHED.toExponential()}, c0, v == 0);
    result[rb + uniforms.oOut + v] = 0.0;`)}
  }
  storageBarrier();
  // relaxed Bellman-Ford, each row until it converges
  var running = valid;
  var T = 0;
  for (var t = 0; t < uniforms.I; t++) {
    var lAbs = 1.0;
    var lDelta = 0.0;
    var lFar = 0.0;
    if (running) {
      let dOff = rb + uniforms.oD + t * N;
      ${cells(`var next = c0;
      if (v > 0) { next = costs[cb + v] + softminAt(dOff, v, rb + uniforms.oS + v * 8); }
      result[dOff + N + v] = next;
      if (!(next < ${(UNREACHED / 2).toExponential()})) { lFar = 1.0; }
      lAbs = max(lAbs, abs(next));
      lDelta = max(lDelta, abs(next - result[dOff + v]));`)}
    }
    redA[lid] = lAbs;
    redB[lid] = lDelta;
    redC[lid] = lFar;
    storageBarrier();
    workgroupBarrier();
    reduce3(lid, false);
    if (running) {
      T = t + 1;
      if (uniforms.tol > 0.0 && redC[0] == 0.0 && redB[0] <= uniforms.tol * redA[0]) { running = false; }
    }
    workgroupBarrier();
  }
  // final predecessor weights (none for the source)
  if (valid) {
    let dT = rb + uniforms.oD + T * N;
    ${cells(`let wOff = rb + uniforms.oW + v * 8;
    if (v == 0) { for (var j = 0; j < 8; j++) { result[wOff + j] = 0.0; } } else { softminAt(dT, v, wOff); }`)}
    ${cells(`result[rb + uniforms.oM + v] = select(0.0, 1.0, v == N - 1);
    result[rb + uniforms.oP + v] = 0.0;`)}
  }
  storageBarrier();
  // traceback: mass from the target along the weights; path = S(path, mass) per step
  running = valid;
  var K = 0;
  for (var k = 0; k < uniforms.K; k++) {
    var lMass = 0.0;
    let mOff = rb + uniforms.oM + k * N;
    let pOff = rb + uniforms.oP + k * N;
    if (running) {
      ${cells(`let np = combine(result[pOff + v], result[mOff + v]);
      result[rb + uniforms.oOut + v] = np;
      if (k + 1 < uniforms.K) { result[pOff + N + v] = np; }
      if (v > 0) { lMass += result[mOff + v]; }`)}
    }
    redA[lid] = lMass;
    redB[lid] = 0.0;
    redC[lid] = 0.0;
    workgroupBarrier();
    reduce3(lid, true);
    if (running) {
      K = k + 1;
      if (!(redA[0] > uniforms.eps) || k + 1 >= uniforms.K) { running = false; }
    }
    workgroupBarrier();
    if (running) {
      ${cells(`var acc = 0.0;
      for (var j = 0; j < 8; j++) {
        let v2 = back(v, j);
        if (v2 >= 1) { acc += result[mOff + v2] * result[rb + uniforms.oW + v2 * 8 + j]; }
      }
      result[mOff + N + v] = acc;`)}
    }
    storageBarrier();
  }
  ${withGrad ? backwardWgsl(cells) : ""}`,
  });
}

/** The backward (after the forward in the same invocation): gradient of the costs into region oC. */
function backwardWgsl(cells: (body: string, from?: number) => string): string {
  return `
  let gP = rb + uniforms.oG;
  let gm = gP + N;
  let gmNext = gm + N;
  let gPrev = gmNext + N;
  let gD = gPrev + N;
  let gW = rb + uniforms.oGW;
  let gc = rb + uniforms.oC;
  let wF = rb + uniforms.oW;
  if (valid) {
    ${cells(`result[gP + v] = dy[cb + v];
    result[gc + v] = 0.0;
    for (var j = 0; j < 8; j++) { result[gW + v * 8 + j] = 0.0; }`)}
  }
  storageBarrier();
  // traceback in reverse
  for (var kk = 0; kk < uniforms.K; kk++) {
    let k = K - 1 - kk;
    let mOff = rb + uniforms.oM + k * N;
    let pOff = rb + uniforms.oP + k * N;
    if (valid && k >= 0) {
      ${cells(`let g = result[gP + v];
      let mv = result[mOff + v];
      let pv = result[pOff + v];
      result[gm + v] = g * dsda(mv, pv);
      result[gPrev + v] = g * dsda(pv, mv);`)}
    }
    storageBarrier();
    if (valid && k >= 0 && k < K - 1) {
      ${cells(
        `let mv = result[mOff + v];
      var acc = 0.0;
      for (var j = 0; j < 8; j++) {
        let u = nbr(v, j);
        if (u < 0) { continue; }
        let gu = result[gmNext + u];
        acc += result[wF + v * 8 + j] * gu;
        result[gW + v * 8 + j] += mv * gu;
      }
      result[gm + v] += acc;`,
        1,
      )}
    }
    storageBarrier();
    if (valid && k >= 0) {
      ${cells(`result[gmNext + v] = result[gm + v];
      result[gP + v] = result[gPrev + v];`)}
    }
    storageBarrier();
  }
  // final weights → final distances: gD[u] = −β Σ_{v: u = nbr(v, j)} w_vj (gW_vj − Σ_i w_vi gW_vi)
  let dots = rb + uniforms.oS;
  if (valid) {
    ${cells(
      `var dot = 0.0;
    for (var j = 0; j < 8; j++) { dot += result[wF + v * 8 + j] * result[gW + v * 8 + j]; }
    result[dots + v] = dot;`,
      1,
    )}
  }
  storageBarrier();
  if (valid) {
    ${cells(`var acc = 0.0;
    for (var j = 0; j < 8; j++) {
      let v2 = back(v, j);
      if (v2 < 1) { continue; }
      acc -= uniforms.beta * result[wF + v2 * 8 + j] * (result[gW + v2 * 8 + j] - result[dots + v2]);
    }
    result[gD + v] = acc;`)}
  }
  storageBarrier();
  // Bellman-Ford iterations in reverse
  let wt = rb + uniforms.oS;
  let means = wt + 8 * N;
  for (var tt = 0; tt < uniforms.I; tt++) {
    let t = T - 1 - tt;
    let dOff = rb + uniforms.oD + t * N;
    if (valid && t >= 0) {
      ${cells(`result[gc + v] += result[gD + v];
      if (v > 0) { result[means + v] = softminAt(dOff, v, wt + v * 8); }`)}
    }
    storageBarrier();
    if (valid && t >= 0) {
      ${cells(`let du = result[dOff + v];
      var acc = 0.0;
      for (var j = 0; j < 8; j++) {
        let v2 = back(v, j);
        if (v2 < 1) { continue; }
        let g = result[gD + v2];
        let wj = result[wt + v2 * 8 + j];
        if (g == 0.0 || wj == 0.0) { continue; }
        acc += g * wj * (1.0 - uniforms.beta * (du - result[means + v2]));
      }
      result[gPrev + v] = acc;`)}
    }
    storageBarrier();
    if (valid && t >= 0) {
      ${cells("result[gD + v] = result[gPrev + v];")}
    }
    storageBarrier();
  }
  if (valid && lid == 0) { result[gc] += result[gD]; }`;
}

/** Copies region `offset` (N floats) of each row's scratch into rows rowOffset… of the `[B, N]` output. */
function copyRowsProgram(rows: number, N: number) {
  return elementwiseProgram({
    key: "shortest_path_copy",
    variableNames: ["scratch"],
    outputShape: [rows * N],
    count: rows * N,
    uniforms: "N : i32, rowStride : i32, offset : i32, rowOffset : i32, ",
    body: `
    let r = index / uniforms.N;
    let v = index - r * uniforms.N;
    result[(uniforms.rowOffset + r) * uniforms.N + v] = scratch[r * uniforms.rowStride + uniforms.offset + v];`,
  });
}

/** Runs forward (and backward) over slices of rows; returns `[B, H, W]`: the path, or the gradient of the costs. */
function runPath(gpu: WebGPUBackend, costs: TensorInfo, dy: TensorInfo | null, at: RelaxShortestPathAttrs, kernel: string): TensorInfo {
  const [B, H, W] = costs.shape as [number, number, number];
  const N = H * W;
  const name = at.tconorm;
  if (!(name in TCONORMS) || name === "hard") {
    throw new RelaxError(
      `${kernel} (webgpu)`,
      "tconorm",
      `one with a WGSL form (${Object.keys(TCONORMS)
        .filter((t) => t !== "hard")
        .join(", ")}); shortestPath runs its reference on webgpu for others`,
      describe(name),
    );
  }
  const L = layout(N, at.iterations, at.traceSteps);
  const limit = Math.min(
    env().getNumber(RELAX_WEBGPU_PATH_SLICE_BYTES),
    gpu.device.limits.maxStorageBufferBindingSize,
    gpu.device.limits.maxBufferSize,
  );
  const perSlice = Math.floor(limit / (4 * L.row));
  if (perSlice < 1) {
    throw new RelaxError(
      `${kernel} (webgpu)`,
      "costs",
      `maps whose scratch fits the ${(limit / 2 ** 20).toPrecision(3)} MiB a GPU buffer may have (lower iterations / traceSteps or use the cpu backend)`,
      `${((4 * L.row) / 2 ** 20).toPrecision(3)} MiB of scratch per map (${H}×${W}, iterations ${at.iterations}, traceSteps ${at.traceSteps})`,
    );
  }
  const [tp, lnp] = tconormParameters(name, at.p, "shortestPath");
  const out = gpu.makeTensorInfo([B, H, W], "float32");
  for (let r0 = 0; r0 < B; r0 += perSlice) {
    const rows = Math.min(perSlice, B - r0);
    const program = { ...pathProgram(rows, N, name, dy !== null), outputShape: [rows * L.row] };
    const uniforms: Uniform[] = [
      ...program.leadingUniforms,
      i32(H),
      i32(W),
      i32(N),
      i32(at.iterations),
      i32(at.traceSteps),
      f32(at.beta),
      f32(at.tolerance),
      f32(at.epsilon),
      f32(tp),
      f32(lnp),
      i32(r0),
      ...[L.d, L.w, L.m, L.p, L.s, L.g, L.gw, L.gc, L.out, L.row].map(i32),
    ];
    const scratch = gpu.runWebGPUProgram(program, dy ? [costs, dy] : [costs], "float32", uniforms);
    const copy = copyRowsProgram(rows, N);
    gpu.runWebGPUProgram(copy, [scratch], "float32", [...copy.leadingUniforms, i32(N), i32(L.row), i32(dy ? L.gc : L.out), i32(r0)], out);
    release(gpu, scratch);
  }
  return out;
}

export const shortestPathConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxShortestPath,
  backendName: "webgpu",
  // outputs [path, tape]: the GPU backward recomputes the forward in its scratch, so the tape is a placeholder
  kernelFunc: ({ inputs, attrs, backend }) => [
    runPath(backend as WebGPUBackend, inputs.costs as TensorInfo, null, attrs as unknown as RelaxShortestPathAttrs, RelaxShortestPath),
    (backend as WebGPUBackend).makeTensorInfo([1], "float32", new Float32Array(1)),
  ],
});

export const shortestPathGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxShortestPathGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) =>
    runPath(
      backend as WebGPUBackend,
      inputs.costs as TensorInfo,
      inputs.dy as TensorInfo,
      attrs as unknown as RelaxShortestPathAttrs,
      RelaxShortestPathGrad,
    ),
});
