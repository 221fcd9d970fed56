/**
 * `@relax/render/reference` — the rasterizers composed from tfjs ops, for parity tests and benchmarks: slow but
 * obviously right, on every backend, differentiated by tfjs autodiff. `rasterizeSilhouette` and `rasterizeRgb`
 * already fall back to them; import these only to compare against the fused kernels.
 */
import "./index.js";

export { rasterizeSilhouetteReference, silhouetteFragments } from "./silhouette.js";
export { rasterizeRgbReference } from "./shade.js";
