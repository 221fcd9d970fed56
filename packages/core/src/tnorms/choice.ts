import { RelaxError, describe } from "../errors.js";
import { nearestName } from "../validate.js";

/**
 * @internal Like `assertOneOf`, with the nearest valid name in the message for a misspelled string
 * (`name must be one of 'max', …, 'yager' (did you mean 'yager'?), got "yagr"`). (A candidate for validate.ts.)
 */
export function assertChoice<T extends string>(op: string, arg: string, value: unknown, choices: readonly T[]): T {
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
  const near = typeof value === "string" ? nearestName(value, choices) : undefined;
  const hint = near ? ` (did you mean '${near}'?)` : "";
  throw new RelaxError(op, arg, `one of ${choices.map((c) => `'${c}'`).join(", ")}${hint}`, describe(value));
}
