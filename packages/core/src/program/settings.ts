import { RelaxError, describe } from "../errors.js";
import { MAX_ITERATIONS } from "../relaxed/limits.js";
import { assertInteger, assertOneOf, assertOptions, assertPositive } from "../validate.js";
import { isKnownDistribution, knownDistributions } from "./plugins.js";
import type { ProgramSettings, ResolvedSettings } from "./types.js";

/** AlgoVision's defaults: `Algorithm(beta=10, max_iter=2**10, epsilon=1e-5, hard=False)`, logistic noise, batch-wide ε. */
export const DEFAULT_PROGRAM_SETTINGS: ResolvedSettings = {
  steepness: 10,
  epsilon: 1e-5,
  maxIter: 1024,
  hard: false,
  straightThrough: false,
  distribution: "logistic",
  epsilonScope: "batch",
};

const KEYS = [...Object.keys(DEFAULT_PROGRAM_SETTINGS), "beta"] as (keyof ProgramSettings)[];

/**
 * Validates a (partial) settings object; `where` names the statement for the message (`"options"` for an
 * op's options argument). Unknown keys are rejected with the nearest valid name; `maxIter` is capped at
 * `MAX_ITERATIONS` (100,000, exported by `@relax/core`).
 */
export function validateSettings(op: string, where: string, settings: ProgramSettings | undefined): ProgramSettings {
  const arg = where === "options" ? "options" : `${where} options`;
  const s = assertOptions<ProgramSettings>(op, settings, KEYS, arg);
  const at = (key: string) => (where === "options" ? `options.${key}` : `${where} ${key}`);
  if (s.steepness !== undefined && s.beta !== undefined) {
    throw new RelaxError(
      op,
      at("steepness"),
      "given once (beta is its deprecated name; pass steepness only)",
      `steepness ${describe(s.steepness)} and beta ${describe(s.beta)}`,
    );
  }
  if (s.steepness !== undefined) assertPositive(op, at("steepness"), s.steepness);
  if (s.beta !== undefined) assertPositive(op, at("beta"), s.beta);
  if (s.epsilon !== undefined) {
    if (typeof s.epsilon !== "number" || !(s.epsilon >= 0 && s.epsilon < 1))
      throw new RelaxError(op, at("epsilon"), "a number in [0, 1)", describe(s.epsilon));
  }
  if (s.maxIter !== undefined) assertInteger(op, at("maxIter"), s.maxIter, 0, MAX_ITERATIONS);
  if (s.hard !== undefined && typeof s.hard !== "boolean") throw new RelaxError(op, at("hard"), "a boolean", describe(s.hard));
  if (s.straightThrough !== undefined && typeof s.straightThrough !== "boolean") {
    throw new RelaxError(op, at("straightThrough"), "a boolean", describe(s.straightThrough));
  }
  if (s.distribution !== undefined) validateDistribution(op, at("distribution"), s.distribution);
  if (s.epsilonScope !== undefined) assertOneOf(op, at("epsilonScope"), s.epsilonScope, ["batch", "row"] as const);
  return s;
}

/** Throws unless `name` is a distribution the conditions can use. */
export function validateDistribution(op: string, arg: string, name: unknown): string {
  if (typeof name !== "string" || !isKnownDistribution(name)) {
    throw new RelaxError(
      op,
      arg,
      `one of ${knownDistributions()
        .map((d) => `'${d}'`)
        .join(", ")}`,
      describe(name),
    );
  }
  return name;
}

/** Overrides `base` with the keys `local` sets (lexical scoping of settings; `beta` sets `steepness`). */
export function mergeSettings(base: ResolvedSettings, local: ProgramSettings): ResolvedSettings {
  let out: ResolvedSettings | null = null;
  for (const key of Object.keys(local) as (keyof ProgramSettings)[]) {
    const v = local[key];
    if (v === undefined) continue;
    out ??= { ...base };
    // the deprecated `beta` sets the same β as `steepness`
    (out as unknown as Record<string, unknown>)[key === "beta" ? "steepness" : key] = v;
  }
  return out ?? base;
}

/** β of a statement's or condition's options (`steepness`, or the deprecated `beta`); undefined: the settings'. */
export function optionSteepness(o: { steepness?: number; beta?: number }): number | undefined {
  return o.steepness ?? o.beta;
}
