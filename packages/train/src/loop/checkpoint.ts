import * as tf from "@tensorflow/tfjs-core";
import { existsSync, readFileSync } from "node:fs";
import { RelaxError, assertInteger, describe, verifyChecksum, withChecksum } from "@relax/core";
import { writeFileAtomic } from "@relax/core/files";
import type { Model } from "../models/model.js";
import { asModel, type LayersModelLike } from "../models/layers_model.js";
import {
  type CheckpointFile,
  type DecodedTensor,
  type StoredTensor,
  decodeTensor,
  encodeTensor,
  fail,
  isJsonData,
  sameShape,
} from "./checkpoint_format.js";

export type { CheckpointFile, StoredTensor };

/** Throws unless `model` looks like a {@link Model} (a `params` array of variables) or is a `tf.LayersModel` (its view). */
export function assertModel(op: string, model: unknown): Model {
  const m = (model ? asModel(model as Model) : model) as Model | null;
  if (!m || typeof m !== "object" || !Array.isArray(m.params) || m.params.some((p) => !(p instanceof tf.Variable) || p.isDisposed)) {
    throw new RelaxError(op, "model", "a Model ({ name, params: live tf.Variable[], apply })", describe(model));
  }
  return m;
}

function assertOptimizer(op: string, optimizer: unknown): tf.Optimizer | null {
  if (optimizer === null || optimizer === undefined) return null;
  if (!(optimizer instanceof tf.Optimizer)) throw new RelaxError(op, "optimizer", "a tfjs optimizer or null", describe(optimizer));
  return optimizer;
}

function assertPath(op: string, path: unknown): string {
  if (typeof path !== "string" || path.length === 0) throw new RelaxError(op, "path", "a file path", describe(path));
  return path;
}

/** A model's non-trainable variables (a layers model's batch-norm statistics, …), saved and restored with it. */
function stateOf(m: Model): tf.Variable[] {
  const st = (m as { state?: unknown }).state;
  return Array.isArray(st) ? st.filter((v): v is tf.Variable => v instanceof tf.Variable) : [];
}

/** The optimizer's other state variables by field name (Adam: `accBeta1`, `accBeta2`), which `getWeights` omits. */
function internalsOf(optimizer: tf.Optimizer): Record<string, tf.Variable> {
  const out: Record<string, tf.Variable> = {};
  for (const [k, v] of Object.entries(optimizer)) if (v instanceof tf.Variable && !v.isDisposed) out[k] = v;
  return out;
}

/**
 * Saves a checkpoint (model variables, optimizer state, step, any extra JSON) to `path` atomically (temporary file,
 * flushed, then renamed: a crash mid-save leaves the previous file intact). The file (format `"relax-checkpoint"`,
 * version 2) stores every tensor's dtype and exact bytes and carries a CRC-32 checksum, so a resumed run is
 * bit-identical to an uninterrupted one (Adam's step count, both moments and its β-power accumulators included).
 * Refuses (RelaxError) non-finite parameters or optimizer state, a negative or fractional step, extra data that is
 * not plain JSON, and optimizers whose state tfjs cannot read (Adamax).
 *
 * @example
 * await saveCheckpoint("runs/ckpt.json", model, optimizer, 500);
 * const step = await loadCheckpoint("runs/ckpt.json", model, optimizer);   // 500
 */
export async function saveCheckpoint(
  path: string,
  model: Model | LayersModelLike,
  optimizer: tf.Optimizer | null,
  step: number,
  extra: Record<string, unknown> = {},
): Promise<void> {
  const op = "saveCheckpoint";
  assertPath(op, path);
  const m = assertModel(op, model);
  const opt = assertOptimizer(op, optimizer);
  assertInteger(op, "step", step, 0, Number.MAX_SAFE_INTEGER);
  if (extra === null || typeof extra !== "object" || Array.isArray(extra) || !isJsonData(extra)) {
    throw new RelaxError(op, "extra", "a plain object of JSON data (finite numbers, strings, arrays, objects)", describe(extra));
  }
  const params = m.params.map((p, i) => ({ name: p.name, ...encodeTensor(op, `model.params[${i}]`, p) }));
  const modelState = stateOf(m).map((p, i) => ({ name: p.name, ...encodeTensor(op, `model.state[${i}]`, p) }));
  let state: CheckpointFile["optimizer"] = null;
  if (opt) {
    let weights: { name: string; tensor: tf.Tensor }[];
    try {
      weights = await opt.getWeights();
    } catch (e) {
      throw new RelaxError(
        op,
        "optimizer",
        "an optimizer whose state tfjs can read (getWeights)",
        `${opt.getClassName()}: ${(e as Error).message}`,
      );
    }
    try {
      state = {
        className: opt.getClassName(),
        weights: weights.map((w, i) => ({ name: w.name, tensor: encodeTensor(op, `optimizer weight ${i} (${w.name})`, w.tensor) })),
        internals: Object.fromEntries(Object.entries(internalsOf(opt)).map(([k, v]) => [k, encodeTensor(op, `optimizer.${k}`, v)])),
      };
    } finally {
      // getWeights returns the slot variables themselves, plus a new scalar for the step count: dispose only that.
      for (const w of weights) if (!(w.tensor instanceof tf.Variable) && !w.tensor.isDisposed) w.tensor.dispose();
    }
  }
  const file = withChecksum({
    format: "relax-checkpoint" as const,
    version: 2 as const,
    step,
    model: String(m.name),
    params,
    ...(modelState.length > 0 ? { state: modelState } : {}),
    optimizer: state,
    extra,
  });
  writeFileAtomic(path, JSON.stringify(file));
}

interface Plan {
  step: number;
  params: DecodedTensor[];
  state: DecodedTensor[];
  optimizer: { weights: { name: string; tensor: DecodedTensor }[]; internals: [tf.Variable, DecodedTensor][] } | null;
}

/** Reads and validates the whole file into a plan; touches neither the model nor the optimizer. */
function readPlan(op: string, path: string, model: Model, optimizer: tf.Optimizer | null): Plan {
  if (!existsSync(path)) throw new RelaxError(op, "path", "an existing checkpoint file", JSON.stringify(path));
  const text = readFileSync(path, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    fail(op, path, "", "complete JSON (the file is truncated or damaged)", `${text.length} characters: ${(e as Error).message}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) fail(op, path, "", "a checkpoint object", describe(raw));
  const f = raw as Record<string, unknown>;
  const v1 = f.format === "relax-checkpoint-1";
  if (!v1) {
    if (f.format !== "relax-checkpoint" || f.version !== 2) {
      fail(
        op,
        path,
        "format",
        `"relax-checkpoint" version 2 (or "relax-checkpoint-1")`,
        `${describe(f.format)} version ${describe(f.version)}`,
      );
    }
    verifyChecksum(op, `checkpoint "${path}"`, f);
  }
  const step = f.step;
  if (typeof step !== "number" || !Number.isSafeInteger(step) || step < 0) fail(op, path, "step", "a non-negative integer", describe(step));
  if (!Array.isArray(f.params)) fail(op, path, "params", "an array of stored tensors", describe(f.params));
  if (f.params.length !== model.params.length) {
    fail(op, path, "params", `${model.params.length} variables (${model.name})`, `${f.params.length} variables (${describe(f.model)})`);
  }
  const names: string[] = [];
  const params = f.params.map((s, i) => {
    const d = decodeTensor(op, path, `params[${i}]`, s, v1 ? "float32" : undefined);
    const want = model.params[i] as tf.Variable;
    if (d.dtype !== want.dtype || !sameShape(d.shape, want.shape)) {
      fail(op, path, `params[${i}]`, `${want.dtype} [${want.shape.join(", ")}] like the model's`, `${d.dtype} [${d.shape.join(", ")}]`);
    }
    names.push(v1 ? `#${i}` : String((s as { name?: unknown }).name));
    return d;
  });
  const want = stateOf(model);
  const stored = f.state === undefined ? [] : f.state;
  if (!Array.isArray(stored) || stored.length !== want.length)
    fail(
      op,
      path,
      "state",
      `${want.length} non-trainable variables (${model.name})`,
      Array.isArray(stored) ? `${stored.length}` : describe(stored),
    );
  const state = stored.map((s, i) => {
    const d = decodeTensor(op, path, `state[${i}]`, s);
    const w = want[i] as tf.Variable;
    if (d.dtype !== w.dtype || !sameShape(d.shape, w.shape))
      fail(op, path, `state[${i}]`, `${w.dtype} [${w.shape.join(", ")}] like the model's`, `${d.dtype} [${d.shape.join(", ")}]`);
    return d;
  });
  return {
    step,
    params,
    state,
    optimizer: optimizer
      ? readOptimizer(
          op,
          path,
          f,
          v1,
          params,
          names,
          model.params.map((p) => p.name),
          optimizer,
        )
      : null,
  };
}

/** Validates the optimizer part against the optimizer's class, the stored variables and the optimizer's own fields. */
function readOptimizer(
  op: string,
  path: string,
  f: Record<string, unknown>,
  v1: boolean,
  params: DecodedTensor[],
  names: string[],
  current: string[],
  optimizer: tf.Optimizer,
): Plan["optimizer"] {
  let list: unknown;
  let internals: unknown = {};
  if (v1) list = f.optimizer;
  else {
    const o = f.optimizer;
    if (o === null) return null;
    if (typeof o !== "object" || Array.isArray(o)) fail(op, path, "optimizer", "null or {className, weights, internals}", describe(o));
    const rec = o as Record<string, unknown>;
    if (rec.className !== optimizer.getClassName())
      fail(op, path, "optimizer.className", `"${optimizer.getClassName()}" (the optimizer given)`, describe(rec.className));
    list = rec.weights;
    internals = rec.internals;
  }
  if (!Array.isArray(list)) fail(op, path, "optimizer.weights", "an array of named tensors", describe(list));
  if (v1 && list.length === 0) return null;
  const P = params.length;
  if (list.length < 1 || (P > 0 ? (list.length - 1) % P !== 0 : list.length !== 1)) {
    fail(op, path, "optimizer.weights", `the step count and whole sets of ${P} per-variable slots`, `${list.length} entries`);
  }
  const weights = list.map((w, j) => {
    const where = `optimizer.weights[${j}]`;
    if (w === null || typeof w !== "object") fail(op, path, where, "{name, tensor}", describe(w));
    const { name, tensor } = w as { name?: unknown; tensor?: unknown };
    if (j === 0) {
      if (name !== "iter") fail(op, path, `${where}.name`, '"iter" (the step count)', describe(name));
      const d = decodeTensor(op, path, `${where}.tensor`, tensor, v1 ? "int32" : undefined);
      if (d.dtype !== "int32" || d.shape.length !== 0 || (d.values[0] as number) < 0) {
        fail(op, path, `${where}.tensor`, "an int32 scalar ≥ 0", `${d.dtype} [${d.shape.join(", ")}] ${d.values[0]}`);
      }
      return { name: "iter", tensor: d };
    }
    const k = (j - 1) % P;
    const saved = names[k] as string;
    const suffix = typeof name === "string" && (name === saved || name.startsWith(`${saved}/`)) ? name.slice(saved.length) : null;
    if (!v1 && suffix === null) fail(op, path, `${where}.name`, `"${saved}/…" (a slot of params[${k}])`, describe(name));
    const d = decodeTensor(op, path, `${where}.tensor`, tensor, v1 ? "float32" : undefined);
    const p = params[k] as DecodedTensor;
    if (d.dtype !== "float32" || !sameShape(d.shape, p.shape)) {
      fail(
        op,
        path,
        `${where}.tensor`,
        `float32 [${p.shape.join(", ")}] (the shape of params[${k}])`,
        `${d.dtype} [${d.shape.join(", ")}]`,
      );
    }
    // tfjs matches slots to variables by position; name them after the model's variables now (a fresh model's names differ)
    return { name: `${current[k]}${suffix ?? ""}`, tensor: d };
  });
  if (internals === null || typeof internals !== "object" || Array.isArray(internals))
    fail(op, path, "optimizer.internals", "an object", describe(internals));
  const own = internalsOf(optimizer);
  const pairs: [tf.Variable, DecodedTensor][] = Object.entries(internals as Record<string, unknown>).map(([key, s]) => {
    const target = own[key];
    if (!target)
      fail(
        op,
        path,
        `optimizer.internals.${key}`,
        `a state variable of ${optimizer.getClassName()} (${Object.keys(own).join(", ") || "none"})`,
        "an unknown field",
      );
    const d = decodeTensor(op, path, `optimizer.internals.${key}`, s);
    if (d.dtype !== target.dtype || !sameShape(d.shape, target.shape)) {
      fail(op, path, `optimizer.internals.${key}`, `${target.dtype} [${target.shape.join(", ")}]`, `${d.dtype} [${d.shape.join(", ")}]`);
    }
    return [target, d];
  });
  return { weights, internals: pairs };
}

/**
 * Restores a checkpoint saved by {@link saveCheckpoint} into `model` (and `optimizer`, if given; its class must
 * match the saved one) and returns the step it was saved at. The whole file is validated before anything is
 * assigned — format and version, checksum, every field, each tensor's shape, dtype and byte length, finite values,
 * the step, the optimizer's slots against the model's variables — so a bad file leaves the model and the optimizer
 * untouched and throws a `RelaxError` naming the file and what is wrong. Files of the earlier format
 * `"relax-checkpoint-1"` (no checksum) are still read, with the same checks; their step count is recovered exactly.
 *
 * @example
 * const step = await loadCheckpoint("runs/ckpt.json", model, optimizer);
 */
export async function loadCheckpoint(path: string, model: Model | LayersModelLike, optimizer: tf.Optimizer | null = null): Promise<number> {
  const op = "loadCheckpoint";
  assertPath(op, path);
  const m = assertModel(op, model);
  const opt = assertOptimizer(op, optimizer);
  const plan = readPlan(op, path, m, opt);
  const make = (d: DecodedTensor): tf.Tensor => tf.tensor(d.values, d.shape, d.dtype);
  tf.tidy(() => {
    plan.params.forEach((d, i) => (m.params[i] as tf.Variable).assign(make(d)));
    const st = stateOf(m);
    plan.state.forEach((d, i) => (st[i] as tf.Variable).assign(make(d)));
  });
  if (opt && plan.optimizer) {
    const ws = plan.optimizer.weights.map((w) => ({ name: w.name, tensor: make(w.tensor) }));
    try {
      await opt.setWeights(ws); // the optimizer keeps copies (variables) of these
    } finally {
      tf.dispose(ws.map((w) => w.tensor));
    }
    tf.tidy(() => {
      for (const [target, d] of plan.optimizer?.internals ?? []) target.assign(make(d));
    });
  }
  return plan.step;
}
