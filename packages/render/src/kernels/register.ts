/**
 * Registers every fused host kernel of `@relax/render` (side effects only). Each kernel lives in
 * `kernels/<op>.ts` with its gradient; the package entry imports this one module.
 */
import "./silhouette.js";
import "./rgb.js";
