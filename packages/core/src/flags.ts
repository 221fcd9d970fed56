/**
 * Relax's switches as `tf.env()` flags, the tfjs way: each package registers its flags on import
 * (`tf.env().registerFlag`), users read them with `tf.env().getBool/getNumber/getString` and set them with
 * `tf.env().set` (or `?tfjsflags=RELAX_FORCE_REFERENCE:true` in a browser URL). The table of every
 * flag is in core's README. A set value of the wrong kind is a `RelaxError` and leaves the flag as it was.
 */
import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, describe } from "./errors.js";

/** A flag value, as tfjs's environment stores it. */
export type RelaxFlagValue = boolean | number | string;

/** Every dispatching op runs its reference composition of tfjs ops (parity tests, benchmarks). Default `false`. */
export const RELAX_FORCE_REFERENCE = "RELAX_FORCE_REFERENCE";
/** NaN/Inf scans of op inputs (cheap on cpu/wasm, skipped for GPU tensors). Default `true`. */
export const RELAX_INPUT_CHECKS = "RELAX_INPUT_CHECKS";

/**
 * Registers a Relax flag with `tf.env()` (idempotent): `evaluate` gives the default, `valid` checks a
 * value given to `tf.env().set`; an invalid one throws a `RelaxError` naming the flag and restores the
 * flag's previous value.
 *
 * @param name the flag's name (`RELAX_…`, listed in core's README)
 * @param evaluate the default value (evaluated on first read, and again after `tf.env().reset()`)
 * @param expected what a valid value is, in words (for the error)
 * @param valid whether a value is valid
 * @example
 * registerRelaxFlag("RELAX_MY_BUDGET", () => 1024, "a positive number", (v) => typeof v === "number" && v > 0);
 * tf.env().set("RELAX_MY_BUDGET", 2048);
 */
export function registerRelaxFlag(
  name: string,
  evaluate: () => RelaxFlagValue,
  expected: string,
  valid: (value: unknown) => boolean,
): void {
  const env = tf.env();
  if (isRegistered(name)) return;
  let last: RelaxFlagValue | undefined;
  env.registerFlag(name, evaluate, (value) => {
    if (valid(value)) {
      last = value;
      return;
    }
    const flags = env.getFlags();
    if (last === undefined) delete flags[name];
    else flags[name] = last;
    throw new RelaxError("tf.env().set", name, expected, describe(value));
  });
}

/** Whether `tf.env()` has a flag named `name` registered. */
function isRegistered(name: string): boolean {
  const registry = (tf.env() as unknown as { flagRegistry?: Record<string, unknown> }).flagRegistry;
  return registry?.[name] !== undefined;
}

/** A boolean check for {@link registerRelaxFlag}. */
export const isBoolean = (value: unknown): boolean => typeof value === "boolean";
/** A positive finite number check for {@link registerRelaxFlag}. */
export const isPositiveNumber = (value: unknown): boolean => typeof value === "number" && Number.isFinite(value) && value > 0;

/**
 * Runs `fn` with the given `tf.env()` flags set, then restores their previous values (also when `fn`
 * throws). For tests and benchmarks; synchronous `fn` only.
 *
 * @param flags flag names and the values to hold while `fn` runs
 * @param fn the work to run
 * @returns what `fn` returns
 * @example
 * const ref = withFlags({ RELAX_FORCE_REFERENCE: true }, () => diffSort(x).sorted);
 */
export function withFlags<T>(flags: Record<string, RelaxFlagValue>, fn: () => T): T {
  const env = tf.env();
  const previous = Object.keys(flags).map((name) => [name, env.get(name)] as const);
  const restore = () => {
    for (const [name, value] of previous.reverse()) env.set(name, value);
  };
  try {
    for (const [name, value] of Object.entries(flags)) env.set(name, value);
  } catch (error) {
    restore();
    throw error;
  }
  try {
    return fn();
  } finally {
    restore();
  }
}

registerRelaxFlag(RELAX_FORCE_REFERENCE, () => false, "a boolean", isBoolean);
registerRelaxFlag(RELAX_INPUT_CHECKS, () => true, "a boolean", isBoolean);
