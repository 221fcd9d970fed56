/** T-norms and t-conorms (relaxed AND / OR) of GenDR (Petersen et al., CVPR 2022). */
export { TCONORM_NAMES } from "./types.js";
export type { TConorm, TConormName } from "./types.js";
export { getTConorm, TCONORM_DEFAULT_P } from "./tconorms.js";
export { tconorm, tnorm, reduceTConorm, reduceTNorm, assertBroadcast } from "./ops.js";
export type { TConormOptions, TConormReduceOptions } from "./ops.js";
