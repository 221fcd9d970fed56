import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { SavedConfigLayer } from "./saved_config_layer.js";
import {
  RelaxError,
  RelaxLogicLayer,
  assertInteger,
  assertOneOf,
  assertOptions,
  optionalBoolean,
  runFusedKernel,
  useFused,
  type RelaxLogicLayerAttrs,
} from "@relax/core";
import { MAX_WIDTH, optionalFinite } from "../check.js";
import { CONNECTION_METHODS, makeConnections, type ConnectionMethod } from "../connections.js";
import { DEFAULT_RESIDUAL_LOGIT, GATE_A, NUM_GATES, relaxedGatesTensor } from "../gates.js";
import { LOGIC_INITS, LOGIC_MODES, checkGradFactor, gradFactorOp, type LogicInit, type LogicMode } from "../logic_layer.js";
import { logicRng, randomSeed } from "../rng.js";
import "../kernels/register.js";

/** When a {@link LogicGateLayer} uses the argmax gates: `'auto'` = eval outside training (`predict`), train in `fit`. */
export type LogicLayerMode = LogicMode | "auto";

/** The `tf.layers` arguments every layer takes (`inputShape`, `name`, `trainable`, …). */
export interface CommonLayerArgs {
  /** Input width for the first layer of a `tf.sequential` (`[inDim]`). */
  inputShape?: number[];
  /** Layer name. */
  name?: string;
  /** Full input shape incl. batch (as `tf.layers`' `batchInputShape`). */
  batchInputShape?: (number | null)[];
  /** Fixed batch size (as `tf.layers`' `batchSize`). */
  batchSize?: number;
  /** Layer dtype (float32 only). */
  dtype?: "float32";
  /** Whether the logits train (default true). */
  trainable?: boolean;
}

/** The gate options shared by {@link logicLayer} and `logicStack` (those of `LogicLayer`). */
export interface LogicGateArgs {
  /** How neurons pick their two inputs (default `'random'`). */
  connections?: ConnectionMethod;
  /** Logit initialisation (default `'gaussian'`, or `'residual'`). */
  init?: LogicInit;
  /** Logit of gate A for `init: 'residual'` (default 5). */
  residualLogit?: number;
  /** Gradient multiplier on each layer's input (default 1). */
  gradFactor?: number;
  /** `'auto'` (default: softmax mixture while training, argmax gates in `predict`/`evaluate`), `'train'` or `'eval'`. */
  mode?: LogicLayerMode;
}

/** Arguments of {@link logicLayer} (a `tf.layers` layer; `inputShape`, `name`, `trainable` as for any layer). */
export interface LogicLayerArgs extends LogicGateArgs, CommonLayerArgs {
  /** Number of gates (neurons), the output width. */
  units: number;
  /** Seed of connections and logits (default: random, fixed at build and kept in the config). */
  seed?: number;
}

const ARG_KEYS = [
  "units",
  "connections",
  "init",
  "residualLogit",
  "gradFactor",
  "seed",
  "mode",
  "inputShape",
  "batchInputShape",
  "batchSize",
  "name",
  "trainable",
  "dtype",
] as const;

/** The base-layer arguments (name, trainable, input shape, dtype) of a layer's arguments. */
export function layerArgs(o: object): ConstructorParameters<typeof tfl.layers.Layer>[0] {
  const { name, trainable, inputShape, batchInputShape, batchSize, dtype } = o as Record<string, never>;
  const out: Record<string, unknown> = { name, trainable, inputShape, batchInputShape, batchSize, dtype };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as ConstructorParameters<typeof tfl.layers.Layer>[0];
}

/** Connections and initial logits of a layer of `units` gates on `inDim` inputs, exactly as `new LogicLayer(inDim, units, o)`. */
export function initialGates(
  inDim: number,
  units: number,
  o: { connections: ConnectionMethod; init: LogicInit; residualLogit: number; seed: number },
): { a: Int32Array; b: Int32Array; logits: Float32Array } {
  const { a, b } = makeConnections(inDim, units, o.connections, o.seed);
  const logits = new Float32Array(units * NUM_GATES);
  if (o.init === "residual") {
    for (let j = 0; j < units; j++) logits[j * NUM_GATES + GATE_A] = o.residualLogit;
  } else {
    const rng = logicRng(o.seed + 0x5bd1e995, "LogicLayer");
    for (let i = 0; i < logits.length; i++) logits[i] = rng.normal();
  }
  return { a, b, logits };
}

/** Writes connections `[2, units]` (A row, then B row) into a weight. */
export function writeConnections(w: tfl.LayerVariable, a: Int32Array, b: Int32Array): void {
  const ab = new Float32Array(2 * a.length);
  ab.set(a, 0);
  ab.set(b, a.length);
  tf.tidy(() => void w.write(tf.tensor2d(ab, [2, a.length])));
}

/** Reads the A and B rows of a `[2, units]` connections weight. */
export function readConnections(w: tfl.LayerVariable): { a: Int32Array; b: Int32Array } {
  const ab = w.read().dataSync();
  const units = ab.length / 2;
  return { a: Int32Array.from(ab.subarray(0, units)), b: Int32Array.from(ab.subarray(units)) };
}

/**
 * The gates of one layer on `x: [batch, inDim]` → `[batch, outDim]`: the fused host kernel where the backend has it,
 * else the reference composition (gather A, B; 16 relaxed gates weighted by softmax(logits) or the argmax one-hot).
 */
export function logicGates(
  x: tf.Tensor2D,
  logits: tf.Tensor2D,
  a: Int32Array,
  b: Int32Array,
  gradFactor: number,
  mode: LogicMode,
): tf.Tensor2D {
  if (useFused(RelaxLogicLayer)) {
    const attrs: RelaxLogicLayerAttrs = { a, b, mode, gradFactor, featureMajorIn: false, featureMajorOut: false };
    return runFusedKernel<tf.Tensor2D>(RelaxLogicLayer, { x, logits }, attrs);
  }
  return tf.tidy(() => {
    const xs = gradFactor === 1 ? x : gradFactorOp(x, gradFactor);
    const A = tf.gather(xs, tf.tensor1d(a, "int32"), 1);
    const B = tf.gather(xs, tf.tensor1d(b, "int32"), 1);
    const gates = tf.stack(relaxedGatesTensor(A, B), 2);
    const p = mode === "train" ? tf.softmax(logits, -1) : tf.oneHot(tf.argMax(logits, 1), NUM_GATES, 1, 0, "float32");
    return tf.sum(tf.mul(gates, tf.expandDims(p, 0)), 2) as tf.Tensor2D;
  });
}

/**
 * A differentiable logic gate layer (Petersen et al., NeurIPS 2022) as a `tf.layers` layer: the same numbers, the
 * same fused kernel and the same seeded initialisation as `LogicLayer` (a layer with `seed: s` holds exactly
 * `new LogicLayer(inDim, units, { seed: s })`'s connections and logits). Weights: `logits [units, 16]` (trainable)
 * and `connections [2, units]` (the A and B input indices, non-trainable, saved with the model). Registered with
 * `tf.serialization.registerClass` as `RelaxLogicLayer`, so `model.save` / `tf.loadLayersModel` round-trip it.
 * Input `[batch, inDim]` with values in [0, 1], output `[batch, units]`.
 *
 * @example
 * const model = tf.sequential({ layers: [logicLayer({ units: 8000, inputShape: [784], seed: 1 }), groupSum({ k: 10, tau: 10 })] });
 * model.compile({ optimizer: fusedAdam(0.01), loss: softmaxCrossEntropyLoss });
 */
export class LogicGateLayer extends SavedConfigLayer {
  /** The name `tf.serialization` registers this class under. */
  static className = "RelaxLogicLayer";

  /** Output width. */
  readonly units: number;
  /** Connection method. */
  readonly connections: ConnectionMethod;
  /** Logit initialisation. */
  readonly init: LogicInit;
  /** Gate-A logit of the residual initialisation. */
  readonly residualLogit: number;
  /** Gradient multiplier on the input. */
  readonly gradFactor: number;
  /** Seed of connections and logits (fixed at construction). */
  readonly seed: number;
  /** Train/eval switch. */
  readonly mode: LogicLayerMode;
  private logitsWeight: tfl.LayerVariable | null = null;
  private connectionsWeight: tfl.LayerVariable | null = null;
  /** Input width (0 until built). */
  inDim = 0;

  constructor(args: LogicLayerArgs) {
    const op = "logicLayer";
    const o = assertOptions<LogicLayerArgs>(op, args, ARG_KEYS);
    if (args === undefined) throw new RelaxError(op, "args", "{ units, ... }", "undefined");
    super(layerArgs(o));
    this.units = assertInteger(op, "units", o.units, 1, MAX_WIDTH);
    this.connections = assertOneOf(op, "connections", o.connections ?? "random", CONNECTION_METHODS);
    this.init = assertOneOf(op, "init", o.init ?? "gaussian", LOGIC_INITS);
    this.residualLogit = optionalFinite(op, "residualLogit", o.residualLogit, DEFAULT_RESIDUAL_LOGIT, 1e6);
    this.gradFactor = checkGradFactor(op, o.gradFactor);
    const seed = optionalFinite(op, "seed", o.seed, Number.NaN);
    this.seed = Number.isNaN(seed) ? randomSeed() : seed;
    this.mode = assertOneOf(op, "mode", o.mode ?? "auto", [...LOGIC_MODES, "auto"] as const);
    optionalBoolean(op, "trainable", o.trainable, true);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inDim = shape[shape.length - 1];
    if (shape.length !== 2 || typeof inDim !== "number")
      throw new RelaxError("logicLayer", "input shape", "[batch, inDim]", `[${shape.join(", ")}]`);
    this.inDim = assertInteger("logicLayer", "inDim", inDim, 1, MAX_WIDTH);
    const { a, b, logits } = initialGates(inDim, this.units, this);
    const zeros = tfl.initializers.zeros();
    this.logitsWeight = this.addWeight("logits", [this.units, NUM_GATES], "float32", zeros, undefined, true);
    this.connectionsWeight = this.addWeight("connections", [2, this.units], "float32", zeros, undefined, false);
    tf.tidy(() => void this.logitsWeight?.write(tf.tensor2d(logits, [this.units, NUM_GATES])));
    writeConnections(this.connectionsWeight, a, b);
    this.inputSpec = [{ minNDim: 2, maxNDim: 2, axes: { [-1]: inDim } }];
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [shape[0] ?? null, this.units];
  }

  /** The A and B input indices of every gate (read from the `connections` weight, so loaded weights count). */
  indices(): { a: Int32Array; b: Int32Array } {
    if (!this.connectionsWeight) throw new RelaxError("LogicGateLayer.indices", "layer", "a built layer", "not built yet");
    return readConnections(this.connectionsWeight);
  }

  /** The trainable logits `[units, 16]`. */
  logits(): tf.Tensor2D {
    if (!this.logitsWeight) throw new RelaxError("LogicGateLayer.logits", "layer", "a built layer", "not built yet");
    return this.logitsWeight.read() as tf.Tensor2D;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
    const mode: LogicMode = this.mode === "auto" ? (kwargs?.training === true ? "train" : "eval") : this.mode;
    const { a, b } = this.indices();
    return logicGates(x, this.logits(), a, b, this.gradFactor, mode);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      connections: this.connections,
      init: this.init,
      residualLogit: this.residualLogit,
      gradFactor: this.gradFactor,
      seed: this.seed,
      mode: this.mode,
    };
  }
}
tf.serialization.registerClass(LogicGateLayer);

/**
 * A {@link LogicGateLayer} (`tf.layers`-style factory).
 *
 * @example
 * const layer = logicLayer({ units: 8000, seed: 1 }); // [batch, inDim] → [batch, 8000]
 */
export function logicLayer(args: LogicLayerArgs): LogicGateLayer {
  return new LogicGateLayer(args);
}
