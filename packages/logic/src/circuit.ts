import { RelaxError, describe } from "@relax/core";
import { CircuitBuilder, appendLogicLayers } from "./circuit_builder.js";
import { compileConvCircuit } from "./conv_circuit.js";
import { ConvLogicNet } from "./conv_logic.js";
import { GATE_NAMES } from "./gates.js";
import { LogicNet } from "./logic_net.js";

export { removeDeadGates } from "./circuit_builder.js";

/**
 * A discrete logic circuit (the argmax gates of a trained {@link LogicNet}), the form every exporter
 * and the bit-packed evaluator use. Node ids: `0` = constant false, `1 … numInputs` = inputs
 * `x[0] … x[numInputs−1]`, `numInputs + 1 + g` = gate g. Gates are in topological order; gate g
 * computes `gate_{ops[g]}(node a[g], node b[g])` with the 16 gate ids of {@link GATE_NAMES}.
 * Outputs are literals `2·node + negated`, class c owning the contiguous block
 * `[c·groupSize, (c+1)·groupSize)` (GroupSum).
 */
export interface LogicCircuit {
  numInputs: number;
  ops: Uint8Array;
  a: Int32Array;
  b: Int32Array;
  outputs: Int32Array;
  /** Number of classes (GroupSum k; the output width when the net has no head). */
  k: number;
  /** GroupSum τ (counts / τ = the eval-mode net output). */
  tau: number;
  /** Gates of the source net before simplification. */
  sourceGates: number;
  /**
   * Image shape `[H, W, C]` of a circuit compiled from a {@link ConvLogicNet}: input i is pixel
   * `(r, c, ch)` with `i = (r·W + c)·C + ch` (row-major). Absent for dense nets.
   */
  inputShape?: [number, number, number];
}

/** Options of {@link compileCircuit}. */
export interface CompileOptions {
  /**
   * Fold constant and pass-through gates, push negations into consumers, merge duplicate gates and
   * remove gates no output depends on (default true). `false` keeps one gate per neuron.
   */
  simplify?: boolean;
}

/**
 * Discretises a net into a {@link LogicCircuit} (eval mode: argmax gate of every neuron), optionally
 * simplified. On 0/1 inputs the circuit's class counts equal `eval-mode output · τ` exactly.
 * A {@link ConvLogicNet} is compiled by {@link compileConvCircuit} (conv trees at every position,
 * OR pools, then the dense layers; input layout documented there).
 *
 * @example
 * const circuit = compileCircuit(net); // a LogicNet or a ConvLogicNet
 * console.log(circuit.ops.length, "gates after simplification");
 */
export function compileCircuit(net: LogicNet | ConvLogicNet, options: CompileOptions = {}): LogicCircuit {
  if (net instanceof ConvLogicNet) return compileConvCircuit(net, options);
  if (!(net instanceof LogicNet)) throw new RelaxError("compileCircuit", "net", "a LogicNet or ConvLogicNet", describe(net));
  const builder = new CircuitBuilder(net.inDim, options.simplify ?? true);
  const inputs = new Int32Array(net.inDim);
  for (let i = 0; i < net.inDim; i++) inputs[i] = builder.input(i);
  const lits = appendLogicLayers(builder, net.layers, inputs);
  const k = net.head ? net.head.k : lits.length;
  const tau = net.head ? net.head.tau : 1;
  return builder.finish(lits, k, tau, net.numGates);
}

/** JSON gate list of a circuit (see {@link circuitToJSON}). */
export interface LogicCircuitJSON {
  format: "relax-logic-circuit";
  version: 1;
  numInputs: number;
  k: number;
  tau: number;
  sourceGates: number;
  /** Names of the 16 gate ids, for readers. */
  gateNames: string[];
  /** `[op, a, b]` per gate (node ids as in {@link LogicCircuit}). */
  gates: [number, number, number][];
  /** Output literals `2·node + negated`. */
  outputs: number[];
  /** Image shape `[H, W, C]` of the inputs (conv nets only; see {@link LogicCircuit.inputShape}). */
  inputShape?: [number, number, number];
}

/**
 * Exports a circuit as a JSON gate list.
 *
 * @example
 * writeFileSync("net.gates.json", JSON.stringify(circuitToJSON(circuit)));
 */
export function circuitToJSON(c: LogicCircuit): LogicCircuitJSON {
  return {
    format: "relax-logic-circuit",
    version: 1,
    numInputs: c.numInputs,
    k: c.k,
    tau: c.tau,
    sourceGates: c.sourceGates,
    gateNames: [...GATE_NAMES],
    gates: Array.from(c.ops, (op, i) => [op, c.a[i] as number, c.b[i] as number]),
    outputs: Array.from(c.outputs),
    ...(c.inputShape ? { inputShape: [...c.inputShape] as [number, number, number] } : {}),
  };
}

/** Loads (and validates) a JSON gate list written by {@link circuitToJSON}. */
export function circuitFromJSON(json: LogicCircuitJSON | string): LogicCircuit {
  const op = "circuitFromJSON";
  let d: LogicCircuitJSON;
  try {
    d = typeof json === "string" ? (JSON.parse(json) as LogicCircuitJSON) : json;
  } catch (e) {
    throw new RelaxError(op, "json", "valid JSON text", (e as Error).message);
  }
  if (!d || d.format !== "relax-logic-circuit" || d.version !== 1)
    throw new RelaxError(op, "json.format", "'relax-logic-circuit' version 1", describe(d && d.format));
  if (!Number.isInteger(d.numInputs) || d.numInputs < 1)
    throw new RelaxError(op, "json.numInputs", "an integer >= 1", describe(d.numInputs));
  if (!Array.isArray(d.gates) || !Array.isArray(d.outputs)) throw new RelaxError(op, "json.gates", "arrays gates and outputs", "missing");
  const n0 = d.numInputs + 1;
  d.gates.forEach((gt, i) => {
    if (
      !Array.isArray(gt) ||
      gt.length !== 3 ||
      !gt.every(Number.isInteger) ||
      gt[0] < 0 ||
      gt[0] > 15 ||
      gt[1] < 0 ||
      gt[2] < 0 ||
      gt[1] >= n0 + i ||
      gt[2] >= n0 + i
    ) {
      throw new RelaxError(op, `json.gates[${i}]`, `[op in 0..15, a, b] reading earlier nodes (< ${n0 + i})`, describe(gt));
    }
  });
  const nodes = n0 + d.gates.length;
  d.outputs.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l >> 1 >= nodes)
      throw new RelaxError(op, `json.outputs[${i}]`, `a literal < ${2 * nodes}`, describe(l));
  });
  if (!Number.isInteger(d.k) || d.k < 1 || d.outputs.length % d.k !== 0)
    throw new RelaxError(op, "json.k", `a divisor of ${d.outputs.length}`, describe(d.k));
  if (d.inputShape !== undefined) {
    const sh = d.inputShape;
    if (!Array.isArray(sh) || sh.length !== 3 || !sh.every((v) => Number.isInteger(v) && v >= 1) || sh[0] * sh[1] * sh[2] !== d.numInputs)
      throw new RelaxError(op, "json.inputShape", `[H, W, C] with H·W·C = ${d.numInputs}`, describe(sh));
  }
  return {
    ...(d.inputShape ? { inputShape: [d.inputShape[0], d.inputShape[1], d.inputShape[2]] as [number, number, number] } : {}),
    numInputs: d.numInputs,
    ops: Uint8Array.from(d.gates.map((g) => g[0])),
    a: Int32Array.from(d.gates.map((g) => g[1])),
    b: Int32Array.from(d.gates.map((g) => g[2])),
    outputs: Int32Array.from(d.outputs),
    k: d.k,
    tau: d.tau,
    sourceGates: d.sourceGates ?? d.gates.length,
  };
}
