/**
 * One fused kernel for a whole {@link LogicNet} (all logic layers + GroupSum) on the host backends:
 * the activations of every layer stay in WebAssembly memory between forward and backward, so a
 * training step creates no per-layer tensors (no copies in and out of WASM memory, no garbage).
 * Forward and backward are the per-layer WASM SIMD kernels of wasm_layer.ts (four-coefficient form,
 * NeurIPS 2022); held to the per-layer kernels and the reference composition by the parity tests.

 * Kernel names are declared in @relax/core (`RelaxLogicNet`, `RelaxLogicNetGrad`).
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxLogicNet,
  RelaxError,
  RelaxLogicNetGrad,
  registerFusedGradient,
  registerHostKernel,
  runFusedKernel,
  type RelaxLogicNetAttrs,
} from "@relax/core";
import { NUM_GATES } from "../gates.js";
import { logitGradFromStats } from "../gates.js";
import { logicBackwardFM, logicForwardFM, probsAndCoefficients, transpose2d } from "./logic_layer.js";
import {
  chosenWires,
  gateChoiceHost,
  gateScale,
  savedWireChoice,
  truthTableGradFromUniform,
  wireChoiceHost,
} from "./logic_layer_learned.js";
import { gateParamGrad } from "../learned_choice.js";
import { logicNetBackwardWasm, logicNetForwardWasm, type NetLayerArgs } from "../wasm_layer.js";

export { RelaxLogicNet, RelaxLogicNetGrad, type RelaxLogicNetAttrs };

type NetLayerAttrs = RelaxLogicNetAttrs["layers"][number];

/** The number of neurons of a layer (with learned wiring its `a`, `b` are unused). */
const widthOf = (l: NetLayerAttrs): number => (l.wiring ? l.wiring.candA.length / l.wiring.K : l.a.length);

const uniformByWidth = new Map<number, Float32Array>();
/** p = 1/16 for every gate of `outDim` neurons (read only; built once per width). */
function uniformProbs(outDim: number): Float32Array {
  let p = uniformByWidth.get(outDim);
  if (!p) uniformByWidth.set(outDim, (p = new Float32Array(outDim * NUM_GATES).fill(1 / NUM_GATES)));
  return p;
}

/**
 * A layer's kernel arguments from its gate coefficients `c` and relaxed distribution `s` (as saved): the softmax16
 * kernels' statistics flow through `s` itself, bilinear4's through uniform p (see truthTableGradFromUniform).
 */
function gateLayerArgs(l: NetLayerAttrs, c: ArrayLike<number>, s: ArrayLike<number> | null): NetLayerArgs {
  const p = s && l.gates?.parametrization === "bilinear4" ? uniformProbs(widthOf(l)) : s;
  return { a: l.a, b: l.b, gradFactor: l.gradFactor, c, p };
}

/**
 * A layer's coefficients `c` and (train mode, else null) relaxed distribution `s` from its logits: difflogic's
 * softmax (float32 from WASM SIMD, else float64) or, for a layer with {@link RelaxLogicNetGates}, the learned
 * layer's gate choice (float32; straight-through gates draw the call's noise from its seed).
 */
function layerChoice(
  l: NetLayerAttrs,
  z: Float32Array,
  mode: RelaxLogicNetAttrs["mode"],
): { c: ArrayLike<number>; s: ArrayLike<number> | null } {
  if (l.gates) {
    const g = gateChoiceHost(z, widthOf(l), { ...l.gates, mode });
    return { c: g.c, s: mode === "train" ? g.s : null };
  }
  const { p, c } = probsAndCoefficients(z, widthOf(l), mode);
  return { c, s: mode === "train" ? p : null };
}

/**
 * The layers' choices as the forward kernel output them (inputs `c{i}`, `p{i}`): the float32 coefficients and
 * distributions as saved; where the forward had float64 ones (difflogic's JS path) it saved nothing (`[0]`) and
 * they are computed again here from the logits, exactly as the forward did.
 */
function savedChoices(attrs: RelaxLogicNetAttrs, inputs: Record<string, { values: Float32Array }>): ReturnType<typeof layerChoice>[] {
  return attrs.layers.map((l, i) => {
    const c = inputs[`c${i}`]!.values;
    if (c.length === 0) return layerChoice(l, inputs[`z${i}`]!.values, attrs.mode);
    return { c, s: attrs.mode === "train" ? inputs[`p${i}`]!.values : null };
  });
}

/**
 * A layer's parameter gradient `[outDim, P]` from the kernels' softmax16 logit gradient `dz` and its relaxed
 * distribution `s` (null in eval mode): dz itself for difflogic's gates, times 1/τ for straight-through softmax16
 * gates, the truth-table gradient for bilinear4 (as the learned layer's kernel).
 */
function paramGrad(l: NetLayerAttrs, dz: Float32Array, s: ArrayLike<number> | null, mode: RelaxLogicNetAttrs["mode"]): Float32Array {
  const g = l.gates;
  if (!g) return dz;
  const outDim = widthOf(l);
  const scale = gateScale({ ...g, mode });
  if (g.parametrization === "bilinear4") return s ? truthTableGradFromUniform(dz, s, scale, outDim) : new Float32Array(outDim * 4);
  if (scale !== 1) for (let i = 0; i < dz.length; i++) dz[i] = (dz[i] as number) * scale;
  return dz;
}

/** The shape `[outDim, 2, K]` of a learned-wiring layer's wiring logits and weights. */
const wiringShape = (l: NetLayerAttrs): number[] => [widthOf(l), 2, l.wiring!.K];

/** Parameters per gate of a layer: 16 logits, or 4 for bilinear4 gates. */
const paramsOf = (l: NetLayerAttrs): number => (l.gates?.parametrization === "bilinear4" ? 4 : NUM_GATES);

/** A saved output: a float32 array as it is (fresh from probsAndCoefficients, no copy), else nothing (`[0]`). */
function savable(values: ArrayLike<number> | null, shape: number[]): { values: Float32Array; shape: number[] } {
  return values instanceof Float32Array ? { values, shape } : { values: new Float32Array(0), shape: [0] };
}

/** A learned-wiring layer's wire choice, float32 as saved: weights q, relaxed weights qs, scale, picks of a one-hot q. */
type Wires = ReturnType<typeof wireChoiceHost>;

/**
 * The whole-net arguments of a layer with learned wiring: the chosen wires as `a`, `b` where the choice is one-hot
 * (else placeholders: the forward mixes the candidates), and in train mode what the backward through the
 * candidates needs (softmax16 gates take their logit gradient there, with the gate choice's scale).
 */
function wiredLayerArgs(
  l: NetLayerAttrs,
  base: NetLayerArgs,
  wires: Wires,
  s: ArrayLike<number> | null,
  mode: RelaxLogicNetAttrs["mode"],
): NetLayerArgs {
  const wr = l.wiring!;
  const outDim = widthOf(l);
  // soft wiring mixes the candidates: a, b only give the width
  const { a, b } = wires.pick
    ? chosenWires(wr.candA, wr.candB, wr.K, wires.pick)
    : { a: new Int32Array(outDim), b: new Int32Array(outDim) };
  const softmax16 = !l.gates || l.gates.parametrization === "softmax16";
  const gates =
    softmax16 && s
      ? { p: s instanceof Float32Array ? s : Float32Array.from(s), scale: l.gates ? gateScale({ ...l.gates, mode }) : 1 }
      : null;
  const train = mode === "train" && wr.K > 1 ? { qs: wires.qs, scale: wires.scale, gates } : null;
  return { ...base, a, b, wiring: { candA: wr.candA, candB: wr.candB, K: wr.K, q: wires.q, pick: wires.pick, train } };
}

/** The forward's wire choice of every layer with learned wiring (null for the others). */
function wireChoices(attrs: RelaxLogicNetAttrs, inputs: Record<string, { values: Float32Array }>): (Wires | null)[] {
  return attrs.layers.map((l, i) => {
    const wr = l.wiring;
    if (!wr) return null;
    return wireChoiceHost(inputs[`u${i}`]!.values, widthOf(l), { ...wr, mode: attrs.mode });
  });
}

/** Every layer's whole-net arguments from its gate choice and (learned wiring) wire choice. */
function netArgs(attrs: RelaxLogicNetAttrs, choices: ReturnType<typeof layerChoice>[], wires: (Wires | null)[]): NetLayerArgs[] {
  return attrs.layers.map((l, i) => {
    const base = gateLayerArgs(l, choices[i]!.c, choices[i]!.s);
    const w = wires[i];
    return w ? wiredLayerArgs(l, base, w, choices[i]!.s, attrs.mode) : base;
  });
}

registerHostKernel<RelaxLogicNetAttrs>(RelaxLogicNet, (inputs, attrs) => {
  const x = inputs.x!;
  const [batch, inDim] = x.shape as [number, number];
  const logitValues = attrs.layers.map((_, i) => inputs[`z${i}`]!.values as Float32Array);
  const xFM = transpose2d(x.values, batch, inDim);
  const choices = attrs.layers.map((l, i) => layerChoice(l, logitValues[i] as Float32Array, attrs.mode));
  const wires = wireChoices(attrs, inputs as Record<string, { values: Float32Array }>);
  const args = netArgs(attrs, choices, wires);
  const wasm = logicNetForwardWasm(xFM, batch, inDim, args, attrs.k, attrs.tau);
  if (!wasm && wires.some((w) => w)) throw learnedWiringOutOfMemory();
  const out = wasm?.out ?? netForwardJS(xFM, batch, args, attrs.k, attrs.tau);
  const record = wasm?.record ?? new Int32Array(0);
  const empty = { values: new Float32Array(0), shape: [0] };
  return [
    { values: out, shape: [batch, attrs.k] },
    ...choices.map((ch, i) => savable(ch.c, [widthOf(attrs.layers[i]!), 4])),
    ...choices.map((ch, i) => savable(ch.s, [widthOf(attrs.layers[i]!), paramsOf(attrs.layers[i]!)])),
    // where the forward left the activations in the WASM memory, for the gradient (empty on the JS path)
    { values: record, shape: [record.length], dtype: "int32" as const },
    ...wires.map((w, i) => (w ? { values: w.q, shape: wiringShape(attrs.layers[i]!) } : empty)),
    ...wires.map((w, i) => (w ? { values: w.qs, shape: wiringShape(attrs.layers[i]!) } : empty)),
  ];
});

/** The whole-net kernel with learned wiring has no JS fallback: LogicNet checks the fit first (wasmNetFits). */
function learnedWiringOutOfMemory(): RelaxError {
  return new RelaxError(
    "LogicNet.forward",
    "x",
    "a batch whose activations fit the WebAssembly memory",
    "a batch too large to place there",
  );
}

/** Feature-major activations of every layer (input first), JS loops. */
function netActivationsJS(xFM: Float32Array, B: number, layers: readonly NetLayerArgs[]): Float32Array[] {
  const acts = [xFM];
  for (const l of layers) acts.push(logicForwardFM(acts[acts.length - 1] as Float32Array, B, l.a, l.b, l.c));
  return acts;
}
/** JS fallback of the whole-net forward (used when the WASM memory would exceed its cap). */
export function netForwardJS(xFM: Float32Array, B: number, layers: readonly NetLayerArgs[], k: number, tau: number): Float32Array {
  const acts = netActivationsJS(xFM, B, layers);
  const Y = acts[acts.length - 1] as Float32Array;
  const g = Y.length / B / k;
  const out = new Float32Array(B * k);
  for (let c = 0; c < k; c++) {
    for (let r = 0; r < B; r++) {
      let sum = 0;
      for (let i = c * g; i < (c + 1) * g; i++) sum += Y[i * B + r] as number;
      out[r * k + c] = sum / tau;
    }
  }
  return out;
}
/** JS fallback of the whole-net backward: input gradient (feature-major) and logit gradients. */
export function netBackwardJS(
  xFM: Float32Array,
  B: number,
  inDim: number,
  layers: readonly NetLayerArgs[],
  k: number,
  tau: number,
  dy: Float32Array,
): { dX: Float32Array; dlogits: Float32Array[] } {
  const acts = netActivationsJS(xFM, B, layers);
  const L = layers.length;
  const n = (layers[L - 1] as NetLayerArgs).a.length;
  const g = n / k;
  let dY: Float32Array = new Float32Array(n * B);
  for (let i = 0; i < n; i++) for (let r = 0; r < B; r++) dY[i * B + r] = (dy[r * k + Math.floor(i / g)] as number) / tau;
  const dlogits: Float32Array[] = new Array<Float32Array>(L);
  for (let l = L - 1; l >= 0; l--) {
    const layer = layers[l] as NetLayerArgs;
    const rows = l === 0 ? inDim : (layers[l - 1] as NetLayerArgs).a.length;
    const { dX, S } = logicBackwardFM(acts[l] as Float32Array, dY, B, rows, layer.a, layer.b, layer.c, layer.gradFactor, layer.p !== null);
    dlogits[l] = layer.p ? logitGradFromStats(S, layer.p, layer.a.length) : new Float32Array(layer.a.length * NUM_GATES);
    dY = dX;
  }
  return { dX: dY, dlogits };
}

/** Every gradient of one backward pass in one kernel: outputs `[dx, dz0, …, dz{L−1}]`. */
registerHostKernel<RelaxLogicNetAttrs>(RelaxLogicNetGrad, (inputs, attrs) => {
  const x = inputs.x!;
  const [batch, inDim] = x.shape as [number, number];
  const dy = inputs.dy!.values as Float32Array;
  const record = inputs.record ? inputs.record.values : null;
  // the input, feature-major, only where the forward's activations are gone (or WASM is off)
  let xt: Float32Array | null = null;
  const xFM = () => (xt ??= transpose2d(x.values, batch, inDim));
  const choices = savedChoices(attrs, inputs);
  const wires = savedWires(attrs, inputs);
  const args = netArgs(attrs, choices, wires);
  const wantDx = attrs.inputGrad !== false;
  const wasm = logicNetBackwardWasm(xFM, batch, inDim, args, attrs.k, attrs.tau, record, dy, wantDx);
  if (!wasm && wires.some((w) => w)) throw learnedWiringOutOfMemory();
  const r = wasm ?? { ...netBackwardJS(xFM(), batch, inDim, args, attrs.k, attrs.tau, dy), wiring: [] };
  return [
    r.dX && wantDx ? { values: transpose2d(r.dX, inDim, batch), shape: [batch, inDim] } : { values: new Float32Array(0), shape: [0] },
    ...r.dlogits.map((dz, i) => {
      const l = attrs.layers[i]!;
      const shape = [widthOf(l), paramsOf(l)];
      const wg = r.wiring[i];
      if (!wg) return { values: paramGrad(l, dz, choices[i]!.s, attrs.mode), shape };
      // learned wiring in train mode: softmax16's gradient came scaled from the kernel, bilinear4's from the statistics
      const g = l.gates;
      if (g?.parametrization !== "bilinear4") return { values: wg.dz!, shape };
      return { values: gateParamGrad(wg.S, choices[i]!.s!, gateScale({ ...g, mode: attrs.mode }), widthOf(l), "bilinear4"), shape };
    }),
    ...attrs.layers.map((l, i) => {
      const wr = l.wiring;
      if (!wr) return { values: new Float32Array(0), shape: [0] };
      return { values: r.wiring[i]?.du ?? new Float32Array(wr.candA.length * 2), shape: wiringShape(l) };
    }),
  ];
});

/** The saved wire choices (outputs `q{i}`, `qs{i}` of the forward) with the picks of a one-hot q read off it. */
function savedWires(attrs: RelaxLogicNetAttrs, inputs: Record<string, { values: Float32Array }>): (Wires | null)[] {
  return attrs.layers.map((l, i) => {
    const wr = l.wiring;
    if (!wr) return null;
    return savedWireChoice(inputs[`q${i}`]!.values, inputs[`qs${i}`]!.values, { ...wr, mode: attrs.mode });
  });
}

/** The gradient runs the all-outputs kernel once per op call; each closure hands out one output. */
registerFusedGradient<RelaxLogicNetAttrs>({
  kernelName: RelaxLogicNet,
  inputsToSave: ["x"],
  // the class scores, every layer's coefficients and probabilities (set per call: the layer count varies)
  outputsToSave: new Array<boolean>(1024).fill(true),
  gradFunc: ([dy], [x, _out, ...saved], attrs) => {
    const L = attrs.layers.length;
    const inputs: Record<string, tf.Tensor> = { x: x!, dy: dy!, record: saved[2 * L]! };
    attrs.logits.forEach((z, i) => {
      inputs[`z${i}`] = z;
      inputs[`c${i}`] = saved[i]!;
      inputs[`p${i}`] = saved[L + i]!;
      const u = attrs.wirings?.[i];
      if (u) {
        inputs[`u${i}`] = u;
        inputs[`q${i}`] = saved[2 * L + 1 + i]!;
        inputs[`qs${i}`] = saved[3 * L + 1 + i]!;
      }
    });
    const [dx, ...grads] = runFusedKernel<tf.Tensor[]>(RelaxLogicNetGrad, inputs, attrs);
    // x declared data (inputGrad false) but its gradient asked for all the same: a second pass that computes it
    const result: Record<string, () => tf.Tensor> = {
      x: () =>
        attrs.inputGrad === false ? runFusedKernel<tf.Tensor[]>(RelaxLogicNetGrad, inputs, { ...attrs, inputGrad: true })[0]! : dx!,
    };
    for (let i = 0; i < L; i++) {
      result[`z${i}`] = () => grads[i]!;
      if (attrs.wirings?.[i]) result[`u${i}`] = () => grads[L + i]!;
    }
    return result;
  },
});

/**
 * Runs the whole-net kernel (callers check {@link wasmNetSupported} and the fused dispatch first; with learned
 * wiring also {@link wasmNetFits}). `wirings`: the wiring logits of the layers with learned wiring, null for the others.
 */
export function runLogicNetKernel(
  x: tf.Tensor,
  logits: tf.Tensor[],
  attrs: Omit<RelaxLogicNetAttrs, "logits" | "wirings">,
  wirings: (tf.Tensor | null)[] = [],
): tf.Tensor2D {
  const inputs: Record<string, tf.Tensor> = { x };
  logits.forEach((z, i) => (inputs[`z${i}`] = z));
  wirings.forEach((u, i) => {
    if (u) inputs[`u${i}`] = u;
  });
  // only the class scores are the op's result; the coefficients live on as the gradient's saved outputs
  return tf.tidy(() => runFusedKernel<tf.Tensor[]>(RelaxLogicNet, inputs, { ...attrs, logits, wirings })[0] as tf.Tensor2D);
}
