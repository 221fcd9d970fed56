/**
 * Run-time evaluation of the values, indices and ranges that statements refer to, against an
 * immutable program state. Lambdas see a read-only view that throws a `RelaxError` for unknown names.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "../errors.js";
import { MAX_ITERATIONS } from "../relaxed/limits.js";
import { softArgMax, softArgMin, softMax, softMin } from "../relaxed/soft_min_max.js";
import type { AnyIndex, AnyIntFn, AnyRealFn, AnyValue, ExprContext, IntContext, ResolvedSettings } from "./types.js";

/** Immutable state of a running program: real tensors `[batch, ...]` and hard integers. */
export interface RunState {
  readonly reals: Readonly<Record<string, tf.Tensor>>;
  readonly ints: Readonly<Record<string, number>>;
}

/** What every statement of one run shares. */
export interface RunEnv {
  readonly op: string;
  readonly batch: number;
  /** Build-time shape check: run every branch and one iteration of every loop. */
  readonly explore: boolean;
  /** Counters for benchmarks and tests. */
  readonly stats: ProgramStats;
}

/** Counters collected by a run (`Program.lastStats`). */
export interface ProgramStats {
  /** `if` statements executed. */
  ifs: number;
  /** Branches skipped by ε. */
  skippedBranches: number;
  /** Body executions of all `while` loops. */
  whileIterations: number;
}

function readOnlyView<T>(op: string, obj: Record<string, T>, what: string): Record<string, T> {
  return new Proxy(obj, {
    get(target, key) {
      if (typeof key !== "string") return undefined;
      if (!(key in target))
        throw new RelaxError(op, "variable", `a declared ${what} variable (${Object.keys(target).join(", ")})`, `'${key}'`);
      return target[key];
    },
    set(_t, key) {
      throw new RelaxError(op, "state", "read-only inside a lambda (assign with $.let)", `a write to '${String(key)}'`);
    },
  });
}

/** AlgoVision's `Min/ArgMin/Max/ArgMax(β)(*xs)`: @relax/core's soft min/max over the stacked candidates. */
function stacked(fn: (x: tf.Tensor, o: { steepness: number }) => tf.Tensor, xs: tf.Tensor[], beta: number): tf.Tensor {
  return tf.tidy(() => fn(tf.stack(xs, -1), { steepness: beta }));
}

/** Builds the context of a real-valued lambda. */
export function exprContext(env: RunEnv, state: RunState, beta: number): ExprContext {
  return {
    batch: env.batch,
    steepness: beta,
    beta,
    shape: (name: string) => {
      const t = state.reals[name];
      if (!t) throw new RelaxError(env.op, "shape", "the name of a real variable", `'${name}'`);
      return [...t.shape];
    },
    min: (...xs) => stacked(softMin, xs, beta),
    max: (...xs) => stacked(softMax, xs, beta),
    argmin: (...xs) => stacked(softArgMin, xs, beta),
    argmax: (...xs) => stacked(softArgMax, xs, beta),
  };
}

/** Builds the context of an integer lambda (shapes only). */
export function intContext(env: RunEnv, state: RunState): IntContext {
  return {
    batch: env.batch,
    shape: (name: string) => {
      const t = state.reals[name];
      if (!t) throw new RelaxError(env.op, "shape", "the name of a real variable", `'${name}'`);
      return [...t.shape];
    },
  };
}

/** Calls a real-valued lambda with the typed state view. */
export function callReal(
  env: RunEnv,
  state: RunState,
  fn: AnyRealFn,
  settings: ResolvedSettings,
  beta?: number,
): tf.Tensor | number | tf.Tensor[] {
  const view = readOnlyView<tf.Tensor | number>(env.op, { ...state.reals, ...state.ints }, "real or integer");
  return fn(view, exprContext(env, state, beta ?? settings.steepness));
}

/** Calls an integer lambda with the integer-only view. */
export function callInt(env: RunEnv, state: RunState, fn: AnyIntFn): number | readonly number[] {
  const view = readOnlyView<number>(env.op, { ...state.ints }, "integer");
  return fn(view, intContext(env, state));
}

/**
 * Evaluates a real value for a target of shape `targetShape` (`[batch, ...]`): a variable name, a
 * number (filled), a tensor without batch axis (repeated over the batch) or a lambda (a number is
 * filled; a tensor must have the target's shape or be a scalar). `what` names it in errors.
 */
export function evalReal(
  env: RunEnv,
  state: RunState,
  value: AnyValue,
  targetShape: readonly number[],
  what: string,
  settings: ResolvedSettings,
  beta?: number,
  evalCondition?: (c: AnyValue) => tf.Tensor,
): tf.Tensor {
  let t: tf.Tensor;
  if (typeof value === "string") {
    const r = state.reals[value];
    if (r) t = r;
    else if (value in state.ints) return tf.fill([...targetShape], state.ints[value] as number);
    else throw new RelaxError(env.op, what, "a declared variable", `'${value}'`);
  } else if (typeof value === "number") {
    return tf.fill([...targetShape], value);
  } else if (value instanceof tf.Tensor) {
    const want = targetShape.slice(1);
    if (!sameShape(value.shape, want) && value.rank !== 0) {
      throw new RelaxError(env.op, what, `a constant tensor of shape [${want.join(", ")}] (no batch axis)`, describe(value));
    }
    return tf.mul(tf.ones([...targetShape]), value);
  } else if (typeof value === "function") {
    const out = callReal(env, state, value, settings, beta);
    if (typeof out === "number") {
      if (!Number.isFinite(out)) throw new RelaxError(env.op, what, "a finite number or a tensor", describe(out));
      return tf.fill([...targetShape], out);
    }
    if (!(out instanceof tf.Tensor)) throw new RelaxError(env.op, what, "a lambda returning a tensor or a number", describe(out));
    t = out;
  } else if (value !== null && typeof value === "object" && (value as { node?: string }).node === "condition" && evalCondition) {
    t = evalCondition(value);
  } else {
    throw new RelaxError(env.op, what, "a variable name, number, tensor, condition or lambda", describe(value));
  }
  if (sameShape(t.shape, targetShape)) return t;
  if (t.rank === 0) return tf.mul(tf.ones([...targetShape]), t);
  throw new RelaxError(env.op, what, `shape [${targetShape.join(", ")}]`, `[${t.shape.join(", ")}]`);
}

/** Evaluates a hard index against an axis of length `size` (negative indices count from the end). */
export function evalIndex(env: RunEnv, state: RunState, index: AnyIndex, size: number, what: string): number {
  let v: number | readonly number[];
  if (typeof index === "number") v = index;
  else if (typeof index === "string") {
    if (!(index in state.ints)) throw new RelaxError(env.op, what, "an integer variable", `'${index}'`);
    v = state.ints[index] as number;
  } else v = callInt(env, state, index);
  if (typeof v !== "number" || !Number.isInteger(v)) throw new RelaxError(env.op, what, "an integer", describe(v));
  const i = v < 0 ? v + size : v;
  if (i < 0 || i >= size) throw new RelaxError(env.op, what, `an index in [-${size}, ${size})`, String(v));
  return i;
}

/** Evaluates the range of a `for`. */
export function evalRange(env: RunEnv, state: RunState, range: number | readonly number[] | string | AnyIntFn, what: string): number[] {
  let v: number | readonly number[];
  if (typeof range === "number" || Array.isArray(range)) v = range as number | readonly number[];
  else if (typeof range === "string") {
    if (!(range in state.ints)) throw new RelaxError(env.op, what, "an integer variable", `'${range}'`);
    v = state.ints[range] as number;
  } else v = callInt(env, state, range as AnyIntFn);
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new RelaxError(env.op, what, "an integer or a list of integers", describe(v));
    if (v > MAX_ITERATIONS) throw new RelaxError(env.op, what, `at most MAX_ITERATIONS = ${MAX_ITERATIONS} iterations`, describe(v));
    return Array.from({ length: Math.max(0, v) }, (_, i) => i);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === "number" && Number.isInteger(x))) {
    throw new RelaxError(env.op, what, "an integer or a list of integers", describe(v));
  }
  if (v.length > MAX_ITERATIONS) throw new RelaxError(env.op, what, `at most MAX_ITERATIONS = ${MAX_ITERATIONS} entries`, `${v.length}`);
  return [...v];
}

/** Evaluates an integer assignment. */
export function evalInt(env: RunEnv, state: RunState, value: number | string | AnyIntFn, what: string): number {
  let v: number | readonly number[];
  if (typeof value === "number") v = value;
  else if (typeof value === "string") {
    if (!(value in state.ints)) throw new RelaxError(env.op, what, "an integer variable", `'${value}'`);
    v = state.ints[value] as number;
  } else v = callInt(env, state, value);
  if (typeof v !== "number" || !Number.isInteger(v)) throw new RelaxError(env.op, what, "an integer", describe(v));
  return v;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
