import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { RelaxError, assertOptions } from "@relax/core";
import { diffSort, type DiffSortOptions } from "../diff_sort.js";
import { softRank, type SoftRankOptions } from "../soft_rank.js";

/** What a {@link DiffSortLayer} outputs: the soft ranks of the inputs or the relaxed sorted values. */
export type DiffSortOutput = "ranks" | "sorted";

/** Arguments of {@link diffSortLayer} (the options of `softRank` / `diffSort` along the last axis, and the base-layer ones). */
export interface DiffSortLayerArgs {
  /** `'ranks'` (default: `softRank`, rank of each entry, 0 = smallest) or `'sorted'` (`diffSort`'s sorted values). */
  returns?: DiffSortOutput;
  /** Sorting network (`'odd_even'` default, `'bitonic'`). */
  network?: SoftRankOptions["network"];
  /** Comparator distribution (default `'cauchy'`… as `diffSort`). */
  distribution?: SoftRankOptions["distribution"];
  /** Inverse temperature β (as `diffSort`). */
  steepness?: number;
  /** ART λ (as `diffSort`). */
  artLambda?: number;
  /** Sort descending (default false). */
  descending?: boolean;
  /** Ranks from 1 instead of 0 (`'ranks'` only; default false). */
  oneBased?: boolean;
  /** Input shape for the first layer of a `tf.sequential`. */
  inputShape?: (number | null)[];
  /** Full input shape incl. batch. */
  batchInputShape?: (number | null)[];
  /** Fixed batch size. */
  batchSize?: number;
  /** Layer name. */
  name?: string;
  /** Ignored (no weights); accepted because saved configs carry it. */
  trainable?: boolean;
  /** Layer dtype (float32 only). */
  dtype?: "float32";
}

const SORT_KEYS = ["network", "distribution", "steepness", "artLambda", "descending"] as const;
const ARG_KEYS = [...SORT_KEYS, "returns", "oneBased", "inputShape", "batchInputShape", "batchSize", "name", "trainable", "dtype"] as const;

/**
 * A differentiable sorting network (Petersen et al., ICML 2021 / ICLR 2022) as a `tf.layers` layer: along the last
 * axis of `[batch, …, n]` it outputs the soft ranks (`softRank`, default) or the relaxed sorted values (`diffSort`),
 * same shape, with the same fused kernels and gradients. No weights. Registered as `RelaxDiffSort`.
 *
 * @example
 * const model = tf.sequential({ layers: [tf.layers.dense({ units: 5, inputShape: [8] }), diffSortLayer({ steepness: 10 })] });
 * const ranks = model.predict(x) as tf.Tensor; // [batch, 5] soft ranks in [0, 4]
 */
export class DiffSortLayer extends tfl.layers.Layer {
  /** The name `tf.serialization` registers this class under. */
  static className = "RelaxDiffSort";

  /** Builds the layer from a saved config (what `tf.loadLayersModel` calls); tfjs's `customObjects` entry is dropped. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const { customObjects: _, ...rest } = config;
    return new cls(rest);
  }
  /** Ranks or sorted values. */
  readonly returns: DiffSortOutput;
  /** Ranks from 1. */
  readonly oneBased: boolean;
  /** The sorting options given (network, distribution, steepness, artLambda, descending). */
  readonly sortOptions: Omit<DiffSortOptions, "axis" | "hard" | "valuesOnly" | "carry">;

  constructor(args: DiffSortLayerArgs = {}) {
    const op = "diffSortLayer";
    const o = assertOptions<DiffSortLayerArgs>(op, args, ARG_KEYS);
    const base: Record<string, unknown> = {};
    for (const k of ["inputShape", "batchInputShape", "batchSize", "name", "trainable", "dtype"] as const)
      if (o[k] !== undefined) base[k] = o[k];
    super(base);
    const returns = o.returns ?? "ranks";
    if (returns !== "ranks" && returns !== "sorted") throw new RelaxError(op, "returns", "'ranks' or 'sorted'", String(returns));
    if (returns === "sorted" && o.oneBased !== undefined)
      throw new RelaxError(op, "oneBased", "only with returns 'ranks'", String(o.oneBased));
    this.returns = returns;
    this.oneBased = o.oneBased ?? false;
    const sortOptions: Record<string, unknown> = {};
    for (const k of SORT_KEYS) if (o[k] !== undefined) sortOptions[k] = o[k];
    this.sortOptions = sortOptions as DiffSortLayer["sortOptions"];
    // validate the sorting options now (a bad option is an error at construction, not at the first batch)
    tf.tidy(() => void this.sortValues(tf.zeros([1, 2])));
  }

  private sortValues(x: tf.Tensor): tf.Tensor {
    return this.returns === "ranks"
      ? softRank(x, { ...this.sortOptions, axis: -1, ...(this.oneBased ? { oneBased: true } : {}) })
      : diffSort(x, { ...this.sortOptions, axis: -1, valuesOnly: true }).sorted;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return this.sortValues((Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      ...this.sortOptions,
      returns: this.returns,
      ...(this.returns === "ranks" ? { oneBased: this.oneBased } : {}),
    };
  }
}
tf.serialization.registerClass(DiffSortLayer);

/**
 * A {@link DiffSortLayer} (soft ranks by default).
 *
 * @example
 * const ranks = diffSortLayer({ steepness: 10 }).apply(scores) as tf.Tensor; // [batch, n]
 */
export function diffSortLayer(args: DiffSortLayerArgs = {}): DiffSortLayer {
  return new DiffSortLayer(args);
}
