import { RelaxError, describe } from "@relax/core";
import { GATE_NAMES } from "./gates.js";
import type { LogicNet } from "./logic_net.js";

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
}

/** Options of {@link compileCircuit}. */
export interface CompileOptions {
  /**
   * Fold constant and pass-through gates, push negations into consumers, merge duplicate gates and
   * remove gates no output depends on (default true). `false` keeps one gate per neuron.
   */
  simplify?: boolean;
}

/** Truth table `id` with input A negated. */
function flipA(id: number): number {
  const t00 = (id >> 3) & 1,
    t01 = (id >> 2) & 1,
    t10 = (id >> 1) & 1,
    t11 = id & 1;
  return (t10 << 3) | (t11 << 2) | (t00 << 1) | t01;
}
/** Truth table `id` with input B negated. */
function flipB(id: number): number {
  const t00 = (id >> 3) & 1,
    t01 = (id >> 2) & 1,
    t10 = (id >> 1) & 1,
    t11 = id & 1;
  return (t01 << 3) | (t00 << 2) | (t11 << 1) | t10;
}

function unary(t0: number, t1: number, lit: number): number {
  if (t0 === t1) return t0; // literal 0 = false, 1 = true
  return t0 === 0 ? lit : lit ^ 1;
}

/**
 * Discretises a net into a {@link LogicCircuit} (eval mode: argmax gate of every neuron), optionally
 * simplified. On 0/1 inputs the circuit's class counts equal `eval-mode output · τ` exactly.
 *
 * @example
 * const circuit = compileCircuit(net);
 * console.log(circuit.ops.length, "gates after simplification");
 */
export function compileCircuit(net: LogicNet, options: CompileOptions = {}): LogicCircuit {
  const simplify = options.simplify ?? true;
  const numInputs = net.inDim;
  const ops: number[] = [];
  const as: number[] = [];
  const bs: number[] = [];
  const sourceGates = net.numGates;
  let lits = new Int32Array(numInputs);
  for (let i = 0; i < numInputs; i++) lits[i] = 2 * (i + 1);
  const table = new Map<number, number>();
  const newGate = (op: number, na: number, nb: number): number => {
    ops.push(op);
    as.push(na);
    bs.push(nb);
    return numInputs + ops.length; // node id of the new gate
  };
  const make = (op0: number, la0: number, lb0: number): number => {
    let op = op0,
      la = la0,
      lb = lb0;
    if (la & 1) {
      op = flipA(op);
      la ^= 1;
    }
    if (lb & 1) {
      op = flipB(op);
      lb ^= 1;
    }
    let na = la >> 1,
      nb = lb >> 1;
    const t00 = (op >> 3) & 1,
      t01 = (op >> 2) & 1,
      t10 = (op >> 1) & 1,
      t11 = op & 1;
    if (na === 0) return unary(t00, t01, lb);
    if (nb === 0) return unary(t00, t10, la);
    if (na === nb) return unary(t00, t11, la);
    let neg = 0;
    if (t00 === 1) {
      op = 15 - op;
      neg = 1;
    }
    if (op === 0) return neg;
    if (op === 3) return la ^ neg;
    if (op === 5) return lb ^ neg;
    if (op === 4) {
      op = 2;
      const t = na;
      na = nb;
      nb = t;
    } else if (op !== 2 && na > nb) {
      const t = na;
      na = nb;
      nb = t;
    }
    const key = (op * 0x100000 + na) * 0x100000 + nb;
    let node = table.get(key);
    if (node === undefined) {
      node = newGate(op, na, nb);
      table.set(key, node);
    }
    return 2 * node + neg;
  };
  for (const layer of net.layers) {
    const ids = layer.gateIds();
    const next = new Int32Array(layer.outDim);
    for (let j = 0; j < layer.outDim; j++) {
      const la = lits[layer.a[j] as number] as number;
      const lb = lits[layer.b[j] as number] as number;
      const op = ids[j] as number;
      if (simplify) next[j] = make(op, la, lb);
      else next[j] = 2 * newGate(op, la >> 1, lb >> 1);
    }
    lits = next;
  }
  const k = net.head ? net.head.k : lits.length;
  const tau = net.head ? net.head.tau : 1;
  const circuit: LogicCircuit = {
    numInputs,
    ops: Uint8Array.from(ops),
    a: Int32Array.from(as),
    b: Int32Array.from(bs),
    outputs: lits,
    k,
    tau,
    sourceGates,
  };
  return simplify ? removeDeadGates(circuit) : circuit;
}

/** Removes gates that no output depends on and renumbers the rest (order kept). */
export function removeDeadGates(c: LogicCircuit): LogicCircuit {
  const n0 = c.numInputs + 1;
  const g = c.ops.length;
  const live = new Uint8Array(g);
  for (const lit of c.outputs) if (lit >> 1 >= n0) live[(lit >> 1) - n0] = 1;
  for (let i = g - 1; i >= 0; i--) {
    if (!live[i]) continue;
    const x = c.a[i] as number,
      y = c.b[i] as number;
    if (x >= n0) live[x - n0] = 1;
    if (y >= n0) live[y - n0] = 1;
  }
  const map = new Int32Array(n0 + g);
  for (let i = 0; i < n0; i++) map[i] = i;
  const ops: number[] = [],
    as: number[] = [],
    bs: number[] = [];
  for (let i = 0; i < g; i++) {
    if (!live[i]) continue;
    map[n0 + i] = n0 + ops.length;
    ops.push(c.ops[i] as number);
    as.push(map[c.a[i] as number] as number);
    bs.push(map[c.b[i] as number] as number);
  }
  const outputs = c.outputs.map((lit) => 2 * (map[lit >> 1] as number) + (lit & 1));
  return { ...c, ops: Uint8Array.from(ops), a: Int32Array.from(as), b: Int32Array.from(bs), outputs };
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
  return {
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
