/**
 * `@relax/logic/layers` — differentiable logic gate networks inside `tf.layers` models: `logicLayer` and `groupSum`
 * as custom layers (registered for `model.save` / `tf.loadLayersModel`), `toLogicNet` to compile a trained layers
 * model to the bit-packed circuit, and `fusedAdam` for `model.compile` (the fused speed in `model.fit`).
 * Needs the optional peer dependency `@tensorflow/tfjs-layers` (or `@tensorflow/tfjs`); the main entry
 * `@relax/logic` never loads it.
 */
export { LogicGateLayer, logicLayer, logicGates } from "./logic_layer.js";
export type { CommonLayerArgs, LogicGateArgs, LogicLayerArgs, LogicLayerMode } from "./logic_layer.js";
export { GroupSumLayer, groupSum, softmaxCrossEntropyLoss } from "./group_sum.js";
export type { GroupSumArgs } from "./group_sum.js";
export { LogicStackLayer, logicStack } from "./logic_stack.js";
export type { LogicStackArgs } from "./logic_stack.js";
export { LogicConvTreeLayer, logicConvTree, OrPoolLayer, orPoolLayer } from "./conv_tree.js";
export type { LogicConvTreeArgs, OrPoolLayerArgs } from "./conv_tree.js";
export { toLogicNet, toConvLogicNet } from "./to_logic_net.js";
export { fuseLogicLayers } from "./fuse.js";
export { fusedAdam, FusedAdamOptimizer } from "../adam.js";
export type { FusedAdamOptions } from "../adam.js";
