/**
 * `@relax/logic` — deep differentiable logic gate networks (Petersen et al., NeurIPS 2022;
 * convolutional follow-up NeurIPS 2024): relaxed gates, `LogicLayer`, `GroupSum`, `LogicNet`,
 * discretisation to bit-packed circuits, exporters.
 */
// Kernel registrations (side effects): imported here explicitly so that bundlers keep them even when
// only some exports are used.
import "./kernels/register.js";
export {
  GATE_NAMES,
  NUM_GATES,
  GATE_A,
  DEFAULT_RESIDUAL_LOGIT,
  GATE_COEFFS,
  GATE_COEFF_MATRIX,
  gateTruthTable,
  relaxedGate,
  relaxedGateGrad,
  gateBits,
  relaxedGatesTensor,
} from "./gates.js";
export type { GateName } from "./gates.js";
export { SeededRandom } from "./rng.js";
export { makeConnections, uniquePairs, CONNECTION_METHODS } from "./connections.js";
export type { ConnectionMethod, Connections } from "./connections.js";
export { LogicLayer, gradFactorOp, LOGIC_INITS, LOGIC_MODES } from "./logic_layer.js";
export type { LogicInit, LogicMode, LogicLayerOptions, LogicLayerWeights } from "./logic_layer.js";
export { LAYER_CONNECTIONS, DEFAULT_CANDIDATES, DEFAULT_TEMPERATURE } from "./logic_layer.js";
export type { LayerConnections } from "./logic_layer.js";
export { PARAMETRIZATIONS, CHOICES, nearestGate } from "./learned_choice.js";
export type { Parametrization, Choice } from "./learned_choice.js";
export { GroupSum } from "./group_sum.js";
export { LogicNet } from "./logic_net.js";
export type { LogicNetJSON, LogicLayerJSON, LogicForwardOptions } from "./logic_net.js";
export { gateProbabilities, neuronCoefficients } from "./gate_probs.js";
export { compileCircuit, removeDeadGates, circuitToJSON, circuitFromJSON } from "./circuit.js";
export type { LogicCircuit, LogicCircuitJSON, CompileOptions } from "./circuit.js";
export { packBits, buildPlan } from "./bit_eval.js";
export type { PackedBits, ExecPlan } from "./bit_eval.js";
export { compile, CompiledLogicNet } from "./compile.js";
export type { BitBackend, CompiledOptions } from "./compile.js";
export { wasmSimdSupported } from "./wasm_simd.js";
export { setWasmLayerKernels, wasmLayerKernelsAvailable } from "./wasm_layer.js";
export { RELAX_LOGIC_WASM } from "./flags.js";
export { fusedAdam, FusedAdamOptimizer } from "./adam.js";
export type { FusedAdamOptions } from "./adam.js";
export { exportC, exportVerilog, exportJS } from "./export.js";
export type { ExportCOptions } from "./export.js";
export { InputEncoder, thresholdEncoder, thermometerEncoder, oneHotBinEncoder } from "./encoding.js";
export type { EncodingKind } from "./encoding.js";
export { LogicConvTree, CONV_PADDINGS, TREE_CONNECTIONS, DEFAULT_LEAF_CANDIDATES } from "./conv_tree.js";
export type { ConvPadding, TreeConnections, LogicConvTreeOptions, LogicConvTreeJSON } from "./conv_tree.js";
export { OrPool, orPool, OR_POOL_METHODS } from "./or_pool.js";
export type { OrPoolMethod, OrPoolOptions, OrPoolJSON } from "./or_pool.js";
export { ConvLogicNet } from "./conv_logic_net.js";
export type { ConvLogicModule, ConvLogicNetJSON } from "./conv_logic_net.js";
export { compileConvCircuit } from "./conv_circuit.js";
