import * as tf from "@tensorflow/tfjs-core";
import { getDistribution, type DistributionName } from "../distributions/index.js";
import type { Distribution } from "../distributions/types.js";
import { RelaxError } from "../errors.js";
import { assertFinite, assertOptions, toFloatTensor, type TensorInput } from "../validate.js";
import { resolveSteepness, type SteepnessOption } from "./steepness.js";

/** Options of the relaxed comparisons. */
export interface RelaxedCompareOptions extends SteepnessOption {
  /** Inverse temperature β of the perturbation (default 10, AlgoVision's `Algorithm(beta=10)`). */
  steepness?: number;
  /** Noise distribution whose CDF F relaxes the step (default `'logistic'`, as AlgoVision). */
  distribution?: DistributionName;
  /** Shape parameter of the distribution (gamma's p; see `getDistribution`). */
  shape?: number;
  /** Shift k of the distribution (default 0). */
  shift?: number;
}

/** Options of {@link relaxedEqual} / {@link relaxedNotEqual} (logistic noise only, as AlgoVision's `Eq`). */
export interface RelaxedEqualOptions extends SteepnessOption {
  /** Inverse temperature β (default 10). */
  steepness?: number;
}

/** @internal Converts two operands, checks they broadcast and are finite. */
export function binaryOperands(op: string, a: TensorInput, b: TensorInput, names: [string, string] = ["a", "b"]): [tf.Tensor, tf.Tensor] {
  const at = toFloatTensor(op, names[0], a);
  const bt = toFloatTensor(op, names[1], b);
  try {
    tf.broadcast_util.assertAndGetBroadcastShape(at.shape, bt.shape);
  } catch {
    throw new RelaxError(
      op,
      `${names[0]} and ${names[1]}`,
      "broadcast-compatible shapes",
      `[${at.shape.join(", ")}] and [${bt.shape.join(", ")}]`,
    );
  }
  assertFinite(op, names[0], at);
  assertFinite(op, names[1], bt);
  return [at, bt];
}

const COMPARE_KEYS = ["steepness", "beta", "distribution", "shape", "shift"] as const;
const EQUAL_KEYS = ["steepness", "beta"] as const;

function resolve(op: string, raw: RelaxedCompareOptions): { beta: number; dist: Distribution } {
  const options = assertOptions<RelaxedCompareOptions>(op, raw, COMPARE_KEYS);
  const beta = resolveSteepness(op, options, 10);
  const dist = getDistribution(
    options.distribution === undefined ? "logistic" : options.distribution,
    { shape: options.shape, shift: options.shift },
    { op, argument: "distribution" },
  );
  return { beta, dist };
}

/** F((hi − lo)·β) */
function compare(op: string, lo: TensorInput, hi: TensorInput, options: RelaxedCompareOptions, swap: boolean): tf.Tensor {
  const { beta, dist } = resolve(op, options);
  return tf.tidy(() => {
    const [at, bt] = binaryOperands(op, lo, hi);
    const d = swap ? tf.sub(at, bt) : tf.sub(bt, at);
    return dist.cdfTensor(tf.mul(d, beta));
  });
}

/**
 * Relaxed `a < b`: the probability P(a + ε/β < b) = F((b − a)·β) under noise ε with CDF F
 * (AlgoVision `LT`, Petersen et al. NeurIPS 2021; any GenDR distribution). An exact expectation:
 * `ifElse(relaxedLess(a, b), x, y)` is E[a < b ? x : y].
 *
 * @param a `[batch]` (any shape broadcastable with b)
 * @param b `[batch]`
 * @param options `steepness` β (default 10; `beta` is its deprecated name), `distribution` (default 'logistic': σ(β(b − a))), `shape`, `shift`
 * @returns probabilities in [0, 1], the broadcast shape
 * @example
 * relaxedLess([1, 2], [2, 2]);                            // [σ(10), 0.5]
 * relaxedLess([1], [2], { steepness: 1, distribution: 'cauchy' }); // [0.75]
 * relaxedLess(x, 0.5, { steepness: 5 });
 */
export function relaxedLess(a: TensorInput, b: TensorInput, options: RelaxedCompareOptions = {}): tf.Tensor {
  return compare("relaxedLess", a, b, options, false);
}

/**
 * Relaxed `a > b` = F((a − b)·β) (AlgoVision `GT`).
 *
 * @param a `[batch]` (any shape broadcastable with b)
 * @param b `[batch]`
 * @param options `steepness` β (default 10; `beta` is its deprecated name), `distribution` (default 'logistic'), `shape`, `shift`
 * @returns probabilities in [0, 1], the broadcast shape
 * @example
 * relaxedGreater([3], [1]);                 // [σ(20)]
 * relaxedGreater([1], [1]);                 // [0.5]
 * relaxedGreater(x, y, { distribution: 'gaussian' });
 */
export function relaxedGreater(a: TensorInput, b: TensorInput, options: RelaxedCompareOptions = {}): tf.Tensor {
  return compare("relaxedGreater", a, b, options, true);
}

/**
 * Relaxed `a ≤ b`: identical to {@link relaxedLess}, since ties have probability 0 under continuous
 * noise (AlgoVision `LEq ≡ LT`).
 *
 * @param a `[batch]`
 * @param b `[batch]`
 * @param options as {@link relaxedLess}
 * @returns F((b − a)·β)
 * @example
 * relaxedLessEqual([1], [1]);   // [0.5]
 * relaxedLessEqual([0], [1]);   // [σ(10)]
 * relaxedLessEqual(x, y, { steepness: 2 });
 */
export function relaxedLessEqual(a: TensorInput, b: TensorInput, options: RelaxedCompareOptions = {}): tf.Tensor {
  return compare("relaxedLessEqual", a, b, options, false);
}

/**
 * Relaxed `a ≥ b`: identical to {@link relaxedGreater} (AlgoVision `GEq ≡ GT`).
 *
 * @param a `[batch]`
 * @param b `[batch]`
 * @param options as {@link relaxedGreater}
 * @returns F((a − b)·β)
 * @example
 * relaxedGreaterEqual([1], [1]);  // [0.5]
 * relaxedGreaterEqual([2], [1]);  // [σ(10)]
 * relaxedGreaterEqual(x, y, { steepness: 2 });
 */
export function relaxedGreaterEqual(a: TensorInput, b: TensorInput, options: RelaxedCompareOptions = {}): tf.Tensor {
  return compare("relaxedGreaterEqual", a, b, options, true);
}

/** sech²(β·d/2) = 4e/(1 + e)² with e = exp(−|β·d|): no overflow for any β·d. */
function sech2Half(d: tf.Tensor, beta: number): tf.Tensor {
  const e = tf.exp(tf.neg(tf.abs(tf.mul(d, beta))));
  return tf.div(tf.mul(4, e), tf.square(tf.add(1, e)));
}

/**
 * Relaxed `a == b` = 1/cosh²(β(a − b)/2) = 4σ'(β(a − b)): the logistic density rescaled to peak 1
 * (AlgoVision `Eq`). Stable for large β·|a − b|.
 *
 * @param a `[batch]` (any shape broadcastable with b)
 * @param b `[batch]`
 * @param options `steepness` β (default 10; `beta` is its deprecated name)
 * @returns values in (0, 1], 1 exactly at a = b
 * @example
 * relaxedEqual([1], [1]);             // [1]
 * relaxedEqual([0], [1], { steepness: 1 }); // [0.7864]
 * relaxedEqual(x, y, { steepness: 20 });
 */
export function relaxedEqual(a: TensorInput, b: TensorInput, options: RelaxedEqualOptions = {}): tf.Tensor {
  const op = "relaxedEqual";
  const opts = assertOptions<RelaxedEqualOptions>(op, options, EQUAL_KEYS);
  const beta = resolveSteepness(op, opts, 10);
  return tf.tidy(() => {
    const [at, bt] = binaryOperands(op, a, b);
    return sech2Half(tf.sub(at, bt), beta);
  });
}

/**
 * Relaxed `a != b` = 1 − {@link relaxedEqual} (AlgoVision `NEq`).
 *
 * @param a `[batch]`
 * @param b `[batch]`
 * @param options `steepness` β (default 10; `beta` is its deprecated name)
 * @returns values in [0, 1), 0 exactly at a = b
 * @example
 * relaxedNotEqual([1], [1]);             // [0]
 * relaxedNotEqual([0], [1], { steepness: 1 }); // [0.2136]
 * relaxedNotEqual(x, y);
 */
export function relaxedNotEqual(a: TensorInput, b: TensorInput, options: RelaxedEqualOptions = {}): tf.Tensor {
  const op = "relaxedNotEqual";
  const opts = assertOptions<RelaxedEqualOptions>(op, options, EQUAL_KEYS);
  const beta = resolveSteepness(op, opts, 10);
  return tf.tidy(() => {
    const [at, bt] = binaryOperands(op, a, b);
    return tf.sub(1, sech2Half(tf.sub(at, bt), beta));
  });
}
