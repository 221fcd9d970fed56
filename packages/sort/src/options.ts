import { RelaxError, assertOptions } from "@relax/core";

/**
 * The exact key list of an options interface `T`, written as `{ key: true, … }` so the compiler checks
 * it is complete (`satisfies Record<keyof T, true>`) and has nothing extra (internal).
 */
export function optionKeys<T extends object>(keys: Record<keyof T & string, true>): readonly (keyof T & string)[] {
  return Object.keys(keys) as (keyof T & string)[];
}

/**
 * Checks an options argument of a public op (internal): `undefined` → `{}`; not a plain object, an unknown
 * or misspelled key (`did you mean "steepness"?`), or an explicit `null` value (undefined means "use the
 * default"; null is a mistake) → {@link RelaxError}. O(number of keys).
 */
export function checkOptions<T extends object>(op: string, options: unknown, keys: readonly (keyof T & string)[]): T {
  const o = assertOptions<T>(op, options, keys);
  for (const key of keys) {
    if ((o as Record<string, unknown>)[key] === null)
      throw new RelaxError(op, key, "a value of the documented type (or left out for the default)", "null");
  }
  return o;
}

/** Keys of `@relax/core`'s `ComparatorOptions` (distribution, steepness, artLambda), shared by the network ops (internal). */
export const COMPARATOR_KEYS = { distribution: true, steepness: true, artLambda: true } as const;
