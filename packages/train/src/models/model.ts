import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "@relax/core";
import { type LayersModelLike, fromLayersModel, isLayersModel } from "./layers_model.js";

function assertModel(op: string, model: unknown): void {
  const m = (isLayersModel(model) ? fromLayersModel(model) : model) as Model | null;
  if (!m || !Array.isArray(m.params) || m.params.some((p) => !(p instanceof tf.Tensor)))
    throw new RelaxError(op, "model", "a Model ({ params: tf.Variable[] })", describe(model));
}

/**
 * A model as a function of its trainable variables: `apply(x)` → `[N, outputs]`. Built from tfjs-core ops only
 * (no tfjs-layers), so it runs on every backend and any loss/strategy can wrap it.
 */
export interface Model {
  /** Human-readable architecture name. */
  readonly name: string;
  /** Trainable variables, in a fixed order (checkpoints store them by name). */
  readonly params: tf.Variable[];
  /** Forward pass: `x` (model-specific shape, first axis N) → `[N, outputs]`. */
  apply(x: tf.Tensor): tf.Tensor2D;
}

/** Total number of scalar parameters of a model (trainable weights, for a `tf.LayersModel`). */
export function countParams(model: Model | LayersModelLike): number {
  assertModel("countParams", model);
  return (isLayersModel(model) ? fromLayersModel(model) : model).params.reduce((s, p) => s + p.size, 0);
}

/** Disposes a model's variables. */
export function disposeModel(model: Model): void {
  if (!model || !Array.isArray(model.params)) throw new RelaxError("disposeModel", "model", "a Model ({ params })", describe(model));
  for (const p of model.params) p.dispose();
}

let uid = 0;
/** A fresh variable name (`prefix/name_k`) so that several models can coexist in one engine. */
export function variableName(prefix: string, name: string): string {
  uid += 1;
  return `${prefix}/${name}_${uid}`;
}

/** A trainable variable holding `init` (which is disposed: `tf.variable` would otherwise leave it allocated). */
export function makeVariable(init: tf.Tensor, name: string): tf.Variable {
  const v = tf.variable(init, true, name);
  init.dispose();
  return v;
}
