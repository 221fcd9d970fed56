import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertFinite, describe } from "@relax/core";
import { GATE_COEFFS as CORE_GATE_COEFFS } from "@relax/core/internal";

/**
 * Names of the 16 two-input logic gates in the reference's order (Petersen et al., *Deep
 * Differentiable Logic Gate Networks*, NeurIPS 2022, Table 1). Gate id `i` is the truth table read as a
 * 4-bit number with the (A=0, B=0) entry as MSB: `i = 8·T00 + 4·T01 + 2·T10 + T11`.
 */
export const GATE_NAMES = [
  "zero",
  "and",
  "not_implies",
  "a",
  "not_implied_by",
  "b",
  "xor",
  "or",
  "not_or",
  "not_xor",
  "not_b",
  "implied_by",
  "not_a",
  "implies",
  "not_and",
  "one",
] as const;

/** Name of one of the 16 gates. */
export type GateName = (typeof GATE_NAMES)[number];

/** Throws unless `id` is an integer gate id in [0, 15]; returns it. */
function checkGateId(op: string, id: unknown): number {
  if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id > 15)
    throw new RelaxError(op, "id", "an integer gate id in [0, 15]", describe(id));
  return id;
}

/** Throws unless `v` is a finite number (meant as a probability in [0, 1]; the bilinear form extends to all reals). */
function checkProbability(op: string, arg: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new RelaxError(op, arg, "a finite number (a probability in [0, 1])", describe(v));
}

/** Number of distinct two-input gates. */
export const NUM_GATES = 16;

/** Residual initialisation logit of the pass-through gate A (Petersen et al., NeurIPS 2024, §3.2). */
export const DEFAULT_RESIDUAL_LOGIT = 5;

/** Id of the pass-through gate A (the gate residual initialisation favours). */
export const GATE_A = 3;

/**
 * Truth table of gate `id` as `[T00, T01, T10, T11]` (columns (A, B) = 00, 01, 10, 11).
 *
 * @example
 * gateTruthTable(6); // xor → [0, 1, 1, 0]
 */
export function gateTruthTable(id: number): [number, number, number, number] {
  checkGateId("gateTruthTable", id);
  return [(id >> 3) & 1, (id >> 2) & 1, (id >> 1) & 1, id & 1];
}

/**
 * Four-coefficient form of every gate: `f_i(a, b) = c0 + c1·a + c2·b + c3·a·b`, `GATE_COEFFS[i] = [c0, c1, c2, c3]`.
 * It is the bilinear interpolation of the truth table: c0 = T00, c1 = T10 − T00, c2 = T01 − T00,
 * c3 = T00 − T01 − T10 + T11. The one table of `@relax/core/internal`, which the WGSL kernels are generated from.
 */
export const GATE_COEFFS: readonly (readonly [number, number, number, number])[] = CORE_GATE_COEFFS;

/** `GATE_COEFFS` flattened row-major into a Float64Array of 16 × 4. */
export const GATE_COEFF_MATRIX: Float64Array = Float64Array.from(GATE_COEFFS.flat());

/**
 * Relaxed (real-valued) gate `id` on probabilities `a, b ∈ [0, 1]`: the expectation of the Boolean gate
 * for independent A ~ Bernoulli(a), B ~ Bernoulli(b) (NeurIPS 2022, Table 1).
 *
 * @example
 * relaxedGate(1, 0.5, 0.5); // and → 0.25
 * relaxedGate(6, 1, 0);     // xor → 1
 */
export function relaxedGate(id: number, a: number, b: number): number {
  const c = GATE_COEFFS[checkGateId("relaxedGate", id)] as readonly number[];
  checkProbability("relaxedGate", "a", a);
  checkProbability("relaxedGate", "b", b);
  return c[0] + c[1] * a + c[2] * b + c[3] * a * b;
}

/** Partial derivatives `[∂f/∂a, ∂f/∂b]` of relaxed gate `id` at (a, b). */
export function relaxedGateGrad(id: number, a: number, b: number): [number, number] {
  const c = GATE_COEFFS[checkGateId("relaxedGateGrad", id)] as readonly number[];
  checkProbability("relaxedGateGrad", "a", a);
  checkProbability("relaxedGateGrad", "b", b);
  return [c[1] + c[3] * b, c[2] + c[3] * a];
}

/** Boolean gate `id` applied bitwise to two 32-bit words (Int32 semantics). */
export function gateBits(id: number, a: number, b: number): number {
  checkGateId("gateBits", id);
  if (typeof a !== "number" || typeof b !== "number" || !Number.isInteger(a) || !Number.isInteger(b))
    throw new RelaxError(
      "gateBits",
      typeof a !== "number" || !Number.isInteger(a) ? "a" : "b",
      "an integer (32-bit word)",
      describe(Number.isInteger(a) ? b : a),
    );
  switch (id) {
    case 0:
      return 0;
    case 1:
      return a & b;
    case 2:
      return a & ~b;
    case 3:
      return a;
    case 4:
      return ~a & b;
    case 5:
      return b;
    case 6:
      return a ^ b;
    case 7:
      return a | b;
    case 8:
      return ~(a | b);
    case 9:
      return ~(a ^ b);
    case 10:
      return ~b;
    case 11:
      return a | ~b;
    case 12:
      return ~a;
    case 13:
      return ~a | b;
    case 14:
      return ~(a & b);
    default:
      return -1;
  }
}

/**
 * All 16 relaxed gates as tensors, in gate-id order, the way the reference evaluates them
 * (`difflogic.functional.bin_op`). Shapes follow the broadcast of `a` and `b`.
 *
 * @example
 * const gates = relaxedGatesTensor(tf.tensor1d([0.2]), tf.tensor1d([0.7]));
 * gates[6].print(); // xor: 0.2 + 0.7 − 2·0.14 = 0.62
 * @throws RelaxError unless a and b are float32 tensors without NaN/±Inf (checked on the host backends)
 */
export function relaxedGatesTensor(a: tf.Tensor, b: tf.Tensor): tf.Tensor[] {
  const op = "relaxedGatesTensor";
  for (const [arg, t] of [
    ["a", a],
    ["b", b],
  ] as const) {
    if (!(t instanceof tf.Tensor)) throw new RelaxError(op, arg, "a tensor", describe(t));
    if (t.isDisposed) throw new RelaxError(op, arg, "a live tensor", "a disposed tensor");
    if (t.dtype !== "float32") throw new RelaxError(op, arg, "a float32 tensor", describe(t));
    assertFinite(op, arg, t);
  }
  return tf.tidy(() => {
    const ab = tf.mul(a, b);
    const aPlusB = tf.add(a, b);
    const or = tf.sub(aPlusB, ab);
    const xor = tf.sub(aPlusB, tf.mul(2, ab));
    const zero = tf.zerosLike(ab);
    return [
      zero,
      ab,
      tf.sub(a, ab),
      tf.add(a, zero),
      tf.sub(b, ab),
      tf.add(b, zero),
      xor,
      or,
      tf.sub(1, or),
      tf.sub(1, xor),
      tf.sub(1, tf.add(b, zero)),
      tf.add(tf.sub(1, b), ab),
      tf.sub(1, tf.add(a, zero)),
      tf.add(tf.sub(1, a), ab),
      tf.sub(1, ab),
      tf.onesLike(ab),
    ];
  });
}

/**
 * `∂L/∂z = scale · p ⊙ (M·S − p·(M·S))` per neuron: the softmax logit gradient of the 16 gates from the sufficient
 * statistics `S` (`[outDim, 4]`) and the gate probabilities `p` (`[outDim, 16]`). Internal.
 */
export function logitGradFromStats(S: ArrayLike<number>, p: ArrayLike<number>, outDim: number, scale = 1): Float32Array {
  const dz = new Float32Array(outDim * NUM_GATES);
  const m = GATE_COEFF_MATRIX;
  const dp = new Float64Array(NUM_GATES);
  for (let j = 0; j < outDim; j++) {
    const o = j * NUM_GATES;
    const s0 = S[4 * j] as number,
      s1 = S[4 * j + 1] as number,
      s2 = S[4 * j + 2] as number,
      s3 = S[4 * j + 3] as number;
    let dot = 0;
    for (let i = 0; i < NUM_GATES; i++) {
      const v = (m[4 * i] as number) * s0 + (m[4 * i + 1] as number) * s1 + (m[4 * i + 2] as number) * s2 + (m[4 * i + 3] as number) * s3;
      dp[i] = v;
      dot += v * (p[o + i] as number);
    }
    for (let i = 0; i < NUM_GATES; i++) dz[o + i] = scale * (p[o + i] as number) * ((dp[i] as number) - dot);
  }
  return dz;
}
