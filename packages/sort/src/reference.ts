/**
 * Reference compositions of the sorting-network ops from tfjs ops (one set of ops per layer). Slow,
 * but obviously right and differentiable by tfjs autodiff: they define the numbers the fused kernels
 * are held to, and run on backends without the fused kernels.
 */
import * as tf from "@tensorflow/tfjs-core";
import {
  RelaxError,
  assertFinite,
  comparatorSigmoid,
  describe,
  validateLayer,
  type ComparatorLayer,
  type ComparatorOptions,
} from "@relax/core";
import { checkOptions, COMPARATOR_KEYS, optionKeys } from "./options.js";

const REFERENCE_KEYS = optionKeys<ComparatorOptions>(COMPARATOR_KEYS);

/** Throws unless `t` is a float32-convertible numeric tensor of one of `ranks`, finite (internal). */
function checkTensor(op: string, arg: string, t: unknown, ranks: number[], shapeText: string): tf.Tensor {
  if (!(t instanceof tf.Tensor) || t.dtype === "string" || t.dtype === "complex64" || !ranks.includes(t.rank)) {
    throw new RelaxError(op, arg, `a numeric tensor ${shapeText}`, describe(t));
  }
  assertFinite(op, arg, t);
  return t;
}

/** Validates the public arguments shared by the reference passes: `x: [R, n]`, `layers` on n wires, options. */
function checkNetworkArgs(
  op: string,
  x: unknown,
  layers: unknown,
  options: unknown,
): { x: tf.Tensor2D; layers: ComparatorLayer[]; options: ComparatorOptions } {
  const xt = checkTensor(op, "x", x, [2], "[R, n]") as tf.Tensor2D;
  if ((xt.shape[1] as number) < 1) throw new RelaxError(op, "x", "[R, n] with n ≥ 1", describe(xt));
  if (!Array.isArray(layers)) throw new RelaxError(op, "layers", "an array of { lo, hi } comparator layers", describe(layers));
  for (const layer of layers) validateLayer(op, layer as ComparatorLayer, xt.shape[1]);
  const o = checkOptions<ComparatorOptions>(op, options, REFERENCE_KEYS);
  comparatorSigmoid(op, o);
  return { x: xt, layers: layers as ComparatorLayer[], options: o };
}

/** Scatter helpers of one layer: keep mask and one-hot placement matrices. */
function placement(layer: ComparatorLayer, n: number): { keep: tf.Tensor1D; sLo: tf.Tensor2D; sHi: tf.Tensor2D } {
  const k = layer.lo.length;
  const keep = new Float32Array(n).fill(1);
  const sLo = new Float32Array(k * n);
  const sHi = new Float32Array(k * n);
  layer.lo.forEach((w, c) => {
    keep[w] = 0;
    sLo[c * n + w] = 1;
  });
  layer.hi.forEach((w, c) => {
    keep[w] = 0;
    sHi[c * n + w] = 1;
  });
  return { keep: tf.tensor1d(keep), sLo: tf.tensor2d(sLo, [k, n]), sHi: tf.tensor2d(sHi, [k, n]) };
}

/**
 * One relaxed comparator layer (DSN, ICML 2021) as tfjs ops: mixes wire pairs along the last axis of
 * `t: [R, n]` or `[R, m, n]` with per-row weights `alpha: [R, k]`:
 * `t_lo ← α·t_lo + (1−α)·t_hi`, `t_hi ← (1−α)·t_lo + α·t_hi`.
 *
 * @example
 * const y = mixPairsReference(tf.tensor2d([[3, 1]]), { lo: [0], hi: [1] }, tf.tensor2d([[0.9]]));
 * // [[1.2, 2.8]]
 */
export function mixPairsReference(t: tf.Tensor, layer: ComparatorLayer, alpha: tf.Tensor2D): tf.Tensor {
  const op = "mixPairsReference";
  const tt = checkTensor(op, "t", t, [2, 3], "[R, n] or [R, m, n]");
  validateLayer(op, layer, tt.shape[tt.rank - 1] as number);
  const at = checkTensor(op, "alpha", alpha, [2], "[R, k]");
  if (at.shape[0] !== tt.shape[0] || at.shape[1] !== layer.lo.length) {
    throw new RelaxError(op, "alpha", `[${tt.shape[0]}, ${layer.lo.length}] (rows of t, comparators of layer)`, describe(at));
  }
  return mixPairs(tt, layer, at as tf.Tensor2D);
}

/** {@link mixPairsReference} without argument checks (internal). */
function mixPairs(t: tf.Tensor, layer: ComparatorLayer, alpha: tf.Tensor2D): tf.Tensor {
  return tf.tidy(() => {
    const n = t.shape[t.rank - 1] as number;
    const k = layer.lo.length;
    const lo = tf.tensor1d(layer.lo, "int32");
    const hi = tf.tensor1d(layer.hi, "int32");
    const a = t.rank === 3 ? tf.reshape(alpha, [alpha.shape[0], 1, k]) : alpha;
    const tLo = tf.gather(t, lo, t.rank - 1);
    const tHi = tf.gather(t, hi, t.rank - 1);
    const newLo = tf.add(tf.mul(a, tLo), tf.mul(tf.sub(1, a), tHi));
    const newHi = tf.add(tf.mul(tf.sub(1, a), tLo), tf.mul(a, tHi));
    const { keep, sLo, sHi } = placement(layer, n);
    const flat = (u: tf.Tensor): tf.Tensor2D => tf.reshape(u, [-1, k]) as tf.Tensor2D;
    const placed = tf.add(tf.matMul(flat(newLo), sLo), tf.matMul(flat(newHi), sHi));
    return tf.add(tf.mul(t, keep), tf.reshape(placed, t.shape));
  });
}

/**
 * The values pass of a relaxed sorting network as tfjs ops (reference): α of every layer for `x: [R, n]`
 * and the values after the network.
 *
 * @example
 * const { sorted, alphas } = valuesReference(x, oddEvenNetwork(4), { steepness: 10 });
 */
export function valuesReference(
  x: tf.Tensor2D,
  layers: ComparatorLayer[],
  options: ComparatorOptions,
): { sorted: tf.Tensor2D; alphas: tf.Tensor2D[] } {
  const a = checkNetworkArgs("valuesReference", x, layers, options);
  return tf.tidy(() => valuesPass(a.x, a.layers, a.options));
}

/** {@link valuesReference} without argument checks; must run inside `tf.tidy` (internal). */
function valuesPass(x: tf.Tensor2D, layers: ComparatorLayer[], options: ComparatorOptions): { sorted: tf.Tensor2D; alphas: tf.Tensor2D[] } {
  const sig = comparatorSigmoid("diffSort", options);
  let v: tf.Tensor = layers.length === 0 ? tf.clone(x) : x; // never return the caller's tensor itself
  const alphas: tf.Tensor2D[] = [];
  for (const layer of layers) {
    const vLo = tf.gather(v, tf.tensor1d(layer.lo, "int32"), 1);
    const vHi = tf.gather(v, tf.tensor1d(layer.hi, "int32"), 1);
    const alpha = sig.fTensor(tf.sub(vHi, vLo)) as tf.Tensor2D;
    alphas.push(alpha);
    v = mixPairs(v, layer, alpha);
  }
  return { sorted: v as tf.Tensor2D, alphas };
}

/**
 * Reference differentiable sorting network (DSN, ICML 2021) from tfjs ops, one set of ops per layer, on
 * `x: [R, n]`: ascending relaxed sorted values `[R, n]` and the relaxed permutation matrix `[R, n, n]` in
 * the papers' convention (`P[r, j, i]`; built in the code convention and transposed once). Defines the
 * numbers the fused kernel is tested against; gradients by tfjs autodiff.
 *
 * @example
 * const { sorted, permutation } = diffSortReference(x, bitonicNetwork(8), { steepness: 10 }, true);
 */
export function diffSortReference(
  x: tf.Tensor2D,
  layers: ComparatorLayer[],
  options: ComparatorOptions,
  withMatrix: boolean,
): { sorted: tf.Tensor2D; permutation: tf.Tensor3D | null } {
  const op = "diffSortReference";
  const a = checkNetworkArgs(op, x, layers, options);
  if (typeof withMatrix !== "boolean") throw new RelaxError(op, "withMatrix", "a boolean", describe(withMatrix));
  return diffSortReferenceUnchecked(a.x, a.layers, a.options, withMatrix);
}

/** {@link diffSortReference} without argument checks (internal: the ops call it with resolved attributes). */
export function diffSortReferenceUnchecked(
  x: tf.Tensor2D,
  layers: ComparatorLayer[],
  options: ComparatorOptions,
  withMatrix: boolean,
): { sorted: tf.Tensor2D; permutation: tf.Tensor3D | null } {
  const out = tf.tidy(() => {
    const [R, n] = x.shape;
    const { sorted, alphas } = valuesPass(x, layers, options);
    if (!withMatrix) return [sorted];
    // Code convention Pc[r, i, j] (input i, position j): the columns (positions) mix like the values.
    let Pc: tf.Tensor = tf.tile(tf.reshape(tf.eye(n), [1, n, n]), [R, 1, 1]);
    layers.forEach((layer, l) => {
      Pc = mixPairs(Pc, layer, alphas[l] as tf.Tensor2D);
    });
    // Without comparators (n = 1) P is constant; keep it on the tape so its gradient is 0, not an error.
    if (layers.length === 0) Pc = tf.add(Pc, tf.mul(tf.reshape(tf.sum(x, 1), [R, 1, 1]), 0));
    return [sorted, tf.transpose(Pc, [0, 2, 1])];
  });
  return { sorted: out[0] as tf.Tensor2D, permutation: (out[1] as tf.Tensor3D | undefined) ?? null };
}

/**
 * Reference of the selection kernel (difftopk, ICML 2022) from tfjs ops: `U0 · P(x)` for `U0: [k, n]`,
 * pushed right-to-left through the layers, `[R, k, n]`.
 *
 * @example
 * const top1 = selectReference(x, bitonicNetwork(8), {}, tf.tensor2d([[0, 0, 0, 0, 0, 0, 0, 1]]));
 */
export function selectReference(x: tf.Tensor2D, layers: ComparatorLayer[], options: ComparatorOptions, U0: tf.Tensor2D): tf.Tensor3D {
  const op = "selectReference";
  const a = checkNetworkArgs(op, x, layers, options);
  const u = checkTensor(op, "U0", U0, [2], "[k, n]");
  if (u.shape[1] !== a.x.shape[1]) throw new RelaxError(op, "U0", `[k, n = ${a.x.shape[1]}]`, describe(u));
  return selectReferenceUnchecked(a.x, a.layers, a.options, u as tf.Tensor2D);
}

/** {@link selectReference} without argument checks (internal). */
export function selectReferenceUnchecked(
  x: tf.Tensor2D,
  layers: ComparatorLayer[],
  options: ComparatorOptions,
  U0: tf.Tensor2D,
): tf.Tensor3D {
  return tf.tidy(() => {
    const R = x.shape[0];
    const [k, n] = U0.shape;
    const { alphas } = valuesPass(x, layers, options);
    let U: tf.Tensor = tf.tile(tf.reshape(U0, [1, k, n]), [R, 1, 1]);
    for (let l = layers.length - 1; l >= 0; l--) U = mixPairs(U, layers[l] as ComparatorLayer, alphas[l] as tf.Tensor2D);
    if (layers.length === 0) U = tf.add(U, tf.mul(tf.reshape(tf.sum(x, 1), [R, 1, 1]), 0));
    return U as tf.Tensor3D;
  });
}
