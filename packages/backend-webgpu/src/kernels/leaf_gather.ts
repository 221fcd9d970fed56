/**
 * WGSL learned leaves of a conv logic tree ({@link RelaxLogicLeafGather}: `LogicConvTree` with
 * `connections: 'learned'`, the conv form of learned wiring; LILogicNet arXiv 2511.12340 applied to the tree leaves
 * of Petersen et al., NeurIPS 2024), the same numbers as `@relax/logic`'s host kernel (kernels/leaf_gather.ts).
 *
 * `x: [B, H, W, C]`, `wiring: [K, 2^d, M]` → the leaf map `[B, H', W', Q]` (Q = K · 2^d leaf slots): the choice
 * over each slot's M candidates (`q` forward, `qs` relaxed: the learned layer's wiring choice, same noise stream
 * and index as the host), then
 * - forward: one invocation per output `(b, i, j, s)` sums `q_m · x[b, S·i + candY − lo, S·j + candX − lo, candC]`
 *   over the slot's candidates (zero outside the image; zero weights skipped);
 * - ∂x: one invocation per input pixel gathers `q_e · dy` over the candidate entries e of its channel (CSR lists
 *   from the host) whose window position covers it (no atomics);
 * - ∂wiring: one workgroup per (entry, chunk of positions of batch × H' × W') reduces `dq_e = Σ dy · x[cand_e]`, a
 *   second pass sums the chunks in order and forms `scale · qs ⊙ (dq − qs·dq)` per slot (deterministic).
 */
import { util, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import {
  RelaxError,
  RelaxLogicLeafGather,
  RelaxLogicLeafGatherGradWiring,
  RelaxLogicLeafGatherGradX,
  type RelaxLogicLeafGatherAttrs,
} from "@relax/core";
import {
  elementwiseProgram,
  f32,
  i32,
  perUnitProgram,
  persistentIntTable,
  release,
  run,
  type Uniform,
  withFloatStorage,
  zeros,
} from "../program.js";
import { channelLeafTable } from "./conv_logic.js";
import { REDUCE_STATS_WGSL, REDUCE_THREADS } from "./logic_layer.js";
import { wiringChoiceGpu } from "./logic_layer_learned.js";

/** Geometry of one call. */
interface GatherGeometry {
  batch: number;
  h: number;
  w: number;
  c: number;
  ho: number;
  wo: number;
  /** Padding before (rows and columns). */
  lo: number;
  stride: number;
  /** Leaf slots Q = K · 2^d. */
  slots: number;
  /** Candidates per slot. */
  M: number;
}

function gatherGeometry(kernel: string, x: TensorInfo, wiring: TensorInfo, at: RelaxLogicLeafGatherAttrs): GatherGeometry {
  if (x.shape.length !== 4) throw new RelaxError(`${kernel} (webgpu)`, "x", "[batch, H, W, C]", `[${x.shape.join(", ")}]`);
  const [batch, h, w, c] = x.shape as [number, number, number, number];
  const [K, leaves, M] = wiring.shape as [number, number, number];
  const n = K * leaves * M;
  if (wiring.shape.length !== 3 || at.candY.length !== n || at.candX.length !== n || at.candC.length !== n)
    throw new RelaxError(
      `${kernel} (webgpu)`,
      "candY/candX/candC",
      `K · 2^depth · M = ${n} entries each (wiring [${wiring.shape.join(", ")}])`,
      `${at.candY.length}/${at.candX.length}/${at.candC.length}`,
    );
  const rf = at.receptiveField;
  const same = at.padding === "same";
  const s = at.stride;
  const ho = same ? Math.ceil(h / s) : Math.floor((h - rf) / s) + 1;
  const wo = same ? Math.ceil(w / s) : Math.floor((w - rf) / s) + 1;
  return {
    batch,
    h,
    w,
    c,
    ho: Math.max(ho, 0),
    wo: Math.max(wo, 0),
    lo: same ? Math.floor((rf - 1) / 2) : 0,
    stride: s,
    slots: K * leaves,
    M,
  };
}

const UNIFORMS = "H : i32, W : i32, C : i32, Ho : i32, Wo : i32, Q : i32, M : i32, lo : i32, S : i32, ";
function uniformsOf(g: GatherGeometry): Uniform[] {
  return [i32(g.h), i32(g.w), i32(g.c), i32(g.ho), i32(g.wo), i32(g.slots), i32(g.M), i32(g.lo), i32(g.stride)];
}

/** `[candY (QM), candX (QM), candC (QM)]`, uploaded once per layer (see `persistentIntTable`). */
function candTable(gpu: WebGPUBackend, at: RelaxLogicLeafGatherAttrs): TensorInfo {
  return persistentIntTable(gpu, [at.candY, at.candX, at.candC], "leaf_cand", () => {
    const n = at.candY.length;
    const t = new Int32Array(3 * n);
    t.set(at.candY, 0);
    t.set(at.candX, n);
    t.set(at.candC, 2 * n);
    return t;
  });
}

/** The candidate entries of each channel in CSR form (see `channelLeafTable`). */
function channelTable(gpu: WebGPUBackend, at: RelaxLogicLeafGatherAttrs, channels: number): TensorInfo {
  return persistentIntTable(gpu, [at.candY, at.candX, at.candC], `leaf_chan${channels}`, () => channelLeafTable(at.candC, channels));
}

/** WGSL `candValue(b, i, j, e)`: candidate entry e's input value at output (i, j) of image b (zero outside the image). */
const CAND_VALUE_WGSL = `
fn candValue(b : i32, i : i32, j : i32, e : i32) -> f32 {
  let QM = uniforms.Q * uniforms.M;
  let yy = i * uniforms.S + cand[e] - uniforms.lo;
  let xx = j * uniforms.S + cand[QM + e] - uniforms.lo;
  if (yy < 0 || yy >= uniforms.H || xx < 0 || xx >= uniforms.W) { return 0.0; }
  return x[((b * uniforms.H + yy) * uniforms.W + xx) * uniforms.C + cand[2 * QM + e]];
}`;

function forwardProgram(g: GatherGeometry) {
  return elementwiseProgram({
    key: "leaf_gather_forward",
    variableNames: ["x", "q", "cand"],
    outputShape: [g.batch, g.ho, g.wo, g.slots],
    uniforms: UNIFORMS,
    helpers: CAND_VALUE_WGSL,
    body: `
    let s = index % uniforms.Q;
    let r = index / uniforms.Q;
    let j = r % uniforms.Wo;
    let r2 = r / uniforms.Wo;
    let i = r2 % uniforms.Ho;
    let b = r2 / uniforms.Ho;
    var acc = 0.0;
    for (var m = 0; m < uniforms.M; m++) {
      let e = s * uniforms.M + m;
      let w = q[e];
      if (w != 0.0) { acc += w * candValue(b, i, j, e); }
    }
    result[index] = acc;`,
  });
}

/** ∂x `[B, H, W, C]`: one invocation per input element, a gather over its channel's candidate entries. */
function gradXProgram(g: GatherGeometry) {
  return elementwiseProgram({
    key: "leaf_gather_grad_x",
    variableNames: ["dy", "q", "cand", "chan"],
    outputShape: [g.batch, g.h, g.w, g.c],
    uniforms: UNIFORMS,
    body: `
    let c = index % uniforms.C;
    let r = index / uniforms.C;
    let xx = r % uniforms.W;
    let r2 = r / uniforms.W;
    let yy = r2 % uniforms.H;
    let b = r2 / uniforms.H;
    let QM = uniforms.Q * uniforms.M;
    var acc = 0.0;
    let end = chan[c + 1];
    for (var t = chan[c]; t < end; t++) {
      let e = chan[uniforms.C + 1 + t];
      let w = q[e];
      if (w == 0.0) { continue; }
      // window corner S·i = yy + lo − candY: covered when it is a non-negative multiple of the stride
      let si = yy + uniforms.lo - cand[e];
      let sj = xx + uniforms.lo - cand[QM + e];
      let i = si / uniforms.S;
      let j = sj / uniforms.S;
      if (si >= 0 && sj >= 0 && i * uniforms.S == si && j * uniforms.S == sj && i < uniforms.Ho && j < uniforms.Wo) {
        acc += w * dy[((b * uniforms.Ho + i) * uniforms.Wo + j) * uniforms.Q + e / uniforms.M];
      }
    }
    result[index] = acc;`,
  });
}

/**
 * Pass 1 of ∂wiring: partial sums `dq` `[QM · chunks]`, one workgroup per (entry, chunk of `chunk` positions of
 * batch × H' × W').
 */
function statsProgram(units: number) {
  return perUnitProgram({
    key: "leaf_gather_stats",
    variableNames: ["x", "dy", "cand"],
    outputShape: [units],
    units,
    threads: REDUCE_THREADS,
    uniforms: `${UNIFORMS}positions : i32, chunks : i32, chunk : i32, `,
    helpers: `${REDUCE_STATS_WGSL}${CAND_VALUE_WGSL}`,
    body: `
  var acc = 0.0;
  if (valid) {
    let e = unit / uniforms.chunks;
    let s = e / uniforms.M;
    let p0 = (unit - e * uniforms.chunks) * uniforms.chunk;
    let p1 = min(p0 + uniforms.chunk, uniforms.positions);
    for (var p = p0 + lid; p < p1; p += ${REDUCE_THREADS}) {
      let gy = dy[p * uniforms.Q + s];
      if (gy == 0.0) { continue; }
      let j = p % uniforms.Wo;
      let r = p / uniforms.Wo;
      acc += gy * candValue(r / uniforms.Ho, r % uniforms.Ho, j, e);
    }
  }
  let S = reduceStats(lid, vec4<f32>(acc, 0.0, 0.0, 0.0));
  if (valid && lid == 0) { result[unit] = S.x; }`,
  });
}

/** Pass 2 of ∂wiring `[K, 2^d, M]`: `dq` summed over the chunks in order, then `scale · qs ⊙ (dq − qs·dq)` per slot. */
function wiringGradProgram(g: GatherGeometry) {
  return elementwiseProgram({
    key: "leaf_gather_grad_wiring",
    variableNames: ["partial", "qs"],
    outputShape: [g.slots * g.M],
    uniforms: "M : i32, chunks : i32, factor : f32, ",
    helpers: `
fn dqOf(e : i32) -> f32 {
  var acc = 0.0;
  for (var c = 0; c < uniforms.chunks; c++) { acc += partial[e * uniforms.chunks + c]; }
  return acc;
}`,
    body: `
    let o = (index / uniforms.M) * uniforms.M;
    var d = 0.0;
    for (var m = 0; m < uniforms.M; m++) { d += qs[o + m] * dqOf(o + m); }
    result[index] = uniforms.factor * qs[index] * (dqOf(index) - d);`,
  });
}

export const logicLeafGatherConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLogicLeafGather,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxLogicLeafGatherAttrs;
    const { x, wiring } = inputs as Record<string, TensorInfo>;
    const g = gatherGeometry(RelaxLogicLeafGather, x!, wiring!, at);
    const shape = [g.batch, g.ho, g.wo, g.slots];
    if (util.sizeFromShape(shape) === 0 || util.sizeFromShape(x!.shape) === 0) return zeros(gpu, shape);
    const q = wiringChoiceGpu(gpu, wiring!, g.slots / 2, g.M, at, { q: true, qs: false }).q!;
    const y = run(gpu, forwardProgram(g), [x!, q, candTable(gpu, at)], "float32", uniformsOf(g));
    release(gpu, q);
    return y;
  },
});

export const logicLeafGatherGradXConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLogicLeafGatherGradX,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxLogicLeafGatherAttrs;
    const { x, wiring, dy } = inputs as Record<string, TensorInfo>;
    const g = gatherGeometry(RelaxLogicLeafGatherGradX, x!, wiring!, at);
    if (util.sizeFromShape(x!.shape) === 0 || util.sizeFromShape(dy!.shape) === 0) return zeros(gpu, x!.shape);
    const q = wiringChoiceGpu(gpu, wiring!, g.slots / 2, g.M, at, { q: true, qs: false }).q!;
    const dx = run(gpu, gradXProgram(g), [dy!, q, candTable(gpu, at), channelTable(gpu, at, g.c)], "float32", uniformsOf(g));
    release(gpu, q);
    return dx;
  },
});

export const logicLeafGatherGradWiringConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLogicLeafGatherGradWiring,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxLogicLeafGatherAttrs;
    const { x, wiring, dy } = inputs as Record<string, TensorInfo>;
    const g = gatherGeometry(RelaxLogicLeafGatherGradWiring, x!, wiring!, at);
    // eval mode: the argmax has no wiring gradient (as the host kernel); nothing to reduce over an empty batch
    if (at.mode === "eval" || util.sizeFromShape(dy!.shape) === 0 || util.sizeFromShape(wiring!.shape) === 0)
      return zeros(gpu, wiring!.shape);
    const entries = g.slots * g.M;
    const positions = g.batch * g.ho * g.wo;
    // one workgroup per (entry, chunk) in one dispatch dimension: chunks of at least 16 positions per thread, longer
    // where the workgroups would exceed the device's limit
    const maxGroups = gpu.device.limits.maxComputeWorkgroupsPerDimension;
    if (entries > maxGroups)
      throw new RelaxError(
        `${RelaxLogicLeafGatherGradWiring} (webgpu)`,
        "wiring",
        `at most ${maxGroups} candidate entries K · 2^depth · M (the device's workgroups per dispatch dimension)`,
        `[${wiring!.shape.join(", ")}]`,
      );
    const perGroup = Math.ceil((entries * positions) / maxGroups / REDUCE_THREADS) * REDUCE_THREADS;
    const chunk = Math.max(REDUCE_THREADS * 16, perGroup);
    const chunks = Math.ceil(positions / chunk);
    const { qs, scale } = wiringChoiceGpu(gpu, wiring!, g.slots / 2, g.M, at, { q: false, qs: true });
    const partial = run(gpu, statsProgram(entries * chunks), [x!, dy!, candTable(gpu, at)], "float32", [
      ...uniformsOf(g),
      i32(positions),
      i32(chunks),
      i32(chunk),
    ]);
    const dwiring = run(gpu, wiringGradProgram(g), [partial, qs!], "float32", [i32(g.M), i32(chunks), f32(scale)]);
    release(gpu, qs!, partial);
    return { ...dwiring, shape: wiring!.shape };
  },
});
