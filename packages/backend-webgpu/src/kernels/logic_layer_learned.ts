/**
 * WGSL learned logic layer ({@link RelaxLogicLayerLearned}: `LogicLayer` with `parametrization`, `gateChoice`,
 * `connections: 'learned'`), the same numbers as `@relax/logic`'s host kernel (kernels/logic_layer_learned.ts).
 *
 * Forward, five outputs: the choices (one invocation per neuron or gate input: coefficients `c` `[outDim, 4]`,
 * relaxed gate distribution `s` `[outDim, P]`, forward and relaxed wiring weights `q`, `qs` `[outDim, 2, K]`),
 * then `y = c0 + c1·A + c2·B + c3·A·B` with `A = Σ_k q_k·x[cand_k]` (one invocation per output element).
 * The Gumbel / logistic noise of 'gumbel-st' is drawn on the host by core's seeded generator (the host
 * kernel's, per parameter: small) and uploaded, so both backends choose from the same noise.
 *
 * Backward from the saved choices (the noise is never redrawn): the mixed inputs `M` `[2·outDim, batch]`
 * (rows `A_j`, `B_j`), their gradient `dM`, then ∂x as a gather over each input's fan-out list of
 * (gate input, candidate) entries (CSR built on the host from the candidates: no atomics), ∂weights with
 * one workgroup per neuron reducing `S = Σ_n g·[1, A, B, AB]`, and ∂wiring from `dq_k = Σ_n dM·x[cand_k]`
 * (one workgroup per candidate) through the softmax of the relaxed wiring weights.
 */
import type { KernelConfig, TensorInfo } from "@tensorflow/tfjs-core";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { RelaxLogicLayerLearned, RelaxLogicLayerLearnedGrad, type RelaxLogicLayerLearnedAttrs } from "@relax/core";
import { GATE_STREAM, WIRING_STREAM, drawNoise } from "@relax/core/internal";
import { elementwiseProgram, f32, i32, perUnitProgram, persistentIntTable, release, run, withFloatStorage, zeros } from "../program.js";
import { GATE_MATRIX_WGSL, REDUCE_STATS_WGSL, REDUCE_THREADS } from "./logic_layer.js";

/** Gate parametrisations with a WGSL form here (all of `LogicLayer`'s). */
export const WGSL_LOGIC_PARAMETRIZATIONS: readonly string[] = ["softmax16", "bilinear4"];
/** Gate and wiring choices with a WGSL form here (all of `LogicLayer`'s). */
export const WGSL_LOGIC_CHOICES: readonly string[] = ["soft", "gumbel-st", "hard-st"];

/** What one call computes, fixed per compiled shader. */
interface Setup {
  batch: number;
  inDim: number;
  outDim: number;
  K: number;
  /** Parameters per gate (16 or 4). */
  P: number;
  bilinear: boolean;
  train: boolean;
  fmIn: boolean;
  fmOut: boolean;
  /** Forward gate is discrete (straight-through in train mode, or eval). */
  gateHard: boolean;
  gateNoisy: boolean;
  gateTau: number;
  /** Forward wiring is one-hot (straight-through, eval, or K = 1). */
  wirePick: boolean;
  wireNoisy: boolean;
  wireTau: number;
}

/** The choice options of a call (a learned layer's, or a conv tree's nodes and leaves). */
export type ChoiceOptions = Pick<RelaxLogicLayerLearnedAttrs, "parametrization" | "gateChoice" | "wiringChoice" | "temperature" | "mode">;

/** The choice part of a {@link Setup} (batch and input size 0 where a program reads no input). */
function choiceSetup(outDim: number, K: number, at: ChoiceOptions, io: Pick<Setup, "batch" | "inDim" | "fmIn" | "fmOut">): Setup {
  if (
    !WGSL_LOGIC_PARAMETRIZATIONS.includes(at.parametrization) ||
    !WGSL_LOGIC_CHOICES.includes(at.gateChoice) ||
    !WGSL_LOGIC_CHOICES.includes(at.wiringChoice)
  )
    throw new Error(`${RelaxLogicLayerLearned} (webgpu): no WGSL form of ${at.parametrization} / ${at.gateChoice} / ${at.wiringChoice}`);
  const train = at.mode === "train";
  const gateST = train && at.gateChoice !== "soft";
  const wireST = train && at.wiringChoice !== "soft";
  return {
    ...io,
    outDim,
    K,
    P: at.parametrization === "bilinear4" ? 4 : 16,
    bilinear: at.parametrization === "bilinear4",
    train,
    gateHard: gateST || !train,
    gateNoisy: gateST && at.gateChoice === "gumbel-st",
    gateTau: gateST ? at.temperature : 1,
    wirePick: wireST || !train || K === 1,
    wireNoisy: wireST && at.wiringChoice === "gumbel-st" && K > 1,
    wireTau: wireST ? at.temperature : 1,
  };
}

function setupOf(x: TensorInfo, at: RelaxLogicLayerLearnedAttrs): Setup {
  const [d0, d1] = x.shape as [number, number];
  const fmIn = at.featureMajorIn ?? false;
  return choiceSetup(at.candA.length / at.K, at.K, at, {
    batch: fmIn ? d1 : d0,
    inDim: fmIn ? d0 : d1,
    fmIn,
    fmOut: at.featureMajorOut ?? false,
  });
}

const UNIFORMS = "batch : i32, inDim : i32, outDim : i32, K : i32, tau : f32, factor : f32, ";
const uniformValues = (st: Setup, tau: number, factor: number) => [
  i32(st.batch),
  i32(st.inDim),
  i32(st.outDim),
  i32(st.K),
  f32(tau),
  f32(factor),
];

/** WGSL `xAt(s, i)` and `dyAt(s, j)` in the call's layouts. */
function accessors(st: Setup, withDy: boolean): string {
  const xa = `fn xAt(n : i32, i : i32) -> f32 { return x[${st.fmIn ? "i * uniforms.batch + n" : "n * uniforms.inDim + i"}]; }`;
  const dya = `fn dyAt(n : i32, j : i32) -> f32 { return dy[${st.fmOut ? "j * uniforms.batch + n" : "n * uniforms.outDim + j"}]; }`;
  return withDy ? `${xa}\n${dya}` : xa;
}

/**
 * WGSL `gateChoice(j) -> Gate` (coefficients `c` and relaxed distribution `s`, the first P entries used), as
 * `gateChoice` of `@relax/logic`: softmax16 takes the first maximum of `z + g` (hard) or `softmax((z + g)/τ)`;
 * bilinear4 `t = σ((w + l)/τ)` and the bits `[w + l > 0]` (hard). `s` is zero in mode 'eval'.
 */
function gateChoiceWgsl(st: Setup): string {
  const noise = (idx: string) => (st.gateNoisy ? ` + noise[${idx}]` : "");
  const evalMode = !st.train;
  if (st.bilinear) {
    return `
struct Gate { c : vec4<f32>, s : array<f32, 16> }
fn gateChoice(j : i32) -> Gate {
  var g : Gate;
  var t : vec4<f32>;
  for (var k = 0; k < 4; k++) {
    let v = weights[4 * j + k]${noise("4 * j + k")};
    let sg = 1.0 / (1.0 + exp(-v / uniforms.tau));
    g.s[k] = ${evalMode ? "0.0" : "sg"};
    t[k] = ${st.gateHard ? "select(0.0, 1.0, v > 0.0)" : "sg"};
  }
  g.c = vec4<f32>(t[0], t[2] - t[0], t[1] - t[0], t[3] - t[2] - t[1] + t[0]);
  return g;
}`;
  }
  return `
${GATE_MATRIX_WGSL}
struct Gate { c : vec4<f32>, s : array<f32, 16> }
fn gateChoice(j : i32) -> Gate {
  var g : Gate;
  var v : array<f32, 16>;
  let o = j * 16;
  var best = 0;
  var mx = 0.0;
  for (var i = 0; i < 16; i++) {
    v[i] = weights[o + i]${noise("o + i")};
    if (i == 0 || v[i] > mx) { mx = v[i]; best = i; }
  }
  ${
    evalMode
      ? "for (var i = 0; i < 16; i++) { g.s[i] = 0.0; }"
      : `var sum = 0.0;
  for (var i = 0; i < 16; i++) { let e = exp((v[i] - mx) / uniforms.tau); g.s[i] = e; sum += e; }
  for (var i = 0; i < 16; i++) { g.s[i] = g.s[i] / sum; }`
  }
  ${
    st.gateHard
      ? "g.c = GATE_M[best];"
      : `g.c = vec4<f32>(0.0);
  for (var i = 0; i < 16; i++) { g.c += g.s[i] * GATE_M[i]; }`
  }
  return g;
}`;
}

const gateKey = (st: Setup) => `${st.bilinear ? "b4" : "s16"}${st.gateHard ? "h" : "s"}${st.gateNoisy ? "n" : ""}${st.train ? "t" : "e"}`;
const wireKey = (st: Setup) => `${st.wirePick ? "p" : "s"}${st.wireNoisy ? "n" : ""}${st.train ? "t" : "e"}`;

/** Coefficients `[outDim, 4]` (`part` 'c') or the relaxed gate distribution `[outDim, P]` (`part` 's'), one invocation per neuron. */
function gateProgram(st: Setup, part: "c" | "s") {
  return elementwiseProgram({
    key: `logic_learned_gate_${part}_${gateKey(st)}`,
    variableNames: st.gateNoisy ? ["weights", "noise"] : ["weights"],
    outputShape: [st.outDim, part === "c" ? 4 : st.P],
    count: st.outDim,
    uniforms: UNIFORMS,
    helpers: gateChoiceWgsl(st),
    body:
      part === "c"
        ? `
    let g = gateChoice(index);
    result[4 * index] = g.c.x; result[4 * index + 1] = g.c.y; result[4 * index + 2] = g.c.z; result[4 * index + 3] = g.c.w;`
        : `
    let g = gateChoice(index);
    for (var i = 0; i < ${st.P}; i++) { result[${st.P} * index + i] = g.s[i]; }`,
  });
}

/**
 * Wiring weights of one gate input (row r of `[2·outDim, K]`), one invocation per row: `q` (part 'q': one-hot of
 * the first maximum of `u + g` where picked, else the softmax) or `qs` (part 'qs': `softmax((u + g)/τ)`, zero in eval).
 */
function wireProgram(st: Setup, part: "q" | "qs") {
  const v = (k: string) => `(wiring[o + ${k}]${st.wireNoisy ? ` + noise[o + ${k}]` : ""})`;
  const soft = `
    var sum = 0.0;
    for (var k = 0; k < uniforms.K; k++) { sum += exp((${v("k")} - mx) / uniforms.tau); }
    for (var k = 0; k < uniforms.K; k++) { result[o + k] = exp((${v("k")} - mx) / uniforms.tau) / sum; }`;
  const body =
    part === "q" && st.wirePick
      ? `for (var k = 0; k < uniforms.K; k++) { result[o + k] = select(0.0, 1.0, k == best); }`
      : part === "qs" && !st.train
        ? `for (var k = 0; k < uniforms.K; k++) { result[o + k] = 0.0; }`
        : soft;
  return elementwiseProgram({
    key: `logic_learned_wire_${part}_${wireKey(st)}`,
    variableNames: st.wireNoisy ? ["wiring", "noise"] : ["wiring"],
    outputShape: [st.outDim, 2, st.K],
    count: 2 * st.outDim,
    uniforms: UNIFORMS,
    body: `
    let o = index * uniforms.K;
    var best = 0;
    var mx = 0.0;
    for (var k = 0; k < uniforms.K; k++) {
      let t = ${v("k")};
      if (k == 0 || t > mx) { mx = t; best = k; }
    }
    ${body}`,
  });
}

/** WGSL `mixed(s, r)`: gate input r's value at sample s, `Σ_k q[rK + k]·x[s, cand[rK + k]]` (zero weights skipped). */
const MIXED_WGSL = `
fn mixed(s : i32, r : i32) -> f32 {
  var acc = 0.0;
  let o = r * uniforms.K;
  for (var k = 0; k < uniforms.K; k++) {
    let w = q[o + k];
    if (w != 0.0) { acc += w * xAt(s, cand[o + k]); }
  }
  return acc;
}`;

/** y in the output layout, one invocation per element. */
function forwardProgram(st: Setup) {
  return elementwiseProgram({
    key: `logic_learned_forward_${st.fmIn ? "f" : "b"}${st.fmOut ? "f" : "b"}`,
    variableNames: ["x", "c", "q", "cand"],
    outputShape: st.fmOut ? [st.outDim, st.batch] : [st.batch, st.outDim],
    uniforms: UNIFORMS,
    helpers: `${accessors(st, false)}${MIXED_WGSL}`,
    body: `
    ${st.fmOut ? "let j = index / uniforms.batch; let s = index - j * uniforms.batch;" : "let s = index / uniforms.outDim; let j = index - s * uniforms.outDim;"}
    let A = mixed(s, 2 * j);
    let B = mixed(s, 2 * j + 1);
    let c0 = c[4 * j]; let c1 = c[4 * j + 1]; let c2 = c[4 * j + 2]; let c3 = c[4 * j + 3];
    result[index] = c0 + c1 * A + (c2 + c3 * A) * B;`,
  });
}

/** Mixed gate inputs `M` `[2·outDim, batch]` (feature-major). */
function mixProgram(st: Setup) {
  return elementwiseProgram({
    key: `logic_learned_mix_${st.fmIn ? "f" : "b"}`,
    variableNames: ["x", "q", "cand"],
    outputShape: [2 * st.outDim, st.batch],
    uniforms: UNIFORMS,
    helpers: `${accessors(st, false)}${MIXED_WGSL}`,
    body: `
    let r = index / uniforms.batch;
    let s = index - r * uniforms.batch;
    result[index] = mixed(s, r);`,
  });
}

/** `dM` `[2·outDim, batch]`: `∂A = g·(c1 + c3·B)`, `∂B = g·(c2 + c3·A)`. */
function dMixProgram(st: Setup) {
  return elementwiseProgram({
    key: `logic_learned_dmix_${st.fmOut ? "f" : "b"}`,
    variableNames: ["M", "c", "dy"],
    outputShape: [2 * st.outDim, st.batch],
    uniforms: UNIFORMS,
    helpers: `fn dyAt(n : i32, j : i32) -> f32 { return dy[${st.fmOut ? "j * uniforms.batch + n" : "n * uniforms.outDim + j"}]; }`,
    body: `
    let r = index / uniforms.batch;
    let s = index - r * uniforms.batch;
    let j = r >> 1u;
    let g = dyAt(s, j);
    let other = M[(r ^ 1) * uniforms.batch + s];
    if ((r & 1) == 0) {
      result[index] = g * (c[4 * j + 1] + c[4 * j + 3] * other);
    } else {
      result[index] = g * (c[4 * j + 2] + c[4 * j + 3] * other);
    }`,
  });
}

/** ∂x in x's layout: a gather over input i's fan-out entries e = r·K + k (uniform `factor` = gradFactor). */
function gradXProgram(st: Setup) {
  return elementwiseProgram({
    key: `logic_learned_grad_x_${st.fmIn ? "f" : "b"}`,
    variableNames: ["dM", "q", "fanout"],
    outputShape: st.fmIn ? [st.inDim, st.batch] : [st.batch, st.inDim],
    uniforms: UNIFORMS,
    body: `
    ${st.fmIn ? "let i = index / uniforms.batch; let s = index - i * uniforms.batch;" : "let s = index / uniforms.inDim; let i = index - s * uniforms.inDim;"}
    var acc = 0.0;
    let end = fanout[i + 1];
    for (var t = fanout[i]; t < end; t++) {
      let e = fanout[uniforms.inDim + 1 + t];
      let w = q[e] * uniforms.factor;
      if (w != 0.0) { acc += w * dM[(e / uniforms.K) * uniforms.batch + s]; }
    }
    result[index] = acc;`,
  });
}

/**
 * WGSL `writeParamGrad(unit, S)`: gate `unit`'s parameter gradient from its statistics `S = Σ g·[1, A, B, AB]`
 * into `result` (reads the relaxed distribution `s` and the scale `uniforms.factor`): softmax16
 * `∂z = scale·s ⊙ (M·S − s·(M·S))`, bilinear4 `∂w = scale·∂t ⊙ t(1 − t)` with
 * `∂t = [S0 − S1 − S2 + S3, S2 − S3, S1 − S3, S3]`.
 */
export function paramGradWgsl(bilinear: boolean): string {
  if (bilinear)
    return `
fn writeParamGrad(unit : i32, S : vec4<f32>) {
  let dt = vec4<f32>(S.x - S.y - S.z + S.w, S.z - S.w, S.y - S.w, S.w);
  for (var k = 0; k < 4; k++) { let t = s[4 * unit + k]; result[4 * unit + k] = uniforms.factor * dt[k] * t * (1.0 - t); }
}`;
  return `${GATE_MATRIX_WGSL}
fn writeParamGrad(unit : i32, S : vec4<f32>) {
  var dp : array<f32, 16>;
  var dotp = 0.0;
  for (var i = 0; i < 16; i++) { dp[i] = dot(GATE_M[i], S); dotp += dp[i] * s[16 * unit + i]; }
  for (var i = 0; i < 16; i++) { let p = s[16 * unit + i]; result[16 * unit + i] = uniforms.factor * p * (dp[i] - dotp); }
}`;
}

/**
 * ∂weights `[outDim, P]`, one workgroup per neuron: `S = Σ_n g·[1, A, B, AB]`, then {@link paramGradWgsl}
 * (uniform `factor` = scale).
 */
function gradWeightsProgram(st: Setup) {
  return perUnitProgram({
    key: `logic_learned_grad_w_${st.bilinear ? "b4" : "s16"}_${st.fmOut ? "f" : "b"}`,
    variableNames: ["M", "s", "dy"],
    outputShape: [st.outDim, st.P],
    units: st.outDim,
    threads: REDUCE_THREADS,
    uniforms: UNIFORMS,
    helpers: `${REDUCE_STATS_WGSL}${paramGradWgsl(st.bilinear)}
fn dyAt(n : i32, j : i32) -> f32 { return dy[${st.fmOut ? "j * uniforms.batch + n" : "n * uniforms.outDim + j"}]; }`,
    body: `
  var acc = vec4<f32>(0.0);
  if (valid) {
    let ra = 2 * unit * uniforms.batch;
    let rb = ra + uniforms.batch;
    for (var n = lid; n < uniforms.batch; n += ${REDUCE_THREADS}) {
      let g = dyAt(n, unit);
      let A = M[ra + n];
      let B = M[rb + n];
      acc += vec4<f32>(g, g * A, g * B, g * A * B);
    }
  }
  let S = reduceStats(lid, acc);
  if (valid && lid == 0) { writeParamGrad(unit, S); }`,
  });
}

/**
 * `dq` `[2·outDim·K]`: `Σ_n dM[r, n]·x[n, cand[e]]` for every entry e = r·K + k, one invocation per entry
 * looping over the batch (the K entries of a gate input read the same `dM` row).
 */
function wireStatsProgram(st: Setup) {
  return elementwiseProgram({
    key: `logic_learned_wire_stats_${st.fmIn ? "f" : "b"}`,
    variableNames: ["x", "dM", "cand"],
    outputShape: [2 * st.outDim * st.K],
    uniforms: UNIFORMS,
    helpers: accessors(st, false),
    body: `
    let ro = (index / uniforms.K) * uniforms.batch;
    let i = cand[index];
    var acc = 0.0;
    for (var n = 0; n < uniforms.batch; n++) { acc += dM[ro + n] * xAt(n, i); }
    result[index] = acc;`,
  });
}

/** ∂wiring `[outDim, 2, K]`: `scale·qs ⊙ (dq − qs·dq)` per gate input (uniform `factor` = scale). */
function gradWiringProgram(st: Setup) {
  return elementwiseProgram({
    key: "logic_learned_grad_wiring",
    variableNames: ["dq", "qs"],
    outputShape: [st.outDim, 2, st.K],
    uniforms: UNIFORMS,
    body: `
    let o = (index / uniforms.K) * uniforms.K;
    var d = 0.0;
    for (var k = 0; k < uniforms.K; k++) { d += dq[o + k] * qs[o + k]; }
    result[index] = uniforms.factor * qs[index] * (dq[index] - d);`,
  });
}

/** `cand[(2j + side)·K + k]`: candidate k of neuron j's input A (side 0) or B (side 1). */
function candTable(at: RelaxLogicLayerLearnedAttrs): Int32Array {
  const K = at.K;
  const outDim = at.candA.length / K;
  const t = new Int32Array(2 * outDim * K);
  for (let j = 0; j < outDim; j++)
    for (let k = 0; k < K; k++) {
      t[2 * j * K + k] = at.candA[j * K + k] as number;
      t[(2 * j + 1) * K + k] = at.candB[j * K + k] as number;
    }
  return t;
}

/**
 * Fan-out lists of every input in CSR form, `[offset_0..offset_inDim, entries...]`: the entries `e = r·K + k`
 * of the candidate table `cand` (see {@link candTable}) that read input i, in increasing e.
 */
export function learnedFanoutTable(cand: Int32Array, inDim: number): Int32Array {
  const count = new Int32Array(inDim + 1);
  for (let e = 0; e < cand.length; e++) count[(cand[e] as number) + 1]!++;
  for (let i = 0; i < inDim; i++) count[i + 1]! += count[i] as number;
  const t = new Int32Array(inDim + 1 + cand.length);
  t.set(count, 0);
  const fill = count.slice(0, inDim);
  for (let e = 0; e < cand.length; e++) t[inDim + 1 + fill[cand[e] as number]!++] = e;
  return t;
}

function tables(gpu: WebGPUBackend, at: RelaxLogicLayerLearnedAttrs, inDim: number, withFanout: boolean) {
  const sources = [at.candA, at.candB];
  const cand = persistentIntTable(gpu, sources, `learned_cand${at.K}`, () => candTable(at));
  const fanout = withFanout
    ? persistentIntTable(gpu, sources, `learned_fanout${at.K}_${inDim}`, () => learnedFanoutTable(candTable(at), inDim))
    : cand;
  return { cand, fanout };
}

/** Gumbel (softmax16) or logistic (bilinear4) noise of the gates' parameters, drawn on the host by core's seeded generator (as the host kernel). */
function gateNoise(gpu: WebGPUBackend, st: Setup, seed: number): TensorInfo {
  const n = drawNoise(st.bilinear ? "logistic" : "gumbel", seed, GATE_STREAM, 0, st.outDim * st.P);
  return gpu.makeTensorInfo([n.length], "float32", n);
}

/** Gumbel noise of the wiring logits, drawn on the host (as the host kernel). */
function wireNoise(gpu: WebGPUBackend, st: Setup, seed: number): TensorInfo {
  const n = drawNoise("gumbel", seed, WIRING_STREAM, 0, st.outDim * 2 * st.K);
  return gpu.makeTensorInfo([n.length], "float32", n);
}

/**
 * The gate choice of `outDim` gates on the GPU, as `@relax/logic`'s `gateChoice`: coefficients `c` `[outDim, 4]`,
 * the relaxed distribution `s` `[outDim, P]` (zero in eval; only `withRelaxed`, for the parameter gradient) and the
 * gradient's scale (1/τ for the straight-through choices, else 1). The caller releases `c` and `s`.
 */
export function gateChoiceGpu(
  gpu: WebGPUBackend,
  weights: TensorInfo,
  outDim: number,
  at: Omit<ChoiceOptions, "wiringChoice"> & { noiseSeed: number },
  withRelaxed = true,
): { c: TensorInfo; s?: TensorInfo; scale: number } {
  const st = choiceSetup(outDim, 1, { ...at, wiringChoice: "soft" }, { batch: 0, inDim: 0, fmIn: false, fmOut: false });
  const noise = st.gateNoisy ? gateNoise(gpu, st, at.noiseSeed) : null;
  try {
    const u = uniformValues(st, st.gateTau, 1);
    const inputs = noise ? [weights, noise] : [weights];
    const c = run(gpu, gateProgram(st, "c"), inputs, "float32", u);
    const s = withRelaxed ? { s: { ...run(gpu, gateProgram(st, "s"), inputs, "float32", u), shape: [outDim, st.P] } } : {};
    return { c: { ...c, shape: [outDim, 4] }, ...s, scale: st.gateHard ? 1 / at.temperature : 1 };
  } finally {
    if (noise) release(gpu, noise);
  }
}

/**
 * The wiring choice of `2·pairs` gate inputs over K candidates on the GPU, as `@relax/logic`'s `wiringChoice`:
 * forward weights `q` and relaxed weights `qs` (zero in eval), both `[pairs, 2, K]`, each computed where `parts`
 * asks for it (default both), and the wiring gradient's scale (1/τ for the straight-through choices, else 1). The
 * caller releases `q` and `qs`.
 */
export function wiringChoiceGpu(
  gpu: WebGPUBackend,
  wiring: TensorInfo,
  pairs: number,
  K: number,
  at: Pick<ChoiceOptions, "wiringChoice" | "temperature" | "mode"> & { noiseSeed: number },
  parts: { q: boolean; qs: boolean } = { q: true, qs: true },
): { q?: TensorInfo; qs?: TensorInfo; scale: number } {
  const st = choiceSetup(
    pairs,
    K,
    { ...at, parametrization: "softmax16", gateChoice: "soft" },
    { batch: 0, inDim: 0, fmIn: false, fmOut: false },
  );
  const noise = st.wireNoisy ? wireNoise(gpu, st, at.noiseSeed) : null;
  try {
    const u = uniformValues(st, st.wireTau, 1);
    const inputs = noise ? [wiring, noise] : [wiring];
    return {
      ...(parts.q ? { q: run(gpu, wireProgram(st, "q"), inputs, "float32", u) } : {}),
      ...(parts.qs ? { qs: run(gpu, wireProgram(st, "qs"), inputs, "float32", u) } : {}),
      scale: at.wiringChoice !== "soft" ? 1 / at.temperature : 1,
    };
  } finally {
    if (noise) release(gpu, noise);
  }
}

export const logicLayerLearnedConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLogicLayerLearned,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxLogicLayerLearnedAttrs;
    const { x, weights, wiring } = inputs as Record<string, TensorInfo>;
    const st = setupOf(x!, at);
    const yShape = st.fmOut ? [st.outDim, st.batch] : [st.batch, st.outDim];
    if (st.outDim === 0)
      return [zeros(gpu, yShape), zeros(gpu, [0, 4]), zeros(gpu, weights!.shape), zeros(gpu, wiring!.shape), zeros(gpu, wiring!.shape)];
    const { c, s } = gateChoiceGpu(gpu, weights!, st.outDim, at);
    const { q, qs } = wiringChoiceGpu(gpu, wiring!, st.outDim, st.K, at);
    const y =
      st.batch === 0
        ? zeros(gpu, yShape)
        : run(gpu, forwardProgram(st), [x!, c, q!, tables(gpu, at, st.inDim, false).cand], "float32", uniformValues(st, 1, 1));
    return [y, c, { ...s!, shape: weights!.shape }, { ...q!, shape: wiring!.shape }, { ...qs!, shape: wiring!.shape }];
  },
});

export const logicLayerLearnedGradConfig: KernelConfig = withFloatStorage({
  kernelName: RelaxLogicLayerLearnedGrad,
  backendName: "webgpu",
  kernelFunc: ({ inputs, attrs, backend }) => {
    const gpu = backend as WebGPUBackend;
    const at = attrs as unknown as RelaxLogicLayerLearnedAttrs;
    const { x, weights, wiring, dy, c, s, q, qs } = inputs as Record<string, TensorInfo>;
    const st = setupOf(x!, at);
    if (st.batch === 0 || st.outDim === 0 || st.inDim === 0)
      return [zeros(gpu, x!.shape), zeros(gpu, weights!.shape), zeros(gpu, wiring!.shape)];
    const { cand, fanout } = tables(gpu, at, st.inDim, true);
    const u = uniformValues(st, 1, 1);
    const M = run(gpu, mixProgram(st), [x!, q!, cand], "float32", u);
    const dM = run(gpu, dMixProgram(st), [M, c!, dy!], "float32", u);
    const temps = [M, dM];
    try {
      const dx = run(gpu, gradXProgram(st), [dM, q!, fanout], "float32", uniformValues(st, 1, at.gradFactor));
      const gateScale = st.gateHard ? 1 / at.temperature : 1;
      const dw = st.train
        ? run(gpu, gradWeightsProgram(st), [M, s!, dy!], "float32", uniformValues(st, 1, gateScale))
        : zeros(gpu, weights!.shape);
      let du: TensorInfo;
      if (st.train && st.K > 1) {
        const dq = run(gpu, wireStatsProgram(st), [x!, dM, cand], "float32", u);
        temps.push(dq);
        const wireScale = at.wiringChoice !== "soft" ? 1 / at.temperature : 1;
        du = run(gpu, gradWiringProgram(st), [dq, qs!], "float32", uniformValues(st, 1, wireScale));
      } else du = zeros(gpu, wiring!.shape);
      return [dx, { ...dw, shape: weights!.shape }, { ...du, shape: wiring!.shape }];
    } finally {
      release(gpu, ...temps);
    }
  },
});
