import * as tf from "@tensorflow/tfjs-core";
import { RelaxError, assertInteger, assertOneOf, assertOptions, describe } from "@relax/core";

function checkSplit(op: string, split: DigitSplit): void {
  if (
    !split ||
    !(split.images instanceof Uint8Array) ||
    !(split.labels instanceof Uint8Array) ||
    !Number.isInteger(split.count) ||
    split.labels.length < split.count ||
    split.images.length < split.count * 784
  )
    throw new RelaxError(op, "split", "a DigitSplit ({ images, labels, count })", describe(split));
}

function downsampleOf(op: string, options: unknown): 1 | 2 {
  const o = assertOptions<{ downsample?: 1 | 2 }>(op, options, ["downsample"]);
  return assertOneOf(op, "downsample", String(o.downsample ?? 1), ["1", "2"] as const) === "2" ? 2 : 1;
}
import type { DigitSplit } from "./mnist.js";
import { createRng, type Rng } from "@relax/core";

/**
 * Sets of multi-digit MNIST numbers for ranking supervision (Petersen et al., ICML 2021, §5: "4-digit MNIST").
 * Each number is `digits` MNIST images side by side (28 × 28·digits); a set holds `n` numbers; only their
 * order is the label. Stored as digit indices into a {@link DigitSplit}; images are rendered on demand.
 */
export interface RankingSets {
  /** Number of sets. */
  count: number;
  /** Numbers per set. */
  n: number;
  /** Digits per number. */
  digits: number;
  /** Index into the split of every digit, `[count, n, digits]` flattened. */
  indices: Int32Array;
  /** The value of every number, `[count, n]` flattened (e.g. 4-digit: 0 … 9999). */
  values: Float32Array;
}

/** Options for {@link sampleRankingSets}. */
export interface RankingSetOptions {
  /** Numbers per set (default 5). */
  n?: number;
  /** Digits per number (default 4). */
  digits?: number;
}

/**
 * Draws `count` ranking sets: every digit image is drawn uniformly from the split (so digit classes follow
 * the split's frequencies), the number is the concatenation of the digits' labels.
 *
 * @param split training or test digits from `splitMnist`
 * @param count number of sets
 * @param rng a seeded generator (`createRng(seed)`)
 * @returns indices `[count, n, digits]` and values `[count, n]`
 * @example
 * const rng = createRng(0);
 * const batch = sampleRankingSets(train, 32, rng, { n: 5 });
 * const { x, y } = rankingSetsToTensors(train, batch);   // x [160, 28, 112, 1], y [32, 5]
 */
export function sampleRankingSets(split: DigitSplit, count: number, rng: Rng, options: RankingSetOptions = {}): RankingSets {
  assertOptions<RankingSetOptions>("sampleRankingSets", options, ["n", "digits"]);
  checkSplit("sampleRankingSets", split);
  if (!rng || typeof rng.int !== "function") throw new RelaxError("sampleRankingSets", "rng", "an Rng (createRng)", describe(rng));
  const n = assertInteger("sampleRankingSets", "n", options.n ?? 5, 1, 1 << 20);
  const digits = assertInteger("sampleRankingSets", "digits", options.digits ?? 4, 1, 9);
  assertInteger("sampleRankingSets", "count", count, 1, 1 << 24);
  if (count * n * digits > 1 << 28)
    throw new RelaxError("sampleRankingSets", "count", "at most 2^28 digits in all", `${count}×${n}×${digits}`);
  if (split.count < 1) throw new RelaxError("sampleRankingSets", "split", "a non-empty digit split", "0 digits");
  const indices = new Int32Array(count * n * digits);
  const values = new Float32Array(count * n);
  for (let k = 0; k < count * n; k++) {
    let v = 0;
    for (let d = 0; d < digits; d++) {
      const idx = rng.int(split.count);
      indices[k * digits + d] = idx;
      v = v * 10 + (split.labels[idx] as number);
    }
    values[k] = v;
  }
  return { count, n, digits, indices, values };
}

/**
 * The fixed held-out evaluation sets: `count` sets (default 1,000) drawn from the test split with their own seed,
 * so every run, model and backend is scored on the same sets.
 *
 * @example
 * const evalSets = makeEvalSets(test, { n: 5, count: 1000, seed: 1234 });
 */
export function makeEvalSets(split: DigitSplit, options: RankingSetOptions & { count?: number; seed?: number } = {}): RankingSets {
  const { count, seed, ...rest } = assertOptions<RankingSetOptions & { count?: number; seed?: number }>("makeEvalSets", options, [
    "n",
    "digits",
    "count",
    "seed",
  ]);
  return sampleRankingSets(split, count ?? 1000, createRng(seed ?? 1234), rest);
}

/** A slice `[from, to)` of the sets (views, no copy). */
export function sliceRankingSets(sets: RankingSets, from: number, to: number): RankingSets {
  if (!sets || !(sets.indices instanceof Int32Array)) throw new RelaxError("sliceRankingSets", "sets", "RankingSets", describe(sets));
  assertInteger("sliceRankingSets", "from", from, 0, sets.count);
  assertInteger("sliceRankingSets", "to", to, from, sets.count);
  const per = sets.n * sets.digits;
  return {
    count: to - from,
    n: sets.n,
    digits: sets.digits,
    indices: sets.indices.subarray(from * per, to * per),
    values: sets.values.subarray(from * sets.n, to * sets.n),
  };
}

/**
 * Renders the images of ranking sets: `[count·n, 28, 28·digits]` floats in [0, 1] (row-major, set-major).
 * With `downsample: 2` every 2×2 block is averaged (`[count·n, 14, 14·digits]`), which is what the fast
 * default model of the example reads.
 */
export function renderRankingImages(split: DigitSplit, sets: RankingSets, options: { downsample?: 1 | 2 } = {}): Float32Array {
  const f = downsampleOf("renderRankingImages", options);
  checkSplit("renderRankingImages", split);
  if (!sets || !(sets.indices instanceof Int32Array)) throw new RelaxError("renderRankingImages", "sets", "RankingSets", describe(sets));
  const side = 28 / f;
  const width = side * sets.digits;
  const images = sets.count * sets.n;
  const out = new Float32Array(images * side * width);
  const scale = 1 / (255 * f * f);
  for (let k = 0; k < images; k++) {
    const base = k * side * width;
    for (let d = 0; d < sets.digits; d++) {
      const src = (sets.indices[k * sets.digits + d] as number) * 784;
      const img = split.images;
      if (f === 1) {
        for (let r = 0; r < 28; r++) {
          const o = base + r * width + d * 28;
          const s = src + r * 28;
          for (let c = 0; c < 28; c++) out[o + c] = (img[s + c] as number) * scale;
        }
      } else {
        for (let r = 0; r < side; r++) {
          const o = base + r * width + d * side;
          const s0 = src + 2 * r * 28;
          for (let c = 0; c < side; c++) {
            const s = s0 + 2 * c;
            out[o + c] = ((img[s] as number) + (img[s + 1] as number) + (img[s + 28] as number) + (img[s + 29] as number)) * scale;
          }
        }
      }
    }
  }
  return out;
}

/**
 * Tensors of ranking sets: `x` `[count·n, H, W, 1]` images and `y` `[count, n]` numbers (the ranking targets).
 *
 * @example
 * const { x, y } = rankingSetsToTensors(test, evalSets);
 * const scores = tf.reshape(model.apply(x), [evalSets.count, evalSets.n]);
 */
export function rankingSetsToTensors(
  split: DigitSplit,
  sets: RankingSets,
  options: { downsample?: 1 | 2 } = {},
): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const f = downsampleOf("rankingSetsToTensors", options);
  const side = 28 / f;
  const x = tf.tensor4d(renderRankingImages(split, sets, { downsample: f }), [sets.count * sets.n, side, side * sets.digits, 1]);
  const y = tf.tensor2d(sets.values, [sets.count, sets.n]);
  return { x, y };
}
