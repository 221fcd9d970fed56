import type { LogicCircuit } from "./circuit.js";
import type { LogicLayer } from "./logic_layer.js";

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
 * Incremental construction of a {@link LogicCircuit} in topological order, shared by the dense
 * (`compileCircuit`) and convolutional (`compileConvCircuit`) compilers. Values are
 * literals `2·node + negated` (`0` = false, `1` = true, `2·(i+1)` = input i).
 * With `simplify`, {@link CircuitBuilder.gate} folds constant and pass-through gates, pushes
 * negations into the literal, canonicalises operand order and merges duplicate gates (structural
 * hashing); without, it emits one gate per call, reading the operands' nodes (which are never
 * negated literals in that mode).
 *
 * @example
 * const b = new CircuitBuilder(2, true);
 * const y = b.gate(6, b.input(0), b.input(1)); // XOR
 * const circuit = b.finish(Int32Array.of(y), 1, 1, 1);
 */
export class CircuitBuilder {
  readonly numInputs: number;
  readonly simplify: boolean;
  private readonly ops: number[] = [];
  private readonly as: number[] = [];
  private readonly bs: number[] = [];
  private readonly table = new Map<number, number>();

  constructor(numInputs: number, simplify: boolean) {
    this.numInputs = numInputs;
    this.simplify = simplify;
  }

  /** Literal of input i (node i + 1). */
  input(i: number): number {
    return 2 * (i + 1);
  }

  /** Literal of gate `op` (one of the 16 gate ids) applied to literals `la` (A) and `lb` (B). */
  gate(op: number, la: number, lb: number): number {
    return this.simplify ? this.make(op, la, lb) : 2 * this.newGate(op, la >> 1, lb >> 1);
  }

  private newGate(op: number, na: number, nb: number): number {
    this.ops.push(op);
    this.as.push(na);
    this.bs.push(nb);
    return this.numInputs + this.ops.length; // node id of the new gate
  }

  private make(op0: number, la0: number, lb0: number): number {
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
    let node = this.table.get(key);
    if (node === undefined) {
      node = this.newGate(op, na, nb);
      this.table.set(key, node);
    }
    return 2 * node + neg;
  }

  /** The circuit with these output literals (dead gates removed when simplifying). */
  finish(outputs: Int32Array, k: number, tau: number, sourceGates: number, inputShape?: [number, number, number]): LogicCircuit {
    const circuit: LogicCircuit = {
      numInputs: this.numInputs,
      ops: Uint8Array.from(this.ops),
      a: Int32Array.from(this.as),
      b: Int32Array.from(this.bs),
      outputs,
      k,
      tau,
      sourceGates,
    };
    if (inputShape) circuit.inputShape = inputShape;
    return this.simplify ? removeDeadGates(circuit) : circuit;
  }
}

/** Appends the argmax gates of `layers` reading the literals `lits`; returns the last layer's literals. */
export function appendLogicLayers(builder: CircuitBuilder, layers: readonly LogicLayer[], lits: Int32Array): Int32Array {
  let cur = lits;
  for (const layer of layers) {
    const ids = layer.gateIds();
    const { a, b } = layer; // the argmax wires of learned connections, read once
    const next = new Int32Array(layer.outDim);
    for (let j = 0; j < layer.outDim; j++) {
      next[j] = builder.gate(ids[j] as number, cur[a[j] as number] as number, cur[b[j] as number] as number);
    }
    cur = next;
  }
  return cur;
}

/**
 * Removes gates that no output depends on and renumbers the rest (order kept).
 *
 * @example
 * const smaller = removeDeadGates(circuit); // same outputs, fewer gates
 */
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
