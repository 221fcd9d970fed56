import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  RelaxLogicLayer,
  assertFinite,
  assertInRange,
  assertInteger,
  assertOneOf,
  assertOptions,
  assertRank,
  describe,
  runFusedKernel,
  useFused,
  type RelaxLogicLayerAttrs,
  optionalBoolean,
} from "@relax/core";
import { CONNECTION_METHODS, makeConnections, type ConnectionMethod } from "./connections.js";
import { DEFAULT_RESIDUAL_LOGIT, GATE_A, NUM_GATES, relaxedGatesTensor } from "./gates.js";
import { logicRng, randomSeed } from "./rng.js";
import { MAX_WIDTH, optionalFinite, withFloatInput } from "./check.js";
import "./logic_kernel.js";

/** Forward mode: `'train'` = softmax mixture of the 16 relaxed gates, `'eval'` = argmax gate. */
export type LogicMode = "train" | "eval";
export const LOGIC_MODES: readonly LogicMode[] = ["train", "eval"];

/** Initialisation of the gate logits. */
export type LogicInit = "gaussian" | "residual";
export const LOGIC_INITS: readonly LogicInit[] = ["gaussian", "residual"];

/** Options of {@link LogicLayer}. */
export interface LogicLayerOptions {
  /** How neurons pick their two inputs (default `'random'`, the reference's LogicLayer default). */
  connections?: ConnectionMethod;
  /**
   * Logit initialisation (default `'gaussian'`: z ~ N(0, 1) as the reference; `'residual'`: z_A =
   * `residualLogit`, others 0, NeurIPS 2024 §3.2).
   */
  init?: LogicInit;
  /** Logit of the pass-through gate A for `init: 'residual'` (default 5). */
  residualLogit?: number;
  /** Multiplies the gradient flowing into this layer's input (default 1; the reference suggests 2 for > 6 layers). */
  gradFactor?: number;
  /** Seed of connections and logits (default: random). */
  seed?: number;
  /** Whether the logits variable is trainable (default true). */
  trainable?: boolean;
}

/** Explicit weights of a layer, for {@link LogicLayer.fromWeights}. */
export interface LogicLayerWeights {
  /** First input index (A) of each neuron, length outDim. */
  a: ArrayLike<number>;
  /** Second input index (B) of each neuron, length outDim. */
  b: ArrayLike<number>;
  /** Gate logits `[outDim, 16]` (nested rows, a flat row-major array, or a tensor). */
  logits: number[][] | Float32Array | number[] | tf.Tensor;
  /** Width of the layer input (default: largest index + 1). */
  inDim?: number;
  /** Gradient multiplier on the layer input (default 1). */
  gradFactor?: number;
  /** Whether the logits variable is trainable (default true). */
  trainable?: boolean;
}

/** Largest |logit| accepted for `residualLogit` (softmax saturates long before; float32 overflows at 3.4e38). */
const MAX_LOGIT = 1e6;
/** Largest gradFactor accepted. */
const MAX_GRAD_FACTOR = 1e6;
const LAYER_OPTION_KEYS = ["connections", "init", "residualLogit", "gradFactor", "seed", "trainable"] as const;
const WEIGHT_KEYS = ["a", "b", "logits", "inDim", "gradFactor", "trainable"] as const;

/** Checks a gradFactor (a number in [0, 1e6]; 0 stops the gradient). */
export function checkGradFactor(op: string, value: unknown): number {
  return assertInRange(op, "gradFactor", value === undefined ? 1 : value, 0, MAX_GRAD_FACTOR);
}

let layerCounter = 0;

function makeVariable(values: Float32Array, outDim: number, trainable: boolean): tf.Variable {
  const init = tf.tensor2d(values, [outDim, NUM_GATES]);
  const v = tf.variable(init, trainable, `logic_layer_${layerCounter++}`);
  init.dispose(); // the variable holds its own reference to the data
  return v;
}

function checkIndices(op: string, name: string, idx: Int32Array, inDim: number): void {
  for (let j = 0; j < idx.length; j++) {
    const v = idx[j] as number;
    if (!(v >= 0 && v < inDim)) throw new RelaxError(op, name, `indices in [0, ${inDim})`, `${v} at neuron ${j}`);
  }
}

function toIndexArray(op: string, name: string, v: ArrayLike<number>): Int32Array {
  if (v == null || typeof v !== "object" || typeof (v as ArrayLike<number>).length !== "number") {
    throw new RelaxError(op, name, "an array of integer indices", describe(v));
  }
  const out = new Int32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== "number" || !Number.isInteger(x)) throw new RelaxError(op, name, "integer indices", `${describe(x)} at ${i}`);
    out[i] = x;
  }
  return out;
}

/**
 * A differentiable logic gate layer (Petersen et al., *Deep Differentiable Logic Gate Networks*,
 * NeurIPS 2022): `outDim` neurons, each reading two fixed inputs `A = x[:, a_j]`, `B = x[:, b_j]` and
 * holding 16 gate logits. Train mode: `y = Σ_i softmax(z_j)_i · f_i(A, B)`; eval mode: the argmax gate.
 * Runs a fused CPU kernel (four-coefficient form) when the backend has one, else the reference composition.
 *
 * @example
 * const layer = new LogicLayer(784, 8000, { connections: "random", seed: 1 });
 * const y = layer.forward(x, { mode: "train" }); // [batch, 8000]
 * layer.dispose();
 */
export class LogicLayer {
  readonly inDim: number;
  readonly outDim: number;
  /** First input index (A) of every neuron. */
  readonly a: Int32Array;
  /** Second input index (B) of every neuron. */
  readonly b: Int32Array;
  /** Gate logits `[outDim, 16]` (column = gate id), a trainable tfjs variable. */
  readonly logits: tf.Variable;
  /** Gradient multiplier on the layer input (GradFactor of the reference). */
  readonly gradFactor: number;
  private readonly aTensor: tf.Tensor1D;
  private readonly bTensor: tf.Tensor1D;

  constructor(inDim: number, outDim: number, options: LogicLayerOptions = {}) {
    const op = "LogicLayer";
    options = assertOptions<LogicLayerOptions>(op, options, LAYER_OPTION_KEYS);
    assertInteger(op, "inDim", inDim, 1, MAX_WIDTH);
    assertInteger(op, "outDim", outDim, 1, MAX_WIDTH);
    const connections = assertOneOf(op, "connections", options.connections ?? "random", CONNECTION_METHODS);
    const init = assertOneOf(op, "init", options.init ?? "gaussian", LOGIC_INITS);
    const gradFactor = checkGradFactor(op, options.gradFactor);
    const residualLogit = optionalFinite(op, "residualLogit", options.residualLogit, DEFAULT_RESIDUAL_LOGIT, MAX_LOGIT);
    const seed = optionalFinite(op, "seed", options.seed, Number.NaN);
    const trainable = optionalBoolean(op, "trainable", options.trainable, true);
    const finalSeed = Number.isNaN(seed) ? randomSeed() : seed;
    const { a, b } = makeConnections(inDim, outDim, connections, finalSeed);
    const logits = new Float32Array(outDim * NUM_GATES);
    if (init === "residual") {
      for (let j = 0; j < outDim; j++) logits[j * NUM_GATES + GATE_A] = residualLogit;
    } else {
      const rng = logicRng(finalSeed + 0x5bd1e995, "LogicLayer");
      for (let i = 0; i < logits.length; i++) logits[i] = rng.normal();
    }
    this.inDim = inDim;
    this.outDim = outDim;
    this.a = a;
    this.b = b;
    this.gradFactor = gradFactor;
    this.logits = makeVariable(logits, outDim, trainable);
    this.aTensor = tf.keep(tf.tensor1d(a, "int32"));
    this.bTensor = tf.keep(tf.tensor1d(b, "int32"));
  }

  /**
   * A layer from explicit connections and logits (trained or imported weights load exactly).
   *
   * @example
   * const layer = LogicLayer.fromWeights({ a: [0, 1], b: [1, 0], logits: [[...16 numbers], [...16 numbers]] });
   */
  static fromWeights(weights: LogicLayerWeights): LogicLayer {
    const op = "LogicLayer.fromWeights";
    if (weights == null || typeof weights !== "object" || Array.isArray(weights))
      throw new RelaxError(op, "weights", "{ a, b, logits }", describe(weights));
    assertOptions<LogicLayerWeights>(op, weights, WEIGHT_KEYS, "weights");
    const gradFactor = checkGradFactor(op, weights.gradFactor);
    const trainable = optionalBoolean(op, "trainable", weights.trainable, true);
    const a = toIndexArray(op, "a", weights.a);
    const b = toIndexArray(op, "b", weights.b);
    if (a.length !== b.length || a.length === 0)
      throw new RelaxError(op, "b", `the same non-zero length as a (${a.length})`, String(b.length));
    const outDim = a.length;
    let inDim = weights.inDim;
    if (inDim === undefined) {
      inDim = 0;
      for (let j = 0; j < outDim; j++) inDim = Math.max(inDim, (a[j] as number) + 1, (b[j] as number) + 1);
    }
    assertInteger(op, "inDim", inDim, 1, MAX_WIDTH);
    if (outDim > MAX_WIDTH) throw new RelaxError(op, "a", `at most ${MAX_WIDTH} neurons`, String(outDim));
    checkIndices(op, "a", a, inDim);
    checkIndices(op, "b", b, inDim);
    let flat: Float32Array;
    const lg = weights.logits;
    if (lg instanceof tf.Tensor) {
      if (lg.isDisposed) throw new RelaxError(op, "logits", "a live tensor", "a disposed tensor");
      if (lg.rank !== 2 || lg.shape[0] !== outDim || lg.shape[1] !== NUM_GATES)
        throw new RelaxError(op, "logits", `[${outDim}, 16]`, describe(lg));
      flat = Float32Array.from(lg.dataSync());
    } else if (Array.isArray(lg) && Array.isArray(lg[0])) {
      const rows = lg as number[][];
      if (rows.length !== outDim || rows.some((r) => !Array.isArray(r) || r.length !== NUM_GATES)) {
        throw new RelaxError(op, "logits", `${outDim} rows of 16 numbers`, `${rows.length} rows`);
      }
      flat = new Float32Array(outDim * NUM_GATES);
      rows.forEach((r, j) => {
        for (let i = 0; i < NUM_GATES; i++) {
          const v = r[i];
          if (typeof v !== "number") throw new RelaxError(op, "logits", "numbers", `${describe(v)} at [${j}, ${i}]`);
          flat[j * NUM_GATES + i] = v;
        }
      });
    } else if (lg instanceof Float32Array || Array.isArray(lg)) {
      if (lg.length !== outDim * NUM_GATES)
        throw new RelaxError(op, "logits", `${outDim * NUM_GATES} numbers ([${outDim}, 16])`, `${lg.length}`);
      if (Array.isArray(lg) && lg.some((v) => typeof v !== "number"))
        throw new RelaxError(op, "logits", "numbers", describe(lg.find((v) => typeof v !== "number")));
      flat = Float32Array.from(lg as ArrayLike<number>);
    } else {
      throw new RelaxError(op, "logits", "[outDim, 16] numbers or a tensor", describe(lg));
    }
    for (let i = 0; i < flat.length; i++) {
      if (!Number.isFinite(flat[i] as number))
        throw new RelaxError(op, "logits", "finite numbers", `${describe(flat[i])} at flat index ${i}`);
    }
    const layer = Object.create(LogicLayer.prototype) as LogicLayer;
    Object.assign(layer, {
      inDim,
      outDim,
      a,
      b,
      gradFactor,
      logits: makeVariable(flat, outDim, trainable),
      aTensor: tf.keep(tf.tensor1d(a, "int32")),
      bTensor: tf.keep(tf.tensor1d(b, "int32")),
    });
    return layer;
  }

  /**
   * Layer output `[batch, outDim]` for input `x: [batch, inDim]` (values in [0, 1]: a relaxed gate reads
   * probabilities). NaN and ±Inf are a `RelaxError` on the host backends; finite values outside [0, 1] are accepted — the
   * four-coefficient form `c0 + c1·A + c2·B + c3·A·B` is defined on all reals and finite-difference checks step
   * across 0 and 1 — but have no probabilistic meaning. A plain
   * array or a non-float32 tensor is converted and the copy disposed.
   * Train mode mixes the 16 relaxed gates by softmax(logits); eval mode uses the argmax gate
   * (on 0/1 inputs this is the exact Boolean circuit).
   */
  forward(x: tf.Tensor | tf.TensorLike, options: { mode?: LogicMode } = {}): tf.Tensor2D {
    const op = "LogicLayer.forward";
    const opts = assertOptions<{ mode?: LogicMode }>(op, options, ["mode"]);
    const mode = assertOneOf(op, "mode", opts.mode ?? "train", LOGIC_MODES);
    return withFloatInput(op, "x", x, (xt) => {
      assertRank(op, "x", xt, [2], `[batch, ${this.inDim}]`);
      if (xt.shape[1] !== this.inDim) throw new RelaxError(op, "x", `[batch, ${this.inDim}]`, `[${xt.shape.join(", ")}]`);
      assertFinite(op, "x", xt);
      return this.apply(xt as tf.Tensor2D, mode);
    });
  }

  /**
   * Forward without input validation (used by {@link LogicNet} after it validated the net input).
   * `layout` selects feature-major (`[features, batch]`) input/output for the fused kernel, which
   * chains layers without transposes; only valid when the fused kernel is registered.
   */
  apply(x: tf.Tensor2D, mode: LogicMode, layout: { featureMajorIn?: boolean; featureMajorOut?: boolean } = {}): tf.Tensor2D {
    if (useFused(RelaxLogicLayer)) {
      const attrs: RelaxLogicLayerAttrs = {
        a: this.a,
        b: this.b,
        mode,
        gradFactor: this.gradFactor,
        featureMajorIn: layout.featureMajorIn ?? false,
        featureMajorOut: layout.featureMajorOut ?? false,
      };
      return runFusedKernel<tf.Tensor2D>(RelaxLogicLayer, { x, logits: this.logits }, attrs);
    }
    if (layout.featureMajorIn || layout.featureMajorOut) throw new Error("LogicLayer.apply: feature-major layout needs the fused kernel");
    return this.reference(x, mode);
  }

  /**
   * Reference composition from tfjs ops, exactly as difflogic's python path: gather A and B, evaluate
   * all 16 relaxed gates, weight by softmax(logits) (or one-hot argmax). Slow; defines the numbers.
   */
  reference(x: tf.Tensor2D, mode: LogicMode): tf.Tensor2D {
    return tf.tidy(() => {
      const gf = this.gradFactor;
      const xs = gf === 1 ? x : gradFactorOp(x, gf);
      const A = tf.gather(xs, this.aTensor, 1);
      const B = tf.gather(xs, this.bTensor, 1);
      const gates = tf.stack(relaxedGatesTensor(A, B), 2); // [batch, out, 16]
      const p = mode === "train" ? tf.softmax(this.logits, -1) : tf.oneHot(tf.argMax(this.logits, 1), NUM_GATES, 1, 0, "float32");
      return tf.sum(tf.mul(gates, tf.expandDims(p, 0)), 2) as tf.Tensor2D;
    });
  }

  /** Argmax gate id of every neuron (first maximum on ties), the gate used in eval mode. */
  gateIds(): Int32Array {
    const z = this.logits.dataSync();
    const ids = new Int32Array(this.outDim);
    for (let j = 0; j < this.outDim; j++) {
      let best = 0;
      let max = z[j * NUM_GATES] as number;
      for (let i = 1; i < NUM_GATES; i++) {
        const v = z[j * NUM_GATES + i] as number;
        if (v > max) {
          max = v;
          best = i;
        }
      }
      ids[j] = best;
    }
    return ids;
  }

  /** Releases the logits variable and index tensors. */
  dispose(): void {
    this.logits.dispose();
    this.aTensor.dispose();
    this.bTensor.dispose();
  }
}

/** GradFactor of the reference: identity forward, gradient multiplied by `factor` in backward. */
export function gradFactorOp(x: tf.Tensor2D, factor: number): tf.Tensor2D {
  if (!(x instanceof tf.Tensor)) throw new RelaxError("gradFactorOp", "x", "a tensor", describe(x));
  if (x.isDisposed) throw new RelaxError("gradFactorOp", "x", "a live tensor", "a disposed tensor");
  assertInRange("gradFactorOp", "factor", factor, -MAX_GRAD_FACTOR, MAX_GRAD_FACTOR);
  const f = tf.customGrad(((xi: tf.Tensor) => ({
    value: tf.clone(xi),
    gradFunc: (dy: tf.Tensor) => tf.mul(dy, factor),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor2D;
}
