import { RelaxError, assertOptions, describe, optionalBoolean } from "@relax/core";
import { CircuitBuilder, appendLogicLayers, removeDeadGates as removeDead } from "./circuit_builder.js";
import { checkCircuit } from "./circuit_check.js";
import { MAX_WIDTH } from "./check.js";
import { SAVE_VERSION, checkFields, readNetJSON, sealJSON } from "./json_file.js";
import { compileConvCircuit } from "./conv_circuit.js";
import { ConvLogicNet } from "./conv_logic_net.js";
import { GATE_NAMES } from "./gates.js";
import { LogicNet } from "./logic_net.js";

/**
 * The circuit without the gates no output depends on (ids renumbered, order kept).
 *
 * @example
 * const smaller = removeDeadGates(circuit);
 */
export function removeDeadGates(c: LogicCircuit): LogicCircuit {
  return removeDead(checkCircuit("removeDeadGates", c));
}

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
  const op = "compileCircuit";
  const opts = assertOptions<CompileOptions & { backend?: unknown }>(op, options, ["simplify", "backend"]);
  const simplify = optionalBoolean(op, "options.simplify", opts.simplify, true);
  if (net instanceof ConvLogicNet) return compileConvCircuit(net, { simplify });
  if (!(net instanceof LogicNet)) throw new RelaxError(op, "net", "a LogicNet or ConvLogicNet", describe(net));
  const builder = new CircuitBuilder(net.inDim, simplify);
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
  /** 2 (with `checksum`) since the "unhappy path" release; version 1 files still load. */
  version: 1 | 2;
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
  /** CRC-32 of the JSON text of the other fields (version 2). */
  checksum?: string;
}

const CIRCUIT_KEYS = [
  "format",
  "version",
  "numInputs",
  "k",
  "tau",
  "sourceGates",
  "gateNames",
  "gates",
  "outputs",
  "inputShape",
  "checksum",
];

/**
 * Exports a circuit as a JSON gate list (format version 2, with a CRC-32 `checksum`).
 *
 * @example
 * writeFileSync("net.gates.json", JSON.stringify(circuitToJSON(circuit)));
 */
export function circuitToJSON(c: LogicCircuit): LogicCircuitJSON {
  checkCircuit("circuitToJSON", c, "c");
  return sealJSON({
    format: "relax-logic-circuit" as const,
    version: SAVE_VERSION as 2,
    numInputs: c.numInputs,
    k: c.k,
    tau: c.tau,
    sourceGates: c.sourceGates,
    gateNames: [...GATE_NAMES],
    gates: Array.from(c.ops, (op, i) => [op, c.a[i] as number, c.b[i] as number] as [number, number, number]),
    outputs: Array.from(c.outputs),
    ...(c.inputShape ? { inputShape: [...c.inputShape] as [number, number, number] } : {}),
  });
}

/**
 * Loads a JSON gate list written by {@link circuitToJSON} (object or JSON text), version 2 (checksum verified)
 * or 1. Every field is validated (gate ids, wiring to earlier nodes, output literals, k, τ, gate names); any
 * damage is a `RelaxError` naming the field.
 *
 * @example
 * const circuit = circuitFromJSON(readFileSync("net.gates.json", "utf8"));
 */
export function circuitFromJSON(json: LogicCircuitJSON | string): LogicCircuit {
  const op = "circuitFromJSON";
  const d = readNetJSON<LogicCircuitJSON>(op, json, "relax-logic-circuit") as LogicCircuitJSON;
  checkFields(op, "json", d, CIRCUIT_KEYS, ["format", "version", "numInputs", "k", "tau", "gates", "outputs"]);
  if (!Number.isInteger(d.numInputs) || d.numInputs < 1 || d.numInputs > MAX_WIDTH)
    throw new RelaxError(op, "json.numInputs", `an integer in [1, ${MAX_WIDTH}]`, describe(d.numInputs));
  if (!Array.isArray(d.gates)) throw new RelaxError(op, "json.gates", "an array of [op, a, b]", describe(d.gates));
  if (!Array.isArray(d.outputs)) throw new RelaxError(op, "json.outputs", "an array of literals", describe(d.outputs));
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
  if (d.outputs.length === 0) throw new RelaxError(op, "json.outputs", "a non-empty array", "[]");
  d.outputs.forEach((l, i) => {
    if (!Number.isInteger(l) || l < 0 || l >> 1 >= nodes)
      throw new RelaxError(op, `json.outputs[${i}]`, `a literal < ${2 * nodes}`, describe(l));
  });
  if (!Number.isInteger(d.k) || d.k < 1 || d.outputs.length % d.k !== 0)
    throw new RelaxError(op, "json.k", `a divisor of ${d.outputs.length}`, describe(d.k));
  if (typeof d.tau !== "number" || !Number.isFinite(d.tau) || d.tau <= 0)
    throw new RelaxError(op, "json.tau", "a finite number > 0", describe(d.tau));
  if (d.sourceGates !== undefined && (!Number.isInteger(d.sourceGates) || d.sourceGates < 0))
    throw new RelaxError(op, "json.sourceGates", "an integer >= 0", describe(d.sourceGates));
  if (d.gateNames !== undefined && (!Array.isArray(d.gateNames) || d.gateNames.join() !== GATE_NAMES.join()))
    throw new RelaxError(op, "json.gateNames", "the 16 gate names in id order", describe(d.gateNames));
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
