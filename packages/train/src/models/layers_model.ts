import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "@relax/core";
import type { Model } from "./model.js";

/**
 * The parts of a `tf.LayersModel` (`@tensorflow/tfjs-layers` / `@tensorflow/tfjs`) that `@relax/train` uses; typed
 * structurally so that the main entry never loads tfjs-layers.
 */
export interface LayersModelLike {
  /** Model name. */
  readonly name: string;
  /** The trainable weights (`LayerVariable`s; `read()` gives the tf.Variable). */
  readonly trainableWeights: { read(): tf.Tensor }[];
  /** The non-trainable weights (e.g. batch-norm moving statistics). */
  readonly nonTrainableWeights: { read(): tf.Tensor }[];
  /** Eager forward pass. */
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: { training?: boolean }): unknown;
  /** Inference. */
  predict(x: tf.Tensor | tf.Tensor[]): unknown;
}

/** A {@link Model} view of a layers model (from {@link fromLayersModel}). */
export interface LayersModelAdapter extends Model {
  /** The wrapped layers model (e.g. for `predict` in an `evaluate` callback). */
  readonly layersModel: LayersModelLike;
  /** Non-trainable variables (batch-norm statistics, logic connections): checkpoints save and restore them. */
  readonly state: tf.Variable[];
}

/** Whether `m` is a `tf.LayersModel` (duck-typed: trainable weights with `read()`, `apply`, `predict`). */
export function isLayersModel(m: unknown): m is LayersModelLike {
  const o = m as LayersModelLike | null;
  return (
    !!o &&
    typeof o === "object" &&
    Array.isArray(o.trainableWeights) &&
    Array.isArray(o.nonTrainableWeights) &&
    typeof o.apply === "function" &&
    typeof o.predict === "function" &&
    !Array.isArray((o as unknown as Model).params)
  );
}

function variables(op: string, ws: { read(): tf.Tensor }[]): tf.Variable[] {
  return ws.map((w, i) => {
    const v = w.read();
    if (!(v instanceof tf.Variable)) throw new RelaxError(op, `model weight ${i}`, "a tf.Variable", describe(v));
    return v;
  });
}

/**
 * The {@link Model} of a `tf.LayersModel`: `params` = its trainable weights' variables (in `model.trainableWeights`
 * order), `state` = the non-trainable ones, `apply(x)` = `model.apply(x, { training: true })` (dropout and batch
 * norm in training mode, as in `model.fit`). `trainWithAlgorithm`, `saveCheckpoint` / `loadCheckpoint`, `countParams`
 * call it themselves: pass the layers model directly.
 *
 * @example
 * const m = fromLayersModel(tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [4] })] }));
 */
export function fromLayersModel(model: LayersModelLike): LayersModelAdapter {
  const op = "fromLayersModel";
  if (!isLayersModel(model)) throw new RelaxError(op, "model", "a tf.LayersModel", describe(model));
  return {
    name: String(model.name),
    get params() {
      return variables(op, model.trainableWeights);
    },
    get state() {
      return variables(op, model.nonTrainableWeights);
    },
    layersModel: model,
    apply(x: tf.Tensor): tf.Tensor2D {
      const y = model.apply(x, { training: true });
      if (!(y instanceof tf.Tensor)) throw new RelaxError(op, "model output", "one tensor", describe(y));
      return y as tf.Tensor2D;
    },
  };
}

/** `model` itself, or the {@link Model} view of a layers model. */
export function asModel(model: Model | LayersModelLike): Model {
  return isLayersModel(model) ? fromLayersModel(model) : model;
}
