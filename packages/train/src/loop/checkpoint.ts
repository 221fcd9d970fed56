import * as tf from "@tensorflow/tfjs-core";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { RelaxError } from "@relax/core";
import type { Model } from "../models/model.js";

/** One tensor in a checkpoint file: its shape and its float32 values as base64. */
export interface StoredTensor {
  shape: number[];
  /** base64 of the little-endian float32 values */
  data: string;
}

/** The JSON layout of a checkpoint file. */
export interface CheckpointFile {
  format: "relax-checkpoint-1";
  step: number;
  model: string;
  params: StoredTensor[];
  optimizer: { name: string; tensor: StoredTensor }[];
  extra: Record<string, unknown>;
}

function store(t: tf.Tensor): StoredTensor {
  const v = t.dataSync() as Float32Array;
  return { shape: t.shape, data: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
}

function restore(s: StoredTensor): tf.Tensor {
  const b = Buffer.from(s.data, "base64");
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return tf.tensor(new Float32Array(copy.buffer), s.shape);
}

/**
 * Saves a checkpoint (model variables, optimiser state, step, any extra JSON) to `path` atomically.
 *
 * @example
 * await saveCheckpoint("runs/ckpt.json", model, optimizer, 500);
 * const step = await loadCheckpoint("runs/ckpt.json", model, optimizer);   // 500
 */
export async function saveCheckpoint(
  path: string,
  model: Model,
  optimizer: tf.Optimizer | null,
  step: number,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const opt = optimizer ? await optimizer.getWeights() : [];
  const file: CheckpointFile = {
    format: "relax-checkpoint-1",
    step,
    model: model.name,
    params: model.params.map(store),
    optimizer: opt.map((w) => ({ name: w.name, tensor: store(w.tensor) })),
    extra,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(`${path}.tmp`, JSON.stringify(file));
  renameSync(`${path}.tmp`, path);
}

/**
 * Restores a checkpoint saved by {@link saveCheckpoint} into `model` (and `optimizer`, if given); returns the
 * step it was saved at. Throws `RelaxError` when the file does not match the model's variables.
 */
export async function loadCheckpoint(path: string, model: Model, optimizer: tf.Optimizer | null = null): Promise<number> {
  if (!existsSync(path)) throw new RelaxError("loadCheckpoint", "path", "an existing checkpoint file", JSON.stringify(path));
  const file = JSON.parse(readFileSync(path, "utf8")) as CheckpointFile;
  if (file.format !== "relax-checkpoint-1" || file.params.length !== model.params.length) {
    throw new RelaxError(
      "loadCheckpoint",
      "path",
      `a checkpoint of ${model.params.length} variables (${model.name})`,
      `${file.params.length} variables (${file.model})`,
    );
  }
  file.params.forEach((s, i) => {
    const v = model.params[i] as tf.Variable;
    if (s.shape.join(",") !== v.shape.join(","))
      throw new RelaxError("loadCheckpoint", `params[${i}]`, `shape [${v.shape.join(", ")}]`, `[${s.shape.join(", ")}]`);
    tf.tidy(() => v.assign(restore(s)));
  });
  if (optimizer && file.optimizer.length > 0) {
    const ws = file.optimizer.map((w) => ({ name: w.name, tensor: restore(w.tensor) }));
    await optimizer.setWeights(ws);
    // Adam/SGD store copies of the named tensors; dispose ours.
    for (const w of ws) if (!w.tensor.isDisposed) w.tensor.dispose();
  }
  return file.step;
}
