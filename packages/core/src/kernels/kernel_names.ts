/**
 * Names and attribute types of every fused kernel in Relax (like tfjs-core's `kernel_names.ts`).
 * A backend package (e.g. `@relax/backend-webgpu`) implements a kernel by registering the same
 * name with `tf.registerKernel`; public ops dispatch to it when the active backend has it.
 */
export * from "./names/core.js";
export * from "./names/sort.js";
export * from "./names/logic.js";
export * from "./names/render.js";
export * from "./names/train.js";
