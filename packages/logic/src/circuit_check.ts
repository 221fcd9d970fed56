import { RelaxError, describe } from "@relax/core";
import type { LogicCircuit } from "./circuit.js";
import { MAX_WIDTH } from "./check.js";

/** Largest number of gates accepted in a circuit (2^26 ≈ 67 M). */
export const MAX_GATES = 1 << 26;

/**
 * Throws a `RelaxError` naming `op` unless `c` is a well-formed {@link LogicCircuit}: typed arrays of matching
 * lengths, gate ids in 0..15, every gate reading constant/input/earlier-gate nodes, output literals in range,
 * `k` dividing the outputs, τ finite and > 0. One pass over the gates (the exporters and the evaluators rely
 * on this wiring; a damaged circuit would otherwise read out of bounds silently).
 */
export function checkCircuit(op: string, c: unknown, arg = "circuit"): LogicCircuit {
  if (c === null || typeof c !== "object" || Array.isArray(c)) throw new RelaxError(op, arg, "a LogicCircuit", describe(c));
  const circ = c as LogicCircuit;
  const n = circ.numInputs;
  if (!Number.isInteger(n) || n < 1 || n > MAX_WIDTH)
    throw new RelaxError(op, `${arg}.numInputs`, `an integer in [1, ${MAX_WIDTH}]`, describe(n));
  if (!(circ.ops instanceof Uint8Array)) throw new RelaxError(op, `${arg}.ops`, "a Uint8Array", describe(circ.ops));
  const g = circ.ops.length;
  if (g > MAX_GATES) throw new RelaxError(op, `${arg}.ops`, `at most ${MAX_GATES} gates`, String(g));
  for (const key of ["a", "b"] as const) {
    const v = circ[key];
    if (!(v instanceof Int32Array) || v.length !== g)
      throw new RelaxError(op, `${arg}.${key}`, `an Int32Array of ${g} node ids`, describe(v));
  }
  const n0 = n + 1;
  for (let i = 0; i < g; i++) {
    const o = circ.ops[i] as number;
    const a = circ.a[i] as number;
    const b = circ.b[i] as number;
    if (o > 15 || a < 0 || b < 0 || a >= n0 + i || b >= n0 + i)
      throw new RelaxError(op, `${arg} gate ${i}`, `op in 0..15 reading nodes < ${n0 + i}`, `[${o}, ${a}, ${b}]`);
  }
  if (!(circ.outputs instanceof Int32Array) || circ.outputs.length === 0)
    throw new RelaxError(op, `${arg}.outputs`, "a non-empty Int32Array of literals", describe(circ.outputs));
  const nodes = n0 + g;
  for (let i = 0; i < circ.outputs.length; i++) {
    const l = circ.outputs[i] as number;
    if (l < 0 || l >> 1 >= nodes) throw new RelaxError(op, `${arg}.outputs[${i}]`, `a literal in [0, ${2 * nodes})`, String(l));
  }
  if (!Number.isInteger(circ.k) || circ.k < 1 || circ.outputs.length % circ.k !== 0)
    throw new RelaxError(op, `${arg}.k`, `an integer dividing the ${circ.outputs.length} outputs`, describe(circ.k));
  if (typeof circ.tau !== "number" || !Number.isFinite(circ.tau) || circ.tau <= 0)
    throw new RelaxError(op, `${arg}.tau`, "a finite number > 0", describe(circ.tau));
  if (circ.inputShape !== undefined) {
    const sh = circ.inputShape;
    if (!Array.isArray(sh) || sh.length !== 3 || !sh.every((v) => Number.isInteger(v) && v >= 1) || sh[0] * sh[1] * sh[2] !== n)
      throw new RelaxError(op, `${arg}.inputShape`, `[H, W, C] with H·W·C = ${n}`, describe(sh));
  }
  return circ;
}
