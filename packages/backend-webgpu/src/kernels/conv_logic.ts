/**
 * WGSL kernels of convolutional logic gate networks (Petersen et al., "Convolutional Differentiable Logic
 * Gate Networks", NeurIPS 2024): logic tree kernels (§3.1) and max OR pooling (§3.2), the same numbers as
 * `@relax/logic`'s host kernels (kernels/conv_tree.ts, kernels/or_pool.ts).
 *
 * Logic tree `x: [B, H, W, C]`, `logits: [K, 2^d − 1, P]` → `y: [B, H', W', K]`: per node the coefficients of
 * `c0 + c1·a + c2·b + c3·a·b` (difflogic's `c = p·M`, p = softmax or first-max one-hot; for `parametrization`
 * 'bilinear4' and the straight-through `gateChoice`s the learned layer's gate choice, logic_layer_learned.ts), then
 * - forward: one invocation per output `(b, i, j, k)` gathers the 2^d leaves `x[b, s·i + leafY − lo,
 *   s·j + leafX − lo, leafC]` (zero outside the image; stride s) and evaluates the levels bottom-up in place;
 * - ∂x: one invocation per output recomputes its tree and writes the 2^d leaf gradients
 *   `[B, H', W', K, 2^d]`, then one invocation per input pixel gathers them over the (kernel, leaf)
 *   pairs of its channel whose window covers it (channel lists in CSR form from the host; no atomics);
 *   large batches run in slices of images so that the leaf-gradient buffer stays within a budget;
 * - ∂logits: one workgroup per (tree, node, chunk of 1024 positions) reduces `S = Σ g·[1, A, B, A·B]` over
 *   its positions of batch × H' × W', each thread recomputing the tree and the node's gradient as the root
 *   gradient times the factors `c1 + c3·B` / `c2 + c3·A` along its path; a second pass sums the chunks in
 *   order and forms `∂z = p ⊙ (M·S − p·(M·S))` (no atomics: deterministic), or the learned layer's parameter
 *   gradient for the other node options.
 * Max OR pool `[B, H, W, C] → [B, H', W', C]` (valid, size × size windows, stride s): forward one
 * invocation per output (first maximum in row-major window order, strict `>`); backward one invocation
 * per input pixel that replays the argmax of every window covering it and sums the windows' `dy` where
 * it is the argmax (the CPU kernel's scatter, as a gather in the same window order).
 */
import { env, util, type KernelConfig, type TensorInfo } from "@tensorflow/tfjs-core";
import { RELAX_WEBGPU_LEAF_GRAD_BUDGET } from "../flags.js";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import {
  RelaxError,
  RelaxLogicConvTree,
  RelaxLogicConvTreeGradLogits,
  RelaxLogicConvTreeGradX,
  RelaxOrPoolMax,
  RelaxOrPoolMaxGrad,
  type RelaxLogicConvTreeAttrs,
  type RelaxOrPoolMaxAttrs,
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
  zeros,
  withFloatStorage,
} from "../program.js";
import { coefficients, LOGIT_GRAD_WGSL, NUM_GATES, PROBS_WGSL, REDUCE_STATS_WGSL, REDUCE_THREADS } from "./logic_layer.js";
import { gateChoiceGpu, paramGradWgsl } from "./logic_layer_learned.js";

/** Geometry of one conv-tree call. */
interface TreeGeometry {
  batch: number;
  h: number;
  w: number;
  c: number;
  ho: number;
  wo: number;
  /** Padding before (rows and columns). */
  lo: number;
  /** Stride s: output (i, j) reads the window at (s·i − lo, s·j − lo). */
  stride: number;
  K: number;
  depth: number;
  leaves: number;
  nodes: number;
}

function treeGeometry(kernel: string, x: TensorInfo, logits: TensorInfo, at: RelaxLogicConvTreeAttrs): TreeGeometry {
  const [batch, h, w, c] = x.shape as [number, number, number, number];
  const rf = at.receptiveField;
  const same = at.padding === "same";
  const lo = same ? Math.floor((rf - 1) / 2) : 0;
  const stride = at.stride ?? 1;
  const ho = same ? Math.ceil(h / stride) : Math.floor((h - rf) / stride) + 1;
  const wo = same ? Math.ceil(w / stride) : Math.floor((w - rf) / stride) + 1;
  const K = logits.shape[0] as number;
  const leaves = 1 << at.depth;
  const n = K * leaves;
  if (at.leafY.length !== n || at.leafX.length !== n || at.leafC.length !== n) {
    throw new RelaxError(
      `${kernel} (webgpu)`,
      "leafY/leafX/leafC",
      `K · 2^depth = ${n} entries each`,
      `${at.leafY.length}/${at.leafX.length}/${at.leafC.length}`,
    );
  }
  if (x.shape.length !== 4 || ho < 0 || wo < 0)
    throw new RelaxError(`${kernel} (webgpu)`, "x", `[batch, H, W, C] with H, W ≥ receptiveField ${rf}`, `[${x.shape.join(", ")}]`);
  return { batch, h, w, c, ho: Math.max(ho, 0), wo: Math.max(wo, 0), lo, stride, K, depth: at.depth, leaves, nodes: leaves - 1 };
}

/** `[leafY (K·L), leafX (K·L), leafC (K·L)]`. */
function leafTable(at: RelaxLogicConvTreeAttrs): Int32Array {
  const n = at.leafY.length;
  const t = new Int32Array(3 * n);
  t.set(at.leafY, 0);
  t.set(at.leafX, n);
  t.set(at.leafC, 2 * n);
  return t;
}

/**
 * The (kernel, leaf) pairs `q = k·2^d + l` reading each input channel, in CSR form:
 * `[offset_0..offset_C, entries...]`, entries of one channel in increasing q.
 */
export function channelLeafTable(leafC: ArrayLike<number>, channels: number): Int32Array {
  const n = leafC.length;
  const t = new Int32Array(channels + 1 + n);
  for (let q = 0; q < n; q++) t[(leafC[q] as number) + 1]!++;
  for (let c = 0; c < channels; c++) t[c + 1]! += t[c] as number;
  const fill = t.slice(0, channels);
  for (let q = 0; q < n; q++) t[channels + 1 + fill[leafC[q] as number]!++] = q;
  return t;
}

/** A tree layer's leaf tables, uploaded once per layer and kept on the GPU (see `persistentIntTable`). */
function keptLeafTable(gpu: WebGPUBackend, at: RelaxLogicConvTreeAttrs): TensorInfo {
  return persistentIntTable(gpu, [at.leafY, at.leafX, at.leafC], "leaf", () => leafTable(at));
}
function keptChannelTable(gpu: WebGPUBackend, at: RelaxLogicConvTreeAttrs, channels: number): TensorInfo {
  return persistentIntTable(gpu, [at.leafY, at.leafX, at.leafC], `chan${channels}`, () => channelLeafTable(at.leafC, channels));
}

/** difflogic's nodes (softmax16, soft choice): the dense layer's coefficient and logit-gradient programs. */
function isDifflogic(at: RelaxLogicConvTreeAttrs): boolean {
  return (at.parametrization ?? "softmax16") === "softmax16" && (at.gateChoice ?? "soft") === "soft";
}

/**
 * The nodes' coefficients `coeff` `[K·N, 4]`; with `forGradient`, for the other parametrisations and choices also
 * the relaxed distribution `s` `[K·N, P]` and the gradient's scale, from the learned layer's gate choice (same noise
 * stream and index as the host kernel). The caller releases `coeff` and `s`.
 */
function nodeChoice(gpu: WebGPUBackend, logits: TensorInfo, at: RelaxLogicConvTreeAttrs, g: TreeGeometry, forGradient: boolean) {
  if (isDifflogic(at)) return { coeff: coefficients(gpu, logits, at.mode), s: undefined, scale: 1 };
  const { c, s, scale } = gateChoiceGpu(
    gpu,
    logits,
    g.K * g.nodes,
    {
      parametrization: at.parametrization ?? "softmax16",
      gateChoice: at.gateChoice ?? "soft",
      temperature: at.temperature ?? 1,
      noiseSeed: at.noiseSeed ?? 0,
      mode: at.mode,
    },
    forGradient,
  );
  return { coeff: c, s, scale };
}

/** Uniforms shared by the tree programs (order of {@link TREE_UNIFORMS}). */
const TREE_UNIFORMS = "H : i32, W : i32, C : i32, Ho : i32, Wo : i32, K : i32, lo : i32, S : i32, ";
function treeUniforms(g: TreeGeometry): Uniform[] {
  return [i32(g.h), i32(g.w), i32(g.c), i32(g.ho), i32(g.wo), i32(g.K), i32(g.lo), i32(g.stride)];
}

/**
 * WGSL helpers of a depth-d tree: `leafValue(b, i, j, q)` (zero outside the image) and
 * `evalTree(b, i, j, k) -> array<f32, 2L − 1>` with every activation in "reverse heap" order: leaves
 * 0 … L−1, node n (level 0 left to right, …, root last) at L + n with children 2n, 2n + 1.
 */
function treeWgsl(leaves: number): string {
  const L = leaves;
  return `
const L = ${L};
const N = ${L - 1};
fn leafValue(b : i32, i : i32, j : i32, q : i32) -> f32 {
  let KL = uniforms.K * L;
  let yy = i * uniforms.S + leaf[q] - uniforms.lo;
  let xx = j * uniforms.S + leaf[KL + q] - uniforms.lo;
  if (yy < 0 || yy >= uniforms.H || xx < 0 || xx >= uniforms.W) { return 0.0; }
  return x[((b * uniforms.H + yy) * uniforms.W + xx) * uniforms.C + leaf[2 * KL + q]];
}
fn evalTree(b : i32, i : i32, j : i32, k : i32) -> array<f32, ${2 * L - 1}> {
  var act : array<f32, ${2 * L - 1}>;
  for (var l = 0; l < L; l++) { act[l] = leafValue(b, i, j, k * L + l); }
  for (var n = 0; n < N; n++) {
    let q = (k * N + n) * 4;
    let a = act[2 * n];
    act[L + n] = coeff[q] + coeff[q + 1] * a + (coeff[q + 2] + coeff[q + 3] * a) * act[2 * n + 1];
  }
  return act;
}
`;
}

/** `(b, i, j, k)` of a flat output index of `[B, H', W', K]`. */
const OUTPUT_COORDS = `
    let k = index % uniforms.K;
    let r = index / uniforms.K;
    let j = r % uniforms.Wo;
    let r2 = r / uniforms.Wo;
    let i = r2 % uniforms.Ho;
    let b = r2 / uniforms.Ho;`;

function treeForwardProgram(g: TreeGeometry) {
  const L = g.leaves;
  return elementwiseProgram({
    key: `conv_tree_forward_L${L}`,
    variableNames: ["x", "coeff", "leaf"],
    outputShape: [g.batch, g.ho, g.wo, g.K],
    uniforms: TREE_UNIFORMS,
    helpers: treeWgsl(L),
    body: `${OUTPUT_COORDS}
    // Level by level in place: node m of a level reads slots 2m, 2m + 1 of the level below.
    var v : array<f32, L>;
    for (var l = 0; l < L; l++) { v[l] = leafValue(b, i, j, k * L + l); }
    var q = k * N * 4;
    for (var width = L / 2; width >= 1; width = width / 2) {
      for (var m = 0; m < width; m++) {
        let a = v[2 * m];
        v[m] = coeff[q] + coeff[q + 1] * a + (coeff[q + 2] + coeff[q + 3] * a) * v[2 * m + 1];
        q += 4;
      }
    }
    result[index] = v[0];`,
  });
}

/**
 * Leaf gradients `[b1 − b0, H', W', K, L]` of every tree instance of images `b0 ≤ b < b1` (pass 1 of ∂x;
 * `index` is local to the slice).
 */
function leafGradProgram(g: TreeGeometry, images: number) {
  const L = g.leaves;
  return elementwiseProgram({
    key: `conv_tree_leaf_grad_L${L}`,
    variableNames: ["x", "coeff", "leaf", "dy"],
    outputShape: [images * g.ho * g.wo * g.K, L],
    count: images * g.ho * g.wo * g.K,
    uniforms: `${TREE_UNIFORMS}b0 : i32, `,
    helpers: treeWgsl(L),
    body: `${OUTPUT_COORDS.replace("let b = r2 / uniforms.Ho;", "let b = r2 / uniforms.Ho + uniforms.b0;")}
    let gy = dy[index + uniforms.b0 * uniforms.Ho * uniforms.Wo * uniforms.K];
    if (gy == 0.0) {
      for (var l = 0; l < L; l++) { result[index * L + l] = 0.0; }
      return;
    }
    let act = evalTree(b, i, j, k);
    var grad : array<f32, ${2 * L - 1}>;
    grad[2 * L - 2] = gy;
    for (var n = N - 1; n >= 0; n--) {
      let q = (k * N + n) * 4;
      let gn = grad[L + n];
      grad[2 * n] = gn * (coeff[q + 1] + coeff[q + 3] * act[2 * n + 1]);
      grad[2 * n + 1] = gn * (coeff[q + 2] + coeff[q + 3] * act[2 * n]);
    }
    for (var l = 0; l < L; l++) { result[index * L + l] = grad[l]; }`,
  });
}

/** `∂x` of images `b0 ≤ b < b1`, gathered from their leaf gradients (pass 2 of ∂x) into `[B, H, W, C]`. */
function gatherGradXProgram(g: TreeGeometry, images: number) {
  const L = g.leaves;
  return elementwiseProgram({
    key: `conv_tree_gather_dx_L${L}`,
    variableNames: ["leafGrad", "leaf", "chan"],
    outputShape: [g.batch, g.h, g.w, g.c],
    count: images * g.h * g.w * g.c,
    uniforms: `${TREE_UNIFORMS}b0 : i32, `,
    body: `
    let L = ${L};
    let c = index % uniforms.C;
    let r = index / uniforms.C;
    let xx = r % uniforms.W;
    let r2 = r / uniforms.W;
    let yy = r2 % uniforms.H;
    let b = r2 / uniforms.H; // local to the slice
    let KL = uniforms.K * L;
    var acc = 0.0;
    let end = chan[c + 1];
    for (var t = chan[c]; t < end; t++) {
      let q = chan[uniforms.C + 1 + t];
      // window corner s·i = yy + lo − leafY: covered when it is a non-negative multiple of the stride
      let si = yy + uniforms.lo - leaf[q];
      let sj = xx + uniforms.lo - leaf[KL + q];
      let i = si / uniforms.S;
      let j = sj / uniforms.S;
      if (si >= 0 && sj >= 0 && i * uniforms.S == si && j * uniforms.S == sj && i < uniforms.Ho && j < uniforms.Wo) {
        let k = q / L;
        acc += leafGrad[(((b * uniforms.Ho + i) * uniforms.Wo + j) * uniforms.K + k) * L + (q - k * L)];
      }
    }
    result[index + uniforms.b0 * uniforms.H * uniforms.W * uniforms.C] = acc;`,
  });
}

/**
 * Sets the byte budget of the ∂x leaf-gradient buffer (batches beyond it run in slices of images; also
 * capped by the device's binding limit); returns the previous value. For tests.
 *
 * @deprecated Use the flag: `tf.env().set("RELAX_WEBGPU_LEAF_GRAD_BUDGET", bytes)`; this wrapper sets it
 * and goes away in the next minor release.
 */
export function setLeafGradBudget(bytes: number): number {
  const previous = env().getNumber(RELAX_WEBGPU_LEAF_GRAD_BUDGET);
  env().set(RELAX_WEBGPU_LEAF_GRAD_BUDGET, bytes);
  return previous;
}

/** Positions per workgroup of the ∂logits reduction (16 per thread): more workgroups for large inputs. */
const CHUNK_POSITIONS = REDUCE_THREADS * 16;

/**
 * Pass 1 of ∂logits: `S` partial sums `[K·N·chunks, 4]`, one workgroup per (tree, node, chunk of
 * {@link CHUNK_POSITIONS} positions of batch × H' × W').
 */
function treeStatsProgram(g: TreeGeometry, chunks: number) {
  const L = g.leaves;
  return perUnitProgram({
    key: `conv_tree_stats_L${L}`,
    variableNames: ["x", "coeff", "leaf", "dy"],
    outputShape: [g.K * g.nodes * chunks, 4],
    units: g.K * g.nodes * chunks,
    threads: REDUCE_THREADS,
    uniforms: `${TREE_UNIFORMS}positions : i32, chunks : i32, `,
    helpers: `${REDUCE_STATS_WGSL}${treeWgsl(L)}`,
    body: `
  var s = vec4<f32>(0.0);
  if (valid) {
    let kn = unit / uniforms.chunks;
    let k = kn / N;
    let n = kn - k * N;
    let p0 = (unit - kn * uniforms.chunks) * ${CHUNK_POSITIONS};
    let p1 = min(p0 + ${CHUNK_POSITIONS}, uniforms.positions);
    for (var p = p0 + lid; p < p1; p += ${REDUCE_THREADS}) {
      let gy = dy[p * uniforms.K + k];
      if (gy == 0.0) { continue; }
      let j = p % uniforms.Wo;
      let r = p / uniforms.Wo;
      let i = r % uniforms.Ho;
      let b = r / uniforms.Ho;
      let act = evalTree(b, i, j, k);
      // gradient of node n: the root gradient times the factors c1 + c3·B / c2 + c3·A along its path
      var f = gy;
      var t = L + n;
      while (t < 2 * L - 2) {
        let parent = t / 2;
        let q = (k * N + parent) * 4;
        if ((t & 1) == 0) {
          f *= coeff[q + 1] + coeff[q + 3] * act[t + 1];
        } else {
          f *= coeff[q + 2] + coeff[q + 3] * act[t - 1];
        }
        t = L + parent;
      }
      let A = act[2 * n];
      let B = act[2 * n + 1];
      let fa = f * A;
      s += vec4<f32>(f, fa, f * B, fa * B);
    }
  }
  let S = reduceStats(lid, s);
  if (valid && lid == 0) {
    result[unit * 4] = S.x;
    result[unit * 4 + 1] = S.y;
    result[unit * 4 + 2] = S.z;
    result[unit * 4 + 3] = S.w;
  }`,
  });
}

/**
 * Pass 2 of ∂logits: per node `S = Σ_chunks` in order, then difflogic's `∂z = p ⊙ (M·S − p·(M·S))` (`params` null,
 * inputs `stats`, `logits`) or, for the other parametrisations and choices, the learned layer's scaled parameter
 * gradient ({@link paramGradWgsl}; inputs `stats`, `s`), `[K, N, P]`.
 */
function treeLogitGradProgram(g: TreeGeometry, params: { bilinear: boolean } | null) {
  return elementwiseProgram({
    key: params ? `conv_tree_param_grad_${params.bilinear ? "b4" : "s16"}` : "conv_tree_logit_grad",
    variableNames: params ? ["stats", "s"] : ["stats", "logits"],
    outputShape: [g.K, g.nodes, params?.bilinear ? 4 : NUM_GATES],
    count: g.K * g.nodes,
    uniforms: params ? "chunks : i32, factor : f32, " : "chunks : i32, ",
    helpers: params ? paramGradWgsl(params.bilinear) : `${PROBS_WGSL}${LOGIT_GRAD_WGSL}`,
    body: `
    var S = vec4<f32>(0.0);
    for (var c = 0; c < uniforms.chunks; c++) {
      let o = (index * uniforms.chunks + c) * 4;
      S += vec4<f32>(stats[o], stats[o + 1], stats[o + 2], stats[o + 3]);
    }
    ${params ? "writeParamGrad(index, S);" : "writeLogitGrad(index, S);"}`,
  });
}

export const logicConvTreeConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLogicConvTree,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxLogicConvTreeAttrs;
    const { x, logits } = inputs as Record<string, TensorInfo>;
    const g = treeGeometry(RelaxLogicConvTree, x!, logits!, at);
    const shape = [g.batch, g.ho, g.wo, g.K];
    if (util.sizeFromShape(shape) === 0 || util.sizeFromShape(x!.shape) === 0) return zeros(gpu, shape);
    const { coeff } = nodeChoice(gpu, logits!, at, g, false);
    const leaf = keptLeafTable(gpu, at);
    const y = run(gpu, treeForwardProgram(g), [x!, coeff, leaf], "float32", treeUniforms(g));
    release(gpu, coeff);
    return y;
  },
});

export const logicConvTreeGradXConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLogicConvTreeGradX,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxLogicConvTreeAttrs;
    const { x, logits, dy } = inputs as Record<string, TensorInfo>;
    const g = treeGeometry(RelaxLogicConvTreeGradX, x!, logits!, at);
    if (util.sizeFromShape(x!.shape) === 0) return zeros(gpu, x!.shape);
    if (util.sizeFromShape(dy!.shape) === 0) return zeros(gpu, x!.shape);
    const { coeff } = nodeChoice(gpu, logits!, at, g, false);
    const leaf = keptLeafTable(gpu, at);
    const chan = keptChannelTable(gpu, at, g.c);
    // The leaf gradients take 2^d floats per output: batches whose buffer exceeds the budget or the
    // device's binding limit run in slices of images, each writing its rows of one shared ∂x.
    const limits = gpu.device.limits;
    const budget = Math.min(env().getNumber(RELAX_WEBGPU_LEAF_GRAD_BUDGET), limits.maxStorageBufferBindingSize, limits.maxBufferSize);
    const perImage = g.ho * g.wo * g.K * g.leaves * 4;
    const slice = Math.max(1, Math.min(g.batch, Math.floor(budget / perImage)));
    const dx = gpu.makeTensorInfo(x!.shape, "float32");
    for (let b0 = 0; b0 < g.batch; b0 += slice) {
      const images = Math.min(slice, g.batch - b0);
      const uniforms = [...treeUniforms(g), i32(b0)];
      const leafGrad = run(gpu, leafGradProgram(g, images), [x!, coeff, leaf, dy!], "float32", uniforms);
      const gather = gatherGradXProgram(g, images);
      gpu.runWebGPUProgram(gather, [leafGrad, leaf, chan], "float32", [...gather.leadingUniforms, ...uniforms], dx);
      release(gpu, leafGrad);
    }
    release(gpu, coeff);
    return dx;
  },
});

export const logicConvTreeGradLogitsConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLogicConvTreeGradLogits,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxLogicConvTreeAttrs;
    const { x, logits, dy } = inputs as Record<string, TensorInfo>;
    const g = treeGeometry(RelaxLogicConvTreeGradLogits, x!, logits!, at);
    const shape = logits!.shape;
    // eval mode: the argmax gate has no logit gradient (as the CPU kernel); nothing to reduce over an empty batch
    if (at.mode === "eval" || util.sizeFromShape(dy!.shape) === 0 || util.sizeFromShape(shape) === 0) return zeros(gpu, shape);
    const { coeff, s, scale } = nodeChoice(gpu, logits!, at, g, true);
    const leaf = keptLeafTable(gpu, at);
    const positions = g.batch * g.ho * g.wo;
    const chunks = Math.ceil(positions / CHUNK_POSITIONS);
    const stats = run(gpu, treeStatsProgram(g, chunks), [x!, coeff, leaf, dy!], "float32", [
      ...treeUniforms(g),
      i32(positions),
      i32(chunks),
    ]);
    const dz = s
      ? run(gpu, treeLogitGradProgram(g, { bilinear: at.parametrization === "bilinear4" }), [stats, s], "float32", [
          i32(chunks),
          f32(scale),
        ])
      : run(gpu, treeLogitGradProgram(g, null), [stats, logits!], "float32", [i32(chunks)]);
    release(gpu, coeff, stats, ...(s ? [s] : []));
    return dz;
  },
});

/** Pool geometry; uniforms `H, W, C, Ho, Wo, size, stride` in this order. */
function poolUniforms(x: TensorInfo, at: RelaxOrPoolMaxAttrs): { shape: number[]; uniforms: Uniform[] } {
  const [batch, h, w, c] = x.shape as [number, number, number, number];
  const ho = h >= at.size ? Math.floor((h - at.size) / at.stride) + 1 : 0;
  const wo = w >= at.size ? Math.floor((w - at.size) / at.stride) + 1 : 0;
  return {
    shape: [batch, ho, wo, c],
    uniforms: [i32(h), i32(w), i32(c), i32(ho), i32(wo), i32(at.size), i32(at.stride)],
  };
}
const POOL_UNIFORMS = "H : i32, W : i32, C : i32, Ho : i32, Wo : i32, size : i32, stride : i32, ";

/** `argmax(b, i, j, c)`: flat input index of the first maximum of a window (row-major, strict `>`). */
const POOL_ARGMAX_WGSL = `
fn windowArgmax(b : i32, i : i32, j : i32, c : i32) -> i32 {
  let corner = ((b * uniforms.H + i * uniforms.stride) * uniforms.W + j * uniforms.stride) * uniforms.C + c;
  var best = corner;
  var mx = x[corner];
  for (var u = 0; u < uniforms.size; u++) {
    for (var v = 0; v < uniforms.size; v++) {
      let t = corner + (u * uniforms.W + v) * uniforms.C;
      let val = x[t];
      if (val > mx) { mx = val; best = t; }
    }
  }
  return best;
}`;

function poolForwardProgram(shape: number[]) {
  return elementwiseProgram({
    key: "or_pool_max",
    variableNames: ["x"],
    outputShape: shape,
    uniforms: POOL_UNIFORMS,
    helpers: POOL_ARGMAX_WGSL,
    body: `
    let c = index % uniforms.C;
    let r = index / uniforms.C;
    let j = r % uniforms.Wo;
    let r2 = r / uniforms.Wo;
    let i = r2 % uniforms.Ho;
    let b = r2 / uniforms.Ho;
    result[index] = x[windowArgmax(b, i, j, c)];`,
  });
}

function poolGradProgram(xShape: number[]) {
  return elementwiseProgram({
    key: "or_pool_max_grad",
    variableNames: ["x", "dy"],
    outputShape: xShape,
    uniforms: POOL_UNIFORMS,
    helpers: `${POOL_ARGMAX_WGSL}
/** First window index (along one axis) whose window [o·stride, o·stride + size) contains position y. */
fn firstWindow(y : i32) -> i32 {
  let d = y - uniforms.size + 1;
  if (d <= 0) { return 0; }
  return (d + uniforms.stride - 1) / uniforms.stride;
}`,
    body: `
    let c = index % uniforms.C;
    let r = index / uniforms.C;
    let xx = r % uniforms.W;
    let r2 = r / uniforms.W;
    let yy = r2 % uniforms.H;
    let b = r2 / uniforms.H;
    let i1 = min(uniforms.Ho - 1, yy / uniforms.stride);
    let j0 = firstWindow(xx);
    let j1 = min(uniforms.Wo - 1, xx / uniforms.stride);
    var acc = 0.0;
    for (var i = firstWindow(yy); i <= i1; i++) {
      for (var j = j0; j <= j1; j++) {
        if (windowArgmax(b, i, j, c) == index) {
          acc += dy[((b * uniforms.Ho + i) * uniforms.Wo + j) * uniforms.C + c];
        }
      }
    }
    result[index] = acc;`,
  });
}

export const orPoolMaxConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxOrPoolMax,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const { x } = inputs as Record<string, TensorInfo>;
    const { shape, uniforms } = poolUniforms(x!, attrs as unknown as RelaxOrPoolMaxAttrs);
    if (util.sizeFromShape(shape) === 0) return zeros(gpu, shape);
    return run(gpu, poolForwardProgram(shape), [x!], "float32", uniforms);
  },
});

export const orPoolMaxGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxOrPoolMaxGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const { x, dy } = inputs as Record<string, TensorInfo>;
    const { shape, uniforms } = poolUniforms(x!, attrs as unknown as RelaxOrPoolMaxAttrs);
    if (util.sizeFromShape(shape) === 0 || util.sizeFromShape(x!.shape) === 0) return zeros(gpu, x!.shape);
    return run(gpu, poolGradProgram(x!.shape), [x!, dy!], "float32", uniforms);
  },
});
