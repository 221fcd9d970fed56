import { type Rng as CoreRng, createRng as coreCreateRng } from "@relax/core";

/**
 * A seeded generator: now `Rng` of `@relax/core`, the one Relax uses everywhere.
 *
 * @deprecated Import the type `Rng` from `@relax/core`; this alias goes in the next minor release.
 */
export type Rng = CoreRng;

/**
 * Creates a seeded generator: now `createRng` of `@relax/core`, the same xoshiro128** stream (equal seeds give
 * the numbers they gave before).
 *
 * @deprecated Import `createRng` from `@relax/core`; this alias goes in the next minor release.
 * @example
 * const rng = createRng(42); // prefer: import { createRng } from "@relax/core"
 */
export const createRng: typeof coreCreateRng = coreCreateRng;
