/**
 * WGSL logic gate layer (Petersen et al., "Deep Differentiable Logic Gate Networks", NeurIPS 2022) in
 * the four-coefficient form, the same numbers as `@relax/logic`'s CPU kernels (kernels/logic_layer.ts):
 * per neuron `C = Mᵀ·p` with p = softmax(logits) (train) or one-hot(argmax, first max) (eval), then
 * `y = C0 + C1·A + C2·B + C3·A·B`.
 *
 * Programs, each in either layout (batch-major `[batch, features]` or feature-major `[features, batch]`,
 * as the host kernels; `LogicNet` chains feature-major layers so every read and write coalesces):
 * forward (one invocation per output element, the neuron's coefficients computed in place); input
 * gradient as a gather over each input's fan-out list (CSR built on the host from `a`, `b`: no
 * atomics); logit gradient with one workgroup per neuron reducing `Σ_n g·[1, A, B, AB]` over the batch.
 * The wiring tables are uploaded once per layer. `coefficients` (`[gates, 4]`) serves the conv trees.
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { RelaxLogicLayer, RelaxLogicLayerGradLogits, RelaxLogicLayerGradX, type RelaxLogicLayerAttrs } from "@relax/core";
import { GATE_COEFFS } from "@relax/core/internal";
import { elementwiseProgram, f32, i32, perUnitProgram, persistentIntTable, run, zeros, withFloatStorage } from "../program.js";

export const NUM_GATES = 16;

/** WGSL constant `GATE_M : array<vec4<f32>, 16>`, generated from the one gate table (`GATE_COEFFS` of `@relax/core/internal`). */
export const GATE_MATRIX_WGSL = `const GATE_M = array<vec4<f32>, 16>(${GATE_COEFFS.map((c) => `vec4<f32>(${c.map((v) => v.toFixed(1)).join(", ")})`).join(", ")});`;

/**
 * Softmax (train) or first-max one-hot (eval) of neuron j's 16 logits, as in the CPU kernel (WGSL helper
 * `gateProbs(j, evalMode)` reading the input `logits`, plus the constant `GATE_M`).
 */
export const PROBS_WGSL = `
${GATE_MATRIX_WGSL}
fn gateProbs(j : i32, evalMode : bool) -> array<f32, 16> {
  var p : array<f32, 16>;
  let o = j * 16;
  var best = 0;
  var mx = logits[o];
  for (var i = 1; i < 16; i++) {
    let v = logits[o + i];
    if (v > mx) { mx = v; best = i; }
  }
  if (evalMode) {
    for (var i = 0; i < 16; i++) { p[i] = select(0.0, 1.0, i == best); }
    return p;
  }
  var s = 0.0;
  for (var i = 0; i < 16; i++) { let e = exp(logits[o + i] - mx); p[i] = e; s += e; }
  for (var i = 0; i < 16; i++) { p[i] = p[i] / s; }
  return p;
}
`;

function coeffProgram(outDim: number, mode: string) {
  return elementwiseProgram({
    key: `logic_coeff_${mode}`,
    variableNames: ["logits"],
    outputShape: [outDim, 4],
    helpers: PROBS_WGSL,
    body: `
    let j = index / 4;
    let q = index - j * 4;
    let p = gateProbs(j, ${mode === "eval" ? "true" : "false"});
    var c = 0.0;
    for (var i = 0; i < 16; i++) { c += p[i] * GATE_M[i][q]; }
    result[index] = c;`,
  });
}

/**
 * The layer's two layouts, fixed per compiled shader: batch-major `[batch, features]` or feature-major
 * `[features, batch]` (`fmIn` for x and ∂x, `fmOut` for y and ∂y). WGSL helpers `xAt(s, i)`, `dyAt(s, j)`
 * (sample s, feature i / neuron j) and `coeffOf(j)`, neuron j's `[c0, c1, c2, c3]` computed from its 16
 * logits where it is needed (no coefficient buffer, no extra dispatch).
 */
interface Layout {
  fmIn: boolean;
  fmOut: boolean;
  evalMode: boolean;
}

const layoutKey = (l: Layout): string => `${l.fmIn ? "f" : "b"}${l.fmOut ? "f" : "b"}${l.evalMode ? "e" : "t"}`;

function layoutHelpers(l: Layout, withDy: boolean): string {
  return `
${PROBS_WGSL}
fn coeffOf(j : i32) -> vec4<f32> {
  let p = gateProbs(j, ${l.evalMode});
  var c = vec4<f32>(0.0);
  for (var i = 0; i < 16; i++) { c += p[i] * GATE_M[i]; }
  return c;
}
fn xAt(s : i32, i : i32) -> f32 {
  return x[${l.fmIn ? "i * uniforms.batch + s" : "s * uniforms.inDim + i"}];
}
${
  withDy
    ? `fn dyAt(s : i32, j : i32) -> f32 {
  return dy[${l.fmOut ? "j * uniforms.batch + s" : "s * uniforms.outDim + j"}];
}`
    : ""
}`;
}

/** One invocation per output element, numbered along the output's memory (coalesced writes). */
function forwardProgram(batch: number, outDim: number, l: Layout) {
  return elementwiseProgram({
    key: `logic_forward_${layoutKey(l)}`,
    variableNames: ["x", "logits", "ab"],
    outputShape: l.fmOut ? [outDim, batch] : [batch, outDim],
    uniforms: "batch : i32, inDim : i32, outDim : i32, ",
    helpers: layoutHelpers(l, false),
    body: `
    ${l.fmOut ? "let j = index / uniforms.batch; let s = index - j * uniforms.batch;" : "let s = index / uniforms.outDim; let j = index - s * uniforms.outDim;"}
    let A = xAt(s, ab[j]);
    let B = xAt(s, ab[uniforms.outDim + j]);
    let c = coeffOf(j);
    result[index] = c.x + c.y * A + (c.z + c.w * A) * B;`,
  });
}

/** ∂x as a gather over each input's fan-out list (no atomics), in x's layout. */
function gradXProgram(batch: number, inDim: number, l: Layout) {
  return elementwiseProgram({
    key: `logic_grad_x_${layoutKey(l)}`,
    variableNames: ["x", "logits", "dy", "ab", "fanout"],
    outputShape: l.fmIn ? [inDim, batch] : [batch, inDim],
    uniforms: "batch : i32, inDim : i32, outDim : i32, gradFactor : f32, ",
    helpers: layoutHelpers(l, true),
    body: `
    ${l.fmIn ? "let i = index / uniforms.batch; let s = index - i * uniforms.batch;" : "let s = index / uniforms.inDim; let i = index - s * uniforms.inDim;"}
    var acc = 0.0;
    let end = fanout[i + 1];
    for (var t = fanout[i]; t < end; t++) {
      let e = fanout[uniforms.inDim + 1 + t];
      let j = e >> 1u;
      let g = dyAt(s, j);
      let c = coeffOf(j);
      if ((e & 1) == 0) {
        acc += g * (c.y + c.w * xAt(s, ab[uniforms.outDim + j]));
      } else {
        acc += g * (c.z + c.w * xAt(s, ab[j]));
      }
    }
    result[index] = acc * uniforms.gradFactor;`,
  });
}

export const REDUCE_THREADS = 64;

/**
 * WGSL `reduceStats(lid, s) -> vec4<f32>`: the workgroup sum of every invocation's `s` (tree in workgroup
 * memory, {@link REDUCE_THREADS} invocations; call from uniform control flow), the same value in each.
 */
export const REDUCE_STATS_WGSL = /* wgsl */ `
var<workgroup> partial : array<vec4<f32>, ${REDUCE_THREADS}>;
fn reduceStats(lid : i32, s : vec4<f32>) -> vec4<f32> {
  partial[lid] = s;
  workgroupBarrier();
  for (var w = ${REDUCE_THREADS / 2}; w > 0; w = w / 2) {
    if (lid < w) { partial[lid] = partial[lid] + partial[lid + w]; }
    workgroupBarrier();
  }
  return partial[0];
}
`;

/**
 * WGSL `writeLogitGrad(j, S)` (after {@link PROBS_WGSL}): from node j's sums S = Σ g·[1, A, B, AB], its
 * logit gradient through the softmax, `∂z = p ⊙ (M·S − p·(M·S))`, into `result[16j..16j+15]`.
 */
export const LOGIT_GRAD_WGSL = /* wgsl */ `
fn writeLogitGrad(j : i32, S : vec4<f32>) {
  let p = gateProbs(j, false);
  var dp : array<f32, 16>;
  var dotp = 0.0;
  for (var i = 0; i < 16; i++) { dp[i] = dot(GATE_M[i], S); dotp += dp[i] * p[i]; }
  for (var i = 0; i < 16; i++) { result[j * 16 + i] = p[i] * (dp[i] - dotp); }
}
`;

/** ∂logits: one workgroup per neuron reduces `Σ_s g·[1, A, B, AB]` over the batch, then the softmax Jacobian. */
function gradLogitsProgram(outDim: number, l: Layout) {
  return perUnitProgram({
    key: `logic_grad_logits_${layoutKey(l)}`,
    variableNames: ["x", "logits", "dy", "ab"],
    outputShape: [outDim, NUM_GATES],
    units: outDim,
    threads: REDUCE_THREADS,
    uniforms: "batch : i32, inDim : i32, outDim : i32, ",
    helpers: `${REDUCE_STATS_WGSL}${layoutHelpers(l, true)}${LOGIT_GRAD_WGSL}`,
    body: `
  var s = vec4<f32>(0.0);
  if (valid) {
    let ia = ab[unit];
    let ib = ab[uniforms.outDim + unit];
    for (var n = lid; n < uniforms.batch; n += ${REDUCE_THREADS}) {
      let g = dyAt(n, unit);
      let A = xAt(n, ia);
      let B = xAt(n, ib);
      s += vec4<f32>(g, g * A, g * B, g * A * B);
    }
  }
  let S = reduceStats(lid, s);
  if (valid && lid == 0) { writeLogitGrad(unit, S); }`,
  });
}

/** `[a_0..a_{m−1}, b_0..b_{m−1}]`. */
function abTable(attrs: RelaxLogicLayerAttrs): Int32Array {
  const m = attrs.a.length;
  const t = new Int32Array(2 * m);
  for (let j = 0; j < m; j++) {
    t[j] = attrs.a[j] as number;
    t[m + j] = attrs.b[j] as number;
  }
  return t;
}

/**
 * Fan-out lists of every input in CSR form: `[offset_0..offset_inDim, entries...]`, entry `2j` when
 * input i is neuron j's first input (a_j = i), `2j+1` when it is the second (b_j = i); entries of one
 * input in increasing j (a before b for the same j).
 */
export function fanoutTable(a: ArrayLike<number>, b: ArrayLike<number>, inDim: number): Int32Array {
  const m = a.length;
  const count = new Int32Array(inDim + 1);
  for (let j = 0; j < m; j++) {
    count[(a[j] as number) + 1]!++;
    count[(b[j] as number) + 1]!++;
  }
  for (let i = 0; i < inDim; i++) count[i + 1]! += count[i] as number;
  const t = new Int32Array(inDim + 1 + 2 * m);
  t.set(count, 0);
  const fill = count.slice(0, inDim);
  for (let j = 0; j < m; j++) {
    t[inDim + 1 + fill[a[j] as number]!++] = 2 * j;
    t[inDim + 1 + fill[b[j] as number]!++] = 2 * j + 1;
  }
  return t;
}

/** Layer geometry from x's shape and the attrs (x is `[inDim, batch]` when `featureMajorIn`, else `[batch, inDim]`). */
function geometry(x: TensorInfo, at: RelaxLogicLayerAttrs): { batch: number; inDim: number; outDim: number; layout: Layout } {
  const [d0, d1] = x.shape as [number, number];
  const fmIn = at.featureMajorIn ?? false;
  return {
    batch: fmIn ? d1 : d0,
    inDim: fmIn ? d0 : d1,
    outDim: at.a.length,
    layout: { fmIn, fmOut: at.featureMajorOut ?? false, evalMode: at.mode === "eval" },
  };
}

/** The wiring tables of a layer, uploaded once per layer (see {@link persistentIntTable}). */
function wiring(gpu: WebGPUBackend, at: RelaxLogicLayerAttrs, inDim: number, withFanout: boolean) {
  const ab = persistentIntTable(gpu, [at.a, at.b], "ab", () => abTable(at));
  const fanout = withFanout ? persistentIntTable(gpu, [at.a, at.b], `fanout${inDim}`, () => fanoutTable(at.a, at.b, inDim)) : ab;
  return { ab, fanout };
}

/** Per-gate coefficients `[gates, 4]` of logits `[..., 16]` (any leading shape, flattened). */
export function coefficients(gpu: WebGPUBackend, logits: TensorInfo, mode: string): TensorInfo {
  const outDim = logits.shape.reduce((p, q) => p * q, 1) / NUM_GATES;
  return run(gpu, coeffProgram(outDim, mode), [logits], "float32");
}

export const logicLayerConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLogicLayer,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxLogicLayerAttrs;
    const { x, logits } = inputs as Record<string, TensorInfo>;
    const { batch, inDim, outDim, layout } = geometry(x!, at);
    const shape = layout.fmOut ? [outDim, batch] : [batch, outDim];
    if (batch === 0 || outDim === 0) return zeros(gpu, shape);
    const { ab } = wiring(gpu, at, inDim, false);
    return run(gpu, forwardProgram(batch, outDim, layout), [x!, logits!, ab], "float32", [i32(batch), i32(inDim), i32(outDim)]);
  },
});

export const logicLayerGradXConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLogicLayerGradX,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxLogicLayerAttrs;
    const { x, logits, dy } = inputs as Record<string, TensorInfo>;
    const { batch, inDim, outDim, layout } = geometry(x!, at);
    if (batch === 0 || inDim === 0 || outDim === 0) return zeros(gpu, x!.shape);
    const { ab, fanout } = wiring(gpu, at, inDim, true);
    return run(gpu, gradXProgram(batch, inDim, layout), [x!, logits!, dy!, ab, fanout], "float32", [
      i32(batch),
      i32(inDim),
      i32(outDim),
      f32(at.gradFactor),
    ]);
  },
});

export const logicLayerGradLogitsConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLogicLayerGradLogits,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxLogicLayerAttrs;
    const { x, logits, dy } = inputs as Record<string, TensorInfo>;
    const { batch, inDim, outDim, layout } = geometry(x!, at);
    // eval mode: the argmax gate has no logit gradient (as the CPU kernel)
    if (at.mode === "eval" || batch === 0 || outDim === 0) return zeros(gpu, [outDim, NUM_GATES]);
    const { ab } = wiring(gpu, at, inDim, false);
    return run(gpu, gradLogitsProgram(outDim, layout), [x!, logits!, dy!, ab], "float32", [i32(batch), i32(inDim), i32(outDim)]);
  },
});
