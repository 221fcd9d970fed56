/**
 * `@relax/core/reference` — the plain tfjs-op compositions (references) of the ops that have fused kernels,
 * for parity tests and benchmarks: slow but obviously right, on every backend, with tfjs's own gradients.
 * The public ops already fall back to them; import these only to compare against the fused path.
 */
import "./index.js";

export { swapLayerReference } from "./relaxed/swap_layer.js";
export { shortestPathReference } from "./algorithms/shortest_path.js";
