/**
 * WGSL logic gate layer (Petersen et al., "Deep Differentiable Logic Gate Networks", NeurIPS 2022) in
 * the four-coefficient form, the same numbers as `@relax/logic`'s CPU kernels (logic_kernel.ts):
 * per neuron `C = Mᵀ·p` with p = softmax(logits) (train) or one-hot(argmax, first max) (eval), then
 * `y = C0 + C1·A + C2·B + C3·A·B`.
 *
 * Programs: coefficients `[outDim, 4]` (one invocation per neuron); forward (one per output element);
 * input gradient as a gather over each input's fan-out list (CSR built on the host from `a`, `b`: no
 * atomics); logit gradient with one workgroup per neuron reducing `Σ_n g·[1, A, B, AB]` over the batch.
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { RelaxLogicLayer, RelaxLogicLayerGradLogits, RelaxLogicLayerGradX, type RelaxLogicLayerAttrs } from "@relax/core";
import { elementwiseProgram, f32, i32, intTable, perUnitProgram, release, run } from "../program.js";

export const NUM_GATES = 16;

/**
 * `[c0, c1, c2, c3]` of gate `id` (NeurIPS 2022, Table 1 order): the bilinear interpolation of its truth
 * table `T(A,B)` with `id = 8·T00 + 4·T01 + 2·T10 + T11`.
 */
function gateCoefficients(id: number): [number, number, number, number] {
  const t00 = (id >> 3) & 1;
  const t01 = (id >> 2) & 1;
  const t10 = (id >> 1) & 1;
  const t11 = id & 1;
  return [t00, t10 - t00, t01 - t00, t00 - t01 - t10 + t11];
}

/** WGSL constant `GATE_M : array<vec4<f32>, 16>`. */
const GATE_MATRIX_WGSL = `const GATE_M = array<vec4<f32>, 16>(${Array.from(
  { length: NUM_GATES },
  (_, i) =>
    `vec4<f32>(${gateCoefficients(i)
      .map((v) => v.toFixed(1))
      .join(", ")})`,
).join(", ")});`;

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

function forwardProgram(batch: number, outDim: number) {
  return elementwiseProgram({
    key: "logic_forward",
    variableNames: ["x", "coeff", "ab"],
    outputShape: [batch, outDim],
    uniforms: "inDim : i32, outDim : i32, ",
    body: `
    let s = index / uniforms.outDim;
    let j = index - s * uniforms.outDim;
    let A = x[s * uniforms.inDim + ab[j]];
    let B = x[s * uniforms.inDim + ab[uniforms.outDim + j]];
    let c = j * 4;
    result[index] = coeff[c] + coeff[c + 1] * A + (coeff[c + 2] + coeff[c + 3] * A) * B;`,
  });
}

function gradXProgram(batch: number, inDim: number) {
  return elementwiseProgram({
    key: "logic_grad_x",
    variableNames: ["x", "coeff", "dy", "ab", "fanout"],
    outputShape: [batch, inDim],
    uniforms: "inDim : i32, outDim : i32, gradFactor : f32, ",
    body: `
    let s = index / uniforms.inDim;
    let i = index - s * uniforms.inDim;
    let xo = s * uniforms.inDim;
    let yo = s * uniforms.outDim;
    var acc = 0.0;
    let end = fanout[i + 1];
    for (var t = fanout[i]; t < end; t++) {
      let e = fanout[uniforms.inDim + 1 + t];
      let j = e >> 1u;
      let g = dy[yo + j];
      let c = j * 4;
      if ((e & 1) == 0) {
        acc += g * (coeff[c + 1] + coeff[c + 3] * x[xo + ab[uniforms.outDim + j]]);
      } else {
        acc += g * (coeff[c + 2] + coeff[c + 3] * x[xo + ab[j]]);
      }
    }
    result[index] = acc * uniforms.gradFactor;`,
  });
}

const REDUCE_THREADS = 64;

function gradLogitsProgram(outDim: number) {
  return perUnitProgram({
    key: "logic_grad_logits",
    variableNames: ["x", "logits", "dy", "ab"],
    outputShape: [outDim, NUM_GATES],
    units: outDim,
    threads: REDUCE_THREADS,
    uniforms: "batch : i32, inDim : i32, outDim : i32, ",
    helpers: `
var<workgroup> partial : array<vec4<f32>, ${REDUCE_THREADS}>;
${PROBS_WGSL}`,
    body: `
  var s = vec4<f32>(0.0);
  if (valid) {
    let ia = ab[unit];
    let ib = ab[uniforms.outDim + unit];
    for (var n = lid; n < uniforms.batch; n += ${REDUCE_THREADS}) {
      let g = dy[n * uniforms.outDim + unit];
      let A = x[n * uniforms.inDim + ia];
      let B = x[n * uniforms.inDim + ib];
      s += vec4<f32>(g, g * A, g * B, g * A * B);
    }
  }
  partial[lid] = s;
  workgroupBarrier();
  for (var w = ${REDUCE_THREADS / 2}; w > 0; w = w / 2) {
    if (lid < w) { partial[lid] = partial[lid] + partial[lid + w]; }
    workgroupBarrier();
  }
  if (valid && lid == 0) {
    let S = partial[0];
    let p = gateProbs(unit, false);
    var dp : array<f32, 16>;
    var dotp = 0.0;
    for (var i = 0; i < 16; i++) { dp[i] = dot(GATE_M[i], S); dotp += dp[i] * p[i]; }
    for (var i = 0; i < 16; i++) { result[unit * 16 + i] = p[i] * (dp[i] - dotp); }
  }`,
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

/**
 * The WGSL kernels read and write batch-major `[batch, features]` only. The feature-major layouts are used by
 * `LogicNet`'s fused host path, which needs a fused `RelaxGroupSum` and so never runs on webgpu; refuse them
 * rather than compute on a misread layout.
 */
function batchMajor(kernel: string, at: RelaxLogicLayerAttrs): RelaxLogicLayerAttrs {
  if (at.featureMajorIn || at.featureMajorOut) {
    throw new Error(`${kernel} on webgpu: featureMajorIn/featureMajorOut are not supported (batch-major [batch, features] only)`);
  }
  return at;
}

/** Per-gate coefficients `[gates, 4]` of logits `[..., 16]` (any leading shape, flattened). */
export function coefficients(gpu: WebGPUBackend, logits: TensorInfo, mode: string): TensorInfo {
  const outDim = logits.shape.reduce((p, q) => p * q, 1) / NUM_GATES;
  return run(gpu, coeffProgram(outDim, mode), [logits], "float32");
}

export const logicLayerConfig: KernelConfig = {
  kernelName: RelaxLogicLayer,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = batchMajor(RelaxLogicLayer, attrs as unknown as RelaxLogicLayerAttrs);
    const { x, logits } = inputs as Record<string, TensorInfo>;
    const [batch, inDim] = x!.shape as [number, number];
    const outDim = at.a.length;
    const coeff = coefficients(gpu, logits!, at.mode);
    const ab = intTable(gpu, abTable(at));
    const y = run(gpu, forwardProgram(batch, outDim), [x!, coeff, ab], "float32", [i32(inDim), i32(outDim)]);
    release(gpu, coeff, ab);
    return y;
  },
};

export const logicLayerGradXConfig: KernelConfig = {
  kernelName: RelaxLogicLayerGradX,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = batchMajor(RelaxLogicLayerGradX, attrs as unknown as RelaxLogicLayerAttrs);
    const { x, logits, dy } = inputs as Record<string, TensorInfo>;
    const [batch, inDim] = x!.shape as [number, number];
    const outDim = at.a.length;
    const coeff = coefficients(gpu, logits!, at.mode);
    const ab = intTable(gpu, abTable(at));
    const fanout = intTable(gpu, fanoutTable(at.a, at.b, inDim));
    const dx = run(gpu, gradXProgram(batch, inDim), [x!, coeff, dy!, ab, fanout], "float32", [i32(inDim), i32(outDim), f32(at.gradFactor)]);
    release(gpu, coeff, ab, fanout);
    return dx;
  },
};

export const logicLayerGradLogitsConfig: KernelConfig = {
  kernelName: RelaxLogicLayerGradLogits,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = batchMajor(RelaxLogicLayerGradLogits, attrs as unknown as RelaxLogicLayerAttrs);
    const { x, logits, dy } = inputs as Record<string, TensorInfo>;
    const [batch, inDim] = x!.shape as [number, number];
    const outDim = at.a.length;
    if (at.mode === "eval") {
      return gpu.makeTensorInfo([outDim, NUM_GATES], "float32", new Float32Array(outDim * NUM_GATES));
    }
    const ab = intTable(gpu, abTable(at));
    const dz = run(gpu, gradLogitsProgram(outDim), [x!, logits!, dy!, ab], "float32", [i32(batch), i32(inDim), i32(outDim)]);
    release(gpu, ab);
    return dz;
  },
};
