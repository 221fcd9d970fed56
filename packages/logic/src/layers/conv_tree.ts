import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { SavedConfigLayer } from "./saved_config_layer.js";
import { MAX_FIELD } from "../check.js";
import { RelaxError, assertInteger, assertOneOf, assertOptions } from "@relax/core";
import { CONV_PADDINGS, type ConvPadding, LogicConvTree } from "../conv_tree.js";
import { treeOutputSide } from "../kernels/conv_tree.js";
import { LOGIC_INITS, LOGIC_MODES, type LogicInit, type LogicMode } from "../logic_layer.js";
import { OR_POOL_METHODS, OrPool, type OrPoolMethod } from "../or_pool.js";
import { randomSeed } from "../rng.js";
import { type LogicLayerMode, layerArgs } from "./logic_layer.js";

/** Arguments of {@link logicConvTree} (the options of `LogicConvTree`, `filters` = its outChannels). */
export interface LogicConvTreeArgs {
  /** Number of trees (output channels). */
  filters: number;
  /** Side of the square receptive field (default 3). */
  receptiveField?: number;
  /** Tree depth d: 2^d leaves, 2^d − 1 gates per tree (default 2). */
  depth?: number;
  /** `'valid'` (default) or `'same'`. */
  padding?: ConvPadding;
  /** Stride s (default 1): the trees at rows and columns 0, s, 2s, … only. */
  stride?: number;
  /** Input channels each tree may read (default min(2, inChannels)). */
  channelsPerTree?: number;
  /** Logit initialisation (default `'gaussian'`). */
  init?: LogicInit;
  /** Gate-A logit of `init: 'residual'` (default 5). */
  residualLogit?: number;
  /** Seed of leaves and logits (default: random, kept in the config). */
  seed?: number;
  /** `'auto'` (default: train mode in `fit`, argmax gates in `predict`), `'train'` or `'eval'`. */
  mode?: LogicLayerMode;
  /** Input shape `[H, W, C]` for the first layer of a `tf.sequential`. */
  inputShape?: number[];
  /** Full input shape incl. batch. */
  batchInputShape?: (number | null)[];
  /** Fixed batch size. */
  batchSize?: number;
  /** Layer name. */
  name?: string;
  /** Whether the logits train (default true). */
  trainable?: boolean;
  /** Layer dtype (float32 only). */
  dtype?: "float32";
}

const BASE_KEYS = ["inputShape", "batchInputShape", "batchSize", "name", "trainable", "dtype"] as const;
const TREE_KEYS = [
  "filters",
  "receptiveField",
  "depth",
  "padding",
  "stride",
  "channelsPerTree",
  "init",
  "residualLogit",
  "seed",
  "mode",
] as const;

/**
 * A convolutional logic tree layer (Petersen et al., NeurIPS 2024, LogicTreeNet) as a `tf.layers` layer: `filters`
 * binary trees of depth d over a receptive field, slid over the image — `LogicConvTree`'s numbers and fused kernel.
 * `[batch, H, W, C]` in [0, 1] → `[batch, H', W', filters]`. Weights: `logits [filters, 2^d − 1, 16]` (trainable) and
 * `leaves [3, filters·2^d]` (the leaves' row, column and channel, non-trainable). Registered as `RelaxLogicConvTree`.
 *
 * @example
 * const model = tf.sequential({ layers: [logicConvTree({ filters: 16, inputShape: [28, 28, 1], seed: 1 }), orPoolLayer(),
 *   tf.layers.flatten(), logicLayer({ units: 2000 }), groupSum({ k: 10, tau: 10 })] });
 */
export class LogicConvTreeLayer extends SavedConfigLayer {
  /** The name `tf.serialization` registers this class under. */
  static className = "RelaxLogicConvTree";

  /** The tree options (filters, receptiveField, depth, padding, stride, channelsPerTree, init, residualLogit, seed). */
  readonly treeOptions: Required<Omit<LogicConvTreeArgs, "mode" | (typeof BASE_KEYS)[number] | "channelsPerTree" | "stride">> & {
    channelsPerTree?: number;
    stride?: number;
  };
  /** Train/eval switch. */
  readonly mode: LogicLayerMode;
  private tree: LogicConvTree | null = null;
  private logitsWeight: tfl.LayerVariable | null = null;
  private leavesWeight: tfl.LayerVariable | null = null;

  constructor(args: LogicConvTreeArgs) {
    const op = "logicConvTree";
    const o = assertOptions<LogicConvTreeArgs>(op, args, [...TREE_KEYS, ...BASE_KEYS]);
    if (args === undefined) throw new RelaxError(op, "args", "{ filters, ... }", "undefined");
    super(layerArgs(o));
    this.treeOptions = {
      filters: assertInteger(op, "filters", o.filters, 1, 1 << 16),
      receptiveField: o.receptiveField ?? 3,
      depth: o.depth ?? 2,
      padding: assertOneOf(op, "padding", o.padding ?? "valid", CONV_PADDINGS),
      init: assertOneOf(op, "init", o.init ?? "gaussian", LOGIC_INITS),
      residualLogit: o.residualLogit ?? 5,
      seed: o.seed ?? randomSeed(),
      ...(o.channelsPerTree !== undefined ? { channelsPerTree: o.channelsPerTree } : {}),
      ...(o.stride !== undefined ? { stride: assertInteger(op, "stride", o.stride, 1, MAX_FIELD) } : {}),
    };
    this.mode = assertOneOf(op, "mode", o.mode ?? "auto", [...LOGIC_MODES, "auto"] as const);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const cin = shape[3];
    if (shape.length !== 4 || typeof cin !== "number")
      throw new RelaxError("logicConvTree", "input shape", "[batch, H, W, C]", `[${shape.join(", ")}]`);
    const { filters, ...rest } = this.treeOptions;
    const tree = new LogicConvTree(cin, filters, rest); // validates every option
    const zeros = tfl.initializers.zeros();
    this.logitsWeight = this.addWeight("logits", tree.logits.shape, "float32", zeros, undefined, true);
    const n = tree.leafY.length;
    this.leavesWeight = this.addWeight("leaves", [3, n], "float32", zeros, undefined, false);
    tf.tidy(() => {
      this.logitsWeight?.write(tree.logits);
      this.leavesWeight?.write(tf.tensor2d([...tree.leafY, ...tree.leafX, ...tree.leafC], [3, n]));
    });
    this.tree = tree;
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const { receptiveField: rf, padding, filters, stride = 1 } = this.treeOptions;
    const out = (v: number | null) => (v === null ? v : treeOutputSide(v, rf, stride, padding));
    return [shape[0] ?? null, out(shape[1] ?? null), out(shape[2] ?? null), filters];
  }

  /**
   * The `LogicConvTree` of the current weights (leaves from the `leaves` weight, logits copied); the caller disposes it.
   *
   * @example
   * const tree = layer.toLogicConvTree(); // e.g. for a ConvLogicNet / compileConvCircuit
   */
  toLogicConvTree(): LogicConvTree {
    const tree = this.currentTree();
    return LogicConvTree.fromJSON({ ...tree.toJSON(), logits: Array.from((this.logitsWeight as tfl.LayerVariable).read().dataSync()) });
  }

  /** The internal tree, rebuilt when loaded weights changed the leaves (its own logits variable is not used). */
  private currentTree(): LogicConvTree {
    if (!this.tree || !this.leavesWeight) throw new RelaxError("LogicConvTreeLayer", "layer", "a built layer", "not built yet");
    const v = this.leavesWeight.read().dataSync();
    const t = this.tree;
    const n = t.leafY.length;
    let same = true;
    for (let i = 0; i < n && same; i++) same = v[i] === t.leafY[i] && v[n + i] === t.leafX[i] && v[2 * n + i] === t.leafC[i];
    if (same) return t;
    const json = t.toJSON();
    const fresh = LogicConvTree.fromJSON({
      ...json,
      leafY: Array.from(v.subarray(0, n)),
      leafX: Array.from(v.subarray(n, 2 * n)),
      leafC: Array.from(v.subarray(2 * n)),
    });
    t.dispose();
    this.tree = fresh;
    return fresh;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const mode: LogicMode = this.mode === "auto" ? (kwargs?.training === true ? "train" : "eval") : this.mode;
    // the tree's wiring and kernels with this layer's logits variable (gradients reach the layer's weight)
    const view = Object.create(this.currentTree(), { logits: { value: (this.logitsWeight as tfl.LayerVariable).read() } }) as LogicConvTree;
    return view.apply(x, mode);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.treeOptions, mode: this.mode };
  }

  override dispose(): ReturnType<tfl.layers.Layer["dispose"]> {
    this.tree?.dispose();
    this.tree = null;
    return super.dispose();
  }
}
tf.serialization.registerClass(LogicConvTreeLayer);

/**
 * A {@link LogicConvTreeLayer}.
 *
 * @example
 * const conv = logicConvTree({ filters: 16, receptiveField: 3, depth: 2, seed: 1 });
 */
export function logicConvTree(args: LogicConvTreeArgs): LogicConvTreeLayer {
  return new LogicConvTreeLayer(args);
}

/** Arguments of {@link orPoolLayer}. */
export interface OrPoolLayerArgs {
  /** Window side (default 2). */
  size?: number;
  /** Stride (default = size). */
  stride?: number;
  /** Relaxed OR: `'max'` (default, as the paper) or a t-conorm (see `orPool`). */
  method?: OrPoolMethod;
  /** Layer name. */
  name?: string;
  /** Ignored (no weights). */
  trainable?: boolean;
  /** Input shape `[H, W, C]` for the first layer. */
  inputShape?: number[];
  /** Full input shape incl. batch. */
  batchInputShape?: (number | null)[];
  /** Fixed batch size. */
  batchSize?: number;
  /** Layer dtype (float32 only). */
  dtype?: "float32";
}

/**
 * OR pooling (`orPool`, LogicTreeNet) as a `tf.layers` layer: `[batch, H, W, C] → [batch, H', W', C]`. Registered as
 * `RelaxOrPool`.
 *
 * @example
 * const pool = orPoolLayer({ size: 2 });
 */
export class OrPoolLayer extends SavedConfigLayer {
  /** The name `tf.serialization` registers this class under. */
  static className = "RelaxOrPool";

  /** The pooling module (size, stride, method). */
  readonly pool: OrPool;

  constructor(args: OrPoolLayerArgs = {}) {
    const op = "orPoolLayer";
    const o = assertOptions<OrPoolLayerArgs>(op, args, ["size", "stride", "method", ...BASE_KEYS]);
    super(layerArgs(o));
    if (o.method !== undefined) assertOneOf(op, "method", o.method, OR_POOL_METHODS);
    const opts: { size?: number; stride?: number; method?: OrPoolMethod } = {};
    if (o.size !== undefined) opts.size = o.size;
    if (o.stride !== undefined) opts.stride = o.stride;
    if (o.method !== undefined) opts.method = o.method;
    this.pool = new OrPool(opts);
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const { size, stride } = this.pool;
    const out = (v: number | null) => (v === null ? null : Math.floor((v - size) / stride) + 1);
    return [s[0] ?? null, out(s[1] ?? null), out(s[2] ?? null), s[3] ?? null];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.pool.forward((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), size: this.pool.size, stride: this.pool.stride, method: this.pool.method };
  }
}
tf.serialization.registerClass(OrPoolLayer);

/**
 * An {@link OrPoolLayer}.
 *
 * @example
 * const pool = orPoolLayer(); // 2×2 max-OR, stride 2
 */
export function orPoolLayer(args: OrPoolLayerArgs = {}): OrPoolLayer {
  return new OrPoolLayer(args);
}
