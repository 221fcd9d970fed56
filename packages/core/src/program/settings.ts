import { RelaxError, describe } from "../errors.js";
import { assertInteger, assertOneOf, assertPositive } from "../validate.js";
import { isKnownDistribution, knownDistributions } from "./plugins.js";
import type { ProgramSettings, ResolvedSettings } from "./types.js";

/** AlgoVision's defaults: `Algorithm(beta=10, max_iter=2**10, epsilon=1e-5, hard=False)`, logistic noise, batch-wide ε. */
export const DEFAULT_PROGRAM_SETTINGS: ResolvedSettings = {
  beta: 10,
  epsilon: 1e-5,
  maxIter: 1024,
  hard: false,
  straightThrough: false,
  distribution: "logistic",
  epsilonScope: "batch",
};

const KEYS = new Set(Object.keys(DEFAULT_PROGRAM_SETTINGS));

/** Validates a (partial) settings object at build time; `where` names the statement for the message. */
export function validateSettings(op: string, where: string, s: ProgramSettings | undefined): ProgramSettings {
  if (s === undefined) return {};
  if (s === null || typeof s !== "object") throw new RelaxError(op, `${where} options`, "an object", describe(s));
  for (const key of Object.keys(s)) {
    if (!KEYS.has(key)) throw new RelaxError(op, `${where} options`, `keys among ${[...KEYS].join(", ")}`, `unknown key '${key}'`);
  }
  if (s.beta !== undefined) assertPositive(op, `${where} beta`, s.beta);
  if (s.epsilon !== undefined) {
    if (typeof s.epsilon !== "number" || !(s.epsilon >= 0 && s.epsilon < 1))
      throw new RelaxError(op, `${where} epsilon`, "a number in [0, 1)", describe(s.epsilon));
  }
  if (s.maxIter !== undefined) assertInteger(op, `${where} maxIter`, s.maxIter, 0);
  if (s.hard !== undefined && typeof s.hard !== "boolean") throw new RelaxError(op, `${where} hard`, "a boolean", describe(s.hard));
  if (s.straightThrough !== undefined && typeof s.straightThrough !== "boolean") {
    throw new RelaxError(op, `${where} straightThrough`, "a boolean", describe(s.straightThrough));
  }
  if (s.distribution !== undefined) validateDistribution(op, `${where} distribution`, s.distribution);
  if (s.epsilonScope !== undefined) assertOneOf(op, `${where} epsilonScope`, s.epsilonScope, ["batch", "row"] as const);
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

/** Overrides `base` with the keys `local` sets (lexical scoping of settings). */
export function mergeSettings(base: ResolvedSettings, local: ProgramSettings): ResolvedSettings {
  let out: ResolvedSettings | null = null;
  for (const key of Object.keys(local) as (keyof ProgramSettings)[]) {
    const v = local[key];
    if (v === undefined) continue;
    out ??= { ...base };
    (out as unknown as Record<string, unknown>)[key] = v;
  }
  return out ?? base;
}
