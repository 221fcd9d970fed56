/**
 * Registers every fused host kernel of `@relax/core` (side effects only). Each kernel lives in
 * `kernels/<op>.ts` with its gradient; the package entry imports this one module.
 */
import "./swap_layer.js";
import "./shortest_path.js";
import "./tconorm.js";
import { ensureDistributionKernels } from "./distribution.js";

ensureDistributionKernels();
