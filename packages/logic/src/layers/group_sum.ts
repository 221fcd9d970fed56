import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { SavedConfigLayer } from "./saved_config_layer.js";
import { RelaxError, assertOptions } from "@relax/core";
import { GroupSum } from "../group_sum.js";
import { layerArgs } from "./logic_layer.js";

/** Arguments of {@link groupSum}. */
export interface GroupSumArgs {
  /** Number of classes k (the input width must be a multiple of it). */
  k: number;
  /** Temperature τ dividing the sums (default 1). */
  tau?: number;
  /** Input width for the first layer of a `tf.sequential`. */
  inputShape?: number[];
  /** Layer name. */
  name?: string;
  /** Full input shape incl. batch (as `tf.layers`' `batchInputShape`). */
  batchInputShape?: (number | null)[];
  /** Fixed batch size (as `tf.layers`' `batchSize`). */
  batchSize?: number;
  /** Layer dtype (float32 only). */
  dtype?: "float32";
  /** Ignored (GroupSum has no weights); accepted because saved configs carry it. */
  trainable?: boolean;
}

const ARG_KEYS = ["k", "tau", "inputShape", "batchInputShape", "batchSize", "name", "trainable", "dtype"] as const;

/**
 * GroupSum (Petersen et al., NeurIPS 2022) as a `tf.layers` layer: `[batch, n] → [batch, k]`, class c sums the block
 * `[c·n/k, (c+1)·n/k)` and divides by τ; the fused kernel of `GroupSum` where the backend has it. No weights.
 * Registered as `RelaxGroupSum`. Its outputs are logits: train with `softmaxCrossEntropyLoss` (or
 * `tf.losses.softmaxCrossEntropy`), not with `'categoricalCrossentropy'` (which expects probabilities).
 *
 * @example
 * const head = groupSum({ k: 10, tau: 10 }); // [batch, 8000] → [batch, 10]
 */
export class GroupSumLayer extends SavedConfigLayer {
  /** The name `tf.serialization` registers this class under. */
  static className = "RelaxGroupSum";

  /** Number of classes. */
  readonly k: number;
  /** Temperature. */
  readonly tau: number;
  private readonly head: GroupSum;

  constructor(args: GroupSumArgs) {
    const op = "groupSum";
    const o = assertOptions<GroupSumArgs>(op, args, ARG_KEYS);
    if (args === undefined) throw new RelaxError(op, "args", "{ k, tau }", "undefined");
    super(layerArgs(o));
    this.head = new GroupSum(o.k, o.tau ?? 1);
    this.k = this.head.k;
    this.tau = this.head.tau;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const n = shape[shape.length - 1];
    if (shape.length !== 2 || (typeof n === "number" && n % this.k !== 0))
      throw new RelaxError("groupSum", "input shape", `[batch, n] with n a multiple of k = ${this.k}`, `[${shape.join(", ")}]`);
    return [shape[0] ?? null, this.k];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.head.forward((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), k: this.k, tau: this.tau };
  }
}
tf.serialization.registerClass(GroupSumLayer);

/**
 * A {@link GroupSumLayer} (`tf.layers`-style factory).
 *
 * @example
 * const model = tf.sequential({ layers: [logicLayer({ units: 8000, inputShape: [784] }), groupSum({ k: 10, tau: 10 })] });
 */
export function groupSum(args: GroupSumArgs): GroupSumLayer {
  return new GroupSumLayer(args);
}

/**
 * Softmax cross-entropy of logits against one-hot labels as a `model.compile` loss (`(yTrue, yPred) => [batch]`), for
 * a logic net ending in {@link groupSum}: `yTrue [batch, k]` one-hot, `yPred [batch, k]` logits.
 *
 * @example
 * model.compile({ optimizer: fusedAdam(0.01), loss: softmaxCrossEntropyLoss });
 */
export function softmaxCrossEntropyLoss(yTrue: tf.Tensor, yPred: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(yTrue, tf.logSoftmax(yPred, -1)), -1)));
}
