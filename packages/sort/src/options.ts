import { assertOptions } from "@relax/core";

/**
 * The exact key list of an options interface `T`, written as `{ key: true, … }` so the compiler checks
 * it is complete (`satisfies Record<keyof T, true>`) and has nothing extra (internal).
 */
export function optionKeys<T extends object>(keys: Record<keyof T & string, true>): readonly (keyof T & string)[] {
  return Object.keys(keys) as (keyof T & string)[];
}

/**
 * Checks an options argument of a public op (internal): core's `assertOptions` — `undefined` → `{}`; not a plain
 * object, an unknown or misspelled key (`did you mean "steepness"?`) or an explicit `null` value → RelaxError.
 */
export function checkOptions<T extends object>(op: string, options: unknown, keys: readonly (keyof T & string)[]): T {
  return assertOptions<T>(op, options, keys);
}

/** Keys of `@relax/core`'s `ComparatorOptions` (distribution, steepness, artLambda), shared by the network ops (internal). */
export const COMPARATOR_KEYS = { distribution: true, steepness: true, artLambda: true } as const;
