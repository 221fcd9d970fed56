/**
 * Registers every fused host kernel of `@relax/sort` (side effects only; `cpu` and `wasm`). Each kernel lives in
 * `kernels/<op>.ts` with its gradient; the package entry and the ops import this one module.
 */
import "./diff_sort.js";
import "./sort_net_select.js";
import "./soft_permute.js";
import "./baseline_kernels.js";
import "./fast_soft_sort.js";
import "./lap_sum.js";
import { ensureFastBroadcast } from "./cpu_broadcast.js";

ensureFastBroadcast();
