import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { SavedConfigLayer } from "./saved_config_layer.js";
import { RelaxError, RelaxGroupSum, RelaxLogicLayer, assertInteger, assertOneOf, assertOptions, describe, useFused } from "@relax/core";
import { MAX_WIDTH, optionalFinite } from "../check.js";
import { CONNECTION_METHODS, type ConnectionMethod } from "../connections.js";
import { DEFAULT_RESIDUAL_LOGIT, NUM_GATES } from "../gates.js";
import { GroupSum } from "../group_sum.js";
import { LOGIC_INITS, LOGIC_MODES, checkGradFactor, type LogicInit, type LogicMode } from "../logic_layer.js";
import { RelaxLogicNet, runLogicNetKernel } from "../kernels/logic_net.js";
import { randomSeed } from "../rng.js";
import { wasmNetSupported } from "../wasm_layer.js";
import {
  type CommonLayerArgs,
  type LogicGateArgs,
  initialGates,
  layerArgs,
  logicGates,
  readConnections,
  writeConnections,
  type LogicLayerMode,
} from "./logic_layer.js";

/** Arguments of {@link logicStack}: the gate options of `logicLayer` for every layer, and the GroupSum head. */
export interface LogicStackArgs extends LogicGateArgs, CommonLayerArgs {
  /** Widths of the logic layers, e.g. `[8000, 8000, 8000, 8000, 8000, 8000]`. */
  units: number[];
  /** Classes of the GroupSum head (omit for no head: the output is the last layer's gates). */
  k?: number;
  /** GroupSum temperature τ (default 1). */
  tau?: number;
  /** Seed: layer l uses `seed + l`, as `new LogicLayer(…, { seed: seed + l })` (default: random, kept in the config). */
  seed?: number;
}

const ARG_KEYS = [
  "units",
  "k",
  "tau",
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

/**
 * A whole logic gate network (L logic layers and an optional GroupSum head) as ONE `tf.layers` layer, so that
 * `model.fit` runs the fused whole-net kernel (activations stay in WASM memory, one kernel per step forward and one
 * backward) — the speed of `LogicNet` in `model.fit`, where a `tf.sequential` of separate {@link logicLayer}s pays a
 * per-layer kernel each way. Same numbers as `LogicNet([new LogicLayer(…, { seed: seed + l }) …, new GroupSum(k, tau)])`.
 * Weights: per layer `logits_l [units_l, 16]` (trainable) and `connections_l [2, units_l]`. Registered as
 * `RelaxLogicStack`. Input `[batch, inDim]` in [0, 1], output `[batch, k]` (or `[batch, units_last]` without a head).
 *
 * @example
 * const model = tf.sequential({ layers: [logicStack({ units: [8000, 8000], k: 10, tau: 10, inputShape: [784] })] });
 * model.compile({ optimizer: fusedAdam(0.01), loss: softmaxCrossEntropyLoss });
 */
export class LogicStackLayer extends SavedConfigLayer {
  /** The name `tf.serialization` registers this class under. */
  static className = "RelaxLogicStack";

  /** Layer widths. */
  readonly units: number[];
  /** Classes of the head (0 = no head). */
  readonly k: number;
  /** Head temperature. */
  readonly tau: number;
  /** Connection method. */
  readonly connections: ConnectionMethod;
  /** Logit initialisation. */
  readonly init: LogicInit;
  /** Gate-A logit of the residual initialisation. */
  readonly residualLogit: number;
  /** Gradient multiplier on every layer's input. */
  readonly gradFactor: number;
  /** Seed of layer 0 (layer l: seed + l). */
  readonly seed: number;
  /** Train/eval switch. */
  readonly mode: LogicLayerMode;
  private readonly head: GroupSum | null;
  private logitsWeights: tfl.LayerVariable[] = [];
  private connectionWeights: tfl.LayerVariable[] = [];
  private inDim = 0;

  constructor(args: LogicStackArgs) {
    const op = "logicStack";
    const o = assertOptions<LogicStackArgs>(op, args, ARG_KEYS);
    if (args === undefined) throw new RelaxError(op, "args", "{ units: number[], k, tau, ... }", "undefined");
    super(layerArgs(o));
    if (!Array.isArray(o.units) || o.units.length === 0)
      throw new RelaxError(op, "units", "a non-empty array of layer widths", describe(o.units));
    this.units = o.units.map((u, i) => assertInteger(op, `units[${i}]`, u, 1, MAX_WIDTH));
    this.head = o.k === undefined ? null : new GroupSum(o.k, o.tau ?? 1);
    const last = this.units[this.units.length - 1] as number;
    if (this.head && last % this.head.k !== 0) throw new RelaxError(op, "k", `a divisor of the last width ${last}`, String(o.k));
    this.k = this.head?.k ?? 0;
    this.tau = this.head?.tau ?? 1;
    this.connections = assertOneOf(op, "connections", o.connections ?? "random", CONNECTION_METHODS);
    this.init = assertOneOf(op, "init", o.init ?? "gaussian", LOGIC_INITS);
    this.residualLogit = optionalFinite(op, "residualLogit", o.residualLogit, DEFAULT_RESIDUAL_LOGIT, 1e6);
    this.gradFactor = checkGradFactor(op, o.gradFactor);
    const seed = optionalFinite(op, "seed", o.seed, Number.NaN);
    this.seed = Number.isNaN(seed) ? randomSeed() : seed;
    this.mode = assertOneOf(op, "mode", o.mode ?? "auto", [...LOGIC_MODES, "auto"] as const);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const inDim = shape[shape.length - 1];
    if (shape.length !== 2 || typeof inDim !== "number")
      throw new RelaxError("logicStack", "input shape", "[batch, inDim]", `[${shape.join(", ")}]`);
    this.inDim = assertInteger("logicStack", "inDim", inDim, 1, MAX_WIDTH);
    const zeros = tfl.initializers.zeros();
    let prev = inDim;
    this.units.forEach((u, l) => {
      const { a, b, logits } = initialGates(prev, u, {
        connections: this.connections,
        init: this.init,
        residualLogit: this.residualLogit,
        seed: this.seed + l,
      });
      const lw = this.addWeight(`logits_${l}`, [u, NUM_GATES], "float32", zeros, undefined, true);
      const cw = this.addWeight(`connections_${l}`, [2, u], "float32", zeros, undefined, false);
      tf.tidy(() => void lw.write(tf.tensor2d(logits, [u, NUM_GATES])));
      writeConnections(cw, a, b);
      this.logitsWeights.push(lw);
      this.connectionWeights.push(cw);
      prev = u;
    });
    this.inputSpec = [{ minNDim: 2, maxNDim: 2, axes: { [-1]: inDim } }];
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    return [shape[0] ?? null, this.head ? this.k : (this.units[this.units.length - 1] as number)];
  }

  /** Per layer: input width, A and B indices, the logits `[units_l, 16]` and the gradFactor (for `toLogicNet`). */
  gateLayers(): { inDim: number; a: Int32Array; b: Int32Array; logits: tf.Tensor2D; gradFactor: number }[] {
    if (!this.built) throw new RelaxError("LogicStackLayer.gateLayers", "layer", "a built layer", "not built yet");
    return this.units.map((_, l) => ({
      inDim: l === 0 ? this.inDim : (this.units[l - 1] as number),
      ...readConnections(this.connectionWeights[l] as tfl.LayerVariable),
      logits: (this.logitsWeights[l] as tfl.LayerVariable).read() as tf.Tensor2D,
      gradFactor: this.gradFactor,
    }));
  }

  /**
   * Overwrites layer `l`'s connections and logits (used by {@link fuseLogicLayers}).
   *
   * @internal
   */
  assignGateLayer(l: number, a: Int32Array, b: Int32Array, logits: tf.Tensor): void {
    const lw = this.logitsWeights[l];
    const cw = this.connectionWeights[l];
    if (!lw || !cw)
      throw new RelaxError("LogicStackLayer.assignGateLayer", "l", `a built layer index < ${this.logitsWeights.length}`, String(l));
    lw.write(logits);
    writeConnections(cw, a, b);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
    const mode: LogicMode = this.mode === "auto" ? (kwargs?.training === true ? "train" : "eval") : this.mode;
    const layers = this.gateLayers();
    const head = this.head;
    if (head && useFused(RelaxLogicLayer) && useFused(RelaxGroupSum) && useFused(RelaxLogicNet) && wasmNetSupported(layers.length)) {
      return runLogicNetKernel(
        x,
        layers.map((l) => l.logits),
        { layers: layers.map(({ a, b, gradFactor }) => ({ a, b, gradFactor })), mode, k: head.k, tau: head.tau },
      );
    }
    return tf.tidy(() => {
      let h = x;
      for (const l of layers) h = logicGates(h, l.logits, l.a, l.b, l.gradFactor, mode);
      return head ? head.forward(h) : h;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const cfg: tf.serialization.ConfigDict = {
      ...super.getConfig(),
      units: [...this.units],
      connections: this.connections,
      init: this.init,
      residualLogit: this.residualLogit,
      gradFactor: this.gradFactor,
      seed: this.seed,
      mode: this.mode,
    };
    if (this.head) Object.assign(cfg, { k: this.k, tau: this.tau });
    return cfg;
  }
}
tf.serialization.registerClass(LogicStackLayer);

/**
 * A {@link LogicStackLayer}: a whole logic net as one `tf.layers` layer (the fused speed in `model.fit`).
 *
 * @example
 * const net = logicStack({ units: [8000, 8000, 8000], k: 10, tau: 10, inputShape: [784], seed: 1 });
 */
export function logicStack(args: LogicStackArgs): LogicStackLayer {
  return new LogicStackLayer(args);
}
