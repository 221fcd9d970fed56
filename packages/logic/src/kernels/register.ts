/**
 * Registers every fused host kernel of `@relax/logic` (side effects only; `cpu` and `wasm`). Each kernel lives in
 * `kernels/<op>.ts` with its gradient; the package entry imports this one module.
 */
import "./logic_layer.js";
import "./logic_layer_learned.js";
import "./logic_net.js";
import "./conv_tree.js";
import "./leaf_gather.js";
import "./leaf_tree.js";
import "./or_pool.js";
import "./group_sum.js";
import "./wasm_noise.js";
