import { RelaxError, describe } from "../errors.js";
import { assertPositive } from "../validate.js";

/** The option naming the inverse temperature β, with its deprecated spelling `beta`. */
export interface SteepnessOption {
  /** Inverse temperature β: how sharply the relaxation approaches the hard decision (the one public name). */
  steepness?: number;
  /** @deprecated Use `steepness` (same meaning); accepted for one release. Passing both is a RelaxError. */
  beta?: number;
}

/**
 * @internal The inverse temperature β of `options`: `steepness`, or the deprecated `beta`, validated
 * > 0 under the name the caller used; `fallback` when neither is given. Passing both is a RelaxError.
 */
export function resolveSteepness(op: string, options: SteepnessOption, fallback: number): number {
  const { steepness, beta } = options;
  if (steepness !== undefined && beta !== undefined) {
    throw new RelaxError(
      op,
      "steepness",
      "given once (beta is its deprecated name; pass steepness only)",
      `steepness ${describe(steepness)} and beta ${describe(beta)}`,
    );
  }
  if (beta !== undefined) return assertPositive(op, "beta", beta);
  return assertPositive(op, "steepness", steepness === undefined ? fallback : steepness);
}
