/**
 * `@relax/sort/reference` — the sorting-network ops composed from tfjs ops (one set of ops per layer), for parity
 * tests and benchmarks: slow but obviously right, on every backend, differentiated by tfjs autodiff. `diffSort`,
 * `diffTopK` and friends already fall back to them; import these only to compare against the fused kernels.
 *
 * @module reference
 */
import "./index.js";

export { diffSortReference, selectReference, mixPairsReference, valuesReference } from "./reference.js";
export { lapSumReference } from "./lap_sum_reference.js";
