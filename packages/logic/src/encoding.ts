import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertInteger, assertOneOf, assertOptions, assertRank, describe } from "@relax/core";
import { withFloatInput } from "./check.js";

/** Largest number of thresholds / bins per feature accepted. */
const MAX_BINS = 4096;
const ENCODING_KINDS: readonly EncodingKind[] = ["thresholds", "thermometer", "one-hot"];
/** Options of {@link thermometerEncoder} and {@link oneHotBinEncoder}. */
interface BinOptions {
  bins: number;
  min?: number;
  max?: number;
}

/** How an {@link InputEncoder} turns one real feature into bits. */
export type EncodingKind = "thresholds" | "thermometer" | "one-hot";

/**
 * Turns real inputs into bits for a logic gate network (NeurIPS 2022 §5 uses thresholds, e.g. 3 or
 * 31 thresholds per CIFAR-10 channel). Feature i becomes `bitsPerFeature` consecutive bits
 * `[i·T, (i+1)·T)`. `encode` works on tensors (0/1 float32, for training), `encodeBytes` on flat
 * arrays (Uint8Array, for compiled bit-packed inference).
 */
export class InputEncoder {
  readonly kind: EncodingKind;
  /** Sorted thresholds (thermometer / thresholds) or inner bin edges (one-hot). */
  readonly edges: Float64Array;
  readonly bitsPerFeature: number;

  constructor(kind: EncodingKind, edges: ArrayLike<number>) {
    const op = "InputEncoder";
    assertOneOf(op, "kind", kind, ENCODING_KINDS);
    if (edges === null || typeof edges !== "object" || typeof (edges as ArrayLike<number>).length !== "number")
      throw new RelaxError(op, "thresholds", "an array of numbers", describe(edges));
    if (edges.length > MAX_BINS) throw new RelaxError(op, "thresholds", `at most ${MAX_BINS} values`, String(edges.length));
    for (let i = 0; i < edges.length; i++)
      if (typeof edges[i] !== "number") throw new RelaxError(op, "thresholds", "numbers", `${describe(edges[i])} at ${i}`);
    const e = Float64Array.from(edges);
    if (e.length === 0 && kind !== "one-hot") throw new RelaxError(op, "thresholds", "at least one threshold", "none");
    for (let i = 0; i < e.length; i++) {
      if (!Number.isFinite(e[i] as number) || (i > 0 && (e[i] as number) <= (e[i - 1] as number))) {
        throw new RelaxError(op, "thresholds", "finite, strictly increasing numbers", describe(Array.from(e)));
      }
    }
    this.kind = kind;
    this.edges = e;
    this.bitsPerFeature = kind === "one-hot" ? e.length + 1 : e.length;
  }

  /** Bit t of a value v. */
  private bit(v: number, t: number): boolean {
    const e = this.edges;
    if (this.kind !== "one-hot") return v > (e[t] as number);
    const lo = t === 0 ? -Infinity : (e[t - 1] as number);
    const hi = t === e.length ? Infinity : (e[t] as number);
    return v >= lo && v < hi;
  }

  /**
   * `[batch, n]` real values → `[batch, n·bitsPerFeature]` 0/1 (float32).
   *
   * @example
   * thermometerEncoder({ bins: 3 }).encode([[0.1, 0.9]]); // [[0,0,0, 1,1,1]]
   */
  encode(x: tf.Tensor | tf.TensorLike): tf.Tensor2D {
    const op = "InputEncoder.encode";
    return withFloatInput(op, "x", x, (xt) => {
      assertRank(op, "x", xt, [2], "[batch, n]");
      const [batch, n] = xt.shape as [number, number];
      if (n === 0) return tf.zeros([batch, 0]) as tf.Tensor2D;
      return tf.tensor2d(this.encodeBytes(xt.dataSync(), n), [batch, n * this.bitsPerFeature], "float32");
    });
  }

  /** Flat `[batch, n]` values → flat `[batch, n·bitsPerFeature]` bytes (0/1). NaN → error. */
  encodeBytes(x: ArrayLike<number>, numFeatures: number): Uint8Array {
    const op = "InputEncoder.encodeBytes";
    assertInteger(op, "numFeatures", numFeatures, 1);
    if (x === null || typeof x !== "object" || typeof x.length !== "number") throw new RelaxError(op, "x", "a numeric array", describe(x));
    if (x.length % numFeatures !== 0) throw new RelaxError(op, "x", `a multiple of ${numFeatures} values`, String(x.length));
    const T = this.bitsPerFeature;
    const out = new Uint8Array(x.length * T);
    for (let i = 0; i < x.length; i++) {
      const v = x[i] as number;
      if (typeof v !== "number" || Number.isNaN(v))
        throw new RelaxError(op, "x", "numbers, no NaN (±Inf are above / below every threshold)", `${describe(v)} at flat index ${i}`);
      for (let t = 0; t < T; t++) out[i * T + t] = this.bit(v, t) ? 1 : 0;
    }
    return out;
  }
}

function evenEdges(op: string, count: number, min: number, max: number): number[] {
  if (typeof min !== "number" || !Number.isFinite(min)) throw new RelaxError(op, "min", "a finite number", describe(min));
  if (typeof max !== "number" || !Number.isFinite(max) || max <= min || !Number.isFinite(max - min))
    throw new RelaxError(op, "max", `a finite number > min (${min})`, describe(max));
  return Array.from({ length: count }, (_, t) => min + ((max - min) * (t + 1)) / (count + 1));
}

/**
 * Fixed thresholds: bit t = `x > thresholds[t]` (e.g. `[0.5]` binarises MNIST pixels as the reference).
 *
 * @example
 * const enc = thresholdEncoder([0.25, 0.5, 0.75]);
 * const bits = enc.encode(images); // [batch, 3·n]
 */
export function thresholdEncoder(thresholds: number[]): InputEncoder {
  if (!Array.isArray(thresholds)) throw new RelaxError("thresholdEncoder", "thresholds", "an array of numbers", describe(thresholds));
  return new InputEncoder("thresholds", thresholds);
}

/**
 * Thermometer code with `bins` evenly spaced thresholds in (min, max): bit t = `x > min + (max−min)·(t+1)/(bins+1)`
 * (defaults min 0, max 1).
 *
 * @example
 * thermometerEncoder({ bins: 31 }).encode(cifarPixels); // 31 bits per channel value
 */
export function thermometerEncoder(options: { bins: number; min?: number; max?: number }): InputEncoder {
  const op = "thermometerEncoder";
  if (options === undefined) throw new RelaxError(op, "options", "{ bins, min?, max? }", "undefined");
  const opts = assertOptions<BinOptions>(op, options, ["bins", "min", "max"]);
  const bins = assertInteger(op, "bins", opts.bins, 1, MAX_BINS);
  return new InputEncoder("thermometer", evenEdges(op, bins, opts.min ?? 0, opts.max ?? 1));
}

/**
 * One-hot bins: `bins` equal-width bins over [min, max] (values outside fall into the first / last
 * bin); exactly one bit per feature is 1.
 *
 * @example
 * oneHotBinEncoder({ bins: 4 }).encode([[0.3]]); // [[0, 1, 0, 0]]
 */
export function oneHotBinEncoder(options: { bins: number; min?: number; max?: number }): InputEncoder {
  const op = "oneHotBinEncoder";
  if (options === undefined) throw new RelaxError(op, "options", "{ bins, min?, max? }", "undefined");
  const opts = assertOptions<BinOptions>(op, options, ["bins", "min", "max"]);
  const bins = assertInteger(op, "bins", opts.bins, 1, MAX_BINS);
  const min = opts.min ?? 0;
  const max = opts.max ?? 1;
  evenEdges(op, 1, min, max);
  const inner = bins > 1 ? evenEdges(op, bins - 1, min, max).map((_, t) => min + ((max - min) * (t + 1)) / bins) : [];
  return new InputEncoder("one-hot", inner);
}
