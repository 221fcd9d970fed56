/**
 * `@relax/backend-webgpu`'s `tf.env()` flags (registered on import; see the flag table in `@relax/core`'s
 * README). Budgets and test hooks of the WGSL kernels; each kernel reads its flag once per call.
 */
import { isBoolean, isPositiveNumber, registerRelaxFlag } from "@relax/core";

/** Bytes of one PAV scratch buffer of the fast soft sort (rows beyond it run in chunks). Default 256 MiB. */
export const RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET = "RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET";
/** Bytes of the ∂x leaf-gradient buffer of `LogicConvTree` (batches beyond it run in slices of images). Default 256 MiB. */
export const RELAX_WEBGPU_LEAF_GRAD_BUDGET = "RELAX_WEBGPU_LEAF_GRAD_BUDGET";
/** Forces the one-invocation-per-(row, j) top-k selection even where the layered one fits. Default `false`. */
export const RELAX_WEBGPU_SELECT_FORCE_GLOBAL = "RELAX_WEBGPU_SELECT_FORCE_GLOBAL";
/** Longest face list of one tile of the rasterizers (fuller tiles fold over all faces). Default 4096. */
export const RELAX_WEBGPU_BIN_MAX_CAP = "RELAX_WEBGPU_BIN_MAX_CAP";
/** Bytes of scratch per slice of rows of the shortest path (rows beyond it run in slices). Default 96 MiB. */
export const RELAX_WEBGPU_PATH_SLICE_BYTES = "RELAX_WEBGPU_PATH_SLICE_BYTES";

const BYTES = "a positive number of bytes";
registerRelaxFlag(RELAX_WEBGPU_FAST_SOFT_SORT_BUDGET, () => 256 * 1024 * 1024, BYTES, isPositiveNumber);
registerRelaxFlag(RELAX_WEBGPU_LEAF_GRAD_BUDGET, () => 256 * 1024 * 1024, BYTES, isPositiveNumber);
registerRelaxFlag(RELAX_WEBGPU_SELECT_FORCE_GLOBAL, () => false, "a boolean", isBoolean);
registerRelaxFlag(RELAX_WEBGPU_BIN_MAX_CAP, () => 4096, "a positive number", isPositiveNumber);
registerRelaxFlag(RELAX_WEBGPU_PATH_SLICE_BYTES, () => 96 * 1024 * 1024, BYTES, isPositiveNumber);
