import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "./errors.js";
import { RELAX_INPUT_CHECKS } from "./flags.js";

/** Anything tfjs accepts as tensor input. */
export type TensorInput = tf.Tensor | tf.TensorLike;

/**
 * Converts `x` to a float32 tensor, or throws a {@link RelaxError} naming `op` and `arg`.
 * Rejects strings, booleans-as-objects and ragged arrays with a clear message instead of a tfjs trace.
 */
export function toFloatTensor(op: string, arg: string, x: unknown): tf.Tensor {
  if (x instanceof tf.Tensor) {
    if (x.dtype === "string" || x.dtype === "complex64") {
      throw new RelaxError(op, arg, "a numeric tensor", describe(x));
    }
    return x.dtype === "float32" ? x : tf.cast(x, "float32");
  }
  if (typeof x === "number" || ArrayBuffer.isView(x) || Array.isArray(x)) {
    if (Array.isArray(x) && !isRectangular(x)) {
      throw new RelaxError(op, arg, "a rectangular numeric array", `a ragged array ${describe(x)}`);
    }
    try {
      return tf.tensor(x as tf.TensorLike, undefined, "float32");
    } catch (e) {
      throw new RelaxError(op, arg, "a tensor or a rectangular numeric array", `${describe(x)} (${(e as Error).message})`);
    }
  }
  throw new RelaxError(op, arg, "a tensor or numeric array", describe(x));
}

/** True when nested arrays have equal lengths at every depth and numbers at the leaves. */
function isRectangular(x: unknown): boolean {
  if (!Array.isArray(x)) return typeof x === "number" || typeof x === "boolean" || ArrayBuffer.isView(x);
  if (x.length === 0) return true;
  const first = x[0];
  const len = Array.isArray(first) ? first.length : -1;
  for (const item of x) {
    if ((Array.isArray(item) ? item.length : -1) !== len || !isRectangular(item)) return false;
  }
  return true;
}

/** Throws unless `x.rank` is one of `ranks`; `shapeText` describes the expected shape, e.g. `"[batch, n]"`. */
export function assertRank(op: string, arg: string, x: tf.Tensor, ranks: number[], shapeText: string): void {
  if (!ranks.includes(x.rank)) {
    throw new RelaxError(op, arg, shapeText, `[${x.shape.join(", ")}]`);
  }
}

/** Throws unless `value` is a finite number greater than 0 (e.g. steepness β, temperature τ). */
export function assertPositive(op: string, arg: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RelaxError(op, arg, "a finite number > 0", describe(value));
  }
  return value;
}

/** Throws unless `value` is a finite number in [lo, hi]. */
export function assertInRange(op: string, arg: string, value: unknown, lo: number, hi: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < lo || value > hi) {
    throw new RelaxError(op, arg, `a number in [${lo}, ${hi}]`, describe(value));
  }
  return value;
}

/** Throws unless `value` is an integer in [lo, hi]. */
export function assertInteger(op: string, arg: string, value: unknown, lo = -Infinity, hi = Infinity): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < lo || value > hi) {
    const range = hi === Infinity ? `>= ${lo}` : `in [${lo}, ${hi}]`;
    throw new RelaxError(op, arg, `an integer ${range}`, describe(value));
  }
  return value;
}

/** Throws unless `value` is a boolean or undefined; returns it, or `fallback` when undefined. */
export function optionalBoolean(op: string, arg: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean") throw new RelaxError(op, arg, "a boolean", describe(value));
  return value;
}

/**
 * Throws unless `value` is one of `choices`; a misspelled string gets the nearest valid name
 * (`name must be one of 'max', …, 'yager' (did you mean 'yager'?), got "yagr"`).
 */
export function assertOneOf<T extends string>(op: string, arg: string, value: unknown, choices: readonly T[]): T {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
  const near = typeof value === "string" ? nearestName(value, choices) : undefined;
  const hint = near ? ` (did you mean '${near}'?)` : "";
  throw new RelaxError(op, arg, `one of ${choices.map((c) => `'${c}'`).join(", ")}${hint}`, describe(value));
}

/**
 * Turns the NaN/Inf scan of op inputs on or off (default on). The scan reads tensor data, which is
 * cheap on the CPU backends but forces a GPU sync; turn it off in GPU hot loops once inputs are trusted.
 *
 * @deprecated Use the flag: `tf.env().set("RELAX_INPUT_CHECKS", enabled)`; this wrapper sets it and goes
 * away in the next minor release.
 */
export function setInputChecks(enabled: boolean): void {
  if (typeof enabled !== "boolean") throw new RelaxError("setInputChecks", "enabled", "a boolean", describe(enabled));
  tf.env().set(RELAX_INPUT_CHECKS, enabled);
}

/** Whether NaN/Inf scans of inputs are enabled: the `RELAX_INPUT_CHECKS` flag (`tf.env().getBool`). */
export function inputChecksEnabled(): boolean {
  return tf.env().getBool(RELAX_INPUT_CHECKS);
}

/**
 * The float32 values of `x` for an input scan, when reading them costs no GPU sync: the user's own host data
 * (`source`, the number, nested array or typed array `x` was made from, rounded to float32) on any backend, or the tensor's data
 * on the host backends (`cpu`, `wasm`). `null` when input checks are off, or when `x` came as a tensor on a
 * GPU backend (WebGPU has no synchronous read in Node or workers): the scan is then skipped.
 */
export function hostValues(x: tf.Tensor, source?: unknown): ArrayLike<number> | null {
  if (!inputChecksEnabled()) return null;
  // host data is read as the float32 values the tensor holds (1e300 is +Inf there, 1e-305 is 0)
  if (typeof source === "number") return Float32Array.of(source);
  if (ArrayBuffer.isView(source)) return Float32Array.from(source as unknown as ArrayLike<number>);
  if (Array.isArray(source)) {
    const flat = (source as unknown[]).flat(Number.POSITIVE_INFINITY);
    if (flat.every((v) => typeof v === "number" || typeof v === "boolean")) return Float32Array.from(flat as number[], Number);
  }
  const backend = tf.getBackend();
  if (backend !== "cpu" && backend !== "wasm") return null;
  return x.dataSync() as ArrayLike<number>;
}

/**
 * Throws unless every value of `x` is finite and within [lo, hi] (e.g. probabilities in [0, 1]), scanning what
 * {@link hostValues} can read (pass the user's argument as `source`; tensors on GPU backends are not scanned).
 */
export function assertValuesIn(op: string, arg: string, x: tf.Tensor, lo: number, hi: number, source?: unknown): void {
  const data = hostValues(x, source);
  if (data === null) return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) throw new RelaxError(op, arg, "finite (no NaN or Inf)", `${describe(v)} at flat index ${i}`);
    if (!(v >= lo && v <= hi)) throw new RelaxError(op, arg, `in [${lo}, ${hi}]`, `${describe(v)} at flat index ${i}`);
  }
}

/**
 * Throws if `x` holds NaN or ±Inf (when input checks are enabled), scanning what {@link hostValues} can read:
 * pass the user's argument as `source` so that array input is checked on GPU backends too.
 */
export function assertFinite(op: string, arg: string, x: tf.Tensor, source?: unknown): void {
  const data = hostValues(x, source);
  if (data === null || allFiniteValues(data)) return;
  for (let i = 0; i < data.length; i++) {
    const v = data[i] as number;
    if (!Number.isFinite(v)) {
      throw new RelaxError(op, arg, "finite (no NaN or Inf)", `${describe(v)} at flat index ${i}`);
    }
  }
}

/**
 * Whether every entry is finite: v·0 is 0 for a finite v and NaN for NaN or ±Inf. Four independent sums, so that
 * the loop is not one long chain of dependent additions (about 4× faster on large arrays than one sum).
 */
export function allFiniteValues(data: ArrayLike<number>): boolean {
  let p0 = 0,
    p1 = 0,
    p2 = 0,
    p3 = 0;
  const n = data.length;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    p0 += (data[i] as number) * 0;
    p1 += (data[i + 1] as number) * 0;
    p2 += (data[i + 2] as number) * 0;
    p3 += (data[i + 3] as number) * 0;
  }
  for (; i < n; i++) p0 += (data[i] as number) * 0;
  return p0 + p1 + p2 + p3 === 0;
}

/** Edit distance between two short strings (for "did you mean" suggestions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      cur[j] = Math.min((prev[j] as number) + 1, (cur[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
    }
    prev = cur;
  }
  return prev[b.length] as number;
}

/** The valid name closest to `name` (edit distance ≤ max(2, ⌊len/3⌋)), or undefined. */
export function nearestName(name: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of valid) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Checks an options argument: `undefined` means `{}`; anything but a plain object (null, an array, a number,
 * a tensor) is rejected, and so is any key not in `keys`, with the nearest valid name
 * (`diffSort: options.steepnes must be a known option (did you mean "steepness"?), got 0`). A key whose value
 * is `undefined` counts as absent (the default); an explicit `null` is rejected too (naming the key as the argument), except for the keys in
 * `nullable` whose documented type includes null (render's `light: null`, say). Returns the options, typed.
 *
 * @example
 * const opts = assertOptions<DiffSortOptions>("diffSort", options, ["network", "steepness", "distribution"]);
 */
export function assertOptions<T extends object>(
  op: string,
  options: unknown,
  keys: readonly (keyof T & string)[],
  arg = "options",
  nullable: readonly (keyof T & string)[] = [],
): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== "object" || Array.isArray(options) || options instanceof tf.Tensor) {
    throw new RelaxError(op, arg, "an options object", describe(options));
  }
  const valid = keys as readonly string[];
  for (const key of Object.keys(options)) {
    if (valid.includes(key) || (options as Record<string, unknown>)[key] === undefined) continue;
    const near = nearestName(key, valid);
    const hint = near ? `did you mean "${near}"?` : `known: ${valid.map((k) => `"${k}"`).join(", ")}`;
    throw new RelaxError(op, `${arg}.${key}`, `a known option (${hint})`, describe((options as Record<string, unknown>)[key]));
  }
  for (const key of valid) {
    if ((options as Record<string, unknown>)[key] === null && !(nullable as readonly string[]).includes(key))
      throw new RelaxError(
        op,
        arg === "options" ? key : `${arg}.${key}`,
        "a value of the documented type (or left out for the default)",
        "null",
      );
  }
  return options as T;
}
